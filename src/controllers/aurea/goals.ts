// The AureaGoal controller: measures a goal's metric (the loop's own series, or a Prometheus query), tracks
// it with the engine into status (progress, forecast, phase), tells each phase change in an Event, and
// looks again after spec.interval (source-Operator goals also right after each loop cycle).
import type { AureaGoalSpec } from '../../api/v1alpha1/aureaGoal.js';
import { AUREA_GOALS, type AureaGoalResource } from '../../api/v1alpha1/index.js';
import {
  measurementDue,
  nextLook,
  operatorReading,
  trackGoal,
  type Reading,
} from '../../engine/aurea/goal.js';
import type { OperatorReadings } from '../../engine/aurea/metrics.js';
import { ProviderError } from '../../providers/http.js';
import { readPrometheusValue } from '../../providers/prometheus.js';
import type { Manager } from '../../runtime/manager.js';
import { replaceContents } from '../../runtime/objects.js';
import { objectController } from '../../runtime/reconciler.js';
import type { Source } from '../../runtime/sources.js';

/** What the goal controller needs of the loop: its latest readings, and keys sent after each cycle. */
export interface LoopReadings {
  readonly readings: { readings: OperatorReadings; at: number } | undefined;
  readonly cycles: Source;
}

/**
 * The goal's reading now: the loop's latest cycle (none before its first), or the Prometheus query
 * (the goal's address, else the operator's); a failure is a reason and a message, never an exception.
 */
export async function readGoal(
  spec: AureaGoalSpec,
  loop: Pick<LoopReadings, 'readings'>,
  prometheusAddress: string | undefined,
): Promise<Reading | undefined> {
  const { metric } = spec;
  if (metric.source === 'Operator') {
    const latest = loop.readings;
    return latest && operatorReading(metric.name, latest.readings, latest.at);
  }
  const address = metric.address ?? prometheusAddress;
  if (!address) {
    return {
      ok: false,
      reason: 'NoPrometheusAddress',
      message: 'set spec.metric.address or run the operator with --prometheus-address',
    };
  }
  try {
    const sample = await readPrometheusValue(address, {
      name: `the ${metric.name} query`,
      query: metric.query ?? '',
      queryField: 'spec.metric.query',
      settingsField: 'spec.metric',
      kind: 'AureaGoal',
    });
    if (sample) return { ok: true, ...sample };
    return {
      ok: false,
      reason: 'MetricNoData',
      message: `the ${metric.name} query returned no series: nothing scraped matches it (yet)`,
    };
  } catch (err) {
    if (err instanceof ProviderError) return { ok: false, reason: err.reason, message: err.message };
    throw err;
  }
}

export function goalController(manager: Manager, loop: LoopReadings, prometheusAddress: string | undefined) {
  return objectController<AureaGoalResource>(manager, {
    name: 'aureagoal',
    kind: AUREA_GOALS,
    sources: [loop.cycles],
    async reconcile(goal, ctx) {
      const { spec } = goal;
      const due = measurementDue(spec, ctx.status, ctx.now);
      const reading = due ? await readGoal(spec, loop, prometheusAddress) : undefined;
      const update = trackGoal(spec, ctx.status, reading, ctx.now);
      const { conditions } = ctx.status;
      replaceContents(ctx.status, { ...update.state, ...(conditions && { conditions }) });
      for (const c of update.conditions) ctx.conditions.set(c.type, c.status, c.reason, c.message);
      if (update.change) {
        const { change } = update;
        ctx.logger.info({ from: change.from, to: change.to, message: change.message }, 'goal phase changed');
        await ctx.events[change.warning ? 'warning' : 'normal'](change.reason, change.message);
      }
      const next = nextLook(spec, update, ctx.now);
      return next === undefined ? {} : { requeueAfterMs: next };
    },
  });
}
