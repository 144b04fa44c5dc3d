// autopilot run's settings: flags win over AUTOPILOT_* variables, which win over defaults; bad values say
// what to fix; every module's flags join the operator's.
import { describe, expect, it } from '@jest/globals';
import { modules } from '../controllers/index.js';
import { runSettings, runUsage, UsageError } from './run.js';

const settings = (argv: string[], env: NodeJS.ProcessEnv = {}) => runSettings(argv, env, modules);

describe('runSettings', () => {
  it('has controller-runtime-like defaults', () => {
    const s = settings([]);
    expect(s.manager).toMatchObject({
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
    });
    expect(s.modules.venture).toMatchObject({
      defaultMode: 'Observe',
      terminationsPerHour: 1,
      circuitBreakerShare: 0.5,
      portfolioMaxReplicas: Infinity,
    });
  });

  it('takes environment variables, and flags over them', () => {
    const env = { AUTOPILOT_WORKERS: '8', AUTOPILOT_NAMESPACE: 'shop', POD_NAMESPACE: 'autopilot-system' };
    const s = settings(['--workers=3', '--leader-elect=false', '--lease-duration=30s'], env);
    expect(s.manager.workers).toBe(3);
    expect(s.manager.namespace).toBe('shop');
    expect(s.manager.leaderElection).toMatchObject({
      enabled: false,
      namespace: 'autopilot-system',
      leaseDurationMs: 30_000,
    });
    expect(settings([], { AUTOPILOT_TERMINATIONS_PER_HOUR: '4' }).modules.venture).toMatchObject({
      terminationsPerHour: 4,
    });
  });

  it('rejects values with a message that says what to fix', () => {
    expect(() => settings(['--workers=0'])).toThrow('--workers must be a positive integer');
    expect(() => settings(['--default-mode=Yolo'])).toThrow(
      '--default-mode must be Observe, Supervised or Autonomous',
    );
    expect(() => settings(['--lease-duration=soon'])).toThrow(
      '"soon" is not a duration like 30s, 5m or 1h30m',
    );
    expect(() => settings(['--nope'])).toThrow(/Unknown option '--nope'/);
    expect(() => settings(['--log-level=verbose'])).toThrow(
      '--log-level must be trace, debug, info, warn, error, fatal or silent',
    );
    expect(() => settings(['--circuit-breaker-share=0'])).toThrow(
      '--circuit-breaker-share must be in (0, 1]',
    );
    expect(() => settings(['--renew-deadline=20s'])).toThrow(
      '--renew-deadline must be shorter than --lease-duration',
    );
  });

  it('throws every bad setting as a UsageError, which the command prints with its usage (exit 2)', () => {
    for (const argv of [['--workers=0'], ['--nope'], ['--retry-period=soon']]) {
      expect(() => settings(argv)).toThrow(UsageError);
    }
  });

  it('lists every kind’s flags in --help', () => {
    expect(runUsage(modules)).toMatch(/Venture:\n\s+--terminations-per-hour N/);
    expect(runUsage(modules)).toMatch(/--default-mode MODE .*\[AUTOPILOT_DEFAULT_MODE\]/);
  });
});
