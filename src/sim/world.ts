// One run's draws of a scenario: every venture's true demand path, the errors of each published figure,
// and the glitch and outage windows. Every policy of the run is simulated on this same world.
import { parseDuration } from '../api/duration.js';
import { MONTH_MS } from '../engine/venture/history.js';
import { stream, type Random } from './random.js';
import type { Scenario, VentureClass } from './scenario.js';

export const YEAR_MS = 12 * MONTH_MS;

/** Where the simulated months begin (the engine sees start + t): fixed, so runs do not depend on the clock. */
export const SIM_START = Date.parse('2026-01-05T00:00:00Z');

export interface Window {
  start: number;
  end: number;
}

export interface Spike extends Window {
  metric: 'revenue' | 'costs';
  factor: number;
}

export interface VentureWorld {
  name: string;
  spec: VentureClass;
  /** True demand per month in each data step, after market shocks. */
  demand: Float64Array;
  /** Multiplicative error of the revenue and costs figures published in each data step. */
  revenueError: Float64Array;
  costsError: Float64Array;
  /** Sorted by start. */
  spikes: Spike[];
  /** Windows in which the source's samples keep the timestamp of the window's start. */
  stale: Window[];
}

export interface World {
  /** Times are ms from the start of the scenario. */
  horizon: number;
  step: number;
  steps: number;
  ventures: VentureWorld[];
  /** Windows in which no sample can be read at all. */
  outages: Window[];
}

export const stepOf = (world: World, t: number): number =>
  Math.min(world.steps - 1, Math.floor(t / world.step));

/** Length of data step s in months (the last one may be cut by the horizon). */
export const stepMonths = (world: World, s: number): number =>
  (Math.min(world.horizon, (s + 1) * world.step) - s * world.step) / MONTH_MS;

export function buildWorld(scenario: Scenario, seed: number, run: number): World {
  const horizon = scenario.horizonMonths * MONTH_MS;
  const step = parseDuration(scenario.observation.every);
  const steps = Math.ceil(horizon / step);
  const random = (...key: (string | number)[]) => stream(seed, scenario.name, `run ${run}`, ...key);
  const ventures = scenario.ventures.flatMap((spec) =>
    Array.from({ length: spec.count }, (_, i) => {
      const name = `${spec.name}-${i + 1}`;
      const base = demandPath(spec, steps, step, random(name, 'demand'));
      const shocked = base.map((d, s) => d * marketFactor(scenario.shocks, (s * step) / MONTH_MS));
      return {
        name,
        spec,
        demand: shocked,
        revenueError: errors(steps, scenario.observation.noise, random(name, 'revenue error')),
        costsError: errors(steps, scenario.observation.noise, random(name, 'costs error')),
        spikes: scenario.observation.spikes
          .flatMap((spike, k) =>
            arrivals(random(name, `spike ${k}`), spike.perYear, parseDuration(spike.duration), horizon).map(
              (w) => ({ ...w, metric: spike.metric, factor: spike.factor }),
            ),
          )
          .sort((a, b) => a.start - b.start),
        stale: episodes(scenario.observation.stale, random(name, 'stale'), horizon),
      };
    }),
  );
  return {
    horizon,
    step,
    steps,
    ventures,
    outages: episodes(scenario.observation.outages, random('outages'), horizon),
  };
}

/**
 * Geometric random walk per data step: log demand moves by drift·Δ + volatility·√Δ·Z, Δ the step in
 * months, with the drift and volatility of the phase the step starts in.
 */
export function demandPath(spec: VentureClass, steps: number, step: number, random: Random): Float64Array {
  const months = step / MONTH_MS;
  const path = new Float64Array(steps);
  let log = Math.log(spec.demand.start);
  for (let s = 0; s < steps; s++) {
    path[s] = Math.exp(log);
    const { drift, volatility } = phaseAt(spec.demand.phases, s * months);
    log += drift * months + volatility * Math.sqrt(months) * random.normal();
  }
  return path;
}

export function phaseAt<P extends { months?: number }>(phases: readonly P[], month: number): P {
  let end = 0;
  for (const phase of phases) {
    end += phase.months ?? Infinity;
    if (month < end) return phase;
  }
  return phases.at(-1)!;
}

/** Demand left by the market's shocks at a month: 1 − depth at the shock, back to 1 after its recovery. */
export function marketFactor(shocks: Scenario['shocks'], month: number): number {
  let factor = 1;
  for (const { month: at, depth, recoveryMonths } of shocks) {
    if (month < at) continue;
    const recovered =
      recoveryMonths === undefined ? 0 : recoveryMonths === 0 ? 1 : (month - at) / recoveryMonths;
    factor *= 1 - depth * Math.max(0, 1 - recovered);
  }
  return factor;
}

/** exp(σ·Z) per step: a published figure is the true one times this. */
function errors(steps: number, sigma: number, random: Random): Float64Array {
  return Float64Array.from({ length: steps }, () => (sigma > 0 ? Math.exp(sigma * random.normal()) : 1));
}

/** Poisson arrivals at `perYear`, each opening a window of `duration`, cut at the horizon. */
export function arrivals(random: Random, perYear: number, duration: number, horizon: number): Window[] {
  const windows: Window[] = [];
  if (perYear <= 0) return windows;
  for (
    let t = random.exponential(perYear / YEAR_MS);
    t < horizon;
    t += random.exponential(perYear / YEAR_MS)
  ) {
    windows.push({ start: t, end: Math.min(horizon, t + duration) });
  }
  return windows;
}

const episodes = (
  episode: { perYear: number; duration: string } | undefined,
  random: Random,
  horizon: number,
) => (episode ? arrivals(random, episode.perYear, parseDuration(episode.duration), horizon) : []);
