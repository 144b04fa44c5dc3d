// The FallbackProtocol module: its flags, its controller and prober, and its lines in `autopilot plan`.
import { FALLBACK_PROTOCOLS, type FallbackProtocolResource } from '../../api/v1alpha1/index.js';
import { activeTargetOf, decideFailover } from '../../engine/fallback/decide.js';
import { recordedHealth } from '../../engine/fallback/health.js';
import { decisionState, effectiveMode } from '../../engine/mode.js';
import { intFlag } from '../../runtime/flags.js';
import { defineKindModule } from '../shared.js';
import { fallbackController } from './controller.js';

export const fallbackModule = defineKindModule({
  name: 'fallback',
  kind: 'FallbackProtocol',
  flags: {
    probeConcurrency: intFlag({
      help: 'FallbackProtocol probes in flight at once, over all protocols',
      default: '128',
      min: 1,
    }),
  },
  setup(manager, settings) {
    manager.add(fallbackController(manager, settings));
  },
  async plan({ client, namespace, now }, settings) {
    const { items } = await client.list<FallbackProtocolResource>(FALLBACK_PROTOCOLS, namespace);
    return items.map((protocol) => {
      // The targets' health as the operator last wrote it: a plan probes nothing itself (run from a
      // laptop it sees other networks than the operator), so it decides from the operator's observations.
      const health = recordedHealth(protocol.status?.targets);
      const active = activeTargetOf(protocol.spec, protocol.status);
      const up = health.filter((t) => t.state === 'Up').length;
      const decision = decideFailover(protocol, protocol.status, health, now);
      const mode = effectiveMode(protocol.spec, settings.defaultMode);
      return {
        namespace: protocol.metadata.namespace ?? '',
        name: protocol.metadata.name,
        state: `on ${active}, ${up}/${protocol.spec.targets.length} up`,
        decision: decision.action,
        gate: decisionState(decision, mode, undefined),
        reason: decision.reason,
      };
    });
  },
});
