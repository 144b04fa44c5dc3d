// auditVenture: derived metrics by hand, the safety rules on unusable samples, and the health score.
import { describe, expect, it } from '@jest/globals';
import { SEED_POLICY, type VentureSpec } from '../../api/v1alpha1/venture.js';
import { auditVenture, type AuditInput, type AvailableAudit, type VentureAudit } from './audit.js';
import { MONTH_MS, type AuditSnapshot } from './history.js';
import type { MetricsObservation } from './metrics.js';

const NOW = Date.UTC(2026, 5, 15, 12, 0, 0);
const MINUTE = 60_000;

const policy = (): VentureSpec['policy'] => structuredClone(SEED_POLICY);

const fresh = (value: number) => ({ value, at: NOW - 1000 });

const audit = (observation: MetricsObservation, extra: Partial<AuditInput> = {}) =>
  auditVenture({ observation, policy: policy(), maxSampleAge: 5 * MINUTE, ...extra }, NOW);

/** A history entry `periodsAgo` periods before the fresh samples. */
const past = (periodsAgo: number, entry: Omit<AuditSnapshot, 'observedAt'>): AuditSnapshot => ({
  observedAt: new Date(NOW - 1000 - periodsAgo * MONTH_MS).toISOString(),
  ...entry,
});

function available(result: VentureAudit): AvailableAudit {
  if (!result.metricsAvailable) throw new Error(`expected metrics, got: ${result.reason}`);
  return result;
}

describe('auditVenture derived metrics', () => {
  it('computes margin, ROI and zero burn for a profitable venture', () => {
    const { snapshot } = available(
      audit({ revenue: fresh(10_000), costs: fresh(8000), cash: fresh(50_000) }),
    );
    expect(snapshot.profitMargin).toBeCloseTo(0.2); // 2000 / 10000
    expect(snapshot.roi).toBeCloseTo(0.25); // 2000 / 8000
    expect(snapshot.burnRate).toBe(0);
    expect(snapshot.runwayMonths).toBeUndefined(); // no burn: runway is unbounded, so it is left out
    expect(snapshot.consecutiveLosses).toBe(0);
    expect(snapshot.observedAt).toBe(new Date(NOW - 1000).toISOString());
  });

  it('computes burn rate and runway for a loss-making venture', () => {
    const { snapshot } = available(audit({ revenue: fresh(4000), costs: fresh(5000), cash: fresh(2100) }));
    expect(snapshot.profitMargin).toBeCloseTo(-0.25); // -1000 / 4000
    expect(snapshot.roi).toBeCloseTo(-0.2); // -1000 / 5000
    expect(snapshot.burnRate).toBe(1000);
    expect(snapshot.runwayMonths).toBeCloseTo(2.1); // 2100 / 1000
    expect(snapshot.consecutiveLosses).toBe(1);
  });

  it('names the risk factors with their numbers', () => {
    const result = available(audit({ revenue: fresh(4000), costs: fresh(5000), cash: fresh(2100) }));
    expect(result.risks).toEqual(['negative margin -25.0% below -20.0%', 'runway 2.1 months below 3']);
    expect(result.failures).toEqual(['profit margin -25.0% < -20.0%', 'runway 2.1 months < 3']);
    expect(result.failing).toBe(true);
  });

  it('takes the oldest sample as the snapshot time', () => {
    const { snapshot } = available(
      audit({ revenue: { value: 100, at: NOW - 3 * MINUTE }, costs: { value: 50, at: NOW - MINUTE } }),
    );
    expect(snapshot.observedAt).toBe(new Date(NOW - 3 * MINUTE).toISOString());
  });

  it('derives growth per period, compounded, from the least-squares slope of log revenue', () => {
    const history = [past(2, { revenue: 1000, costs: 800 }), past(1, { revenue: 1100, costs: 880 })];
    const { snapshot } = available(audit({ revenue: fresh(1250), costs: fresh(1020) }, { history }));
    // ln revenue at periods -2, -1, 0: slope (ln 1250 − ln 1000) / 2, so growth √1.25 − 1 = 11.8 %.
    expect(snapshot.growthRate).toBeCloseTo(Math.sqrt(1.25) - 1, 6);
  });

  it('leaves periods without revenue out of the growth rate', () => {
    const history = [past(2, { revenue: 0, costs: 800 }), past(1, { revenue: 1000, costs: 880 })];
    const { snapshot } = available(audit({ revenue: fresh(1500), costs: fresh(1020) }, { history }));
    expect(snapshot.growthRate).toBeCloseTo(0.5, 6);
  });

  it('derives a declining trend from the slope of the profit margin', () => {
    const history = [past(2, { revenue: 1000, costs: 800 }), past(1, { revenue: 1100, costs: 880 })];
    const result = available(audit({ revenue: fresh(1200), costs: fresh(1020) }, { history }));
    // margins 0.20, 0.20, 0.15: slope ((-1)(0.0167) + 0 + (1)(-0.0333)) / 2 = -0.025 per period.
    expect(result.trend?.direction).toBe('Declining');
    expect(result.trend?.slope).toBeCloseTo(-0.025);
    expect(result.risks).toContain('declining trend: profit margin -2.5 points per period');
  });

  it('calls a margin change inside the dead band stable, and a rising one improving', () => {
    const stable = [past(1, { revenue: 1000, costs: 800 })]; // 0.200 → 0.195
    const trend = available(audit({ revenue: fresh(1000), costs: fresh(805) }, { history: stable })).trend;
    expect(trend?.direction).toBe('Stable');
    expect(trend?.slope).toBeCloseTo(-0.005);
    const rising = [past(1, { revenue: 1000, costs: 900 })]; // 0.10 → 0.20
    expect(
      available(audit({ revenue: fresh(1000), costs: fresh(800) }, { history: rising })).trend?.direction,
    ).toBe('Improving');
  });

  it('has no growth rate or trend before a second period is audited', () => {
    const result = available(audit({ revenue: fresh(1000), costs: fresh(800) }));
    expect(result.snapshot.growthRate).toBeUndefined();
    expect(result.trend).toBeUndefined();
  });

  it('fits growth and the trend only on audits that span a whole period', () => {
    // Hourly periods; NOW (12:00) begins one. Flat revenue of 1000 read once with a 5 % error.
    const PERIOD = 60 * MINUTE;
    const growthFrom = (historyAt: number) => {
      const at = NOW + MINUTE;
      const history = [{ observedAt: new Date(historyAt).toISOString(), revenue: 1000, costs: 800 }];
      const observation = { revenue: { value: 1050, at }, costs: { value: 800, at } };
      const input = { observation, history, policy: policy(), maxSampleAge: 5 * MINUTE, periodMs: PERIOD };
      return available(auditVenture(input, at));
    };
    // The last audit of a period and one two minutes into the next.
    const twoMinutes = growthFrom(NOW - MINUTE);
    expect(twoMinutes.snapshot.growthRate).toBeUndefined();
    expect(twoMinutes.trend).toBeUndefined();
    // The same readings a whole period apart are 5 % growth per period.
    const wholePeriod = growthFrom(NOW + MINUTE - PERIOD);
    expect(wholePeriod.snapshot.growthRate).toBeCloseTo(0.05, 6);
    expect(wholePeriod.trend?.direction).toBe('Improving');
  });

  it('counts consecutive loss periods from the history and this audit', () => {
    const history = [
      past(2, { revenue: 900, costs: 1000, consecutiveLosses: 1 }),
      past(1, { revenue: 900, costs: 1000, consecutiveLosses: 2 }),
    ];
    const result = available(audit({ revenue: fresh(900), costs: fresh(1000) }, { history }));
    expect(result.snapshot.consecutiveLosses).toBe(3);
    expect(result.failures).toContain('3 consecutive loss periods >= 3');
    expect(result.risks).toContain('3 consecutive loss periods');
  });

  it.each([
    [
      'ends a loss streak at a period without an audit: no data is never a loss',
      past(2, { revenue: 900, costs: 1000, consecutiveLosses: 5 }),
      900,
      1,
    ],
    [
      'counts an older entry without a stored streak as one loss',
      past(1, { revenue: 900, costs: 1000 }),
      900,
      2,
    ],
    [
      'resets the loss streak on a profitable period',
      past(1, { revenue: 900, costs: 1000, consecutiveLosses: 2 }),
      1100,
      0,
    ],
  ])('%s', (_rule, entry, revenue, losses) => {
    const result = available(audit({ revenue: fresh(revenue), costs: fresh(1000) }, { history: [entry] }));
    expect(result.snapshot.consecutiveLosses).toBe(losses);
  });

  it('derives CAC from acquisition spend over new customers since the previous period', () => {
    const history = [past(1, { revenue: 1000, costs: 800, customers: 100, cac: 40 })];
    const result = available(
      audit(
        { revenue: fresh(1000), costs: fresh(800), customers: fresh(120), acquisitionSpend: fresh(1000) },
        { history },
      ),
    );
    expect(result.snapshot.cac).toBeCloseTo(50); // 1000 / (120 - 100)
    expect(result.cac?.previous).toBe(40);
    expect(result.cac?.current).toBeCloseTo(50);
    expect(result.risks).toContain('CAC rising: 50.00 from 40.00');
  });

  it('leaves CAC out when customers did not grow', () => {
    const history = [past(1, { revenue: 1000, costs: 800, customers: 120 })];
    const result = available(
      audit(
        { revenue: fresh(1000), costs: fresh(800), customers: fresh(110), acquisitionSpend: fresh(1000) },
        { history },
      ),
    );
    expect(result.snapshot.cac).toBeUndefined();
    expect(result.snapshot.customers).toBe(110);
  });

  it('treats a real zero revenue against costs as failing, without an infinite margin', () => {
    const result = available(audit({ revenue: fresh(0), costs: fresh(500) }));
    expect(result.snapshot.profitMargin).toBeUndefined();
    expect(result.snapshot.roi).toBeCloseTo(-1);
    expect(result.failures).toEqual([
      'revenue 0.00 against costs 500.00 (profit margin < -20.0%)',
      'ROI -100.0% < -50.0%',
    ]);
  });
});

describe('auditVenture growth and trend of a smooth series, at every phase of a period', () => {
  const PERIOD = 10_000;
  const START = Date.UTC(2026, 0, 1);

  /**
   * Audits a venture every quarter period (phases 0.1, 0.35, 0.6 and 0.85 of each period) for ten periods,
   * carrying the history from audit to audit as status does. Revenue compounds 25 % a period and the
   * profit margin rises 2 points a period, both smoothly (no steps at period boundaries).
   */
  function auditEveryQuarterPeriod() {
    let history: AuditSnapshot[] | undefined;
    const audits: { phase: number; growth?: number; slope?: number }[] = [];
    for (let k = 0; k < 40; k++) {
      const periods = 0.1 + k / 4;
      const at = START + periods * PERIOD;
      const revenue = 10_000 * 1.25 ** periods;
      const margin = 0.1 + 0.02 * periods;
      const result = available(
        auditVenture(
          {
            observation: { revenue: { value: revenue, at }, costs: { value: revenue * (1 - margin), at } },
            history,
            policy: policy(),
            maxSampleAge: PERIOD,
            periodMs: PERIOD,
          },
          at,
        ),
      );
      history = result.history;
      // From the 7th period on the window (6 periods) is full.
      if (periods >= 7) {
        audits.push({
          phase: periods % 1,
          growth: result.snapshot.growthRate,
          slope: result.trend?.slope,
        });
      }
    }
    return audits;
  }

  it('reports the growth the revenue compounds at, whatever the phase of the audit', () => {
    const audits = auditEveryQuarterPeriod();
    expect(audits).toHaveLength(12);
    // Phase and growth (%) of each audit, so a failure shows the whole wobble.
    expect(audits.map((a) => `${a.phase.toFixed(2)}: ${((a.growth ?? NaN) * 100).toFixed(1)}`)).toEqual(
      audits.map((a) => `${a.phase.toFixed(2)}: 25.0`),
    );
  });

  it('reports the margin trend per period, whatever the phase of the audit', () => {
    const audits = auditEveryQuarterPeriod();
    // Phase and slope (points per period) of each audit.
    expect(audits.map((a) => `${a.phase.toFixed(2)}: ${((a.slope ?? NaN) * 100).toFixed(2)}`)).toEqual(
      audits.map((a) => `${a.phase.toFixed(2)}: 2.00`),
    );
  });
});

describe('auditVenture history', () => {
  it('returns the history to store: one compact entry per period, newest last', () => {
    const history = [past(1, { revenue: 1000, costs: 800, consecutiveLosses: 0 })];
    const result = available(
      audit({ revenue: fresh(1200), costs: fresh(900), cash: fresh(10) }, { history }),
    );
    expect(result.history).toEqual([
      history[0],
      {
        observedAt: new Date(NOW - 1000).toISOString(),
        revenue: 1200,
        costs: 900,
        profitMargin: 0.25,
        consecutiveLosses: 0,
      },
    ]);
  });

  it('replaces the entry of the same period instead of adding one', () => {
    const history = [
      past(1, { revenue: 1000, costs: 800 }),
      { observedAt: new Date(NOW - 10 * MINUTE).toISOString(), revenue: 1, costs: 1 },
    ];
    const result = available(audit({ revenue: fresh(1200), costs: fresh(900) }, { history }));
    expect(result.history.map((h) => h.revenue)).toEqual([1000, 1200]);
  });

  it('keeps only the window', () => {
    const history = [1, 2, 3].map((ago) => past(ago, { revenue: 1000 * ago, costs: 1 }));
    const result = available(audit({ revenue: fresh(1), costs: fresh(1) }, { history, window: 2 }));
    expect(result.history.map((h) => h.revenue)).toEqual([1000, 1]);
  });

  it('skips unreadable history entries', () => {
    const history = [{ observedAt: 'yesterday', revenue: 1, costs: 2 }, past(1, { costs: 2 })];
    const result = available(audit({ revenue: fresh(900), costs: fresh(1000) }, { history }));
    expect(result.snapshot.consecutiveLosses).toBe(1);
    expect(result.snapshot.growthRate).toBeUndefined();
  });

  it('leaves the history untouched when metrics are unavailable', () => {
    const history = [past(1, { revenue: 1000, costs: 800 })];
    expect(audit({ costs: fresh(800) }, { history }).history).toEqual(history);
  });
});

describe('auditVenture with unusable samples', () => {
  const unavailable = (observation: MetricsObservation) => {
    const result = audit(observation);
    if (result.metricsAvailable) throw new Error('expected metrics to be unavailable');
    return result;
  };

  it('says revenue is missing, and never reads a missing revenue as zero', () => {
    const result = unavailable({ costs: fresh(5000) });
    expect(result.reason).toBe('metrics unavailable: revenue sample is missing');
    expect(result.problems).toEqual([
      { metric: 'revenue', problem: 'missing', detail: 'revenue sample is missing' },
    ]);
    // The same costs with a real zero revenue fail the audit; a missing revenue does not.
    expect(available(audit({ revenue: fresh(0), costs: fresh(5000) })).failing).toBe(true);
  });

  it('says how stale a stale sample is', () => {
    const result = unavailable({ revenue: { value: 1000, at: NOW - 7.5 * MINUTE }, costs: fresh(10) });
    expect(result.reason).toBe(
      'metrics unavailable: revenue sample is stale: 7m30s old, max age 5m0s (stale by 2m30s)',
    );
  });

  it.each([
    ['NaN', NaN, 'costs value NaN is not a number'],
    ['Infinity', Infinity, 'costs value Infinity is not a number'],
    ['a string', '12' as unknown as number, 'costs value "12" is not a number'],
    ['null', null as unknown as number, 'costs value null is not a number'],
    ['negative', -5, 'costs value -5 is negative'],
  ])('rejects a costs value that is %s', (_, value, detail) => {
    expect(unavailable({ revenue: fresh(1000), costs: { value, at: NOW } }).reason).toBe(
      `metrics unavailable: ${detail}`,
    );
  });

  it('rejects samples without a valid time or from the future', () => {
    expect(unavailable({ revenue: { value: 1, at: NaN }, costs: fresh(1) }).problems[0]?.problem).toBe(
      'invalidTime',
    );
    expect(unavailable({ revenue: fresh(1), costs: { value: 1, at: NOW + 5 * MINUTE } }).reason).toBe(
      'metrics unavailable: costs sample is 5m0s in the future',
    );
  });

  it('tolerates a minute of clock skew', () => {
    expect(audit({ revenue: fresh(1), costs: { value: 1, at: NOW + 30_000 } }).metricsAvailable).toBe(true);
  });

  it('lists every unusable required metric', () => {
    expect(unavailable({ revenue: { value: NaN, at: NOW } }).reason).toBe(
      'metrics unavailable: revenue value NaN is not a number; costs sample is missing',
    );
  });

  it('treats an invalid max sample age as zero rather than as no limit', () => {
    const result = auditVenture(
      { observation: { revenue: fresh(1), costs: fresh(1) }, policy: policy(), maxSampleAge: NaN },
      NOW,
    );
    expect(result.metricsAvailable).toBe(false);
  });

  it('refuses to audit with an invalid clock', () => {
    expect(() => auditVenture({ observation: {}, policy: policy(), maxSampleAge: MINUTE }, NaN)).toThrow(
      RangeError,
    );
  });

  it('leaves out unusable optional metrics and does not evaluate their thresholds', () => {
    const result = available(
      audit({
        revenue: fresh(4000),
        costs: fresh(5000),
        cash: { value: 100, at: NOW - 10 * MINUTE }, // stale: would be 0.1 months of runway
        satisfaction: fresh(1.4),
        customers: { value: NaN, at: NOW },
      }),
    );
    expect(result.snapshot.runwayMonths).toBeUndefined();
    expect(result.snapshot.customerSatisfaction).toBeUndefined();
    expect(result.failures).toEqual(['profit margin -25.0% < -20.0%']);
    expect(result.ignored.map((p) => `${p.metric}=${p.problem}`)).toEqual([
      'customers=notANumber',
      'acquisitionSpend=missing',
      'satisfaction=outOfRange',
      'cash=stale',
    ]);
    expect(result.health.components.satisfaction).toBeUndefined();
  });

  it('accepts a Date as now', () => {
    const result = auditVenture(
      { observation: { revenue: fresh(1), costs: fresh(1) }, policy: policy(), maxSampleAge: MINUTE },
      new Date(NOW),
    );
    expect(result.metricsAvailable).toBe(true);
  });
});

describe('auditVenture health', () => {
  it('weights profitability 40 % and growth, efficiency and satisfaction 20 % each', () => {
    const history = [past(1, { revenue: 10_000, costs: 8000 })];
    const { health } = available(
      audit({ revenue: fresh(10_000), costs: fresh(8000), satisfaction: fresh(0.85) }, { history }),
    );
    // margin 0.2 → (0.2 + 0.2) / 0.5 = 80; ROI 0.25 → (0.25 + 0.5) / 1.5 = 50; growth 0 → 50; satisfaction 85.
    expect(health.components).toEqual({ profitability: 80, efficiency: 50, growth: 50, satisfaction: 85 });
    expect(health.score).toBe(69); // 0.4·80 + 0.2·50 + 0.2·50 + 0.2·85 = 69
    expect(health.tier).toBe('Average');
  });

  it('re-weights the components it can measure', () => {
    const { health } = available(
      audit({ revenue: fresh(10_000), costs: fresh(8000), satisfaction: fresh(0.85) }),
    );
    expect(health.components).toEqual({ profitability: 80, efficiency: 50, satisfaction: 85 });
    expect(health.score).toBe(74); // (32 + 10 + 17) / 0.8 = 73.75
    expect(health.tier).toBe('Good');
  });
});
