// The prober against local gateways that answer 200, 500, hang past the timeout, recover, flap, want
// headers or serve HTTPS: windows, change calls, reconfiguration, stop and restart, concurrency and lag.
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { Registry } from 'prom-client';
import selfsigned from 'selfsigned';
import { Gateway, HEALTH_PATH, closeGateways, startGateways } from '../../hack/lib/gateways.js';
import { waitFor } from '../../test/e2e/support/wait.js';
import type { ProbeSummary } from '../engine/probes.js';
import { Prober, type ProbeTarget } from './prober.js';

const INTERVAL = 100;
const rules = { window: 6, consecutiveFailures: 3, errorRate: 0.2, healthyProbes: 3, timeoutMs: 1000 };
const target = (gateway: Gateway, over: Partial<ProbeTarget> = {}): ProbeTarget => ({
  name: gateway.name,
  url: `${gateway.url}${HEALTH_PATH}`,
  method: 'GET',
  expectedStatus: { min: 200, max: 299 },
  intervalMs: INTERVAL,
  rules,
  ...over,
});

let gateways: Gateway[] = [];
let changes: string[] = [];
let stop = new AbortController();
let prober: Prober;
let running: Promise<void> = Promise.resolve();

function start(options: { concurrency?: number; registry?: Registry } = {}) {
  changes = [];
  prober = new Prober({ name: 'test', onChange: (key) => changes.push(key), ...options });
  stop = new AbortController();
  running = prober.run(stop.signal);
}

/** Waits until `name`'s summary in object `key` passes `test`, and returns it. */
const until = (key: string, name: string, what: string, test: (s: ProbeSummary) => boolean) =>
  waitFor(
    `${key}/${name} ${what}`,
    () => {
      const summary = prober.healthOf(key)[name];
      return Promise.resolve(summary && test(summary) ? summary : undefined);
    },
    { timeoutMs: 15_000, intervalMs: 20 },
  );

beforeAll(async () => {
  gateways = await startGateways(['stripe', 'paypal', 'adyen']);
});

afterEach(async () => {
  stop.abort();
  await running;
  await prober.close();
  for (const gateway of gateways) gateway.behave({});
});

afterAll(async () => {
  await closeGateways(gateways);
});

describe('Prober', () => {
  it('probes every target on its own timer and tells the object when a target comes up', async () => {
    start();
    prober.configure(
      'shop/payments',
      gateways.map((g) => target(g)),
    );
    for (const gateway of gateways) {
      await until('shop/payments', gateway.name, 'Up and proven', (s) => s.state === 'Up' && s.proven);
    }
    const stripe = prober.healthOf('shop/payments').stripe!;
    expect(stripe).toMatchObject({ consecutiveFailures: 0, errorRate: 0 });
    expect(stripe.last?.status).toBe(200);
    // Per target: its first probe (none → Unknown) and its third (Unknown → Up, proven at healthyProbes 3);
    // the probes in between and after change nothing worth a reconcile.
    expect(changes).toEqual(Array<string>(6).fill('shop/payments'));
    expect(gateways[0]!.counts().health).toBeGreaterThanOrEqual(3);
  });

  it('fails a target that answers 500 and one that hangs past the timeout, then sees them recover', async () => {
    const [stripe, paypal] = gateways as [Gateway, Gateway];
    stripe.health({ status: 500 });
    paypal.health({ hang: true });
    start();
    prober.configure('shop/payments', [target(stripe), target(paypal)]);
    const failed = await until('shop/payments', 'stripe', 'Down', (s) => s.state === 'Down');
    expect(failed.reason).toBe('3 failed probes in a row (last: HTTP 500 (expected 200–299))');
    const hung = await until('shop/payments', 'paypal', 'Down', (s) => s.state === 'Down');
    expect(hung.lastFailure?.error).toBe('no answer within 1s');
    expect(hung.last!.latencyMs).toBeGreaterThanOrEqual(1000);
    // Probes overlap while one hangs: a new one goes out every interval, not every timeout.
    expect(paypal.counts().peakOpen).toBeGreaterThan(1);

    const changedBefore = changes.length;
    stripe.health({});
    paypal.health({});
    await until('shop/payments', 'stripe', 'proven again', (s) => s.state === 'Up' && s.proven);
    await until('shop/payments', 'paypal', 'proven again', (s) => s.state === 'Up' && s.proven);
    expect(changes.length).toBeGreaterThan(changedBefore);
  });

  it('keeps a flapping target down (every third probe fails) and never calls it proven', async () => {
    const [stripe] = gateways as [Gateway];
    stripe.health({ failEvery: 3 });
    start();
    prober.configure('shop/payments', [target(stripe)]);
    const flapping = await until(
      'shop/payments',
      'stripe',
      'a full window',
      (s) => s.probes === rules.window,
    );
    await until(
      'shop/payments',
      'stripe',
      'more probes',
      (s) => s.last!.startedAt > flapping.last!.startedAt + 5 * INTERVAL,
    );
    const summary = prober.healthOf('shop/payments').stripe!;
    expect(summary.state).toBe('Down');
    expect(summary.reason).toMatch(/^error rate 33\.3% of the last 6 probes > 20\.0%$/);
    expect(summary.proven).toBe(false);
  });

  it('sends the headers a Secret gives, and says so when they are missing', async () => {
    const [stripe, paypal] = gateways as [Gateway, Gateway];
    const authorization = { authorization: 'Bearer sk_test_123' };
    stripe.health({ requireHeaders: authorization });
    paypal.health({ requireHeaders: authorization });
    start();
    prober.configure('shop/payments', [target(stripe, { headers: authorization }), target(paypal)]);
    await until('shop/payments', 'stripe', 'Up', (s) => s.state === 'Up');
    const refused = await until('shop/payments', 'paypal', 'Down', (s) => s.state === 'Down');
    expect(refused.lastFailure?.error).toBe('HTTP 401 (expected 200–299)');
  });

  it('trusts an HTTPS target’s certificate through the CA bundle, and only through it', async () => {
    const pems = await selfsigned.generate([{ name: 'commonName', value: '127.0.0.1' }], {
      keyType: 'ec',
      extensions: [
        { name: 'basicConstraints', cA: true },
        { name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }] },
      ],
    });
    const secure = await Gateway.start('secure', { tls: { key: pems.private, cert: pems.cert } });
    try {
      start();
      prober.configure('shop/trusted', [target(secure, { caBundle: pems.cert })]);
      prober.configure('shop/untrusted', [target(secure)]);
      await until('shop/trusted', 'secure', 'Up', (s) => s.state === 'Up');
      const untrusted = await until('shop/untrusted', 'secure', 'Down', (s) => s.state === 'Down');
      expect(untrusted.lastFailure?.error).toMatch(/self[- ]signed certificate/);
    } finally {
      stop.abort();
      await running;
      await secure.close();
    }
  });

  it('keeps a window through a change of rules, starts afresh when the probe changes, and stops on forget', async () => {
    const [stripe, paypal] = gateways as [Gateway, Gateway];
    start();
    prober.configure('shop/payments', [target(stripe), target(paypal)]);
    await until('shop/payments', 'stripe', 'a full window', (s) => s.probes === rules.window);
    prober.configure('shop/payments', [
      target(stripe, { rules: { ...rules, healthyProbes: 5 } }),
      target(paypal, { method: 'HEAD' }),
    ]);
    expect(prober.healthOf('shop/payments').stripe?.probes).toBe(rules.window);
    expect(prober.healthOf('shop/payments').paypal).toBeUndefined();
    await until('shop/payments', 'paypal', 'probed again', (s) => s.probes >= 1);

    prober.forget('shop/payments');
    expect(prober.healthOf('shop/payments')).toEqual({});
    const asked = stripe.counts().health;
    await new Promise((done) => setTimeout(done, 5 * INTERVAL));
    expect(stripe.counts().health).toBeLessThanOrEqual(asked + 1); // at most one already in flight
  });

  it('forgets every window when it stops, and a new start begins with empty ones', async () => {
    const [stripe] = gateways as [Gateway];
    start();
    prober.configure('shop/payments', [target(stripe)]);
    await until('shop/payments', 'stripe', 'Up', (s) => s.state === 'Up');
    stop.abort();
    await running;
    expect(prober.healthOf('shop/payments')).toEqual({});

    // Leading again: the configuration stays, the window starts empty.
    stop = new AbortController();
    running = prober.run(stop.signal);
    expect(prober.healthOf('shop/payments')).toEqual({});
    const first = await until('shop/payments', 'stripe', 'probed', (s) => s.probes >= 1);
    expect(first.probes).toBeLessThan(rules.window);
    await until('shop/payments', 'stripe', 'Up', (s) => s.state === 'Up');
  });

  it('keeps within its concurrency and measures how late probes went out', async () => {
    const registry = new Registry();
    const [slow] = gateways as [Gateway];
    slow.health({ delayMs: 150 });
    start({ concurrency: 2, registry });
    // Four targets on one gateway: its peak of open requests is the prober's.
    const names = ['slow-1', 'slow-2', 'slow-3', 'slow-4'];
    prober.configure(
      'shop/slow',
      names.map((name) => target(slow, { name })),
    );
    for (const name of names) await until('shop/slow', name, 'Up', (s) => s.state === 'Up');
    expect(slow.counts().peakOpen).toBe(2);
    const lines = (await registry.getSingleMetricAsString('autopilot_probe_schedule_lag_seconds')).split(
      '\n',
    );
    const value = (series: string) =>
      Number(
        lines
          .find((l) => l.startsWith(series))!
          .split(' ')
          .at(-1),
      );
    const count = value('autopilot_probe_schedule_lag_seconds_count');
    expect(count).toBeGreaterThanOrEqual(names.length * rules.consecutiveFailures);
    // Four 150 ms probes every 100 ms through two slots: they wait, and the histogram says so.
    expect(value('autopilot_probe_schedule_lag_seconds_sum') / count).toBeGreaterThan(0.01);
  });
});
