// Building blocks for the failover engine's tests: a protocol as the API server stores it, and health.
import type { FallbackProtocolSpec } from '../../api/v1alpha1/fallbackProtocol.js';
import type { FallbackProtocolRef } from './decide.js';
import type { TargetHealth } from './health.js';

export const T0 = Date.UTC(2026, 10, 1, 12);

/** Three gateways probed every second, 2 s timeout, 3 failures, a window of 10, failback after 4 probes and 30 s. */
export function protocolSpec(over: Partial<FallbackProtocolSpec> = {}): FallbackProtocolSpec {
  return {
    targets: [
      { name: 'stripe', url: 'https://stripe.example.com' },
      { name: 'paypal', url: 'https://paypal.example.com' },
      { name: 'adyen', url: 'https://adyen.example.com:8443/v1' },
    ],
    probe: { interval: '1s', method: 'GET', expectedStatus: { min: 200, max: 399 } },
    trigger: { timeout: '2s', consecutiveFailures: 3, errorRate: 0.05, window: 10 },
    failback: { enabled: true, healthyProbes: 4, minimumHold: '30s' },
    ...over,
  };
}

export const protocol = (spec = protocolSpec()): FallbackProtocolRef => ({
  metadata: { namespace: 'shop', name: 'payments', uid: 'uid-1' },
  spec,
});

const base = { consecutiveFailures: 0, consecutiveSuccesses: 0, probes: 10 };

export const up = (name: string, proven = true, provenSince = T0 - 60_000): TargetHealth => ({
  ...base,
  name,
  state: 'Up',
  reason: 'healthy',
  consecutiveSuccesses: proven ? 10 : 1,
  proven,
  ...(proven && { provenSince: new Date(provenSince).toISOString() }),
});

export const down = (name: string, downSince = T0 - 5_000): TargetHealth => ({
  ...base,
  name,
  state: 'Down',
  reason: '3 failed probes in a row (last: HTTP 500 (expected 200–399))',
  consecutiveFailures: 3,
  downSince: new Date(downSince).toISOString(),
  proven: false,
});

export const unknown = (name: string): TargetHealth => ({
  ...base,
  name,
  state: 'Unknown',
  reason: 'waiting for fresh probes: 1 of 3 fresh probes so far',
  probes: 1,
  proven: false,
});
