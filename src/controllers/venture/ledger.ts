// Terminations this process decided, per namespace, until the cache shows them in status: the guards
// count each once (src/engine/guards.ts recentTerminations). Reserving happens in the same synchronous
// step as the check, so two workers cannot both take the namespace's last termination.
export class TerminationLedger {
  private readonly reserved = new Map<string, Map<string, number>>();

  constructor(private readonly windowMs: number) {}

  /** The namespace's reservations within the window, by venture name. */
  reservations(namespace: string, now: number): ReadonlyMap<string, number> {
    const ours = this.reserved.get(namespace) ?? new Map<string, number>();
    for (const [name, at] of ours) if (now - at >= this.windowMs) ours.delete(name);
    return ours;
  }

  reserve(namespace: string, name: string, at: number): void {
    this.reserved.set(namespace, new Map(this.reservations(namespace, at)).set(name, at));
  }
}
