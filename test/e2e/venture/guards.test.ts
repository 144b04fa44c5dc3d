// The termination guards against the real API: the portfolio circuit breaker and the per-namespace rate
// limit, each with its own namespace, metrics endpoint and operator flags.
//
// How the breaker sees the portfolio: each venture is audited on its own schedule, and its guard counts
// the others from their status: failing (under review), terminating, or terminated within the hour.
// A termination also waits until every other venture was audited since it began failing, so ventures
// that turn losing together are all seen failing before the first could go, whatever the review period.
// The rate limit's check and the reservation of a termination are one step, so two audits in flight at
// once cannot both pass.
import { beforeAll, describe, expect, it } from '@jest/globals';
import type { VentureResource } from '../../../src/api/v1alpha1/index.js';
import { installCrds } from '../support/crds.js';
import { httpPortfolio } from '../support/metricsEndpoint.js';
import { LOSING, WINNING, type VentureNamespace } from '../support/ventures.js';

beforeAll(async () => {
  await installCrds();
}, 120_000);

const terminated = (v: VentureResource) =>
  v.status?.phase === 'Terminating' || v.status?.phase === 'Terminated';
/**
 * A termination carried out, or one a guard blocked for the reason `why` (before that, a termination may
 * wait, blocked, until the whole namespace was audited since the venture began failing).
 */
const decided = (why: RegExp) => (v: VentureResource) =>
  (v.status?.lastDecision?.action === 'Terminate' && v.status.lastDecision.state === 'Applied') ||
  (v.status?.lastDecision?.action === 'Hold' &&
    v.status.lastDecision.state === 'Blocked' &&
    why.test(v.status.lastDecision.reason));

const lastAudit = (v: VentureResource) => Date.parse(v.status?.lastAuditTime ?? '');

/** Waits until each venture was audited at least `ms` after `since`, or stopped being audited because it is terminating. */
function auditedSince(ventures: VentureNamespace, names: string[], since: number, ms: number) {
  return Promise.all(
    names.map((name) =>
      ventures.until(
        name,
        `audited ${ms} ms after ${new Date(since).toISOString()}, or terminating`,
        (v) => terminated(v) || Date.parse(v.status?.lastAuditTime ?? '') >= since + ms,
      ),
    ),
  );
}

const BREAKER =
  /^termination blocked: circuit breaker: 3 of 4 ventures \(75\.0%\) are failing or were terminated within 1h0m0s, more than 50\.0%; would terminate: /;
const RATE_LIMITED =
  /^termination blocked: rate limit: \d+ termination\(s\) in this namespace within the last 1h0m0s \(limit 1\); next possible in (\d+h)?\d+m\d+s; would terminate: /;

/** Each venture still under review, its termination blocked by the breaker, its Deployment at 1 replica. */
async function expectBreakerHeld(ventures: VentureNamespace, after: VentureResource[]): Promise<void> {
  expect(after.map((v) => [v.metadata.name, v.status?.phase])).toEqual(
    after.map((v) => [v.metadata.name, 'UnderReview']),
  );
  for (const v of after) {
    expect(v.status?.lastDecision).toMatchObject({ action: 'Hold', state: 'Blocked' });
    expect(v.status?.lastDecision?.reason).toMatch(BREAKER);
    expect(v.status?.terminatedAt).toBeUndefined();
    expect(await ventures.deploymentReplicas(v.metadata.name)).toBe(1);
  }
}

describe('the circuit breaker', () => {
  const portfolio = httpPortfolio('breaker', ['--circuit-breaker-share=0.5', '--terminations-per-hour=10']);
  const { ventures, create } = portfolio;
  const reds = ['red-1', 'red-2', 'red-3'];

  it('blocks every termination when 3 of 4 ventures would be terminated in one cycle', async () => {
    // Observed first: every venture's status shows its failing review before the operator may act.
    await create('steady', WINNING, { mode: 'Observe', reviewPeriod: 1, maxReplicas: 1 });
    for (const name of reds) await create(name, LOSING, { mode: 'Observe', reviewPeriod: 1 });
    await Promise.all(
      reds.map((name) =>
        ventures.until(name, 'a full review period', (v) => (v.status?.failingAudits ?? 0) >= 1),
      ),
    );
    await ventures.until('steady', 'an audit on its numbers', (v) => v.status?.metrics !== undefined);

    const handover = Date.now();
    for (const name of ['steady', ...reds]) await ventures.patchSpec(name, { mode: 'Autonomous' });
    const after = await auditedSince(ventures, reds, handover, 4_000);

    await expectBreakerHeld(ventures, after);
    for (const v of after) {
      expect(v.status?.history?.filter((d) => d.action === 'Terminate' && d.state === 'Applied')).toEqual([]);
      expect(await ventures.events(v.metadata.name)).toContainEqual(
        expect.objectContaining({
          reason: 'TerminationBlocked',
          type: 'Warning',
          note: expect.stringMatching(BREAKER),
        }),
      );
    }
    const steady = await ventures.read('steady');
    expect(steady.status?.lastDecision?.state).toBe('Applied');
    expect(await ventures.deploymentReplicas('steady')).toBe(1);
    expect(portfolio.endpoint.requests('red-1').count).toBeGreaterThanOrEqual(3);
  });
});

describe.each([3, 1])(
  'the circuit breaker, when 3 of 4 ventures turn losing at once (review period %i)',
  (reviewPeriod) => {
    const portfolio = httpPortfolio(`breaker-flip-${reviewPeriod}`, [
      '--circuit-breaker-share=0.5',
      '--terminations-per-hour=10',
    ]);
    const { ventures, create } = portfolio;
    const reds = ['flip-1', 'flip-2', 'flip-3'];

    it('blocks every termination, also the first ones', async () => {
      // With the default review period (3) the wave shows in status before any venture completes it; with 1,
      // the first termination waits until the others were audited since it began failing.
      for (const name of ['flip-0', ...reds]) await create(name, WINNING, { reviewPeriod, maxReplicas: 1 });
      await Promise.all(
        ['flip-0', ...reds].map((name) =>
          ventures.until(name, 'active on its numbers', (v) => v.status?.phase === 'Active'),
        ),
      );

      // A broken metrics source makes three of the four look failing at once.
      for (const name of reds) portfolio.endpoint.set(name, LOSING);
      const blocked = await Promise.all(
        reds.map((name) => ventures.until(name, 'a termination carried out or blocked', decided(BREAKER))),
      );
      // A few more audits each: still nothing terminated.
      const after = await auditedSince(ventures, reds, Math.max(...blocked.map(lastAudit)), 4_000);

      await expectBreakerHeld(ventures, after);
    });
  },
);

describe('the termination rate limit', () => {
  // One worker: the two ventures are audited one after the other, never at the same moment.
  const portfolio = httpPortfolio('rate-limit', [
    '--terminations-per-hour=1',
    '--circuit-breaker-share=1',
    '--workers=1',
  ]);
  const { ventures, create } = portfolio;

  it('terminates one of two losing ventures; the other waits with the time of the next possible termination', async () => {
    await create('spent-a', LOSING, { reviewPeriod: 1 });
    await create('spent-b', LOSING, { reviewPeriod: 1 });
    const both = await Promise.all(
      ['spent-a', 'spent-b'].map((name) =>
        ventures.until(name, 'a termination carried out or rate-limited', decided(RATE_LIMITED)),
      ),
    );
    expect(both.filter(terminated).map((v) => v.metadata.name)).toHaveLength(1);
    const gone = both.find(terminated)!;
    const waiting = both.find((v) => !terminated(v))!;
    expect(gone.status?.lastDecision).toMatchObject({ action: 'Terminate', state: 'Applied' });
    expect(waiting.status?.lastDecision).toMatchObject({ action: 'Hold', state: 'Blocked' });
    expect(waiting.status?.lastDecision?.reason).toMatch(RATE_LIMITED);
    expect(await ventures.events(waiting.metadata.name)).toContainEqual(
      expect.objectContaining({
        reason: 'TerminationBlocked',
        type: 'Warning',
        note: expect.stringMatching(RATE_LIMITED),
      }),
    );

    // The first is retired for good; the hour has not passed, so the second still waits.
    await ventures.until(gone.metadata.name, 'terminated', (v) => v.status?.phase === 'Terminated');
    const [later] = await auditedSince(ventures, [waiting.metadata.name], Date.now(), 2_000);
    expect(later!.status?.phase).toBe('UnderReview');
    expect(later!.status?.lastDecision).toMatchObject({ action: 'Hold', state: 'Blocked' });
    expect(later!.status?.lastDecision?.reason).toMatch(RATE_LIMITED);
    expect(later!.status?.terminatedAt).toBeUndefined();
    expect(await ventures.deploymentReplicas(waiting.metadata.name)).toBe(1);
    // The namespace has had one termination, and the reason counts it once.
    expect(later!.status?.lastDecision?.reason).toMatch(/rate limit: 1 termination\(s\) in this namespace/);
  });
});

describe('the termination rate limit, when two ventures are audited at the same moment', () => {
  // The operator's default two workers; the endpoint answers both audits together.
  const portfolio = httpPortfolio('rate-limit-race', [
    '--terminations-per-hour=1',
    '--circuit-breaker-share=1',
  ]);
  const { ventures, create } = portfolio;

  it('still terminates only one of them', async () => {
    const together = portfolio.endpoint.holdTogether(['rush-a', 'rush-b']);
    await create('rush-a', LOSING, { reviewPeriod: 1 });
    await create('rush-b', LOSING, { reviewPeriod: 1 });
    expect(await together).toBe(true);
    const both = await Promise.all(
      ['rush-a', 'rush-b'].map((name) =>
        ventures.until(name, 'a termination carried out or rate-limited', decided(RATE_LIMITED)),
      ),
    );
    expect(both.filter(terminated).map((v) => v.metadata.name)).toHaveLength(1);
    expect(both.find((v) => !terminated(v))?.status?.lastDecision?.reason).toMatch(RATE_LIMITED);
  });
});
