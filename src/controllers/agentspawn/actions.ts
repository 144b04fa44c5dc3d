// What a population decision does to the cluster, from its record in status and the population as it
// stands now: copy knowledge into trainees, create children (ConfigMap, then Pod), delete replaced
// children. Safe to run again for the same decision: a restart between recording and finishing runs it
// once more, and every step finds its own earlier work (the session mark, a child of the same name).
import type { KubeObject, ResourceType } from '../../api/meta.js';
import { CONFIG_MAPS, PODS } from '../../api/resources.js';
import type { AgentSpawnResource } from '../../api/v1alpha1/index.js';
import type { AgentSpawnStatus, PopulationDecisionRecord } from '../../api/v1alpha1/agentSpawn.js';
import { isSpawnedBy, membersOf, type PopulationIdentity } from '../../engine/population/agents.js';
import { childConfigMap, childPod, type PodSource } from '../../engine/population/child.js';
import { sessionEvent } from '../../engine/population/events.js';
import { knowledgeConfigMap, verifyCopy } from '../../engine/population/knowledge.js';
import { Annotations, Labels } from '../../engine/population/labels.js';
import { planChild, type ChildRecord } from '../../engine/population/spawn.js';
import { abandonSession, sessionCopy } from '../../engine/population/training.js';
import { num } from '../../engine/format.js';
import { ApiError, isNotFound } from '../../runtime/client.js';
import type { ObjectContext } from '../../runtime/reconciler.js';
import type { PopulationMetrics } from './metrics.js';
import { identityOf, type ConfigMap, type Population } from './observe.js';
import { reportSession } from './outcomes.js';

export interface Acting {
  spawn: AgentSpawnResource;
  ctx: ObjectContext<AgentSpawnStatus>;
  population: Population;
  metrics: PopulationMetrics;
}

/**
 * Carries out a recorded decision (Applying); a Hold does nothing. `resumed`: the decision was recorded
 * by an earlier reconcile (or process), which may have created a child without telling it.
 */
export async function carryOut(
  acting: Acting,
  decision: PopulationDecisionRecord,
  resumed: boolean,
): Promise<void> {
  if (decision.action === 'Train') await startSessions(acting, decision.sessions ?? []);
  if (decision.action === 'Replace') await deleteChildren(acting, decision);
  if (decision.action === 'Spawn' || decision.action === 'Replace')
    await createChildren(acting, decision.id, decision.children ?? [], resumed);
}

/**
 * Starts sessions: the trainer's entries are merged into the trainee's knowledge ConfigMap (a merge patch
 * keeps the trainee's other keys, as server-side apply would not once a later copy holds fewer keys),
 * read back from the write's answer, and only then is the trainee marked with the session id so the
 * agent reloads. A trainee already marked was started before a restart. A session that cannot start ends
 * Abandoned, saying why.
 */
async function startSessions({ spawn, ctx, population, metrics }: Acting, ids: readonly string[]) {
  const { namespace } = spawn.metadata;
  const agents = new Map(population.observations.map((o) => [o.name, o]));
  for (const id of ids) {
    const session = ctx.status.sessions?.find((s) => s.id === id);
    if (!session || session.phase !== 'Running') continue;
    const trainee = population.pods.get(session.trainee);
    if (trainee?.metadata.annotations?.[Annotations.trainingSession] === id) continue;
    const abandon = async (why: string) => {
      const ended = abandonSession(session, why, ctx.now);
      ctx.status.sessions = ctx.status.sessions!.map((s) => (s.id === id ? ended : s));
      reportSession(ctx.journal, namespace, ended);
      metrics.sessions.inc({ outcome: 'Abandoned' });
      await ctx.events.tell(sessionEvent(ended)!);
    };
    const trainer = agents.get(session.trainer);
    if (!trainer?.knowledge) {
      await abandon(`the trainer ${session.trainer} or its knowledge left before the copy`);
      continue;
    }
    if (!trainee) {
      await abandon(`the trainee ${session.trainee} left before the copy`);
      continue;
    }
    const copy = sessionCopy(session, trainer, spawn.spec.knowledge.configMapName);
    let written: ConfigMap;
    try {
      written = await ctx.client.mergePatch<ConfigMap>(CONFIG_MAPS, namespace, copy.to, { data: copy.data });
    } catch (err) {
      if (!isNotFound(err)) throw err;
      await abandon(`the trainee's knowledge ConfigMap ${copy.to} is gone`);
      continue;
    }
    const missing = verifyCopy(copy, written.data);
    if (missing.length) {
      await abandon(`the copy into ${copy.to} did not read back for ${missing.join(', ')}`);
      continue;
    }
    try {
      await ctx.client.mergePatch(PODS, namespace, session.trainee, {
        metadata: { annotations: { [Annotations.trainingSession]: id } },
      });
    } catch (err) {
      // The trainee is gone: its session ends Abandoned when it is due, as for any trainee that left.
      if (!isNotFound(err)) throw err;
    }
    metrics.sessions.inc({ outcome: 'Started' });
    await ctx.events.normal(
      'TrainingStarted',
      `session ${id}: ${session.trainer} (${num(session.trainerScore)}) → ${session.trainee} (${num(session.scoreBefore)}), ${Object.keys(copy.data).length} entries copied into ${copy.to} and verified; measured after ${session.evaluateAfter}`,
    );
  }
}

/** Deletes the failing children a Replace names, and their knowledge; never a Pod this AgentSpawn does not own. */
async function deleteChildren({ spawn, ctx, population }: Acting, decision: PopulationDecisionRecord) {
  const identity = identityOf(spawn);
  for (const name of decision.replaced ?? []) {
    const pod = population.pods.get(name);
    if (!pod || !isSpawnedBy(pod.metadata.ownerReferences, identity)) continue;
    await ctx.events.normal(
      'AgentReplaced',
      `deleting ${name} and its knowledge: ${decision.reason}`,
      decision.id,
    );
    for (const [type, object] of [
      [PODS, name],
      [CONFIG_MAPS, knowledgeConfigMap(spawn.spec.knowledge.configMapName, name)],
    ] as const) {
      await ctx.client.delete(type, spawn.metadata.namespace, object).catch((err: unknown) => {
        if (!isNotFound(err)) throw err;
      });
    }
  }
}

/**
 * Creates each child: its knowledge ConfigMap first (verified as stored), then its Pod, both owned by the
 * AgentSpawn. A name that exists already and is this AgentSpawn's was created before a restart (and is
 * told now, as the process that created it may have stopped before it could). A parent that is gone, a
 * name taken by someone else, knowledge that does not read back as copied, or a Pod Kubernetes refuses
 * leaves that child uncreated, with a Warning that says why.
 */
async function createChildren(
  { spawn, ctx, population, metrics }: Acting,
  decisionId: string,
  children: readonly ChildRecord[],
  resumed: boolean,
) {
  const identity = identityOf(spawn);
  const { namespace } = identity;
  const { spec } = spawn;
  const members = new Map(membersOf(population.observations, spec, identity).map((m) => [m.name, m]));
  const dropAnnotations = [spec.score.annotation.score, spec.score.annotation.scoredAt];
  for (const record of children) {
    const parent = members.get(record.parent);
    const parentPod = population.pods.get(record.parent);
    if (!parent?.knowledge || !parentPod) {
      await ctx.events.warning(
        'SpawnFailed',
        `${record.name} not created: its parent ${record.parent} or its knowledge is gone (decision ${decisionId})`,
      );
      continue;
    }
    const child = planChild(spec, parent, record);
    const source = (spec.spawn.template as PodSource | undefined) ?? parentPod;
    const configMap = childConfigMap(child, identity, decisionId);
    let stored = await createOwned<ConfigMap>(ctx, CONFIG_MAPS, identity, configMap);
    if (stored === 'taken') {
      await ctx.events.warning(
        'SpawnFailed',
        `${record.name} not created: the ConfigMap ${configMap.metadata.name} exists and is not this AgentSpawn's`,
      );
      continue;
    }
    if (stored === 'existed' && !population.pods.has(record.name))
      // Created before a restart, its Pod not yet: the copy is written again, so it is verified like a new one.
      stored = await ctx.client.mergePatch<ConfigMap>(CONFIG_MAPS, namespace, configMap.metadata.name, {
        data: child.knowledge.data,
      });
    const missing =
      stored === 'existed'
        ? []
        : verifyCopy(
            { from: child.knowledge.from, to: configMap.metadata.name, data: child.knowledge.data },
            stored.data,
          );
    if (missing.length) {
      // A child must not start from knowledge other than its parent's (Ray Tune's silent inheritance failure).
      await ctx.client.delete(CONFIG_MAPS, namespace, configMap.metadata.name).catch(() => undefined);
      const why = `${record.name} not created: its knowledge ${configMap.metadata.name} did not store ${missing.join(', ')} as copied from ${child.knowledge.from}`;
      ctx.conditions.set('ChildrenCreated', 'False', 'KnowledgeNotVerified', why);
      await ctx.events.warning('SpawnFailed', why);
      continue;
    }
    let pod;
    try {
      pod = await createOwned(
        ctx,
        PODS,
        identity,
        childPod(source, child, identity, decisionId, dropAnnotations),
      );
    } catch (err) {
      if (!(err instanceof ApiError) || ![400, 403, 422].includes(err.code)) throw err;
      // Kubernetes refused the Pod (a bad template, an admission policy: a webhook's denial is a 400 unless
      // it names a code): the same Pod would be refused again, so the child is not created; its ConfigMap
      // goes too. Other errors (5xx, timeouts) leave the decision Applying: the retry finishes it.
      await ctx.client.delete(CONFIG_MAPS, namespace, configMap.metadata.name).catch(() => undefined);
      ctx.conditions.set(
        'ChildrenCreated',
        'False',
        'ChildRejected',
        `Kubernetes refused ${record.name}: ${err.message}`,
      );
      await ctx.events.warning('SpawnFailed', `Kubernetes refused ${record.name}: ${err.message}`);
      continue;
    }
    if (pod === 'taken') {
      await ctx.events.warning(
        'SpawnFailed',
        `${record.name} not created: a Pod of that name exists and is not this AgentSpawn's`,
      );
      continue;
    }
    ctx.conditions.set('ChildrenCreated', 'True', 'Created', `${record.name} created from ${record.parent}`);
    if (pod === 'existed' && !resumed) continue;
    metrics.spawned.inc();
    const explore = child.perturbed.length ? `; explore: ${child.perturbed.join(', ')}` : '';
    await ctx.events.normal(
      'AgentSpawned',
      `${record.name} of ${record.parent} (generation ${record.generation}, baseline ${num(record.baselineScore)}): ${Object.keys(child.knowledge.data).length} knowledge keys copied from ${child.knowledge.from} and verified${explore} (decision ${decisionId})`,
    );
  }
}

/** Creates an object; when its name exists: 'existed' if this AgentSpawn spawned it, 'taken' if not. */
async function createOwned<T extends KubeObject>(
  ctx: ObjectContext<AgentSpawnStatus>,
  type: ResourceType,
  identity: PopulationIdentity,
  object: KubeObject,
): Promise<T | 'existed' | 'taken'> {
  try {
    return await ctx.client.create<T>(type, identity.namespace, object);
  } catch (err) {
    if (!(err instanceof ApiError) || err.code !== 409) throw err;
    const existing = await ctx.client.get<KubeObject>(type, identity.namespace, object.metadata.name);
    return isSpawnedBy(existing.metadata.ownerReferences, identity) ? 'existed' : 'taken';
  }
}

/**
 * Marks each trainee whose session succeeded as a trainer (a label the engine reads: it may train agents
 * below traineeMaxScore). Level-based: a mark lost to a restart is set on the next cycle.
 */
export async function markTrainers({ spawn, ctx, population }: Acting): Promise<void> {
  for (const session of ctx.status.sessions ?? []) {
    if (session.phase !== 'Succeeded') continue;
    const pod = population.pods.get(session.trainee);
    if (!pod || pod.metadata.deletionTimestamp || pod.metadata.labels?.[Labels.trainer] === 'true') continue;
    await ctx.client
      .mergePatch(PODS, spawn.metadata.namespace, session.trainee, {
        metadata: { labels: { [Labels.trainer]: 'true' } },
      })
      .catch((err: unknown) => {
        if (!isNotFound(err)) throw err;
      });
    pod.metadata.labels = { ...pod.metadata.labels, [Labels.trainer]: 'true' };
  }
}
