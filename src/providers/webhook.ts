// Tells a human: a JSON POST to a webhook with the idempotency key in the body and the Idempotency-Key
// header (a receiver drops repeats by it), retried with exponential backoff a bounded number of times.
import { sleep, realClock, type Clock } from '../runtime/clock.js';
import { ExponentialBackoff } from '../runtime/rateLimiter.js';
import { HttpFailure, ProviderError, postJson, redact } from './http.js';

export interface Webhook {
  url: string;
  /** The Authorization header's value, read from a Secret. */
  authorization?: string;
  /** Attempts after the first one. */
  retries: number;
}

export interface DeliveryOptions {
  /** Per attempt. */
  timeoutMs?: number;
  /** Delay before the first retry, doubled for each next one, up to maxMs. */
  backoff?: { baseMs: number; maxMs: number };
  /** Stops retrying (and waiting) when it aborts: shutdown, or a lost leader lease. */
  signal?: AbortSignal;
  clock?: Clock;
}

/** Answers that may pass on a later attempt: nothing answered, a server error, a timeout, or "slow down". */
const retryable = (failure: HttpFailure) =>
  failure.kind !== 'clientError' || failure.status === 408 || failure.status === 429;

/** What to fix for an answer no retry changes. */
function advice(status: number | undefined): string {
  if (status === 401 || status === 403) return 'check the Secret notify.authorizationSecretRef names';
  if (status === 404 || status === 405) return 'check the webhook URL';
  return 'the receiver refused the notification';
}

/**
 * Delivers `body` and resolves with the number of attempts it took. Throws ProviderError NotificationRejected
 * when the receiver refuses it (4xx: retrying will not help), NotificationFailed when every attempt failed.
 */
export async function notifyWebhook(
  webhook: Webhook,
  body: { idempotencyKey: string },
  {
    timeoutMs = 5_000,
    backoff = { baseMs: 500, maxMs: 8_000 },
    signal,
    clock = realClock,
  }: DeliveryOptions = {},
): Promise<number> {
  const delays = new ExponentialBackoff(backoff.baseMs, backoff.maxMs);
  const headers = {
    'idempotency-key': body.idempotencyKey,
    ...(webhook.authorization !== undefined && { authorization: webhook.authorization }),
  };
  const where = `POST ${redact(webhook.url)}`;
  for (let attempt = 1; ; attempt++) {
    try {
      await postJson(webhook.url, body, { headers, timeoutMs, signal });
      return attempt;
    } catch (err) {
      if (!(err instanceof HttpFailure)) throw err;
      if (!retryable(err)) {
        throw new ProviderError('NotificationRejected', `${where} ${err.message}: ${advice(err.status)}`);
      }
      if (attempt > webhook.retries || signal?.aborted) {
        throw new ProviderError(
          'NotificationFailed',
          `${where} failed ${attempt} time(s), the last: ${err.message}`,
        );
      }
      await sleep(clock, delays.when(body.idempotencyKey), signal);
    }
  }
}
