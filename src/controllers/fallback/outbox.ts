// Notifications on their way to the webhook, outside reconciles: a delivery (with its retries) runs in the
// background and enqueues the protocol when it ends, so the reconcile that follows records notifiedAt. One
// delivery per decision id at a time; the receiver drops repeats by the same id (the idempotency key).
import type { FailoverNotification } from '../../engine/fallback/effects.js';
import { ProviderError } from '../../providers/http.js';
import { notifyWebhook, type Webhook } from '../../providers/webhook.js';
import type { Clock } from '../../runtime/clock.js';

/** How soon a delivery that failed every retry is tried again (a later reconcile starts it). */
export const REDELIVER_AFTER_MS = 60_000;

export type Delivery =
  | { state: 'sending' }
  | { state: 'delivered'; at: number }
  | { state: 'failed'; at: number; reason: string; message: string };

export class Outbox {
  private readonly deliveries = new Map<string, Delivery>();

  constructor(
    private readonly clock: Clock,
    /** Called with the protocol's key when a delivery ends. */
    private readonly done: (key: string) => void,
  ) {}

  /**
   * Where the notification of decision `body.idempotencyKey` stands; starts (or, once REDELIVER_AFTER_MS
   * passed since it failed, restarts) its delivery. `signal` stops it when this process stops leading.
   */
  deliver(key: string, webhook: Webhook, body: FailoverNotification, signal: AbortSignal): Delivery {
    const id = body.idempotencyKey;
    const known = this.deliveries.get(id);
    if (known && (known.state !== 'failed' || this.clock.now() - known.at < REDELIVER_AFTER_MS)) return known;
    const sending: Delivery = { state: 'sending' };
    this.deliveries.set(id, sending);
    void notifyWebhook(webhook, body, { signal, clock: this.clock })
      .then(
        (): Delivery => ({ state: 'delivered', at: this.clock.now() }),
        (err: unknown): Delivery => ({
          state: 'failed',
          at: this.clock.now(),
          reason: err instanceof ProviderError ? err.reason : 'NotificationFailed',
          message: err instanceof Error ? err.message : String(err),
        }),
      )
      .then((outcome) => {
        // A stopped leader's delivery is not a failure to report: the next leader delivers it.
        if (signal.aborted) this.deliveries.delete(id);
        else this.deliveries.set(id, outcome);
        this.done(key);
      });
    return sending;
  }

  /** The decision's notification is recorded in status: its delivery need not be remembered. */
  settle(id: string): void {
    this.deliveries.delete(id);
  }
}
