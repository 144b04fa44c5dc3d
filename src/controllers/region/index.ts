// The RegionPair module: the --region flag, the controller, and its lines in `autopilot plan`.
import { REGION_PAIRS, type RegionPairResource } from '../../api/v1alpha1/index.js';
import { optionalFlag } from '../../runtime/flags.js';
import type { PlanRow } from '../../runtime/module.js';
import { defineKindModule } from '../shared.js';
import { regionPairController } from './controller.js';

export const regionModule = defineKindModule({
  name: 'regionpair',
  kind: 'RegionPair',
  flags: {
    region: optionalFlag({
      help: "this cluster's region, as RegionPairs name it (primary.name or backup.name); empty: RegionPairs hold with NotInPair",
      default: '',
      placeholder: 'NAME',
    }),
  },
  setup(manager, settings) {
    manager.add(
      regionPairController(manager, { region: settings.region ?? '', defaultMode: settings.defaultMode }),
    );
  },
  /**
   * A region's decision rests on the leader's own probe windows and heartbeat watch, which a one-off
   * command does not have (a fresh prober decides nothing on a cold start): the plan shows what the
   * operator of this cluster decided last, on its own view, and where the pair stands.
   */
  async plan({ client, namespace }) {
    const { items } = await client.list<RegionPairResource>(REGION_PAIRS, namespace);
    return items.map((pair): PlanRow => {
      const { status } = pair;
      const decision = status?.lastDecision;
      const where = status?.activeRegion
        ? `${status.phase ?? ''} ${status.activeRegion}@${status.fencing?.epoch ?? '?'}`.trim()
        : 'Pending';
      return {
        namespace: pair.metadata.namespace,
        name: pair.metadata.name,
        state: status?.region ? `${where} (view of ${status.region})` : where,
        decision: decision?.action ?? '-',
        gate: decision?.state ?? '-',
        reason: decision ? `${decision.reason} (decided ${decision.decidedAt})` : 'not reconciled yet',
      };
    });
  },
});
