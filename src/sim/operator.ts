// The operator, simulated: every venture audited each metrics.interval by the engine's own auditVenture,
// decideVenture, guardTermination, afterAudit (status), the termination lifecycle and redistribute; what
// only the controller does (the guards' view of the neighbours, redistribution's bookkeeping, a Scale's
// replicas) is mirrored here. The true economics accrue between audits; quiet stretches are skipped.
import type { VentureStatus } from '../api/v1alpha1/venture.js';
import { auditVenture, type VentureAudit } from '../engine/venture/audit.js';
import { decideVenture, type VentureDecision } from '../engine/venture/decision.js';
import { guardPortfolioSeen, guardTermination, type Neighbour } from '../engine/venture/guards.js';
import { MONTH_MS } from '../engine/venture/history.js';
import { afterAudit, gracePeriod, isDeciding, startTermination } from '../engine/venture/lifecycle.js';
import type { MetricsObservation } from '../engine/venture/metrics.js';
import { redistribute } from '../engine/venture/portfolio.js';
import { decisionState } from '../engine/mode.js';
import { parseDuration } from '../api/duration.js';
import { isoTime } from '../engine/format.js';
import { ratesOf } from './economics.js';
import { DEFAULT_SCALE_FACTOR, type EnginePolicy } from './policies.js';
import type { Scenario } from './scenario.js';
import { SIM_START, stepMonths, stepOf, type VentureWorld, type Window, type World } from './world.js';

/** What happened to one venture under one policy. */
export interface VentureOutcome {
  name: string;
  /** $ per data step. */
  profit: Float64Array;
  costs: Float64Array;
  /** Replica-months above the starting replicas, per data step. */
  extraReplicaMonths: Float64Array;
  /** ms from the start. */
  terminatedAt?: number;
  /** Replicas it ran just before its termination. */
  replicasAtTermination?: number;
  /** When it first ran more replicas than at the start (a Scale or a grant). */
  firstExtraCapacityAt?: number;
  scales: number;
  /** Replicas it received from terminated ventures. */
  granted: number;
}

interface SimVenture {
  world: VentureWorld;
  outcome: VentureOutcome;
  /** spec.replicas. */
  replicas: number;
  /** Replicas running: 0 from the termination on. */
  running: number;
  status: VentureStatus;
  /** Profit so far ($), for the cash metric. */
  earned: number;
}

const NAMESPACE = 'sim';

/** One policy on one run's world; no policy is the static one: nothing is audited, nothing changes. */
export function simulatePolicy(
  scenario: Scenario,
  world: World,
  policy: EnginePolicy | undefined,
): VentureOutcome[] {
  const inWorldOrder: SimVenture[] = world.ventures.map((v) => ({
    world: v,
    outcome: {
      name: v.name,
      profit: new Float64Array(world.steps),
      costs: new Float64Array(world.steps),
      extraReplicaMonths: new Float64Array(world.steps),
      scales: 0,
      granted: 0,
    },
    replicas: v.spec.replicas,
    running: v.spec.replicas,
    status: { phase: 'Pending' as const },
    earned: 0,
  }));
  // Audits go through the namespace by name, as a work queue over a sorted list would.
  const ventures = [...inWorldOrder].sort((a, b) => (a.world.name < b.world.name ? -1 : 1));
  const points = policy ? changePoints(world, policy) : [];
  let clock = 0;
  const advance = (to: number) => {
    while (clock < to) {
      const s = stepOf(world, clock);
      const end = Math.min(to, (s + 1) * world.step);
      for (const v of ventures) accrue(v, s, (end - clock) / MONTH_MS);
      clock = end;
    }
  };
  // Audits happen every interval; a change is seen by the first audit at or after it.
  const interval = policy?.intervalMs ?? world.step;
  const auditAt = (t: number) => Math.ceil(t / interval) * interval;
  let wake = Infinity;
  for (let i = 0; ;) {
    const t = Math.min(auditAt(points[i] ?? Infinity), auditAt(wake));
    if (t >= world.horizon) break;
    advance(t);
    while (points[i] !== undefined && points[i]! <= t) i++;
    wake = policy ? tick(scenario, world, policy, ventures, t) : Infinity;
  }
  advance(world.horizon);
  return inWorldOrder.map((v) => v.outcome);
}

function accrue(v: SimVenture, s: number, months: number): void {
  if (v.running === 0 && v.status.terminatedAt !== undefined) return;
  const { revenue, costs } = ratesOf(v.world.spec, v.world.demand[s]!, v.running);
  v.outcome.profit[s]! += (revenue - costs) * months;
  v.outcome.costs[s]! += costs * months;
  v.outcome.extraReplicaMonths[s]! += Math.max(0, v.running - v.world.spec.replicas) * months;
  v.earned += (revenue - costs) * months;
}

/** One audit of every active venture at t (ms from the start); returns when the next audit could differ. */
function tick(
  scenario: Scenario,
  world: World,
  policy: EnginePolicy,
  ventures: SimVenture[],
  t: number,
): number {
  const now = SIM_START + t;
  const { grace, cooldown, period } = durationsOf(policy);
  const wakes: number[] = [];
  for (const v of ventures) {
    if (v.status.phase === 'Terminating' && gracePeriod(v.status, grace, now).leftMs <= 0)
      v.status.phase = 'Terminated';
  }
  for (const v of ventures) {
    if (!isDeciding(v.status)) continue;
    const read = observe(scenario, world, v, t);
    const audited = auditVenture(
      {
        observation: read.observation,
        history: v.status.auditHistory,
        policy: policy.policy,
        maxSampleAge: policy.maxSampleAgeMs,
        periodMs: period,
        window: policy.policy.trendWindow,
        ...(read.error && { readError: read.error }),
      },
      now,
    );
    const audit = policy.spareImproving ? spareImproving(audited) : audited;
    const verdict = decideVenture(
      {
        venture: { namespace: NAMESPACE, name: v.world.name },
        audit,
        policy: reviewOf(policy, v.status.failingSince, now),
        scaling: {
          minReplicas: v.world.spec.minReplicas,
          maxReplicas: v.world.spec.maxReplicas,
          factor: DEFAULT_SCALE_FACTOR,
        },
        cooldownMs: cooldown,
        replicas: v.replicas,
        previous: {
          failingAudits: v.status.failingAudits,
          failingSince: v.status.failingSince,
          auditedAt: v.status.metrics?.observedAt,
          scaledAt: v.status.lastScaleTime,
        },
      },
      now,
    );
    const decision =
      policy.guards && verdict.decision.action === 'Terminate'
        ? guardTermination(
            verdict.decision,
            { name: v.world.name, ...(verdict.failingSince && { failingSince: verdict.failingSince }) },
            neighboursOf(v, ventures),
            new Map(),
            now,
            policy.guards,
          )
        : verdict.decision;
    const state = decisionState(decision, 'Autonomous', undefined);
    v.status = afterAudit(
      v.status,
      { audit, verdict, decision: { ...recordOf(decision), state }, terminates: false },
      { observation: read.observation },
      now,
    ).status;

    if (decision.action === 'Hold' && decision.cause === 'UnderReview' && read.fresh) {
      // The streak advances with each fresh audit; a review by duration only needs the audit when it ends.
      const since = Date.parse(verdict.failingSince ?? '') - SIM_START;
      wakes.push(
        policy.reviewDurationMs === undefined ? t + policy.intervalMs : since + policy.reviewDurationMs,
      );
    }
    if (decision.blocked) wakes.push(retryAt(v, ventures, verdict.failingSince, t, policy));
    if (state !== 'Applied') continue;
    if (decision.action === 'Terminate') {
      terminate(v, ventures, t, now);
      wakes.push(t + policy.intervalMs);
    } else if (decision.action === 'Scale' && decision.targetReplicas !== undefined) {
      v.replicas = decision.targetReplicas;
      v.running = v.replicas;
      v.status.lastScaleTime = isoTime(now);
      v.outcome.scales++;
      if (v.replicas > v.world.spec.replicas) v.outcome.firstExtraCapacityAt ??= t;
      wakes.push(t + cooldown);
    }
  }
  return Math.min(Infinity, ...wakes.filter((w) => w > t));
}

const durations = new WeakMap<EnginePolicy, { grace: number; cooldown: number; period: number }>();
function durationsOf(policy: EnginePolicy) {
  let parsed = durations.get(policy);
  if (!parsed) {
    const period = parseDuration(policy.policy.period);
    parsed = {
      grace: parseDuration(policy.policy.gracePeriod),
      cooldown: policy.cooldown ? period : 0,
      period,
    };
    durations.set(policy, parsed);
  }
  return parsed;
}

/** What-if: with a review duration, the streak terminates once it began long enough ago (reviewPeriod 1), else never. */
function reviewOf(
  policy: EnginePolicy,
  failingSince: string | undefined,
  now: number,
): EnginePolicy['policy'] {
  if (policy.reviewDurationMs === undefined) return policy.policy;
  const since = failingSince === undefined ? now : Date.parse(failingSince);
  return {
    ...policy.policy,
    reviewPeriod: now - since >= policy.reviewDurationMs ? 1 : Number.MAX_SAFE_INTEGER,
  };
}

/** What-if: an audit whose margin trend is Improving counts as not failing. */
function spareImproving(audit: VentureAudit): VentureAudit {
  if (!audit.metricsAvailable || !audit.failing || audit.trend?.direction !== 'Improving') return audit;
  return { ...audit, failing: false, failures: [] };
}

/** The fields of a decision that status records (the engine's plan adds the state). */
const recordOf = ({ id, action, reason, decidedAt }: VentureDecision) => ({ id, action, reason, decidedAt });

/** The other ventures as the guards see them (src/controllers/venture/plan.ts, guard). */
function neighboursOf(v: SimVenture, ventures: readonly SimVenture[]): Neighbour[] {
  return ventures
    .filter((o) => o !== v)
    .map((o) => ({
      name: o.world.name,
      ...(o.status.phase && { phase: o.status.phase }),
      ...(o.status.failingAudits !== undefined && { failingAudits: o.status.failingAudits }),
      protected: false,
      ...(o.status.lastAuditTime && { lastAuditTime: o.status.lastAuditTime }),
      ...(o.status.terminatedAt && { terminatedAt: o.status.terminatedAt }),
    }));
}

/**
 * When a blocked termination may pass: at the next audit while other ventures have not been audited
 * since it began failing, else when the oldest termination in the guards' window ages out (rate limit
 * and circuit breaker both count those); a breaker held by failing ventures alone waits for new data.
 */
function retryAt(
  v: SimVenture,
  ventures: readonly SimVenture[],
  failingSince: string | undefined,
  t: number,
  policy: EnginePolicy,
): number {
  const active = neighboursOf(v, ventures).filter(
    (n) => n.phase !== 'Terminated' && n.phase !== 'Terminating',
  );
  const probe = { id: '', action: 'Terminate' as const, reason: '', decidedAt: '' };
  if (guardPortfolioSeen(probe, failingSince, active).blocked) return t + policy.intervalMs;
  const windowMs = policy.guards!.rateLimit.perMs;
  const ends = ventures
    .map((o) => o.outcome.terminatedAt)
    .filter((at): at is number => at !== undefined && t - at < windowMs)
    .map((at) => at + windowMs);
  return Math.min(Infinity, ...ends);
}

/** The controller's carryOut and redirectFrom: replicas to 0 for the grace period, freed replicas to the healthy. */
function terminate(v: SimVenture, ventures: SimVenture[], t: number, now: number): void {
  const active = ventures.filter(
    (o) => o !== v && o.status.phase !== 'Terminating' && o.status.phase !== 'Terminated',
  );
  Object.assign(v.status, startTermination(now));
  v.outcome.terminatedAt = t;
  v.outcome.replicasAtTermination = v.running;
  v.running = 0;
  const { grants } = redistribute(
    [
      { name: v.world.name, replicas: v.replicas, plannedReplicas: 0, maxReplicas: v.world.spec.maxReplicas },
      ...active.map((o) => ({
        name: o.world.name,
        ...(o.status.health && { score: o.status.health.score }),
        replicas: o.replicas,
        plannedReplicas: o.replicas,
        maxReplicas: o.world.spec.maxReplicas,
      })),
    ],
    Infinity,
  );
  for (const grant of grants) {
    const o = active.find((a) => a.world.name === grant.name)!;
    o.replicas += grant.replicas;
    o.running = o.replicas;
    o.outcome.granted += grant.replicas;
    if (o.replicas > o.world.spec.replicas) o.outcome.firstExtraCapacityAt ??= t;
  }
}

interface Read {
  observation: MetricsObservation;
  error?: string;
  /** The samples are stamped now: the next audit reads newer ones. */
  fresh: boolean;
}

/** What the metrics provider returns at t: the published figures, their errors, glitches and outages. */
function observe(scenario: Scenario, world: World, v: SimVenture, t: number): Read {
  if (inside(world.outages, t)) {
    return { observation: {}, error: 'Prometheus unreachable (simulated outage)', fresh: false };
  }
  const { delay, timestamps } = scenario.observation;
  const s = stepOf(world, t);
  const figure = s - delay;
  if (figure < 0) return { observation: {}, fresh: false };
  const true_ =
    delay === 0
      ? ratesOf(v.world.spec, v.world.demand[s]!, v.running)
      : {
          revenue: (v.outcome.profit[figure]! + v.outcome.costs[figure]!) / stepMonths(world, figure),
          costs: v.outcome.costs[figure]! / stepMonths(world, figure),
        };
  let revenue = true_.revenue * v.world.revenueError[s]!;
  let costs = true_.costs * v.world.costsError[s]!;
  for (const spike of v.world.spikes) {
    if (spike.start > t) break;
    if (t < spike.end) {
      if (spike.metric === 'revenue') revenue *= spike.factor;
      else costs *= spike.factor;
    }
  }
  const frozen = v.world.stale.find((w) => w.start <= t && t < w.end);
  const at = SIM_START + (frozen ? frozen.start : timestamps === 'query' ? t : s * world.step);
  const observation: MetricsObservation = { revenue: { value: revenue, at }, costs: { value: costs, at } };
  if (v.world.spec.cash !== undefined) observation.cash = { value: v.world.spec.cash + v.earned, at };
  return { observation, fresh: at === SIM_START + t };
}

const inside = (windows: readonly Window[], t: number) => windows.some((w) => w.start <= t && t < w.end);

function stepStarts(world: World): number[] {
  return Array.from({ length: world.steps }, (_, s) => s * world.step);
}

/**
 * Every time an audit can come out differently: a new data step, a glitch or outage beginning or ending,
 * and each business period's last and first audits (history keeps each period's last audit, growth and the
 * trend are fitted on those audits' times, and a new period moves the loss streak).
 */
function changePoints(world: World, policy: EnginePolicy): number[] {
  const edges = (w: Window) => [w.start, w.end];
  const { period } = durationsOf(policy);
  const firstEnd = period - (SIM_START % period);
  // The last audit of each period and the first of the next.
  const periodEdges = Array.from({ length: Math.ceil((world.horizon - firstEnd) / period) }, (_, k) => [
    firstEnd + k * period - policy.intervalMs,
    firstEnd + k * period,
  ]).flat();
  const times = [
    ...stepStarts(world),
    ...periodEdges,
    ...world.outages.flatMap(edges),
    ...world.ventures.flatMap((v) => [...v.spikes.flatMap(edges), ...v.stale.flatMap(edges)]),
  ];
  return [...new Set(times)].filter((x) => x >= 0 && x < world.horizon).sort((a, b) => a - b);
}
