// The policies a scenario is run under, all on the same draws: doing nothing, the seed's thresholds
// applied naively, AutoPilot as it ships (schema defaults, operator guards) and with other review
// periods, what-ifs proposed from the results, and the hindsight oracle.
import { parseDuration } from '../api/duration.js';
import { SEED_POLICY, VentureSpec } from '../api/v1alpha1/venture.js';
import {
  DEFAULT_CIRCUIT_BREAKER,
  DEFAULT_RATE_LIMIT,
  type TerminationPolicy,
} from '../engine/venture/guards.js';

/** The schema's defaults of a Venture that sets nothing but what the scenario gives. */
const schemaDefault = (schema: unknown): string => (schema as { default: string }).default;
const metrics = VentureSpec.properties.metrics.properties;
export const DEFAULT_INTERVAL_MS = parseDuration(schemaDefault(metrics.interval));
export const DEFAULT_MAX_SAMPLE_AGE_MS = parseDuration(schemaDefault(metrics.maxSampleAge));
export const DEFAULT_SCALE_FACTOR = (VentureSpec.properties.scaling.default as { factor: number }).factor;

/** `autopilot run`'s defaults: --terminations-per-hour 1, --circuit-breaker-share 0.5. */
export const OPERATOR_GUARDS: TerminationPolicy = {
  rateLimit: DEFAULT_RATE_LIMIT,
  maxShare: DEFAULT_CIRCUIT_BREAKER.maxShare,
};

export interface EnginePolicy {
  kind: 'engine';
  name: string;
  label: string;
  policy: VentureSpec['policy'];
  /** metrics.interval: how often each venture is audited. */
  intervalMs: number;
  maxSampleAgeMs: number;
  /** The operator's termination guards; none: every Terminate goes ahead. */
  guards?: TerminationPolicy;
  /** Whether Scale waits out spec.scaling.cooldown (by default one business period). */
  cooldown: boolean;
  /** What-if, not in the product: a failing streak terminates once it has lasted this long, whatever its audit count. */
  reviewDurationMs?: number;
  /** What-if, not in the product: an audit whose profit-margin trend is Improving does not fail. */
  spareImproving?: boolean;
}

export type Policy =
  | { kind: 'static'; name: 'static'; label: string }
  | { kind: 'oracle'; name: 'oracle' | 'oracle-stops'; label: string; resizes: boolean }
  | EnginePolicy;

const autopilot = (name: string, label: string, changes: Partial<EnginePolicy> = {}): EnginePolicy => ({
  kind: 'engine',
  name,
  label,
  policy: SEED_POLICY,
  intervalMs: DEFAULT_INTERVAL_MS,
  maxSampleAgeMs: DEFAULT_MAX_SAMPLE_AGE_MS,
  guards: OPERATOR_GUARDS,
  cooldown: true,
  ...changes,
});

const DAY_MS = 24 * 3_600_000;
const review = (n: number) => ({ ...SEED_POLICY, reviewPeriod: n });

export const POLICIES: readonly Policy[] = [
  { kind: 'static', name: 'static', label: 'static (never act)' },
  {
    kind: 'engine',
    name: 'naive',
    label: 'seed-naive (first crossing, no guards)',
    policy: review(1),
    intervalMs: DEFAULT_INTERVAL_MS,
    maxSampleAgeMs: DEFAULT_MAX_SAMPLE_AGE_MS,
    cooldown: false,
  },
  autopilot('autopilot', `AutoPilot defaults (review ${SEED_POLICY.reviewPeriod})`),
  autopilot('review-1', 'AutoPilot, review 1', { policy: review(1) }),
  autopilot('review-6', 'AutoPilot, review 6', { policy: review(6) }),
  autopilot('interval-30d', 'what-if: metrics.interval 720h', { intervalMs: 30 * DAY_MS }),
  autopilot('review-60d', 'what-if: review lasts 60 days', { reviewDurationMs: 60 * DAY_MS }),
  autopilot('review-60d-improving', 'what-if: review 60 days, improving spared', {
    reviewDurationMs: 60 * DAY_MS,
    spareImproving: true,
  }),
  {
    kind: 'oracle',
    name: 'oracle-stops',
    label: 'hindsight stops only (starting replicas)',
    resizes: false,
  },
  { kind: 'oracle', name: 'oracle', label: 'hindsight oracle', resizes: true },
];

export function policiesNamed(names: readonly string[]): Policy[] {
  return names.map((name) => {
    const policy = POLICIES.find((p) => p.name === name);
    if (!policy)
      throw new Error(`unknown policy "${name}"; known: ${POLICIES.map((p) => p.name).join(', ')}`);
    return policy;
  });
}
