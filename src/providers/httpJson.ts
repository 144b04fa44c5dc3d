// Reads business metrics from a JSON endpoint, one dot path per metric (like Argo Rollouts' web provider).
import type { MetricName, MetricsObservation } from '../engine/venture/metrics.js';
import { getJson } from './http.js';

/** `a.b.0.c` → document.a.b[0].c, or undefined when any step is missing. */
export function atPath(document: unknown, path: string): unknown {
  return path
    .split('.')
    .filter(Boolean)
    .reduce<unknown>(
      (node, key) =>
        node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined,
      document,
    );
}

/** RFC 3339 text or Unix seconds → epoch ms; anything else → NaN (the engine then refuses the sample). */
function sampleTime(value: unknown): number {
  if (typeof value === 'number') return value * 1000;
  if (typeof value === 'string')
    return /^\d+(\.\d+)?$/.test(value) ? Number(value) * 1000 : Date.parse(value);
  return NaN;
}

export async function readHttpJson(
  url: string,
  paths: Partial<Record<MetricName, string>>,
  timestampPath: string | undefined,
  authorization?: string,
): Promise<MetricsObservation> {
  const { body, date } = await getJson(url, {
    headers: authorization ? { authorization } : {},
    reason: 'MetricsEndpointUnreachable',
  });
  const at = timestampPath ? sampleTime(atPath(body, timestampPath)) : (date ?? NaN);
  const observation: MetricsObservation = {};
  for (const [metric, path] of Object.entries(paths)) {
    const value = atPath(body, path);
    // Strings such as "12.5" are numbers to the engine only if they parse; null and absent are missing.
    if (value !== undefined && value !== null)
      observation[metric as MetricName] = { value: Number(value), at };
  }
  return observation;
}
