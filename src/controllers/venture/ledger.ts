// Terminations per namespace, each venture counted once: those status shows (terminatedAt) and those this
// process decided but the cache may not show yet. Reserving happens in the same synchronous step as the
// check, so two workers cannot both take the namespace's last termination.
import type { VentureResource } from '../../api/v1alpha1/index.js';

export class TerminationLedger {
  private readonly reserved = new Map<string, Map<string, number>>();

  constructor(private readonly windowMs: number) {}

  /** Termination times within the window, by venture name: the portfolio's status, then ours. */
  recent(namespace: string, portfolio: readonly VentureResource[], now: number): Map<string, number> {
    const times = new Map<string, number>();
    for (const v of portfolio) {
      if (!v.status?.terminatedAt) continue;
      const at = Date.parse(v.status.terminatedAt);
      // An unreadable time counts as just now: a wrongly blocked termination waits, the other kind is final.
      times.set(v.metadata.name, Number.isFinite(at) ? at : now);
    }
    const ours = this.reserved.get(namespace);
    for (const [name, at] of ours ?? []) {
      if (now - at >= this.windowMs) ours!.delete(name);
      else if (!times.has(name)) times.set(name, at);
    }
    for (const [name, at] of times) if (now - at >= this.windowMs) times.delete(name);
    return times;
  }

  reserve(namespace: string, name: string, at: number): void {
    const ours = this.reserved.get(namespace) ?? new Map<string, number>();
    ours.set(name, at);
    this.reserved.set(namespace, ours);
  }
}
