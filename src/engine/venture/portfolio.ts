// redistribute: replicas and budget freed by terminated or shrunk ventures go to the healthiest ventures of the portfolio.

/** The seed's "Good" tier and above: only ventures that already use resources well receive more. */
export const RECIPIENT_MIN_SCORE = 70;

export interface PortfolioVenture {
  name: string;
  /** Health score 0–100; absent when the venture's metrics were unavailable, and then it receives nothing. */
  score?: number;
  /** Replicas before this cycle's decisions. */
  replicas: number;
  /** Replicas after this cycle's decisions: 0 when terminated, fewer when shrunk, more when scaled. */
  plannedReplicas: number;
  maxReplicas: number;
  /** Monthly budget. A donor frees the share of it that matches the share of replicas it gives up. */
  budget?: number;
}

export interface Grant {
  name: string;
  /** Extra replicas on top of plannedReplicas. */
  replicas: number;
  /** Extra monthly budget, to the cent. */
  budget: number;
  /** The donors this cycle, by name. */
  from: string[];
}

export interface Redistribution {
  /** One per recipient that received anything, by name. */
  grants: Grant[];
  /** Freed capacity no recipient could take (limit, maxReplicas, or no healthy venture). */
  unallocated: { replicas: number; budget: number };
}

const count = (value: number): number => (Number.isFinite(value) && value > 0 ? Math.floor(value) : 0);

/**
 * Shares freed capacity among ventures scoring at least 70, in proportion to their score, so that
 * the portfolio's planned replicas plus the grants never exceed `limit` (e.g. a ResourceQuota in
 * replicas; Infinity for none) and no venture exceeds its maxReplicas.
 */
export function redistribute(portfolio: readonly PortfolioVenture[], limit: number): Redistribution {
  const ventures = [...portfolio].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  let freedReplicas = 0;
  let freedCents = 0;
  const donors: string[] = [];
  for (const v of ventures) {
    const before = count(v.replicas);
    const freed = before - Math.min(before, count(v.plannedReplicas));
    if (freed === 0) continue;
    donors.push(v.name);
    freedReplicas += freed;
    freedCents += Math.round((count((v.budget ?? 0) * 100) * freed) / before);
  }
  // A venture scaled to zero runs nothing that could use capacity.
  const recipients = ventures.filter(
    (v): v is PortfolioVenture & { score: number } =>
      v.score !== undefined &&
      v.score >= RECIPIENT_MIN_SCORE &&
      count(v.plannedReplicas) > 0 &&
      count(v.plannedReplicas) >= count(v.replicas),
  );
  const planned = ventures.reduce((sum, v) => sum + count(v.plannedReplicas), 0);
  // An unreadable limit leaves no room: overshooting a quota fails Pods, undershooting only waits.
  const room = limit === Infinity ? Infinity : count(limit) - Math.min(count(limit), planned);
  const pool = Math.min(freedReplicas, room);
  const weights = recipients.map((v) => v.score);
  const replicas = apportion(
    pool,
    weights,
    recipients.map((v) => count(v.maxReplicas) - Math.min(count(v.maxReplicas), count(v.plannedReplicas))),
  );
  const cents = apportion(
    freedCents,
    weights,
    weights.map(() => Infinity),
  );
  const grants = recipients
    .map((v, i) => ({ name: v.name, replicas: replicas[i]!, budget: cents[i]! / 100, from: donors }))
    .filter((g) => g.replicas > 0 || g.budget > 0)
    .map((g) => ({ ...g, from: [...g.from] }));
  const given = (list: number[]) => list.reduce((sum, x) => sum + x, 0);
  return {
    grants,
    unallocated: { replicas: freedReplicas - given(replicas), budget: (freedCents - given(cents)) / 100 },
  };
}

/**
 * Splits `total` whole units in proportion to `weights`, none above its cap (the caps' excess flows to
 * the others), rounding by largest remainder; ties go to the larger weight, then the earlier index.
 */
export function apportion(total: number, weights: readonly number[], caps: readonly number[]): number[] {
  const shares = weights.map(() => 0);
  let open = weights.map((_, i) => i).filter((i) => weights[i]! > 0 && caps[i]! > 0);
  const target = Math.min(
    count(total),
    open.reduce((sum, i) => sum + caps[i]!, 0),
  );
  let remaining = target;
  while (open.length && remaining > 0) {
    const weight = open.reduce((sum, i) => sum + weights[i]!, 0);
    const capped = open.filter((i) => (remaining * weights[i]!) / weight >= caps[i]!);
    if (!capped.length) {
      for (const i of open) shares[i] = (remaining * weights[i]!) / weight;
      break;
    }
    for (const i of capped) {
      shares[i] = caps[i]!;
      remaining -= caps[i]!;
    }
    open = open.filter((i) => !capped.includes(i));
  }
  const whole = shares.map((share, i) => Math.min(Math.floor(share), caps[i]!));
  let left = target - whole.reduce((sum, x) => sum + x, 0);
  const byRemainder = shares
    .map((share, i) => ({ i, rest: share - whole[i]! }))
    .filter(({ i, rest }) => rest > 0 && whole[i]! < caps[i]!)
    .sort((a, b) => b.rest - a.rest || weights[b.i]! - weights[a.i]! || a.i - b.i);
  for (const { i } of byRemainder) {
    if (left <= 0) break;
    whole[i] = whole[i]! + 1;
    left -= 1;
  }
  return whole;
}
