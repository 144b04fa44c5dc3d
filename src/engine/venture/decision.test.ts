// decideVenture: the review period, the streak rules, scaling bounds, optimize drivers and stable ids.
import { describe, expect, it } from '@jest/globals';
import { SEED_POLICY, type VentureSpec } from '../../api/v1alpha1/venture.js';
import { auditVenture, type VentureAudit } from './audit.js';
import { decideVenture, decisionId, venturePhase, type DecisionInput } from './decision.js';
import { MONTH_MS, type AuditSnapshot } from './history.js';
import type { MetricsObservation } from './metrics.js';

const NOW = Date.UTC(2026, 5, 15, 12, 0, 0);
const MINUTE = 60_000;
const venture = { namespace: 'shop', name: 'widgets', uid: '5f1c' };

const policy = (reviewPeriod = 3): VentureSpec['policy'] => ({
  ...structuredClone(SEED_POLICY),
  reviewPeriod,
});

const auditAt = (
  at: number,
  metrics: Partial<Record<keyof MetricsObservation, number>>,
  history: AuditSnapshot[] = [],
): VentureAudit => {
  const observation = Object.fromEntries(
    Object.entries(metrics).map(([name, value]) => [name, { value, at: at - 1000 }]),
  );
  return auditVenture({ observation, history, policy: policy(), maxSampleAge: 5 * MINUTE }, at);
};

const decide = (audit: VentureAudit, over: Partial<DecisionInput> = {}) =>
  decideVenture(
    {
      venture,
      audit,
      policy: policy(),
      scaling: { minReplicas: 1, maxReplicas: 10, factor: 2 },
      replicas: 3,
      previous: {},
      ...over,
    },
    NOW,
  );

const losing = { revenue: 2000, costs: 2500, cash: 100_000 }; // margin -25 %, ROI -20 %, burn 500
/** One period ago revenue was 8000: growth 10000 / 8000 − 1 = 25 % per period. */
const grown: AuditSnapshot[] = [
  { observedAt: new Date(NOW - 1000 - MONTH_MS).toISOString(), revenue: 8000, costs: 4000 },
];
const winning = { revenue: 10_000, costs: 4000, satisfaction: 0.9 }; // margin 60 %, ROI 150 %

describe('decideVenture termination', () => {
  it('terminates only after reviewPeriod consecutive failing audits', () => {
    let previous: DecisionInput['previous'] = {};
    const verdicts = [0, 1, 2].map((i) => {
      const audit = auditAt(NOW + i * MINUTE, losing);
      const verdict = decide(audit, { previous });
      previous = {
        failingAudits: verdict.failingAudits,
        auditedAt: audit.metricsAvailable ? audit.snapshot.observedAt : undefined,
      };
      return verdict;
    });
    expect(verdicts.map((v) => [v.decision.action, v.failingAudits, venturePhase(v)])).toEqual([
      ['Hold', 1, 'UnderReview'],
      ['Hold', 2, 'UnderReview'],
      ['Terminate', 3, 'Terminating'],
    ]);
    expect(verdicts[0]?.decision.reason).toBe(
      'under review: profit margin -25.0% < -20.0% (1 of 3 consecutive failing audits)',
    );
    expect(verdicts[2]?.decision.reason).toBe('profit margin -25.0% < -20.0% for 3 consecutive audits');
    expect(verdicts[2]?.decision.metrics?.profitMargin).toBeCloseTo(-0.25);
  });

  it('keeps the time the failing streak began, and drops it on a healthy audit', () => {
    const first = decide(auditAt(NOW, losing));
    expect(first.failingSince).toBe(new Date(NOW).toISOString());
    const second = decide(auditAt(NOW + MINUTE, losing), {
      previous: {
        failingAudits: 1,
        failingSince: first.failingSince,
        auditedAt: new Date(NOW - 1000).toISOString(),
      },
    });
    expect(second).toMatchObject({ failingAudits: 2, failingSince: first.failingSince });
    expect(
      decide(auditAt(NOW, winning), { previous: { failingAudits: 2, failingSince: first.failingSince } })
        .failingSince,
    ).toBeUndefined();
  });

  it('quotes every crossed threshold in the reason', () => {
    const verdict = decide(auditAt(NOW, { revenue: 1000, costs: 2500 }), {
      previous: { failingAudits: 2, auditedAt: new Date(0).toISOString() },
    });
    expect(verdict.decision.action).toBe('Terminate');
    expect(verdict.decision.reason).toBe(
      'profit margin -150.0% < -20.0% and ROI -60.0% < -50.0% and burn rate 1500.00/month > 1000.00 for 3 consecutive audits',
    );
  });

  it('terminates at once with a review period of 1', () => {
    expect(decide(auditAt(NOW, losing), { policy: policy(1) }).decision.action).toBe('Terminate');
  });

  it('does not advance the streak when the same samples are audited again', () => {
    const audit = auditAt(NOW, losing);
    const auditedAt = audit.metricsAvailable ? audit.snapshot.observedAt : '';
    const first = decide(audit, { previous: { failingAudits: 2, auditedAt: '2026-06-15T11:00:00Z' } });
    const again = decide(audit, { previous: { failingAudits: first.failingAudits, auditedAt } });
    expect(first.failingAudits).toBe(3);
    expect(again.failingAudits).toBe(3);
    expect(again.decision.id).toBe(first.decision.id);
  });

  it('does not advance the streak on samples older than the last audit', () => {
    const verdict = decide(auditAt(NOW, losing), {
      previous: { failingAudits: 2, auditedAt: new Date(NOW + MINUTE).toISOString() },
    });
    expect(verdict.failingAudits).toBe(2);
    expect(verdict.decision.action).toBe('Hold');
  });

  it('resets the streak on a healthy audit', () => {
    const verdict = decide(auditAt(NOW, { revenue: 1000, costs: 900 }), { previous: { failingAudits: 2 } });
    expect(verdict.failingAudits).toBe(0);
    expect(venturePhase(verdict)).toBe('Active');
  });
});

describe('decideVenture without usable metrics', () => {
  it('holds with the provider’s own error when it could read nothing, clipped to the status limit', () => {
    const readError = `Prometheus at http://prometheus.monitoring:9090 is unreachable: ${'x'.repeat(2000)}`;
    const audit = auditVenture(
      { observation: {}, policy: policy(), maxSampleAge: 5 * MINUTE, readError },
      NOW,
    );
    const { decision } = decide(audit);
    expect(decision).toMatchObject({ action: 'Hold', cause: 'MetricsUnavailable' });
    expect(decision.reason).toMatch(
      /^holding: Prometheus at http:\/\/prometheus\.monitoring:9090 is unreachable: x+…$/,
    );
    expect(decision.reason).toHaveLength(1024);
  });

  it.each([
    ['missing revenue', { costs: { value: 2500, at: NOW } }, 'revenue sample is missing'],
    [
      'stale costs',
      { revenue: { value: 0, at: NOW }, costs: { value: 2500, at: NOW - 6 * MINUTE } },
      'costs sample is stale: 6m0s old, max age 5m0s (stale by 1m0s)',
    ],
    [
      'NaN revenue',
      { revenue: { value: NaN, at: NOW }, costs: { value: 1, at: NOW } },
      'revenue value NaN is not a number',
    ],
  ])('holds on %s and neither advances nor resets the streak', (_, observation, detail) => {
    const audit = auditVenture({ observation, policy: policy(), maxSampleAge: 5 * MINUTE }, NOW);
    expect(audit.metricsAvailable).toBe(false);
    const verdict = decide(audit, { previous: { failingAudits: 2, auditedAt: '2026-06-15T11:00:00Z' } });
    expect(verdict.decision.action).toBe('Hold');
    expect(verdict.decision.reason).toBe(`holding: metrics unavailable: ${detail}`);
    expect(verdict.decision.metrics).toBeUndefined();
    expect(verdict.failingAudits).toBe(2);
    expect(venturePhase(verdict)).toBe('UnderReview');
  });

  it('never terminates however often metrics are unavailable', () => {
    const audit = auditVenture({ observation: {}, policy: policy(1), maxSampleAge: MINUTE }, NOW);
    let failingAudits = 0;
    for (let i = 0; i < 10; i++) {
      const verdict = decide(audit, { policy: policy(1), previous: { failingAudits } });
      expect(verdict.decision.action).toBe('Hold');
      failingAudits = verdict.failingAudits;
    }
    expect(failingAudits).toBe(0);
  });

  it('gives the same hold the same id while the same metrics stay unusable', () => {
    const at = (age: number) =>
      auditVenture(
        {
          observation: { revenue: { value: 1, at: NOW - age }, costs: { value: 1, at: NOW } },
          policy: policy(),
          maxSampleAge: MINUTE,
        },
        NOW,
      );
    expect(decide(at(2 * MINUTE)).decision.id).toBe(decide(at(3 * MINUTE)).decision.id);
  });
});

describe('decideVenture scaling', () => {
  it('scales by the factor when every scale threshold is met', () => {
    const verdict = decide(auditAt(NOW, winning, grown));
    expect(verdict.decision).toMatchObject({ action: 'Scale', targetReplicas: 6 });
    expect(verdict.decision.reason).toBe(
      'profit margin 60.0% > 30.0%, ROI 150.0% > 100.0%, growth 25.0%/period > 20.0%/period, satisfaction 0.90 > 0.80: scale from 3 to 6 replicas (max 10)',
    );
  });

  it('bounds the target by maxReplicas', () => {
    expect(decide(auditAt(NOW, winning, grown), { replicas: 6 }).decision.targetReplicas).toBe(10);
  });

  it('holds with a reason when replicas are already at the maximum', () => {
    const { decision } = decide(auditAt(NOW, winning, grown), { replicas: 10 });
    expect(decision.action).toBe('Hold');
    expect(decision.reason).toMatch(/, but maximum reached: 10 replicas, maxReplicas 10$/);
  });

  it('starts a venture at zero replicas at minReplicas', () => {
    const { decision } = decide(auditAt(NOW, winning, grown), {
      replicas: 0,
      scaling: { minReplicas: 2, maxReplicas: 10, factor: 2 },
    });
    expect(decision.targetReplicas).toBe(2);
  });

  it('scales without a satisfaction threshold when satisfaction is unknown', () => {
    expect(decide(auditAt(NOW, { revenue: 10_000, costs: 4000 }, grown)).decision.action).toBe('Scale');
  });

  it('does not scale before growth can be measured', () => {
    const { decision } = decide(auditAt(NOW, winning));
    expect(decision.action).toBe('Hold');
    expect(decision.reason).toBe('no threshold crossed: profit margin 60.0%, ROI 150.0%, growth unknown');
  });
});

describe('decideVenture cooldown', () => {
  const cooldownMs = 10 * MINUTE;

  it('holds a qualifying venture while its last Scale is within the cooldown', () => {
    const scaledAt = new Date(NOW - 4 * MINUTE).toISOString();
    const { decision } = decide(auditAt(NOW, winning, grown), { cooldownMs, previous: { scaledAt } });
    expect(decision.action).toBe('Hold');
    expect(decision.reason).toMatch(
      /, but cooling down: scaled at 2026-06-15T11:56:00.000Z, next Scale possible in 6m0s \(cooldown 10m0s\)$/,
    );
  });

  it('scales again once the cooldown has passed', () => {
    const scaledAt = new Date(NOW - cooldownMs).toISOString();
    const { decision } = decide(auditAt(NOW, winning, grown), { cooldownMs, previous: { scaledAt } });
    expect(decision).toMatchObject({ action: 'Scale', targetReplicas: 6 });
  });

  it('holds back only Scale: while cooling down, a failing venture is terminated and a flagged one optimized', () => {
    const cooling = { cooldownMs, previous: { scaledAt: new Date(NOW - MINUTE).toISOString() } };
    // The cooldown is in force here: a venture that qualifies for a Scale holds.
    expect(decide(auditAt(NOW, winning, grown), cooling).decision.reason).toMatch(/but cooling down/);
    const failing = decide(auditAt(NOW, losing), {
      ...cooling,
      previous: { ...cooling.previous, failingAudits: 2, auditedAt: new Date(0).toISOString() },
    });
    expect(failing.decision.action).toBe('Terminate');
    const unhappy = decide(auditAt(NOW, { ...winning, satisfaction: 0.5 }, grown), cooling);
    expect(unhappy.decision).toMatchObject({ action: 'Optimize', drivers: ['customerSatisfaction'] });
  });
});

describe('decideVenture with extra confirmations learned by AUREA', () => {
  /** Audits one minute apart, each fed the streak and audit time the one before stored. */
  function audits(n: number, confirmations: number, metrics = winning) {
    let previous: DecisionInput['previous'] = {};
    return Array.from({ length: n }, (_, i) => {
      const audit = auditAt(NOW + i * MINUTE, metrics, grown);
      const verdict = decide(audit, { scaleConfirmations: confirmations, previous });
      previous = {
        qualifyingAudits: verdict.qualifyingAudits,
        auditedAt: audit.metricsAvailable ? audit.snapshot.observedAt : undefined,
      };
      return verdict;
    });
  }

  it('scales on the second qualifying audit when one more confirmation is asked, and counts again after it', () => {
    const verdicts = audits(4, 2);
    expect(verdicts.map((v) => [v.decision.action, v.qualifyingAudits])).toEqual([
      ['Hold', 1],
      ['Scale', 0],
      ['Hold', 1],
      ['Scale', 0],
    ]);
    expect(verdicts[0]!.decision.reason).toMatch(
      /, but a Scale needs 2 qualifying audits in a row \(1 more than the spec, learned from Scale outcomes\): 1 of 2$/,
    );
  });

  it('scales on the first qualifying audit without learning, as the spec says', () => {
    expect(audits(2, 1).map((v) => v.decision.action)).toEqual(['Scale', 'Scale']);
  });

  it('does not count the same samples twice, and a failing or unusable audit does not advance the streak', () => {
    const audit = auditAt(NOW, winning, grown);
    const first = decide(audit, { scaleConfirmations: 2 });
    const again = decide(audit, {
      scaleConfirmations: 2,
      previous: {
        qualifyingAudits: first.qualifyingAudits,
        auditedAt: audit.metricsAvailable ? audit.snapshot.observedAt : '',
      },
    });
    expect([first.qualifyingAudits, again.decision.action, again.qualifyingAudits]).toEqual([1, 'Hold', 1]);
    expect(
      decide(auditAt(NOW, losing), { previous: { qualifyingAudits: 1 } }).qualifyingAudits,
    ).toBeUndefined();
    const unusable = auditVenture({ observation: {}, policy: policy(), maxSampleAge: MINUTE }, NOW);
    expect(decide(unusable, { previous: { qualifyingAudits: 1 } }).qualifyingAudits).toBe(1);
  });
});

describe('decideVenture requests', () => {
  const containers = [
    { name: 'app', requests: { cpu: '250m', memory: '128Mi' }, limits: { memory: '160Mi' } },
    { name: 'sidecar', requests: { cpu: '50m' } },
  ];
  const scaling = (requests: DecisionInput['scaling']['requests']) => ({
    minReplicas: 1,
    maxReplicas: 10,
    factor: 2,
    requests,
  });

  it('raises requests with the replicas, each up to its cap and the container limit', () => {
    const { decision } = decide(auditAt(NOW, winning, grown), {
      containers,
      scaling: scaling({ factor: 1.5, maxCpu: '300m', maxMemory: '1Gi' }),
    });
    expect(decision).toMatchObject({
      action: 'Scale',
      targetReplicas: 6,
      targetRequests: [
        { container: 'app', cpu: '300m', memory: '160Mi' },
        { container: 'sidecar', cpu: '75m' },
      ],
    });
    expect(decision.reason).toMatch(
      /: scale from 3 to 6 replicas \(max 10\); raise requests app cpu 250m→300m, app memory 128Mi→160Mi, sidecar cpu 50m→75m$/,
    );
  });

  it('still scales requests when replicas are at the maximum, and holds once both are at their caps', () => {
    const atMax = decide(auditAt(NOW, winning, grown), {
      replicas: 10,
      containers,
      scaling: scaling({ factor: 2, maxCpu: '1' }),
    });
    expect(atMax.decision).toMatchObject({ action: 'Scale', targetReplicas: 10 });
    expect(atMax.decision.reason).toMatch(/: raise requests app cpu 250m→500m, sidecar cpu 50m→100m$/);

    const capped = decide(auditAt(NOW, winning, grown), {
      replicas: 10,
      containers: [{ name: 'app', requests: { cpu: '1' } }],
      scaling: scaling({ factor: 2, maxCpu: '1' }),
    });
    expect(capped.decision.action).toBe('Hold');
    expect(capped.decision.reason).toMatch(
      /maximum reached: 10 replicas, maxReplicas 10, requests at their caps$/,
    );
  });

  it('leaves requests alone without a policy, or for resources without a request or a maximum', () => {
    expect(decide(auditAt(NOW, winning, grown), { containers }).decision.targetRequests).toBeUndefined();
    const { decision } = decide(auditAt(NOW, winning, grown), {
      containers: [{ name: 'app', requests: { memory: '64Mi' } }],
      scaling: scaling({ factor: 2, maxCpu: '2' }),
    });
    expect(decision.targetRequests).toBeUndefined();
    expect(decision.reason).not.toMatch(/requests/);
  });
});

describe('decideVenture optimization', () => {
  it('flags low satisfaction that holds back scaling', () => {
    const { decision } = decide(auditAt(NOW, { ...winning, satisfaction: 0.7 }, grown));
    expect(decision).toMatchObject({ action: 'Optimize', drivers: ['customerSatisfaction'] });
    expect(decision.reason).toBe(
      'optimize: satisfaction 0.70 <= 0.80 holds back scaling that margin, ROI and growth qualify for',
    );
  });

  it('flags a positive margin below the scale threshold on a declining trend', () => {
    const history: AuditSnapshot[] = [2, 1].map((ago) => ({
      observedAt: new Date(NOW - 1000 - ago * MONTH_MS).toISOString(),
      revenue: 1000,
      costs: 800,
    }));
    const { decision } = decide(auditAt(NOW, { revenue: 1000, costs: 900 }, history));
    expect(decision).toMatchObject({ action: 'Optimize', drivers: ['profitMargin', 'trend'] });
    expect(decision.reason).toBe(
      'optimize: profit margin 10.0% below the 30.0% scale threshold and declining 5.0 points per period',
    );
  });

  it('flags a loss that is not yet failing', () => {
    const { decision } = decide(auditAt(NOW, { revenue: 1000, costs: 1100 }));
    expect(decision).toMatchObject({ action: 'Optimize', drivers: ['profitMargin'] });
    expect(decision.reason).toBe('optimize: loss-making: profit margin -10.0%');
  });

  it('flags a rising CAC', () => {
    const history: AuditSnapshot[] = [
      {
        observedAt: new Date(NOW - 1000 - MONTH_MS).toISOString(),
        revenue: 1000,
        costs: 800,
        customers: 100,
        cac: 40,
      },
    ];
    const { decision } = decide(
      auditAt(NOW, { revenue: 1000, costs: 800, customers: 120, acquisitionSpend: 1000 }, history),
    );
    expect(decision).toMatchObject({ action: 'Optimize', drivers: ['cac'] });
    expect(decision.reason).toBe('optimize: CAC 50.00 up 25.0% from 40.00');
  });

  it('holds a steady venture and quotes its numbers', () => {
    const { decision } = decide(auditAt(NOW, { revenue: 1000, costs: 800 }));
    expect(decision.action).toBe('Hold');
    expect(decision.reason).toBe('no threshold crossed: profit margin 20.0%, ROI 25.0%, growth unknown');
  });
});

describe('decision ids', () => {
  it('are the same for the same audit decided twice', () => {
    const audit = auditAt(NOW, losing);
    const first = decide(audit, { previous: { failingAudits: 5 } });
    const second = decideVenture(
      {
        venture,
        audit,
        policy: policy(),
        scaling: { minReplicas: 1, maxReplicas: 10, factor: 2 },
        replicas: 3,
        previous: { failingAudits: 5 },
      },
      NOW + 10 * MINUTE,
    );
    expect(second.decision.id).toBe(first.decision.id);
    expect(first.decision.id).toMatch(/^terminate-[0-9a-f]{12}$/);
  });

  it('differ for a different snapshot, venture or action', () => {
    const id = decisionId(venture, '2026-06-15T12:00:00.000Z', 'Scale');
    expect(decisionId(venture, '2026-06-15T12:01:00.000Z', 'Scale')).not.toBe(id);
    expect(decisionId({ ...venture, name: 'gadgets' }, '2026-06-15T12:00:00.000Z', 'Scale')).not.toBe(id);
    expect(decisionId({ ...venture, uid: 'other' }, '2026-06-15T12:00:00.000Z', 'Scale')).not.toBe(id);
    expect(decisionId(venture, '2026-06-15T12:00:00.000Z', 'Hold')).not.toBe(id);
    expect(decisionId(venture, '2026-06-15T12:00:00.000Z', 'Scale')).toBe(id);
  });

  it('stay the same for a second scale on the same samples, so it is not applied twice', () => {
    const audit = auditAt(NOW, winning, grown);
    expect(decide(audit, { replicas: 6 }).decision.id).toBe(decide(audit, { replicas: 3 }).decision.id);
  });
});

describe('the id of a hold on unusable metrics', () => {
  const down = auditVenture(
    { observation: {}, policy: policy(), maxSampleAge: 5 * MINUTE, readError: 'GET x failed: ECONNREFUSED' },
    NOW,
  );
  const idOf = (over: Partial<DecisionInput>) => decide(down, over).decision.id;
  const lastGood = { previous: { auditedAt: '2026-06-15T11:00:00.000Z' } };

  it('stays the same while one outage lasts, so it is recorded once', () => {
    expect(idOf({ ...lastGood, unavailableBecause: 'PrometheusUnreachable' })).toBe(
      idOf({ ...lastGood, unavailableBecause: 'PrometheusUnreachable' }),
    );
  });

  it('changes with the cause and with each new outage, so each is news', () => {
    const first = idOf({ ...lastGood, unavailableBecause: 'PrometheusUnreachable' });
    expect(idOf({ ...lastGood, unavailableBecause: 'PrometheusUnavailable' })).not.toBe(first);
    expect(
      idOf({
        previous: { auditedAt: '2026-06-15T11:30:00.000Z' },
        unavailableBecause: 'PrometheusUnreachable',
      }),
    ).not.toBe(first);
  });
});
