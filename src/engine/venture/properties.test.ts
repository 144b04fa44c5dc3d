// Invariants over many generated inputs: no termination without fresh revenue and costs; redistribution within limits.
import { describe, expect, it } from '@jest/globals';
import type { VentureSpec } from '../../api/v1alpha1/venture.js';
import { auditVenture } from './audit.js';
import { decideVenture, type Verdict } from './decision.js';
import { guardProtected } from './guards.js';
import { MONTH_MS, type AuditSnapshot } from './history.js';
import { CLOCK_SKEW_MS, MetricNames, type MetricsObservation } from './metrics.js';
import { redistribute, type PortfolioVenture } from './portfolio.js';

/** mulberry32: small, seeded and good enough to explore inputs reproducibly. */
function prng(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (min: number, max: number) => min + Math.floor(next() * (max - min + 1)),
    pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!,
    chance: (p: number) => next() < p,
  };
}
type Random = ReturnType<typeof prng>;

const MINUTE = 60_000;
const START = Date.UTC(2026, 0, 1);

const sampleKinds = [
  'good',
  'good',
  'good',
  'good',
  'zero',
  'missing',
  'null',
  'stale',
  'future',
  'NaN',
  'Infinity',
  'negative',
  'string',
  'badTime',
  'noValue',
] as const;

function sample(random: Random, now: number, maxAge: number): unknown {
  const at = now - random.int(0, maxAge);
  switch (random.pick(sampleKinds)) {
    case 'good':
      return { value: random.int(0, 20_000), at };
    case 'zero':
      return { value: 0, at };
    case 'missing':
      return undefined;
    case 'null':
      return null;
    case 'stale':
      return { value: random.int(0, 20_000), at: now - maxAge - random.int(1, 10 * MINUTE) };
    case 'future':
      return { value: random.int(0, 20_000), at: now + CLOCK_SKEW_MS + random.int(1, 10 * MINUTE) };
    case 'NaN':
      return { value: NaN, at };
    case 'Infinity':
      return { value: random.pick([Infinity, -Infinity]), at };
    case 'negative':
      return { value: -random.int(1, 20_000), at };
    case 'string':
      return { value: String(random.int(0, 100)), at };
    case 'badTime':
      return { value: random.int(0, 20_000), at: random.pick([NaN, undefined, '2026-01-01']) };
    case 'noValue':
      return { at };
  }
}

/** The oracle, written independently of readSample: is this sample data for revenue or costs? */
function isFreshMoney(value: unknown, now: number, maxAge: number): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const { value: v, at } = value as { value?: unknown; at?: unknown };
  return (
    typeof v === 'number' &&
    Number.isFinite(v) &&
    v >= 0 &&
    typeof at === 'number' &&
    Number.isFinite(at) &&
    now - at <= maxAge &&
    at - now <= CLOCK_SKEW_MS
  );
}

function policy(random: Random): VentureSpec['policy'] {
  return {
    reviewPeriod: random.int(1, 4),
    gracePeriod: '10m',
    period: '720h',
    trendWindow: 6,
    terminate: {
      profitMargin: random.pick([-0.2, -0.5, 0]),
      roi: random.pick([-0.5, -0.9, 0]),
      burnRate: random.pick([1000, 0, 5000]),
      runwayMonths: random.pick([3, 0, 12]),
      consecutiveLosses: random.int(1, 4),
    },
    scale: { profitMargin: 0.3, roi: 1.0, growthRate: 0.2, customerSatisfaction: 0.8 },
  };
}

function history(random: Random, now: number): AuditSnapshot[] {
  return Array.from({ length: random.int(0, 6) }, () => ({
    observedAt: random.chance(0.1) ? 'garbage' : new Date(now - random.int(0, 8) * MONTH_MS).toISOString(),
    revenue: random.chance(0.1) ? NaN : random.int(0, 20_000),
    costs: random.int(0, 20_000),
    consecutiveLosses: random.pick([0, 1, 2, 3, 7, -1, 2.5, undefined]),
    customers: random.int(0, 500),
  }));
}

describe('property: no Terminate decision without fresh revenue and costs samples', () => {
  it('holds for 5000 independent audits', () => {
    const random = prng(20261121);
    let terminations = 0;
    for (let run = 0; run < 5000; run++) {
      const now = START + random.int(0, 365 * 24 * 60) * MINUTE;
      const maxSampleAge = random.int(1, 10) * MINUTE;
      const observation = Object.fromEntries(
        MetricNames.map((name) => [name, sample(random, now, maxSampleAge)]),
      ) as MetricsObservation;
      const p = policy(random);
      const audit = auditVenture(
        { observation, history: history(random, now), policy: p, maxSampleAge },
        now,
      );
      const previous = {
        failingAudits: random.pick([0, 1, 2, 3, 5, NaN, -2]),
        auditedAt: random.pick([
          undefined,
          'garbage',
          new Date(now - random.int(-5, 60) * MINUTE).toISOString(),
        ]),
      };
      const verdict = decideVenture(
        {
          venture: { namespace: 'ns', name: `v${run}` },
          audit,
          policy: p,
          scaling: { minReplicas: 1, maxReplicas: 10, factor: 2 },
          replicas: random.int(0, 10),
          previous,
        },
        now,
      );
      const fresh =
        isFreshMoney(observation.revenue, now, maxSampleAge) &&
        isFreshMoney(observation.costs, now, maxSampleAge);
      if (verdict.decision.action === 'Terminate') {
        terminations++;
        expect({ run, fresh }).toEqual({ run, fresh: true });
      }
      if (!fresh) {
        expect(audit.metricsAvailable).toBe(false);
        expect(verdict.decision.action).toBe('Hold');
        // An unusable audit never moves the streak towards termination.
        expect(verdict.failingAudits).toBeLessThanOrEqual(
          Math.max(0, Math.trunc(previous.failingAudits) || 0),
        );
      }
      expect(guardProtected(verdict.decision, { protected: true }).action).not.toBe('Terminate');
    }
    // The generator must reach terminations, or the property says nothing.
    expect(terminations).toBeGreaterThan(50);
  });

  it('holds over sequences of audits carried through status, and needs reviewPeriod fresh failing audits', () => {
    const random = prng(7);
    let terminations = 0;
    for (let run = 0; run < 400; run++) {
      const p = policy(random);
      const maxSampleAge = 5 * MINUTE;
      let status: { history?: AuditSnapshot[]; failingAudits?: number; auditedAt?: string } = {};
      let freshFailing = 0;
      let now = START + random.int(0, 1000) * MINUTE;
      for (let cycle = 0; cycle < 12; cycle++) {
        now += random.int(1, 3) * MINUTE;
        const observation = {
          revenue: sample(random, now, maxSampleAge),
          costs: sample(random, now, maxSampleAge),
          cash: sample(random, now, maxSampleAge),
        } as MetricsObservation;
        const audit = auditVenture({ observation, history: status.history, policy: p, maxSampleAge }, now);
        const verdict: Verdict = decideVenture(
          {
            venture: { namespace: 'ns', name: 'seq' },
            audit,
            policy: p,
            scaling: { minReplicas: 1, maxReplicas: 10, factor: 2 },
            replicas: 2,
            previous: { failingAudits: status.failingAudits, auditedAt: status.auditedAt },
          },
          now,
        );
        if (audit.metricsAvailable) {
          const isNew = status.auditedAt === undefined || audit.snapshot.observedAt > status.auditedAt;
          freshFailing = audit.failing ? freshFailing + (isNew ? 1 : 0) : 0;
        }
        if (verdict.decision.action === 'Terminate') {
          terminations++;
          expect(isFreshMoney(observation.revenue, now, maxSampleAge)).toBe(true);
          expect(isFreshMoney(observation.costs, now, maxSampleAge)).toBe(true);
          expect(freshFailing).toBeGreaterThanOrEqual(p.reviewPeriod);
          break;
        }
        status = {
          history: audit.history,
          failingAudits: verdict.failingAudits,
          auditedAt: audit.metricsAvailable ? audit.snapshot.observedAt : status.auditedAt,
        };
      }
    }
    expect(terminations).toBeGreaterThan(20);
  });
});

describe('property: redistribution never exceeds the limit', () => {
  it('holds for 5000 generated portfolios', () => {
    const random = prng(42);
    for (let run = 0; run < 5000; run++) {
      const portfolio: PortfolioVenture[] = Array.from({ length: random.int(0, 8) }, (_, i) => {
        const maxReplicas = random.int(1, 12);
        const replicas = random.int(0, maxReplicas);
        return {
          name: `v${i}`,
          score: random.chance(0.1) ? undefined : random.int(0, 100),
          replicas,
          plannedReplicas: random.pick([replicas, 0, random.int(0, maxReplicas)]),
          maxReplicas,
          budget: random.chance(0.5) ? random.int(0, 100_000) / 100 : undefined,
        };
      });
      const limit = random.pick([Infinity, NaN, random.int(0, 60)]);
      const { grants, unallocated } = redistribute(portfolio, limit);

      const planned = portfolio.reduce((sum, v) => sum + v.plannedReplicas, 0);
      const freed = portfolio.reduce((sum, v) => sum + Math.max(0, v.replicas - v.plannedReplicas), 0);
      const granted = grants.reduce((sum, g) => sum + g.replicas, 0);
      const room = Number.isNaN(limit) ? 0 : Math.max(0, limit - planned);
      expect(granted).toBeLessThanOrEqual(room);
      expect(granted + unallocated.replicas).toBe(freed);
      for (const grant of grants) {
        const v = portfolio.find((x) => x.name === grant.name)!;
        expect(Number.isInteger(grant.replicas) && grant.replicas >= 0).toBe(true);
        expect(v.plannedReplicas + grant.replicas).toBeLessThanOrEqual(v.maxReplicas);
        expect(v.score).toBeGreaterThanOrEqual(70);
        expect(grant.budget).toBeGreaterThanOrEqual(0);
      }
      const freedBudget = portfolio.reduce(
        (sum, v) =>
          sum +
          (v.replicas > 0 ? ((v.budget ?? 0) * Math.max(0, v.replicas - v.plannedReplicas)) / v.replicas : 0),
        0,
      );
      const givenBudget = grants.reduce((sum, g) => sum + g.budget, 0) + unallocated.budget;
      // Each donor's freed budget is rounded to the cent once.
      expect(Math.abs(givenBudget - freedBudget)).toBeLessThan(0.01 * (portfolio.length + 1));
    }
  });
});
