// The simulator's random processes produce what a scenario file states: seeded, and within tolerance
// of the drift, volatility, error and arrival rates it declares.
import { describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MONTH_MS } from '../engine/venture/history.js';
import { stream } from './random.js';
import { parseScenario, type Scenario } from './scenario.js';
import { buildWorld, marketFactor, YEAR_MS, type World } from './world.js';

const scenario = (yaml: string): Scenario => parseScenario(yaml, 'test.yaml');

/** Twenty ventures over twenty years of daily figures: enough draws for tight tolerances. */
const long = (observation: string, phases: string) =>
  scenario(`
name: long
description: processes
horizonMonths: 240
runs: 1
observation:
${observation}
ventures:
  - name: v
    count: 20
    replicas: 1
    capacityPerReplica: 1000000
    demand:
      start: 10000
      phases:
${phases}
    costs: { fixed: 0, perReplica: 0, variable: 0 }
`);

/** Mean and standard deviation, per month, of the monthly-scaled log changes of demand in [from, to) months. */
function logChanges(world: World, from: number, to: number) {
  const months = world.step / MONTH_MS;
  const changes: number[] = [];
  for (const v of world.ventures) {
    for (let s = Math.ceil(from / months); s + 1 < world.steps && (s + 1) * months <= to; s++) {
      changes.push(Math.log(v.demand[s + 1]! / v.demand[s]!));
    }
  }
  const mean = changes.reduce((a, b) => a + b, 0) / changes.length;
  const variance = changes.reduce((a, b) => a + (b - mean) ** 2, 0) / (changes.length - 1);
  return { drift: mean / months, volatility: Math.sqrt(variance / months), n: changes.length };
}

describe('random streams', () => {
  it('give the same draws for the same seed and key, other draws for another key', () => {
    const draws = (seed: number, key: string) => {
      const r = stream(seed, key);
      return [r.uniform(), r.normal(), r.exponential(2)];
    };
    expect(draws(7, 'a')).toEqual(draws(7, 'a'));
    expect(draws(7, 'a')).not.toEqual(draws(7, 'b'));
    expect(draws(7, 'a')).not.toEqual(draws(8, 'a'));
  });

  it('draw standard normals and exponentials', () => {
    const r = stream(1, 'moments');
    const normals = Array.from({ length: 40_000 }, () => r.normal());
    const mean = normals.reduce((a, b) => a + b, 0) / normals.length;
    const sd = Math.sqrt(normals.reduce((a, b) => a + (b - mean) ** 2, 0) / normals.length);
    expect(Math.abs(mean)).toBeLessThan(0.02);
    expect(Math.abs(sd - 1)).toBeLessThan(0.02);
    const waits = Array.from({ length: 40_000 }, () => r.exponential(4));
    expect(Math.abs(waits.reduce((a, b) => a + b, 0) / waits.length - 0.25)).toBeLessThan(0.005);
  });
});

describe('the demand process', () => {
  it('has the drift and volatility its phase states', () => {
    const world = buildWorld(long('  every: 24h', '        - { drift: 0.03, volatility: 0.1 }'), 1, 0);
    const measured = logChanges(world, 0, 240);
    // Standard error of the drift: 0.1 / √(20 × 240 months) ≈ 0.0014; of the volatility far less.
    expect(Math.abs(measured.drift - 0.03)).toBeLessThan(0.005);
    expect(Math.abs(measured.volatility - 0.1)).toBeLessThan(0.003);
  });

  it('follows its phases in turn: a J-curve grows fast, then slowly', () => {
    const world = buildWorld(
      long(
        '  every: 168h',
        '        - { months: 120, drift: 0.2, volatility: 0.15 }\n        - { drift: -0.05, volatility: 0.05 }',
      ),
      1,
      0,
    );
    const early = logChanges(world, 0, 120);
    const late = logChanges(world, 121, 240);
    expect(Math.abs(early.drift - 0.2)).toBeLessThan(0.01);
    expect(Math.abs(early.volatility - 0.15)).toBeLessThan(0.006);
    expect(Math.abs(late.drift + 0.05)).toBeLessThan(0.005);
    expect(Math.abs(late.volatility - 0.05)).toBeLessThan(0.002);
  });

  it('takes a market shock on every venture at once and recovers linearly', () => {
    const shocks = [{ month: 12, depth: 0.5, recoveryMonths: 6 }];
    expect(marketFactor(shocks, 11.9)).toBe(1);
    expect(marketFactor(shocks, 12)).toBe(0.5);
    expect(marketFactor(shocks, 15)).toBeCloseTo(0.75);
    expect(marketFactor(shocks, 18)).toBe(1);
    expect(marketFactor([{ month: 3, depth: 0.4 }], 100)).toBeCloseTo(0.6);

    const flat = long('  every: 168h', '        - { drift: 0, volatility: 0.1 }');
    const calm = buildWorld(flat, 1, 0);
    const shocked = buildWorld({ ...flat, shocks }, 1, 0);
    // The same draws with the shock laid over them: the ratio is the market factor, for every venture.
    const step = Math.ceil((12 * MONTH_MS) / calm.step);
    for (let i = 0; i < calm.ventures.length; i++) {
      expect(shocked.ventures[i]!.demand[step]! / calm.ventures[i]!.demand[step]!).toBeCloseTo(
        marketFactor(shocks, (step * calm.step) / MONTH_MS),
      );
      expect(shocked.ventures[i]!.demand[0]).toBe(calm.ventures[i]!.demand[0]);
    }
  });
});

describe('the observation process', () => {
  const glitchy = long(
    `  every: 24h
  noise: 0.08
  spikes:
    - { perYear: 4, metric: revenue, factor: 0, duration: 20m }
  stale: { perYear: 2, duration: 12h }
  outages: { perYear: 3, duration: 4h }`,
    '        - { drift: 0, volatility: 0.1 }',
  );
  const world = buildWorld(glitchy, 1, 0);
  const years = world.horizon / YEAR_MS;

  it('publishes figures with the stated log error', () => {
    const logs = world.ventures.flatMap((v) => [...v.revenueError, ...v.costsError].map(Math.log));
    const mean = logs.reduce((a, b) => a + b, 0) / logs.length;
    const sd = Math.sqrt(logs.reduce((a, b) => a + (b - mean) ** 2, 0) / logs.length);
    expect(Math.abs(mean)).toBeLessThan(0.002);
    expect(Math.abs(sd - 0.08)).toBeLessThan(0.002);
  });

  it('has spikes, stale samples and outages at the stated rates, each as long as stated', () => {
    const spikes = world.ventures.flatMap((v) => v.spikes);
    // Poisson: 20 ventures × 20 years × 4 = 1600 expected, standard deviation 40.
    expect(Math.abs(spikes.length - 20 * years * 4)).toBeLessThan(160);
    expect(spikes.every((s) => s.metric === 'revenue' && s.factor === 0)).toBe(true);
    expect(spikes.every((s) => s.end - s.start === 20 * 60_000 || s.end === world.horizon)).toBe(true);
    const stale = world.ventures.flatMap((v) => v.stale);
    expect(Math.abs(stale.length - 20 * years * 2)).toBeLessThan(120);
    // 60 expected for the portfolio: standard deviation 7.7.
    expect(Math.abs(world.outages.length - years * 3)).toBeLessThan(25);
    expect(world.outages.every((w) => w.end - w.start === 4 * 3_600_000 || w.end === world.horizon)).toBe(
      true,
    );
  });

  it('is the same world for the same seed and run, another for another run or seed', () => {
    const fingerprint = (w: World) => {
      const hash = createHash('sha256');
      for (const v of w.ventures) {
        for (const series of [v.demand, v.revenueError, v.costsError])
          hash.update(Buffer.from(series.buffer));
        hash.update(JSON.stringify([v.spikes, v.stale]));
      }
      return hash.update(JSON.stringify(w.outages)).digest('hex');
    };
    expect(fingerprint(buildWorld(glitchy, 1, 0))).toBe(fingerprint(world));
    expect(fingerprint(buildWorld(glitchy, 1, 1))).not.toBe(fingerprint(world));
    expect(fingerprint(buildWorld(glitchy, 2, 0))).not.toBe(fingerprint(world));
  });
});

describe('scenario files', () => {
  const dir = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'sim', 'scenarios');
  it.each(readdirSync(dir).filter((f) => f.endsWith('.yaml')))('%s parses', (file) => {
    const parsed = parseScenario(readFileSync(join(dir, file), 'utf8'), file);
    expect(parsed.name).toBe(file.replace(/\.yaml$/, ''));
  });

  it('are refused with the field named when wrong', () => {
    expect(() =>
      scenario(`
name: bad
description: x
horizonMonths: 12
runs: 1
observation: { every: 24h, noise: -1 }
ventures:
  - name: v
    replicas: 20
    capacityPerReplica: 1000
    demand: { start: 1, phases: [{ months: 3, drift: 0, volatility: 0 }, { drift: 0, volatility: 0 }] }
    costs: { fixed: 0, perReplica: 0, variable: 0 }
`),
    ).toThrow(/observation\.noise: must be >= 0/);
    expect(() =>
      scenario(`
name: bad
description: x
horizonMonths: 12
runs: 1
observation: { every: 24h }
ventures:
  - name: v
    replicas: 20
    capacityPerReplica: 1000
    demand: { start: 1, phases: [{ drift: 0, volatility: 0 }, { drift: 0, volatility: 0 }] }
    costs: { fixed: 0, perReplica: 0, variable: 0 }
`),
    ).toThrow(
      /replicas must be within minReplicas and maxReplicas; ventures\[0\]\.demand\.phases\[0\]: months is required/,
    );
  });
});
