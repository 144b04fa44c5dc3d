// A move's steps from its recorded times and the fencing record read now; resumable, and superseded safely.
import { describe, expect, it } from '@jest/globals';
import { BACKUP, PRIMARY, T0, held, record, spec } from '../../../test/unit/region/facts.js';
import {
  failoverSeconds,
  moveUnderWay,
  nextFailoverStep,
  regionPhase,
  startFailover,
  startsMove,
  type FailoverRecord,
} from './failover.js';

const iso = (ms: number) => new Date(ms).toISOString();
const move: FailoverRecord = startFailover({
  id: 'failover-abc',
  action: 'Failover',
  reason: 'us-east down',
  decidedAt: iso(T0),
  from: PRIMARY,
  to: BACKUP,
  epoch: 4,
  detectedAt: T0 - 5000,
});

describe('nextFailoverStep', () => {
  const s = spec();

  it('starts a move from the decision', () => {
    expect(move).toEqual({
      decisionId: 'failover-abc',
      from: PRIMARY,
      to: BACKUP,
      reason: 'us-east down',
      epoch: 4,
      detectedAt: iso(T0 - 5000),
      decidedAt: iso(T0),
    });
  });

  it('fences, then warms until the objective, then writes DNS, then awaits the answer', () => {
    expect(nextFailoverStep(move, held(record(PRIMARY, 3)), s)).toEqual({ step: 'Fence' });
    const fenced = { ...move, fencedAt: iso(T0 + 100) };
    const ours = held(record(BACKUP, 4));
    expect(nextFailoverStep(fenced, ours, s)).toEqual({ step: 'Warm', deadline: T0 - 5000 + 30_000 });
    expect(nextFailoverStep({ ...fenced, warmedAt: iso(T0 + 200) }, ours, s)).toEqual({ step: 'WriteDns' });
    const written = { ...fenced, warmedAt: iso(T0 + 200), dnsWrittenAt: iso(T0 + 300) };
    expect(nextFailoverStep(written, ours, s)).toEqual({ step: 'Done' });
    const withServers = spec({ dns: { ...s.dns, nameservers: ['127.0.0.1:5353'] } });
    expect(nextFailoverStep(written, ours, withServers)).toEqual({ step: 'AwaitAnswer' });
  });

  it('after a restart between the swap and recording it, sees the record is already taken', () => {
    expect(nextFailoverStep(move, held(record(BACKUP, 4)), s)).toEqual({ step: 'Fenced' });
  });

  it('is superseded when another region holds the move’s epoch or a higher one: no DNS write', () => {
    const fenced = { ...move, fencedAt: iso(T0), warmedAt: iso(T0) };
    expect(nextFailoverStep(fenced, held(record(PRIMARY, 5)), s)).toMatchObject({ step: 'Superseded' });
    expect(nextFailoverStep(move, held(record(PRIMARY, 4)), s)).toEqual({
      step: 'Superseded',
      reason: 'us-east holds the fencing record at epoch 4; the move to us-west at epoch 4 stops',
    });
  });

  it('is superseded before the take when the record moved since the decision: the swap is from epoch - 1 only', () => {
    expect(nextFailoverStep(move, held(record(PRIMARY, 2)), s)).toEqual({
      step: 'Superseded',
      reason: 'the fencing record is at epoch 2 now, not 3 as when the move to us-west was decided',
    });
    expect(nextFailoverStep(move, { state: 'Absent', watchingSince: T0 }, s)).toEqual({
      step: 'Superseded',
      reason: 'the fencing record is at epoch 0 now, not 3 as when the move to us-west was decided',
    });
    const claim = { ...move, from: undefined, epoch: 1 };
    expect(nextFailoverStep(claim, { state: 'Absent', watchingSince: T0 }, s)).toEqual({ step: 'Fence' });
  });

  it('waits while the record cannot be read', () => {
    expect(nextFailoverStep(move, { state: 'Unreadable', error: 'timeout' }, s)).toEqual({
      step: 'Wait',
      reason: 'cannot read the fencing record: timeout',
    });
  });
});

describe('failoverSeconds and regionPhase', () => {
  it('measures detection to the answer, or to the write without name servers', () => {
    expect(failoverSeconds(move)).toBeUndefined();
    expect(failoverSeconds({ ...move, dnsWrittenAt: iso(T0 + 1000) })).toBe(6);
    expect(failoverSeconds({ ...move, dnsWrittenAt: iso(T0 + 1000), dnsAnsweringAt: iso(T0 + 2500) })).toBe(
      7.5,
    );
  });

  it('says FailingOver while a move to the backup is under way, else who serves', () => {
    const s = spec();
    expect(regionPhase(s, { holder: PRIMARY, epoch: 3 }, move)).toBe('FailingOver');
    expect(regionPhase(s, { holder: BACKUP, epoch: 4 }, { ...move, dnsWrittenAt: iso(T0) })).toBe('Backup');
    expect(regionPhase(s, { holder: PRIMARY, epoch: 5 }, move)).toBe('Primary');
    expect(
      regionPhase(s, { holder: PRIMARY, epoch: 6 }, { ...move, from: BACKUP, to: PRIMARY, epoch: 6 }),
    ).toBe('FailingBack');
    expect(regionPhase(s, undefined, undefined)).toBeUndefined();
  });
});

describe('startsMove and moveUnderWay', () => {
  const applied = {
    id: 'failover-abc',
    action: 'Failover' as const,
    reason: 'us-east down',
    state: 'Applied' as const,
    decidedAt: iso(T0),
  };

  it('starts an applied move once, and again only when its take was lost before the record was fenced', () => {
    expect(startsMove(applied, undefined)).toBe(true);
    expect(startsMove(applied, { ...move, decisionId: 'claim-old', fencedAt: iso(T0) })).toBe(true);
    expect(startsMove(applied, move)).toBe(true);
    expect(startsMove(applied, { ...move, fencedAt: iso(T0) })).toBe(false);
  });

  it('starts nothing for a hold, an offer, or a move the mode did not apply', () => {
    expect(startsMove({ ...applied, action: 'Hold' }, undefined)).toBe(false);
    expect(startsMove({ ...applied, action: 'OfferFailback' }, undefined)).toBe(false);
    expect(startsMove({ ...applied, state: 'Recommended' }, undefined)).toBe(false);
    expect(startsMove({ ...applied, state: 'PendingApproval' }, undefined)).toBe(false);
  });

  it('carries on a move while its decision is Applying', () => {
    const applying = { ...applied, state: 'Applying' as const };
    expect(moveUnderWay({ lastDecision: applying, lastFailover: move })).toBe(true);
    expect(moveUnderWay({ lastDecision: applied, lastFailover: move })).toBe(false);
    expect(moveUnderWay({ lastDecision: { ...applying, id: 'failback-xyz' }, lastFailover: move })).toBe(
      false,
    );
    expect(moveUnderWay({})).toBe(false);
  });
});
