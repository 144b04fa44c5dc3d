// What AUREA judges AgentSpawn's decisions by (its rules in src/engine/aurea/outcomes.ts): a Spawn by its
// child's score against the child's baseline, a Train by its trainee's measured success against the
// threshold. The decisions themselves reach the journal from status, as every kind's do.
import { Measures, type ObjectRef } from '../../api/journal.js';
import type { PopulationDecisionRecord, SessionRecord } from '../../api/v1alpha1/agentSpawn.js';
import type { AgentSpawnResource } from '../../api/v1alpha1/index.js';
import type { AgentObservation } from '../../engine/population/agents.js';
import type { Judging, ObjectJournal } from '../../runtime/journal.js';

const pod = (namespace: string, name: string): ObjectRef => ({ kind: 'Pod', namespace, name });

/** A decision's subject and the value it must reach: its first child's baseline, or its first session's threshold. */
export function judgingOf(decision: PopulationDecisionRecord, spawn: AgentSpawnResource): Judging {
  const { namespace } = spawn.metadata;
  const child = decision.children?.[0];
  if (decision.action === 'Spawn' && child)
    return { subject: pod(namespace, child.name), expect: child.baselineScore };
  const session = spawn.status?.sessions?.find((s) => s.id === decision.sessions?.[0]);
  if (decision.action === 'Train' && session)
    return { subject: pod(namespace, session.trainee), expect: spawn.spec.training.successThreshold };
  return {};
}

/** The fresh score of each child this AgentSpawn spawned. */
export function reportChildScores(
  journal: ObjectJournal,
  namespace: string,
  children: readonly AgentObservation[],
  freshSince: number,
): void {
  for (const child of children)
    if (child.score && child.score.at >= freshSince)
      journal.measured(Measures.score, child.score.value, pod(namespace, child.name));
}

/** A session that ended: its measured success rate, 0 when it was abandoned before it could be measured. */
export function reportSession(journal: ObjectJournal, namespace: string, session: SessionRecord): void {
  journal.measured(Measures.trainingSuccess, session.successRate ?? 0, pod(namespace, session.trainee));
}
