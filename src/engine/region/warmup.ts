// Warm before shift: the Deployments of the region taking over are scaled to the other region's last
// known replicas (recorded while it was healthy) and awaited until ready or until the deadline; what
// was not ready in time is named, and traffic moves anyway (a dead region serves no one).

/** A Deployment's replicas as recorded from the other region while it was healthy. */
export interface RecordedReplicas {
  name: string;
  replicas: number;
}

/** A warm-up Deployment of the region taking over, as read now. */
export interface LocalDeployment {
  name: string;
  replicas: number;
  readyReplicas: number;
}

export interface WarmupTarget {
  name: string;
  /** Replicas now. */
  from: number;
  /** Replicas to scale to: never fewer than now (a warm-up never scales down). */
  to: number;
}

/**
 * Targets for the local warm-up Deployments: `override` when set, else the recorded replicas of the
 * Deployment of the same name; a Deployment with neither keeps its replicas.
 */
export function planWarmup(
  local: readonly LocalDeployment[],
  recorded: readonly RecordedReplicas[] | undefined,
  override?: number,
): WarmupTarget[] {
  const known = new Map((recorded ?? []).map((r) => [r.name, r.replicas]));
  return local
    .map((d) => ({
      name: d.name,
      from: d.replicas,
      to: Math.max(d.replicas, override ?? known.get(d.name) ?? d.replicas),
    }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

export type WarmupProgress =
  | { done: false; waiting: string[] }
  | { done: true; ready: string[]; notWarmed: string[]; timedOut: boolean };

/**
 * Done when every target has its replicas ready, or at the deadline with what was not ready named. A
 * target whose scale was `refused` (RBAC, an admission policy, a Deployment gone) will not warm: it is
 * not waited for, only named, so a refusal never holds traffic on a dead region.
 */
export function warmupProgress(
  targets: readonly WarmupTarget[],
  local: readonly LocalDeployment[],
  deadline: number,
  now: number,
  refused: readonly string[] = [],
): WarmupProgress {
  const readyOf = new Map(local.map((d) => [d.name, d.readyReplicas]));
  const ready = targets.filter((t) => (readyOf.get(t.name) ?? 0) >= t.to).map((t) => t.name);
  const notReady = targets.filter((t) => !ready.includes(t.name)).map((t) => t.name);
  const waiting = notReady.filter((name) => !refused.includes(name));
  if (!waiting.length) return { done: true, ready, notWarmed: notReady, timedOut: false };
  if (now >= deadline) return { done: true, ready, notWarmed: notReady, timedOut: true };
  return { done: false, waiting };
}
