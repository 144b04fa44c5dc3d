// Termination guards: protection, the per-namespace rate limit and the portfolio circuit breaker.
import { describe, expect, it } from '@jest/globals';
import type { VentureDecision } from './decision.js';
import {
  blockTermination,
  guardPortfolioSeen,
  guardCircuitBreaker,
  guardProtected,
  guardRateLimit,
  guardTermination,
  recentTerminations,
  mayTerminate,
  PROTECTED_ANNOTATION,
} from './guards.js';

const NOW = Date.UTC(2026, 5, 15, 12, 0, 0);
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

const decision = (
  action: VentureDecision['action'],
  id = `${action.toLowerCase()}-0123456789ab`,
): VentureDecision => ({
  id,
  action,
  reason: 'profit margin -25.0% < -20.0% for 3 consecutive audits',
  decidedAt: new Date(NOW).toISOString(),
});

describe('guardProtected', () => {
  it('blocks a termination of a venture protected in its spec', () => {
    const guarded = guardProtected(decision('Terminate'), { protected: true });
    expect(guarded).toMatchObject({ action: 'Hold', blocked: { by: 'Protected', action: 'Terminate' } });
    expect(guarded.reason).toBe(
      'termination blocked: the venture is protected (spec.protected is true); would terminate: profit margin -25.0% < -20.0% for 3 consecutive audits',
    );
  });

  it('blocks a termination of a venture protected by annotation', () => {
    const guarded = guardProtected(decision('Terminate'), {
      annotations: { [PROTECTED_ANNOTATION]: 'true' },
    });
    expect(guarded.action).toBe('Hold');
    expect(guarded.reason).toContain('annotation autopilot.ventures/protected is "true"');
  });

  it('lets other annotation values and unprotected ventures through', () => {
    expect(
      guardProtected(decision('Terminate'), { annotations: { [PROTECTED_ANNOTATION]: 'yes' } }).action,
    ).toBe('Terminate');
    expect(guardProtected(decision('Terminate'), { protected: false }).action).toBe('Terminate');
  });

  it('leaves other actions alone', () => {
    const scale = decision('Scale');
    expect(guardProtected(scale, { protected: true })).toBe(scale);
  });
});

describe('blockTermination', () => {
  it('gives the blocked decision its own stable id', () => {
    const blocked = blockTermination(decision('Terminate'), 'RateLimited', 'x');
    expect(blocked.id).toMatch(/^hold-[0-9a-f]{12}$/);
    expect(blocked.id).not.toBe(decision('Terminate').id);
    expect(blockTermination(decision('Terminate'), 'RateLimited', 'y').id).toBe(blocked.id);
    expect(blockTermination(decision('Terminate'), 'Protected', 'x').id).not.toBe(blocked.id);
  });
});

describe('mayTerminate', () => {
  it('allows the first termination', () => {
    expect(mayTerminate([], NOW)).toEqual({ allowed: true });
  });

  it('allows one termination per hour by default', () => {
    expect(mayTerminate([NOW - 30 * MINUTE], NOW)).toEqual({
      allowed: false,
      retryAt: NOW + 30 * MINUTE,
      reason:
        'rate limit: 1 termination(s) in this namespace within the last 1h0m0s (limit 1); next possible in 30m0s',
    });
    expect(mayTerminate([NOW - 61 * MINUTE], NOW)).toEqual({ allowed: true });
  });

  it('reads RFC 3339 times and Dates', () => {
    expect(mayTerminate([new Date(NOW - 10 * MINUTE).toISOString()], NOW).allowed).toBe(false);
    expect(mayTerminate([new Date(NOW - 10 * MINUTE)], new Date(NOW)).allowed).toBe(false);
  });

  it('counts an unreadable time as just now', () => {
    expect(mayTerminate(['not a time'], NOW)).toMatchObject({ allowed: false, retryAt: NOW + 60 * MINUTE });
  });

  it('honours a custom limit', () => {
    const limit = { terminations: 2, perMs: 60 * MINUTE };
    expect(mayTerminate([NOW - 10 * MINUTE], NOW, limit).allowed).toBe(true);
    expect(mayTerminate([NOW - 50 * MINUTE, NOW - 10 * MINUTE], NOW, limit)).toMatchObject({
      allowed: false,
      retryAt: NOW + 10 * MINUTE,
    });
  });
});

describe('guardRateLimit', () => {
  it('turns a rate-limited termination into a blocked hold', () => {
    const guarded = guardRateLimit(decision('Terminate'), [NOW - MINUTE], NOW);
    expect(guarded).toMatchObject({ action: 'Hold', blocked: { by: 'RateLimited' } });
    expect(guarded.reason).toMatch(/^termination blocked: rate limit: 1 termination\(s\)/);
  });

  it('leaves an allowed termination alone', () => {
    expect(guardRateLimit(decision('Terminate'), [], NOW).action).toBe('Terminate');
  });

  it('blocks every termination with a limit of 0, and says so', () => {
    const guarded = guardRateLimit(decision('Terminate'), [], NOW, { terminations: 0, perMs: HOUR });
    expect(guarded.reason).toMatch(
      /^termination blocked: rate limit: terminations are disabled \(limit 0\);/,
    );
  });
});

describe('guardPortfolioSeen', () => {
  const since = new Date(NOW - MINUTE).toISOString();
  const at = (ms: number) => new Date(ms).toISOString();

  it('holds a termination until every other venture was audited since this one began failing', () => {
    const guarded = guardPortfolioSeen(decision('Terminate'), since, [
      { name: 'a', lastAuditTime: at(NOW - 30_000) },
      { name: 'b', lastAuditTime: at(NOW - 2 * MINUTE) },
      { name: 'c' },
    ]);
    expect(guarded).toMatchObject({ action: 'Hold', blocked: { by: 'CircuitBreaker' } });
    expect(guarded.reason).toMatch(
      /^termination blocked: circuit breaker: waiting until every venture in the namespace has been audited since this one began failing at 2026-06-15T11:59:00.000Z \(not yet: b, c\); would terminate: /,
    );
  });

  it('lets it pass once all were audited since, and leaves other decisions alone', () => {
    const seen = [{ name: 'a', lastAuditTime: since }];
    expect(guardPortfolioSeen(decision('Terminate'), since, seen).action).toBe('Terminate');
    expect(guardPortfolioSeen(decision('Scale'), since, [{ name: 'b' }]).action).toBe('Scale');
    expect(guardPortfolioSeen(decision('Terminate'), since, []).action).toBe('Terminate');
  });
});

describe('guardCircuitBreaker', () => {
  const plan = (...actions: VentureDecision['action'][]) =>
    actions.map((action, i) => ({ name: `v${i}`, decision: decision(action, `${action}-${i}`) }));

  it('blocks every termination when more than half the portfolio would go', () => {
    const guarded = guardCircuitBreaker(plan('Terminate', 'Terminate', 'Scale'));
    expect(guarded.map((p) => p.decision.action)).toEqual(['Hold', 'Hold', 'Scale']);
    expect(guarded[0]?.decision.blocked?.by).toBe('CircuitBreaker');
    expect(guarded[0]?.decision.reason).toMatch(
      /^termination blocked: circuit breaker: 2 of 3 ventures \(66\.7%\) are failing or were terminated within 1h0m0s, more than 50\.0%; would terminate: /,
    );
  });

  it('allows exactly half', () => {
    expect(
      guardCircuitBreaker(plan('Terminate', 'Terminate', 'Hold', 'Hold')).map((p) => p.decision.action),
    ).toEqual(['Terminate', 'Terminate', 'Hold', 'Hold']);
  });

  it('never trips on a single termination', () => {
    expect(guardCircuitBreaker(plan('Terminate'))[0]?.decision.action).toBe('Terminate');
  });

  it('honours a custom share', () => {
    const guarded = guardCircuitBreaker(plan('Terminate', 'Terminate', 'Hold', 'Hold', 'Hold'), {
      maxShare: 0.3,
      minTerminations: 2,
      windowMs: HOUR,
    });
    expect(guarded.filter((p) => p.decision.action === 'Terminate')).toEqual([]);
  });
});

describe('guardTermination', () => {
  const at = (ms: number) => new Date(ms).toISOString();
  const policy = { rateLimit: { terminations: 1, perMs: HOUR }, maxShare: 0.5 };
  const failingSince = at(NOW - 2 * MINUTE);
  const healthy = (name: string) => ({ name, protected: false, lastAuditTime: at(NOW - MINUTE) });
  const candidate = { name: 'v', failingSince };
  const guard = (neighbours: Parameters<typeof guardTermination>[2], reserved = new Map<string, number>()) =>
    guardTermination(decision('Terminate'), candidate, neighbours, reserved, NOW, policy);

  it('lets a lone failing venture go', () => {
    expect(guard([healthy('a'), healthy('b')]).action).toBe('Terminate');
  });

  it('waits for a neighbour not audited since the venture began failing', () => {
    const stale = { ...healthy('b'), lastAuditTime: at(NOW - 3 * MINUTE) };
    expect(guard([healthy('a'), stale]).reason).toMatch(/waiting until every venture .*\(not yet: b\)/);
  });

  it('counts failing, terminating and recently terminated neighbours, not protected ones', () => {
    const failing = { ...healthy('a'), failingAudits: 1 };
    expect(guard([failing, healthy('b')]).blocked?.by).toBe('CircuitBreaker');
    expect(guard([{ ...failing, protected: true }, healthy('b')]).action).toBe('Terminate');
    const gone = { ...healthy('c'), phase: 'Terminated' as const, terminatedAt: at(NOW - 10 * MINUTE) };
    expect(guard([gone, healthy('b')]).reason).toMatch(/circuit breaker: 2 of 3 ventures/);
    const longGone = { ...gone, terminatedAt: at(NOW - 2 * HOUR) };
    expect(guard([longGone, healthy('b')]).action).toBe('Terminate');
  });

  it('rate-limits on a reservation that status does not show yet', () => {
    const guarded = guard([healthy('a'), healthy('b'), healthy('c')], new Map([['a', NOW - MINUTE]]));
    expect(guarded.reason).toMatch(/rate limit: 1 termination\(s\)/);
  });

  it('leaves other decisions alone', () => {
    const scale = decision('Scale');
    expect(guardTermination(scale, candidate, [], new Map(), NOW, policy)).toBe(scale);
  });
});

describe('recentTerminations', () => {
  it('counts each venture once, an unreadable time as now, and only within the window', () => {
    const times = recentTerminations(
      [
        { name: 'a', protected: false, terminatedAt: new Date(NOW - MINUTE).toISOString() },
        { name: 'b', protected: false, terminatedAt: 'not a time' },
        { name: 'c', protected: false, terminatedAt: new Date(NOW - 2 * HOUR).toISOString() },
      ],
      new Map([
        ['a', NOW - 30_000],
        ['d', NOW - 5 * MINUTE],
      ]),
      NOW,
      HOUR,
    );
    expect([...times.entries()]).toEqual([
      ['a', NOW - MINUTE],
      ['b', NOW],
      ['d', NOW - 5 * MINUTE],
    ]);
  });
});
