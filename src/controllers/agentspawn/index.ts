// The AgentSpawn module: its controller, and its lines in `autopilot plan`.
import { AGENT_SPAWNS, type AgentSpawnResource } from '../../api/v1alpha1/index.js';
import { decisionState, effectiveMode, APPROVE_ANNOTATION } from '../../engine/mode.js';
import { num } from '../../engine/format.js';
import type { PlanRow } from '../../runtime/module.js';
import { defineKindModule } from '../shared.js';
import { agentSpawnController } from './controller.js';
import { decideObserved, observePopulation } from './observe.js';

export const agentSpawnModule = defineKindModule({
  name: 'agentspawn',
  kind: 'AgentSpawn',
  flags: {},
  setup(manager, settings) {
    manager.add(agentSpawnController(manager, settings));
  },
  /** Observes each population as the controller would and prints each decision the engine makes now. */
  async plan({ client, namespace, now }, settings) {
    const { items } = await client.list<AgentSpawnResource>(AGENT_SPAWNS, namespace);
    const rows: PlanRow[] = [];
    for (const spawn of items) {
      const population = await observePopulation(client, spawn, settings.prometheusAddress);
      const plan = decideObserved(spawn, population, { status: spawn.status, now });
      const { population: size, ranked, meanScore, tiers } = plan.status;
      const mean = meanScore === undefined ? '' : ` mean ${num(meanScore)}`;
      const state = `${size} agents, ${ranked} ranked${mean}, ${tiers.excellent}E/${tiers.good}G/${tiers.average}A/${tiers.poor}P/${tiers.failing}F`;
      const mode = effectiveMode(spawn.spec, settings.defaultMode);
      for (const decision of plan.decisions) {
        rows.push({
          namespace: spawn.metadata.namespace,
          name: spawn.metadata.name,
          state,
          decision: `${decision.action} ${decision.id}`,
          gate: decisionState(decision, mode, spawn.metadata.annotations?.[APPROVE_ANNOTATION]),
          reason: decision.reason,
        });
      }
    }
    return rows;
  },
});
