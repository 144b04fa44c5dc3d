// The operator's own health score, 0–100, from what the runtime and the journal saw in one cycle.
import type { RuntimeSignals } from './journal.js';

/** How much each part weighs; the parts are 0–1 and the score is their weighted sum × 100. */
export const HealthWeights = { reconciles: 0.35, actions: 0.25, queue: 0.2, latency: 0.2 } as const;

/** A queue this deep halves the queue part: the workers are falling behind. */
const QUEUE_HALF_DEPTH = 100;
/** API latency up to this is perfect; at LATENCY_ZERO_MS the latency part is 0. */
const LATENCY_GOOD_MS = 100;
const LATENCY_ZERO_MS = 2000;

export interface OperatorHealth {
  score: number;
  /** Each part, 0–100, so a low score says where it comes from. */
  components: Record<keyof typeof HealthWeights, number>;
}

export function operatorHealth(
  signals: Pick<RuntimeSignals, 'reconciles' | 'reconcileErrors' | 'queueDepth' | 'apiLatencyMs'>,
  actions: { executed: number; failed: number },
): OperatorHealth {
  const parts = {
    reconciles: 1 - ratio(signals.reconcileErrors, signals.reconciles),
    actions: 1 - ratio(actions.failed, actions.executed),
    queue: 1 / (1 + Math.max(0, finite(signals.queueDepth)) / QUEUE_HALF_DEPTH),
    latency: clamp01(
      1 - (finite(signals.apiLatencyMs) - LATENCY_GOOD_MS) / (LATENCY_ZERO_MS - LATENCY_GOOD_MS),
    ),
  };
  const score = Object.entries(parts).reduce(
    (sum, [part, value]) => sum + HealthWeights[part as keyof typeof HealthWeights] * value,
    0,
  );
  return {
    score: Math.round(100 * score),
    components: Object.fromEntries(
      Object.entries(parts).map(([part, value]) => [part, Math.round(100 * value)]),
    ) as OperatorHealth['components'],
  };
}

/** part / whole within 0–1; 0 when nothing happened. */
const ratio = (part: number, whole: number) => (whole > 0 ? clamp01(finite(part) / whole) : 0);
const clamp01 = (value: number) => Math.min(1, Math.max(0, value));
const finite = (value: number) => (Number.isFinite(value) ? value : 0);
