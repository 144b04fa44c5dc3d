// The simulated operator runs the engine as the controller does: the review counts audits, the guards hold
// a wave, freed replicas go to the healthy; and on the steady mix the policies order as they must.
import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { format } from 'prettier';
import { oracleVenture } from './economics.js';
import { runScenario } from './experiment.js';
import { simulatePolicy } from './operator.js';
import { policiesNamed } from './policies.js';
import { resultsMarkdown, rowsOf } from './report.js';
import { parseScenario } from './scenario.js';
import { buildWorld, SIM_START } from './world.js';

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

/** Noise-free ventures: `losers` that lose 5k a month, and healthy `earners`. */
const portfolio = (losers: number, earners: number) =>
  parseScenario(`
name: portfolio
description: deterministic
horizonMonths: 6
runs: 1
observation: { every: 24h }
ventures:
  - name: earner
    count: ${earners}
    replicas: 3
    capacityPerReplica: 10000
    demand: { start: 20000, phases: [{ drift: 0, volatility: 0 }] }
    costs: { fixed: 7000, perReplica: 1000, variable: 0.2 }
  - name: loser
    count: ${losers}
    replicas: 2
    capacityPerReplica: 10000
    demand: { start: 5000, phases: [{ drift: 0, volatility: 0 }] }
    costs: { fixed: 7000, perReplica: 1000, variable: 0.2 }
`);

function outcomes(losers: number, earners: number, policy: string) {
  const scenario = portfolio(losers, earners);
  const [chosen] = policiesNamed([policy]);
  return simulatePolicy(scenario, buildWorld(scenario, 1, 0), chosen!.kind === 'engine' ? chosen : undefined);
}

describe('the simulated operator', () => {
  it('counts the review in audits: with samples stamped at query time, review 3 at 1m intervals is 2 minutes', () => {
    const terminatedAt = (policy: string) =>
      outcomes(1, 1, policy).find((o) => o.name === 'loser-1')!.terminatedAt;
    expect(terminatedAt('naive')).toBe(0);
    expect(terminatedAt('review-1')).toBe(0);
    expect(terminatedAt('autopilot')).toBe(2 * MINUTE);
    expect(terminatedAt('review-6')).toBe(5 * MINUTE);
    expect(terminatedAt('interval-30d')).toBe(60 * DAY);
    expect(terminatedAt('review-60d')).toBe(60 * DAY);
    expect(terminatedAt('static')).toBeUndefined();
  });

  it('gives the freed replicas to the healthy venture, which then earns its share of demand', () => {
    const [earner, loser] = outcomes(1, 1, 'autopilot');
    expect(earner!.granted).toBe(2);
    expect(earner!.firstExtraCapacityAt).toBe(2 * MINUTE);
    expect(loser!.replicasAtTermination).toBe(2);
    // After the termination the loser earns and costs nothing.
    expect(loser!.profit.slice(1).every((p) => p === 0)).toBe(true);
  });

  it('holds a wave with the circuit breaker (3 of 5 failing), which the naive policy does not have', () => {
    const terminations = (policy: string) =>
      outcomes(3, 2, policy).filter((o) => o.terminatedAt !== undefined).length;
    expect(terminations('naive')).toBe(3);
    expect(terminations('autopilot')).toBe(0);
  });

  it('earns what the economics say: 20k demand at 3 replicas is 6k a month', () => {
    const [earner] = outcomes(1, 1, 'static');
    const total = earner!.profit.reduce((a, b) => a + b, 0);
    expect(total).toBeCloseTo(6000 * 6, 6);
  });
});

/** One loser beside a healthy earner (so the circuit breaker stays open), seen as `observation` says. */
const watched = (observation: string, loser: string) =>
  parseScenario(`
name: watched
description: deterministic
horizonMonths: 6
runs: 1
observation: ${observation}
ventures:
  - name: earner
    replicas: 3
    capacityPerReplica: 10000
    demand: { start: 20000, phases: [{ drift: 0, volatility: 0 }] }
    costs: { fixed: 7000, perReplica: 1000, variable: 0.2 }
  - name: loser
    replicas: 3
    capacityPerReplica: 10000
    demand: { start: 20000, phases: [{ drift: 0, volatility: 0 }] }
${loser}
`);

function terminationOf(scenario: ReturnType<typeof parseScenario>, policy: string): number | undefined {
  const [chosen] = policiesNamed([policy]);
  const ventures = simulatePolicy(
    scenario,
    buildWorld(scenario, 1, 0),
    chosen!.kind === 'engine' ? chosen : undefined,
  );
  return ventures.find((o) => o.name === 'loser-1')!.terminatedAt;
}

describe('what the simulated operator sees', () => {
  const WEEK = 7 * DAY;
  const PERIOD = 30 * DAY;
  // Loses 5k a month: revenue 20k, costs 13k + 3k + 4k + 5k.
  const losing = '    costs: { fixed: 17000, perReplica: 1000, variable: 0.2 }';
  // Loses 500 a month: margin −2.5 %, burn below 1000; only runway or three loss periods fail it.
  const bleeding = '    costs: { fixed: 13500, perReplica: 1000, variable: 0.2 }';

  it('holds until the first figure is published when figures are delayed', () => {
    const scenario = watched('{ every: 168h, delay: 1 }', losing);
    expect(terminationOf(scenario, 'naive')).toBe(WEEK);
  });

  it('counts one audit per figure when samples are stamped at publication', () => {
    const scenario = watched('{ every: 168h, timestamps: source }', losing);
    expect(terminationOf(scenario, 'naive')).toBe(0);
    // Figures of weeks 0, 1 and 2 make the three failing audits of the review.
    expect(terminationOf(scenario, 'autopilot')).toBe(2 * WEEK);
  });

  it('reads cash, so runway fails a venture that only bleeds slowly; without it, three loss periods do', () => {
    expect(terminationOf(watched('{ every: 24h }', `${bleeding}\n    cash: 1000`), 'naive')).toBe(0);
    // Loss periods: the one the run starts in, the next, and the one after: its first audit terminates.
    const firstEnd = PERIOD - (SIM_START % PERIOD);
    expect(terminationOf(watched('{ every: 24h }', bleeding), 'naive')).toBe(firstEnd + PERIOD);
  });
});

describe('the steady mix', () => {
  const file = join(
    dirname(fileURLToPath(import.meta.url)),
    '..',
    '..',
    'sim',
    'scenarios',
    'steady-mix.yaml',
  );
  const scenario = parseScenario(readFileSync(file, 'utf8'), file);
  const policies = policiesNamed(['static', 'autopilot', 'oracle']);
  const result = runScenario(scenario, policies, 1, 2);

  it('orders the policies: oracle ≥ AutoPilot ≥ static', () => {
    const [static_, autopilot, oracle] = rowsOf(result).map((r) => r.m.profit);
    expect(oracle).toBeGreaterThanOrEqual(autopilot!);
    expect(autopilot).toBeGreaterThanOrEqual(static_!);
  });

  it('is bounded by the oracle venture by venture, whatever the policy', () => {
    const world = buildWorld(scenario, 1, 0);
    const sum = (values: Float64Array) => values.reduce((a, b) => a + b, 0);
    for (const policy of policiesNamed(['static', 'naive', 'autopilot', 'review-60d'])) {
      const ventures = simulatePolicy(scenario, world, policy.kind === 'engine' ? policy : undefined);
      ventures.forEach((outcome, i) => {
        const best = sum(oracleVenture(world, world.ventures[i]!).profit);
        expect(sum(outcome.profit)).toBeLessThanOrEqual(best + 1e-6);
      });
    }
  });

  it('gives the same results for the same seed, byte for byte, laid out as prettier would', async () => {
    const options = { command: 'test', subject: 'autopilot' };
    const markdown = resultsMarkdown([result], options);
    expect(resultsMarkdown([runScenario(scenario, policies, 1, 2)], options)).toBe(markdown);
    expect(resultsMarkdown([runScenario(scenario, policies, 2, 2)], options)).not.toBe(markdown);
    expect(await format(markdown, { parser: 'markdown', singleQuote: true, printWidth: 110 })).toBe(markdown);
  });
});
