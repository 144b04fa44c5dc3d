// Runs a scenario: every run's world under every policy, and the measures of docs/sim/README.md
// (profit, false kills, losses kept too long, capacity to winners, decisions) averaged over the runs.
import { MONTH_MS } from '../engine/venture/history.js';
import { oracleVenture, profitRate, type OracleVenture } from './economics.js';
import { simulatePolicy, type VentureOutcome } from './operator.js';
import type { Policy } from './policies.js';
import type { Scenario } from './scenario.js';
import { buildWorld, stepMonths, type World } from './world.js';

/** A terminated venture is a false kill when, kept running, it would have made money over these last months. */
export const FALSE_KILL_WINDOW_MONTHS = 3;

export interface Measures {
  /** $ over the horizon, per run. */
  profit: number;
  costs: number;
  terminations: number;
  falseKills: number;
  /** $ lost by ventures in the months after the oracle had stopped them, per run. */
  keptTooLong: number;
  /** Ventures that outgrew their starting replicas while worth running. */
  winners: number;
  /** Replica-months above their starting replicas that winners ran, per run. */
  winnerCapacity: number;
  /** Months from a winner outgrowing its replicas to its first extra replica (the rest of the horizon if never). */
  monthsToCapacity: number;
  scales: number;
  /** Ventures still running and losing money in the last month. */
  underperformers: number;
}

export interface PolicyResult {
  policy: Policy;
  /** Totals over all runs (divide by runs for a mean). */
  totals: Measures;
  /** Mean cumulative profit at the end of each data step. */
  curve: number[];
}

export interface ScenarioResult {
  scenario: Scenario;
  seed: number;
  runs: number;
  /** Month at the end of each data step, for the curves. */
  months: number[];
  policies: PolicyResult[];
}

const zero = (): Measures => ({
  profit: 0,
  costs: 0,
  terminations: 0,
  falseKills: 0,
  keptTooLong: 0,
  winners: 0,
  winnerCapacity: 0,
  monthsToCapacity: 0,
  scales: 0,
  underperformers: 0,
});

export function runScenario(
  scenario: Scenario,
  policies: readonly Policy[],
  seed: number,
  runs = scenario.runs,
): ScenarioResult {
  const results = policies.map((policy) => ({ policy, totals: zero(), curve: [] as number[] }));
  let months: number[] = [];
  for (let run = 0; run < runs; run++) {
    const world = buildWorld(scenario, seed, run);
    months = Array.from(
      { length: world.steps },
      (_, s) => Math.min(world.horizon, (s + 1) * world.step) / MONTH_MS,
    );
    const oracle = world.ventures.map((v) => oracleVenture(world, v));
    for (const result of results) {
      const { policy } = result;
      const outcomes =
        policy.kind === 'oracle'
          ? oracleOutcomes(
              world,
              policy.resizes ? oracle : world.ventures.map((v) => oracleVenture(world, v, false)),
            )
          : simulatePolicy(scenario, world, policy.kind === 'engine' ? policy : undefined);
      add(result.totals, measure(world, oracle, outcomes));
      const perStep = sumSteps(world, outcomes);
      let cumulative = 0;
      perStep.forEach((p, s) => {
        cumulative += p;
        result.curve[s] = (result.curve[s] ?? 0) + cumulative / runs;
      });
    }
  }
  return { scenario, seed, runs, months, policies: results };
}

function measure(
  world: World,
  oracle: readonly OracleVenture[],
  outcomes: readonly VentureOutcome[],
): Measures {
  const m = zero();
  const lastMonth = firstStepFrom(world, world.horizon - MONTH_MS);
  outcomes.forEach((o, i) => {
    const venture = world.ventures[i]!;
    const best = oracle[i]!;
    m.profit += sum(o.profit);
    m.costs += sum(o.costs);
    m.scales += o.scales;
    if (o.terminatedAt !== undefined) {
      m.terminations++;
      if (wouldHaveMadeIt(world, i, o.terminatedAt, o.replicasAtTermination ?? venture.spec.replicas))
        m.falseKills++;
    }
    for (let s = best.stop; s < world.steps; s++) m.keptTooLong += Math.max(0, -o.profit[s]!);
    const outgrown = best.replicas.findIndex((r, s) => s < best.stop && r > venture.spec.replicas);
    if (outgrown >= 0) {
      const boundAt = outgrown * world.step;
      m.winners++;
      m.winnerCapacity += sum(o.extraReplicaMonths);
      m.monthsToCapacity += Math.max(0, (o.firstExtraCapacityAt ?? world.horizon) - boundAt) / MONTH_MS;
    }
    if (o.terminatedAt === undefined && sum(o.profit.subarray(lastMonth)) < 0) m.underperformers++;
  });
  return m;
}

/**
 * Kept running from its termination with the replicas it had, on the same demand path: did it make
 * money over the last FALSE_KILL_WINDOW_MONTHS of the horizon (or from its termination, if later)?
 */
export function wouldHaveMadeIt(
  world: World,
  index: number,
  terminatedAt: number,
  replicas: number,
): boolean {
  const venture = world.ventures[index]!;
  const from = Math.min(
    world.steps - 1,
    Math.max(
      firstStepFrom(world, terminatedAt),
      firstStepFrom(world, world.horizon - FALSE_KILL_WINDOW_MONTHS * MONTH_MS),
    ),
  );
  let profit = 0;
  for (let s = from; s < world.steps; s++) {
    profit += profitRate(venture.spec, venture.demand[s]!, replicas) * stepMonths(world, s);
  }
  return profit > 0;
}

/** The oracle's ventures as outcomes: its stops are its terminations, its best replicas its capacity. */
function oracleOutcomes(world: World, oracle: readonly OracleVenture[]): VentureOutcome[] {
  return oracle.map((best, i) => {
    const { name, spec } = world.ventures[i]!;
    const extraReplicaMonths = Float64Array.from({ length: world.steps }, (_, s) =>
      s < best.stop ? Math.max(0, best.replicas[s]! - spec.replicas) * stepMonths(world, s) : 0,
    );
    const extra = extraReplicaMonths.findIndex((x) => x > 0);
    return {
      name,
      profit: best.profit,
      costs: best.costs,
      extraReplicaMonths,
      ...(best.stop < world.steps && {
        terminatedAt: best.stop * world.step,
        replicasAtTermination: best.replicas[Math.max(0, best.stop - 1)]!,
      }),
      ...(extra >= 0 && { firstExtraCapacityAt: extra * world.step }),
      scales: 0,
      granted: 0,
    };
  });
}

const firstStepFrom = (world: World, t: number) => Math.max(0, Math.ceil(t / world.step));
function sum(values: Float64Array): number {
  let total = 0;
  for (const value of values) total += value;
  return total;
}

function sumSteps(world: World, outcomes: readonly VentureOutcome[]): number[] {
  return Array.from({ length: world.steps }, (_, s) =>
    outcomes.reduce((total, o) => total + o.profit[s]!, 0),
  );
}

function add(into: Measures, from: Measures): void {
  for (const key of Object.keys(into) as (keyof Measures)[]) into[key] += from[key];
}
