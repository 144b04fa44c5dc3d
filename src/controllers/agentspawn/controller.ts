// The AgentSpawn controller: each interval, observe the population, let the engine rank it and decide
// what to train and spawn, record each decision before acting on it, act as far as the mode allows,
// and say it all in status, Events and metrics.
import { parseDuration } from '../../api/duration.js';
import {
  PopulationLimits,
  type AgentSpawnStatus,
  type PopulationDecisionRecord,
} from '../../api/v1alpha1/agentSpawn.js';
import { AGENT_SPAWNS, type AgentSpawnResource } from '../../api/v1alpha1/index.js';
import { recordDecision, setDecisionState } from '../../engine/decisions.js';
import { isSpawnedBy } from '../../engine/population/agents.js';
import {
  commitDecision,
  cycleDueIn,
  recordOf,
  type PopulationDecision,
  type PopulationPlan,
} from '../../engine/population/cycle.js';
import { decisionEvent, sessionEvent } from '../../engine/population/events.js';
import { APPROVE_ANNOTATION, decisionState, effectiveMode } from '../../engine/mode.js';
import { objectKey } from '../../api/meta.js';
import type { Manager } from '../../runtime/manager.js';
import { replaceContents } from '../../runtime/objects.js';
import { objectController, type ObjectContext } from '../../runtime/reconciler.js';
import type { SharedSettings } from '../shared.js';
import { carryOut, markTrainers, type Acting } from './actions.js';
import { populationMetrics } from './metrics.js';
import { decideObserved, identityOf, observePopulation, selectorText, type Population } from './observe.js';
import { judgingOf, reportChildScores, reportSession } from './outcomes.js';

type Context = ObjectContext<AgentSpawnStatus>;

export function agentSpawnController(manager: Manager, settings: SharedSettings) {
  const metrics = populationMetrics(manager.metrics.registry);
  // AgentSpawns this process has completed a cycle of: nothing is deleted before its own first look.
  const cycled = new Set<string>();

  async function cycle(spawn: AgentSpawnResource, ctx: Context) {
    const started = performance.now();
    const population = await observePopulation(ctx.client, spawn, settings.prometheusAddress);
    const key = objectKey(spawn.metadata.namespace, spawn.metadata.name);
    const plan = decideObserved(spawn, population, {
      status: ctx.status,
      firstCycle: !cycled.has(key),
      now: ctx.now,
    });
    metrics.cycleDuration.observe((performance.now() - started) / 1000);
    Object.assign(ctx.status, plan.status);
    if (plan.status.meanScore === undefined) delete ctx.status.meanScore; // no fresh score: no mean to show
    metrics.observe(spawn.metadata.namespace, spawn.metadata.name, plan.status);

    const acting: Acting = { spawn, ctx, population, metrics };
    const identity = identityOf(spawn);
    const children = population.observations.filter((o) => isSpawnedBy(o.ownerReferences, identity));
    reportChildScores(
      ctx.journal,
      identity.namespace,
      children,
      ctx.now - parseDuration(spawn.spec.score.maxAge),
    );
    for (const session of plan.concluded) {
      reportSession(ctx.journal, identity.namespace, session);
      metrics.sessions.inc({ outcome: session.phase });
      await ctx.events.tell(sessionEvent(session)!);
    }
    await markTrainers(acting);
    // Described before acting, so the status written with a decision (Applying) already says why.
    describe(spawn, ctx, plan, population);
    summarizeReady(ctx, plan);
    for (const decision of plan.decisions) await decide(acting, decision, !!population.scoresUnavailable);
    summarizeReady(ctx, plan); // the children created (or refused) just now
    cycled.add(key);
  }

  /** Records the decision and tells it; carries it out when the mode allows (write-ahead: Applying first). */
  async function decide(acting: Acting, decision: PopulationDecision, scoresUnavailable: boolean) {
    const { spawn, ctx } = acting;
    const mode = effectiveMode(spawn.spec, settings.defaultMode);
    const state = decisionState(decision, mode, spawn.metadata.annotations?.[APPROVE_ANNOTATION]);
    if (state === 'Applied' && decision.action !== 'Hold') {
      // The counters move with the record, so the next cycle's ids differ and a restart finishes this one.
      replaceContents(ctx.status, commitDecision(ctx.status, decision, ctx.now));
      const { record } = write(ctx, recordOf(decision, 'Applying'));
      await ctx.checkpoint();
      await finish(acting, record, false);
      return;
    }
    const { record, same, repeat } = write(ctx, recordOf(decision, state));
    const event = decisionEvent(spawn.metadata.name, record, {
      same,
      repeat,
      runHead: ctx.status.history?.[0],
      scoresUnavailable,
    });
    if (event) await ctx.events.tell(event);
  }

  /** Carries out a decision recorded as Applying, then marks it Applied. */
  async function finish(acting: Acting, record: PopulationDecisionRecord, resumed: boolean) {
    acting.ctx.logger.info(
      { decision: record.id, action: record.action, reason: record.reason },
      resumed ? 'finishing a decision recorded before' : 'applying',
    );
    await carryOut(acting, record, resumed);
    setDecisionState(acting.ctx.status, record.id, 'Applied');
  }

  /** Puts the decision into lastDecision and history; `same` when history had it already in this state. */
  function write(ctx: Context, record: PopulationDecisionRecord) {
    const same = ctx.status.history?.some((d) => d.id === record.id && d.state === record.state) ?? false;
    const { history, repeat } = recordDecision(ctx.status.history, record, PopulationLimits.history);
    ctx.status.history = history;
    ctx.status.lastDecision = record;
    if (!same && !repeat) {
      metrics.decisions.inc({ action: record.action, state: record.state });
      ctx.logger.info(
        { decision: record.id, action: record.action, state: record.state, reason: record.reason },
        'decided',
      );
    }
    return { record, same, repeat };
  }

  return objectController<AgentSpawnResource>(manager, {
    name: 'agentspawn',
    kind: AGENT_SPAWNS,
    judging: (decision, spawn) => judgingOf(decision as PopulationDecisionRecord, spawn),
    forget(key) {
      cycled.delete(key);
      const slash = key.indexOf('/');
      metrics.forget(key.slice(0, slash), key.slice(slash + 1));
    },
    async reconcile(spawn, ctx) {
      const interrupted = (ctx.status.history ?? []).filter((d) => d.state === 'Applying').reverse();
      if (interrupted.length) {
        // Recorded, then the process stopped (or an action failed) before it was done: finish each once.
        const population = await observePopulation(ctx.client, spawn, settings.prometheusAddress);
        for (const record of interrupted) await finish({ spawn, ctx, population, metrics }, record, true);
        await ctx.checkpoint(); // the cycle below decides from the persisted counters
      }
      const intervalMs = parseDuration(spawn.spec.interval);
      const dueIn = cycleDueIn(ctx.status, {
        intervalMs,
        generation: spawn.metadata.generation,
        approved: spawn.metadata.annotations?.[APPROVE_ANNOTATION],
        now: ctx.now,
      });
      if (dueIn > 0) return { requeueAfterMs: dueIn };
      await cycle(spawn, ctx);
      return { requeueAfterMs: intervalMs };
    },
  });
}

/** Conditions: is there a population, and can its scores be read. */
function describe(spawn: AgentSpawnResource, ctx: Context, plan: PopulationPlan, population: Population) {
  const { status } = plan;
  const { conditions } = ctx;
  if (status.population === 0) {
    conditions.set(
      'PopulationFound',
      'False',
      'NoAgents',
      `no Pod matches the selector ${selectorText(spawn.spec.selector)} in ${spawn.metadata.namespace}`,
    );
  } else conditions.set('PopulationFound', 'True', 'Found', `${status.population} Pods in the population`);
  const hold = plan.decisions.find((d) => d.action === 'Hold');
  if (population.scoresUnavailable)
    conditions.set(
      'ScoresAvailable',
      'False',
      population.scoresUnavailable.reason,
      population.scoresUnavailable.message,
    );
  else if (status.population > 0 && status.ranked === 0)
    conditions.set('ScoresAvailable', 'False', 'NoFreshScores', hold?.reason ?? 'no agent has a fresh score');
  else
    conditions.set(
      'ScoresAvailable',
      'True',
      'Fresh',
      `${status.ranked} of ${status.population} agents have a fresh score`,
    );
}

/** Ready from the population, its scores and the last child creation. */
function summarizeReady(ctx: Context, { status }: PopulationPlan) {
  const { conditions } = ctx;
  const running = (ctx.status.sessions ?? []).filter((s) => s.phase === 'Running').length;
  conditions.summarize(
    [
      { type: 'PopulationFound', unready: 'NoAgents' },
      { type: 'ScoresAvailable', unready: 'ScoresUnavailable' },
      ...(conditions.get('ChildrenCreated') ? [{ type: 'ChildrenCreated', unready: 'ChildRejected' }] : []),
    ],
    {
      reason: 'ScoresFresh',
      message: `${status.ranked} of ${status.population} agents scored; ${running} training session(s) running`,
    },
  );
}
