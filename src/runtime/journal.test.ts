// The journal: failure causes from the API server's answers and network errors, the entries a reconcile
// hears from status writes and failed reconciles (bound to its object and the clock), retries told once, the
// bound, and learnings handed back.
import { describe, expect, it } from '@jest/globals';
import type { DecisionState } from '../api/decision.js';
import { ApiError } from './client.js';
import { Journal, failureOf, forbiddenRequest } from './journal.js';
import { ManualClock } from './manualClock.js';

const FORBIDDEN =
  'ventures.autopilot.ventures "shop" is forbidden: User "system:serviceaccount:ops:autopilot" cannot patch resource "ventures/scale" in API group "autopilot.ventures" in the namespace "shop"';

const withCode = (message: string, code: string) =>
  Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error(message), { code }) });

describe('failureOf', () => {
  it('names the refused request of a 403 from the authorizer’s message', () => {
    expect(failureOf(new ApiError(403, 'Forbidden', FORBIDDEN), 'venture')).toEqual({
      cause: 'Permission',
      message: FORBIDDEN,
      forbidden: {
        controller: 'venture',
        verb: 'patch',
        group: 'autopilot.ventures',
        resource: 'ventures/scale',
        namespace: 'shop',
      },
    });
    const clusterScope =
      'namespaces is forbidden: User "x" cannot list resource "namespaces" in API group "" at the cluster scope';
    expect(forbiddenRequest(clusterScope, 'venture')).toEqual({
      controller: 'venture',
      verb: 'list',
      group: '',
      resource: 'namespaces',
    });
    // A webhook's refusal is a 403 too, but names no RBAC rule.
    expect(
      failureOf(new ApiError(403, 'Forbidden', 'admission webhook "x" denied the request'), 'v'),
    ).toEqual({
      cause: 'Permission',
      message: 'admission webhook "x" denied the request',
    });
  });

  it.each([
    [new ApiError(409, 'Conflict', 'the object has been modified'), 'Conflict'],
    [new ApiError(422, 'Invalid', 'e2e: scaling is frozen'), 'Invalid'],
    [new ApiError(400, 'BadRequest', 'bad patch'), 'Invalid'],
    [
      new ApiError(504, 'Timeout', 'the server was unable to return a response in the time allotted'),
      'Timeout',
    ],
    [new ApiError(500, 'ServerTimeout', 'the server cannot complete the requested operation'), 'Timeout'],
    [new ApiError(408, '', 'request timeout'), 'Timeout'],
    [new ApiError(503, 'ServiceUnavailable', 'etcdserver: leader changed'), 'Unavailable'],
    [new ApiError(429, 'TooManyRequests', 'slow down'), 'Unavailable'],
    [new ApiError(404, 'NotFound', 'gone'), 'Other'],
    [withCode('connect ECONNREFUSED 127.0.0.1:6443', 'ECONNREFUSED'), 'Unavailable'],
    [withCode('Connect Timeout Error', 'UND_ERR_CONNECT_TIMEOUT'), 'Timeout'],
    [
      Object.assign(new Error('The operation was aborted due to timeout'), { name: 'TimeoutError' }),
      'Timeout',
    ],
    [new Error('something else'), 'Other'],
  ])('%s is %s', (err, cause) => {
    expect(failureOf(err, 'venture').cause).toBe(cause);
  });
});

describe('Journal', () => {
  const object = { kind: 'Venture', namespace: 'shop', name: 'widgets' };
  const decision = (id: string, action: string, state: DecisionState) => ({
    id,
    action,
    reason: `${action} because`,
    state,
    decidedAt: '2026-11-30T11:00:00Z',
  });
  const told = (journal: Journal) =>
    journal.drain().entries.map((e) => (e.type === 'Failed' ? `Failed:${e.cause}` : e.type));

  it('tells what status writes say of decisions: Decided, Started, Succeeded, stamped with object and time', async () => {
    const clock = new ManualClock(1000);
    const journal = new Journal(clock);
    const reporter = journal.about('venture', object);
    const applying = { lastDecision: decision('scale-1', 'Scale', 'Applying') };
    reporter.statusWritten({}, applying, () => ({ judgeAfterMs: 4000 }));
    await clock.advance(10);
    reporter.measured('health', 90);
    reporter.measured('healthy', 1, { kind: 'Target', namespace: 'shop', name: 'paypal' });
    reporter.statusWritten(applying, { lastDecision: decision('scale-1', 'Scale', 'Applied') });
    expect(journal.drain()).toEqual({
      dropped: 0,
      entries: [
        {
          type: 'Decided',
          at: 1000,
          object,
          id: 'scale-1',
          action: 'Scale',
          reason: 'Scale because',
          judgeAfterMs: 4000,
        },
        { type: 'Started', at: 1000, id: 'scale-1', object },
        { type: 'Measured', at: 1010, object, measure: 'health', value: 90 },
        {
          type: 'Measured',
          at: 1010,
          object: { kind: 'Target', namespace: 'shop', name: 'paypal' },
          measure: 'healthy',
          value: 1,
        },
        { type: 'Succeeded', at: 1010, id: 'scale-1', object },
      ],
    });
    expect(journal.drain().entries).toEqual([]);
  });

  it('tells a decision once however often status is written, and no Hold at all', () => {
    const journal = new Journal(new ManualClock(0));
    const reporter = journal.about('venture', object);
    const hold = decision('hold-1', 'Hold', 'Applied');
    const recommended = decision('scale-1', 'Scale', 'Recommended');
    reporter.statusWritten({}, { lastDecision: hold, history: [hold] });
    reporter.statusWritten({}, { lastDecision: recommended, history: [recommended, hold] });
    const same = { lastDecision: recommended, history: [recommended, hold] };
    reporter.statusWritten(same, same);
    expect(told(journal)).toEqual(['Decided']);
    // Approved later: carried out in one write, without a write-ahead Applying.
    const applied = { ...recommended, state: 'Applied' as const };
    reporter.statusWritten(same, { lastDecision: applied, history: [applied, hold] });
    expect(told(journal)).toEqual(['Started', 'Succeeded']);
  });

  it('tells a reconcile that threw while a decision was Applying as its failure, unless it was carried out', () => {
    const journal = new Journal(new ManualClock(0));
    const reporter = journal.about('venture', object);
    const applying = { lastDecision: decision('scale-1', 'Scale', 'Applying') };
    reporter.reconcileFailed(applying, applying, new ApiError(422, 'Invalid', 'frozen'));
    // The action went through; only writing Applied failed: not a failed action.
    const applied = { lastDecision: decision('scale-1', 'Scale', 'Applied') };
    reporter.reconcileFailed(applying, applied, new ApiError(409, 'Conflict', 'modified'));
    reporter.reconcileFailed({}, {}, new Error('no decision involved'));
    expect(journal.drain().entries).toEqual([
      { type: 'Failed', at: 0, id: 'scale-1', object, cause: 'Invalid', message: 'frozen' },
    ]);
  });

  it('tells a decision retried after a failure as one action: the same failure once, a new cause again', () => {
    const journal = new Journal(new ManualClock(0));
    const reporter = journal.about('venture', object);
    const applying = { lastDecision: decision('scale-1', 'Scale', 'Applying') };
    const refused = new ApiError(422, 'Invalid', 'frozen');
    reporter.statusWritten({}, applying);
    expect(reporter.failed('scale-1', refused)).toEqual({ cause: 'Invalid', message: 'frozen' });
    reporter.reconcileFailed(applying, applying, refused);
    reporter.reconcileFailed(applying, applying, new ApiError(504, 'Timeout', 'slow'));
    const applied = { lastDecision: decision('scale-1', 'Scale', 'Applied') };
    reporter.statusWritten(applying, applied);
    reporter.statusWritten(applied, applied);
    expect(told(journal)).toEqual(['Decided', 'Started', 'Failed:Invalid', 'Failed:Timeout', 'Succeeded']);
  });

  it('keeps at most its limit, dropping the oldest, and says how many', () => {
    const journal = new Journal(new ManualClock(0), 100);
    const reporter = journal.about('venture', object);
    for (let i = 0; i < 250; i++) reporter.measured('health', i);
    const { entries, dropped } = journal.drain();
    expect(entries.length).toBeLessThanOrEqual(100);
    expect(entries.length + dropped).toBe(250);
    expect(entries.at(-1)).toMatchObject({ value: 249 });
  });

  it('hands what AUREA learned to every reconcile', () => {
    const journal = new Journal(new ManualClock(0));
    const reporter = journal.about('venture', object);
    expect(reporter.learned()).toEqual([]);
    journal.learn([{ key: 'Venture/Scale', extraConfirmations: 1 }]);
    expect(reporter.learned()).toEqual([{ key: 'Venture/Scale', extraConfirmations: 1 }]);
  });
});
