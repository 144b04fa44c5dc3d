// What the prober checks for a RegionPair: each region's health endpoint, on the pair's interval, judged by
// the seed's regional trigger mapped onto the shared probe window.
import { parseDuration } from '../../api/duration.js';
import type { RegionPairSpec } from '../../api/v1alpha1/regionPair.js';
import { regionProbeRules } from '../../engine/region/health.js';
import type { ProbeTarget } from '../../providers/prober.js';

/** Any answer from 200 to 399 is healthy, as a load balancer's health check counts it. */
const HEALTHY = { min: 200, max: 399 };

export function probeTargets(spec: RegionPairSpec): ProbeTarget[] {
  const rules = regionProbeRules(spec);
  const intervalMs = parseDuration(spec.healthCheck.interval);
  return [spec.primary, spec.backup].map((region) => ({
    name: region.name,
    url: region.endpoint,
    method: 'GET',
    expectedStatus: HEALTHY,
    intervalMs,
    rules,
  }));
}
