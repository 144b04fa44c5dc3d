// The AUREA module: the loop (a leader-only runnable), the AureaGoal controller, GET /status on the
// operator's listeners, their flags, and the goals' lines in `autopilot plan`.
import type { AureaGoalResource } from '../../api/v1alpha1/index.js';
import { AUREA_GOALS } from '../../api/v1alpha1/index.js';
import { measurementDue, trackGoal } from '../../engine/aurea/goal.js';
import { Modes } from '../../engine/mode.js';
import { durationFlag, enumFlag, intFlag, optionalFlag } from '../../runtime/flags.js';
import type { PlanRow } from '../../runtime/module.js';
import { defineKindModule } from '../shared.js';
import { goalController, readGoal } from './goals.js';
import { AureaLoop } from './loop.js';
import { readSavedStatus, viewAsOf } from './memory.js';

export const aureaModule = defineKindModule({
  name: 'aurea',
  kind: 'AureaGoal',
  flags: {
    aureaInterval: durationFlag({
      help: 'how often the AUREA loop runs a cycle',
      default: '30s',
      minMs: 1000,
    }),
    aureaAutonomy: enumFlag(Modes, {
      help: 'goals AUREA sets itself: Observe recommends them in Events, Supervised creates them suspended, Autonomous active',
      default: 'Observe',
      placeholder: 'MODE',
    }),
    aureaNamespace: optionalFlag({
      help: "namespace of AUREA's memory ConfigMap and its own goals (default: --namespace, else the Lease's)",
      default: '',
      placeholder: 'NS',
    }),
    aureaMaxExtraConfirmations: intFlag({
      help: 'the most confirmations AUREA may add to a kind of decision from its outcomes (0: no learning)',
      default: '2',
      min: 0,
    }),
  },
  setup(manager, settings) {
    const namespace = settings.aureaNamespace ?? manager.homeNamespace;
    const loop = new AureaLoop(manager, {
      intervalMs: settings.aureaInterval,
      autonomy: settings.aureaAutonomy,
      namespace,
      maxExtraConfirmations: settings.aureaMaxExtraConfirmations,
    });
    manager.add(goalController(manager, loop, settings.prometheusAddress));
    manager.runnable(loop.runnable());
    // The leader answers from the loop itself; a follower from what the leader saved.
    manager.route('/status', async () => {
      if (loop.running) return json(200, loop.view());
      const saved = await readSavedStatus(manager.client, namespace);
      return 'status' in saved
        ? json(200, viewAsOf(saved.status, manager.clock.now()))
        : json(503, { running: false, reason: saved.missing });
    });
  },
  /** Each goal: where it stands, and what measuring it now would change (Prometheus goals are queried). */
  async plan({ client, namespace, now }, settings) {
    const { items } = await client.list<AureaGoalResource>(AUREA_GOALS, namespace);
    const rows: PlanRow[] = [];
    for (const goal of items) {
      const { spec, status } = goal;
      const reading =
        spec.metric.source === 'Prometheus' && measurementDue(spec, status, now)
          ? await readGoal(spec, { readings: undefined }, settings.prometheusAddress)
          : undefined;
      const update = trackGoal(spec, status, reading, now);
      const progress = (p: number | undefined) => (p === undefined ? '' : ` ${p}%`);
      const ready = update.conditions.find((c) => c.type === 'Ready');
      rows.push({
        namespace: goal.metadata.namespace,
        name: goal.metadata.name,
        state: `${status?.phase ?? 'New'}${progress(status?.progress)}`,
        decision: `${update.state.phase ?? 'New'}${progress(update.state.progress)}`,
        gate: '-',
        reason:
          update.change?.message ??
          update.state.forecast?.summary ??
          (ready ? `${ready.reason}: ${ready.message}` : ''),
      });
    }
    return rows;
  },
});

const json = (status: number, body: unknown) => ({
  status,
  contentType: 'application/json',
  body: `${JSON.stringify(body, null, 2)}\n`,
});
