// The FallbackProtocol module: its flags, its controller and prober, and its lines in `autopilot plan`.
import { FALLBACK_PROTOCOLS, type FallbackProtocolResource } from '../../api/v1alpha1/index.js';
import { activeTargetOf, decideFailover } from '../../engine/fallback/decide.js';
import type { TargetHealth } from '../../engine/fallback/health.js';
import { decisionState, effectiveMode } from '../../engine/mode.js';
import { intFlag } from '../../runtime/flags.js';
import { defineKindModule } from '../shared.js';
import { fallbackController } from './controller.js';

/**
 * The targets' health as the operator last wrote it: `autopilot plan` probes nothing itself (a plan run
 * from a laptop sees other networks than the operator), so it decides from the operator's observations.
 */
function recordedHealth(protocol: FallbackProtocolResource): TargetHealth[] {
  const { healthyProbes } = protocol.spec.failback;
  return (protocol.status?.targets ?? []).map((t) => ({
    ...t,
    proven: t.state === 'Up' && t.consecutiveSuccesses >= healthyProbes,
  }));
}

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
      const health = recordedHealth(protocol);
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
