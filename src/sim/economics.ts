// The true economics of a simulated venture (revenue capped by its replicas' capacity, costs fixed, per
// replica and per revenue) and the hindsight oracle: the most any policy could earn on the same draws.
import { stepMonths, type VentureWorld, type World } from './world.js';
import type { VentureClass } from './scenario.js';

export interface Rates {
  revenue: number;
  costs: number;
}

/** Revenue and costs per month of a running venture with `replicas` replicas facing `demand`. */
export function ratesOf(spec: VentureClass, demand: number, replicas: number): Rates {
  const revenue = Math.min(demand, replicas * spec.capacityPerReplica);
  return {
    revenue,
    costs: spec.costs.fixed + spec.costs.perReplica * replicas + spec.costs.variable * revenue,
  };
}

export function profitRate(spec: VentureClass, demand: number, replicas: number): number {
  const { revenue, costs } = ratesOf(spec, demand, replicas);
  return revenue - costs;
}

/** The replicas that earn most at this demand, within the venture's bounds, and what they earn per month. */
export function bestReplicas(spec: VentureClass, demand: number): { replicas: number; profit: number } {
  const clamp = (r: number) => Math.min(spec.maxReplicas, Math.max(spec.minReplicas, r));
  const fit = demand / spec.capacityPerReplica;
  // Profit is concave in replicas with its kink at demand / capacity: the best is at a bound or next to it.
  const candidates = [spec.minReplicas, spec.maxReplicas, clamp(Math.floor(fit)), clamp(Math.ceil(fit))];
  let best = { replicas: spec.minReplicas, profit: -Infinity };
  for (const replicas of candidates) {
    const profit = profitRate(spec, demand, replicas);
    if (profit > best.profit) best = { replicas, profit };
  }
  return best;
}

export interface OracleVenture {
  /** Profit and costs ($) in each data step: the best replicas while running, 0 once stopped. */
  profit: Float64Array;
  costs: Float64Array;
  /** First step the oracle no longer runs the venture (steps: it runs to the horizon). */
  stop: number;
  /** Best replicas in each step (whether or not the oracle runs it then). */
  replicas: Int32Array;
}

/**
 * Knowing each venture's whole demand path, the oracle sets the best replicas every step (scaling down
 * too, which AutoPilot never does) and stops the venture at the step that maximizes its total profit.
 * Every policy's profit on a venture is at most this, step for step and in total. Without `resizes` it
 * keeps the starting replicas and only chooses when to stop: the part of the bound terminations can reach.
 */
export function oracleVenture(world: World, venture: VentureWorld, resizes = true): OracleVenture {
  const profit = new Float64Array(world.steps);
  const costs = new Float64Array(world.steps);
  const replicas = new Int32Array(world.steps);
  let total = 0;
  let bestTotal = 0;
  let stop = 0;
  for (let s = 0; s < world.steps; s++) {
    const { spec } = venture;
    const best = resizes
      ? bestReplicas(spec, venture.demand[s]!)
      : { replicas: spec.replicas, profit: profitRate(spec, venture.demand[s]!, spec.replicas) };
    replicas[s] = best.replicas;
    profit[s] = best.profit * stepMonths(world, s);
    costs[s] = ratesOf(venture.spec, venture.demand[s]!, best.replicas).costs * stepMonths(world, s);
    total += profit[s]!;
    if (total > bestTotal) {
      bestTotal = total;
      stop = s + 1;
    }
  }
  profit.fill(0, stop);
  costs.fill(0, stop);
  return { profit, costs, stop, replicas };
}
