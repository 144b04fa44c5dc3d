// autopilot run's settings: flags win over AUTOPILOT_* variables, which win over defaults; bad values say what to fix.
import { describe, expect, it } from '@jest/globals';
import { runSettings, UsageError } from './run.js';

describe('runSettings', () => {
  it('has controller-runtime-like defaults', () => {
    const s = runSettings([], {});
    expect(s).toMatchObject({
      namespace: undefined,
      workers: 2,
      metricsAddress: ':8080',
      healthAddress: ':8081',
      shutdownTimeoutMs: 30_000,
      leaderElection: {
        enabled: true,
        name: 'autopilot-leader',
        namespace: 'default',
        leaseDurationMs: 15_000,
        renewDeadlineMs: 10_000,
        retryPeriodMs: 2_000,
      },
      ventures: {
        defaultMode: 'Observe',
        terminationsPerHour: 1,
        circuitBreakerShare: 0.5,
        portfolioMaxReplicas: Infinity,
      },
    });
  });

  it('takes environment variables, and flags over them', () => {
    const env = { AUTOPILOT_WORKERS: '8', AUTOPILOT_NAMESPACE: 'shop', POD_NAMESPACE: 'autopilot-system' };
    const s = runSettings(['--workers=3', '--leader-elect=false', '--lease-duration=30s'], env);
    expect(s.workers).toBe(3);
    expect(s.namespace).toBe('shop');
    expect(s.leaderElection).toMatchObject({
      enabled: false,
      namespace: 'autopilot-system',
      leaseDurationMs: 30_000,
    });
  });

  it('rejects values with a message that says what to fix', () => {
    expect(() => runSettings(['--workers=0'], {})).toThrow('--workers must be a positive integer');
    expect(() => runSettings(['--default-mode=Yolo'], {})).toThrow(
      '--default-mode must be Observe, Supervised or Autonomous',
    );
    expect(() => runSettings(['--lease-duration=soon'], {})).toThrow(
      '"soon" is not a duration like 30s, 5m or 1h30m',
    );
    expect(() => runSettings(['--nope'], {})).toThrow(/Unknown option '--nope'/);
    expect(() => runSettings(['--log-level=verbose'], {})).toThrow(
      '--log-level must be one of trace, debug, info, warn, error, fatal, silent',
    );
  });

  it('throws every bad setting as a UsageError, which the command prints with its usage (exit 2)', () => {
    for (const argv of [['--workers=0'], ['--nope'], ['--retry-period=soon']]) {
      expect(() => runSettings(argv, {})).toThrow(UsageError);
    }
  });
});
