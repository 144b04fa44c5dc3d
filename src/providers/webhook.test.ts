// The webhook notifier against a local receiver: the body and headers it sends, retries with backoff
// through failures and a hung receiver, a bounded number of attempts, no retry of a refusal, and the
// idempotency key that lets the receiver keep one notification however often it is sent.
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { WebhookReceiver } from '../../hack/lib/webhookReceiver.js';
import { ProviderError } from './http.js';
import { notifyWebhook } from './webhook.js';

const fast = { timeoutMs: 1_500, backoff: { baseMs: 20, maxMs: 100 } };
const body = {
  protocol: 'shop/payments',
  event: 'Failover',
  from: 'stripe',
  to: 'paypal',
  reason: 'stripe is down: 3 failed probes in a row',
  detectedAt: '2026-11-30T10:00:00.000Z',
  decidedAt: '2026-11-30T10:00:00.100Z',
  appliedAt: '2026-11-30T10:00:00.300Z',
  idempotencyKey: 'failover-0123456789ab',
};

let receiver: WebhookReceiver;
beforeEach(async () => {
  receiver = await WebhookReceiver.start();
});
afterEach(() => receiver.close());

async function refusal(delivery: Promise<unknown>): Promise<ProviderError> {
  const err = await delivery.then(
    () => new Error('it was delivered'),
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ProviderError);
  return err as ProviderError;
}

describe('notifyWebhook', () => {
  it('POSTs the notification as JSON with its Authorization and Idempotency-Key', async () => {
    receiver.requireAuthorization('Bearer hook-token');
    const attempts = await notifyWebhook(
      { url: receiver.url, authorization: 'Bearer hook-token', retries: 3 },
      body,
    );
    expect(attempts).toBe(1);
    expect(receiver.deliveries()).toEqual([
      { body, authorization: 'Bearer hook-token', idempotencyKey: body.idempotencyKey, answered: 200 },
    ]);
  });

  it('retries through server errors and a receiver that does not answer, then delivers once', async () => {
    receiver.answerNext(503, 'hang', 500);
    const attempts = await notifyWebhook({ url: receiver.url, retries: 5 }, body, fast);
    expect(attempts).toBe(4);
    expect(receiver.deliveries().map((d) => d.answered)).toEqual([503, 'hung', 500, 200]);
    expect(receiver.notifications()).toEqual([body]);
  });

  it('gives up after its retries, saying how often and why', async () => {
    receiver.answerNext(500, 502, 503, 504, 500);
    const err = await refusal(notifyWebhook({ url: receiver.url, retries: 2 }, body, fast));
    expect(err.reason).toBe('NotificationFailed');
    expect(err.message).toBe(
      `POST ${receiver.url} failed 3 time(s), the last: answered HTTP 503: told to answer 503`,
    );
    expect(receiver.deliveries()).toHaveLength(3);
  });

  it('does not retry a refusal, and says what to fix', async () => {
    receiver.requireAuthorization('Bearer hook-token');
    const err = await refusal(
      notifyWebhook({ url: receiver.url, authorization: 'Bearer old', retries: 5 }, body, fast),
    );
    expect(err.reason).toBe('NotificationRejected');
    expect(err.message).toMatch(
      /answered HTTP 401: .*: check the Secret notify.authorizationSecretRef names$/,
    );
    expect(receiver.deliveries()).toHaveLength(1);
  });

  it('says NotificationFailed when nothing listens', async () => {
    const url = receiver.url;
    await receiver.close();
    const err = await refusal(notifyWebhook({ url, retries: 1 }, body, fast));
    expect(err.reason).toBe('NotificationFailed');
    expect(err.message).toMatch(/failed 2 time\(s\), the last: is unreachable: ECONNREFUSED$/);
  });

  it('stops retrying when told to stop', async () => {
    receiver.answerNext(500, 500, 500, 500);
    const stop = new AbortController();
    const delivery = notifyWebhook({ url: receiver.url, retries: 10 }, body, {
      ...fast,
      backoff: { baseMs: 60_000, maxMs: 60_000 },
      signal: stop.signal,
    });
    await new Promise((done) => setTimeout(done, 200));
    stop.abort();
    const err = await refusal(delivery);
    expect(err.reason).toBe('NotificationFailed');
    expect(receiver.deliveries().length).toBeLessThanOrEqual(2);
  });

  it('lets the receiver keep one notification per decision however often it is sent', async () => {
    await notifyWebhook({ url: receiver.url, retries: 0 }, body);
    await notifyWebhook({ url: receiver.url, retries: 0 }, body);
    await notifyWebhook(
      { url: receiver.url, retries: 0 },
      { ...body, idempotencyKey: 'failback-ba9876543210' },
    );
    expect(receiver.deliveries()).toHaveLength(3);
    expect(receiver.notifications()).toHaveLength(2);
  });
});
