// The fencing rules: lapse by this process's own clock, epoch + 1 on a take, DNS only by the holder.
import { describe, expect, it } from '@jest/globals';
import { T0, held, record } from '../../../test/unit/region/facts.js';
import { dnsWriteVerdict, fencingStatus, heartbeatLapse, renewRecord, takeRecord } from './fencing.js';

describe('heartbeatLapse', () => {
  it('cannot tell before watching for the timeout', () => {
    expect(
      heartbeatLapse({ watchingSince: T0 - 3000, renewSeenAt: T0 - 3000 }, 'us-east', 10_000, T0),
    ).toEqual({
      lapsed: false,
      tooEarly: true,
      reason: "watched us-east's heartbeat for 3s of the 10s needed to call it lapsed",
    });
  });

  it('lapses when no new renewTime was seen for the timeout', () => {
    const watch = { watchingSince: T0 - 60_000, renewSeenAt: T0 - 10_000 };
    expect(heartbeatLapse(watch, 'us-east', 10_000, T0)).toMatchObject({ lapsed: true, tooEarly: false });
    expect(heartbeatLapse(watch, 'us-east', 10_000, T0 - 1)).toMatchObject({
      lapsed: false,
      tooEarly: false,
    });
  });

  it('counts a record never seen renewed from when the watch began', () => {
    expect(heartbeatLapse({ watchingSince: T0 - 12_000 }, 'us-east', 10_000, T0).lapsed).toBe(true);
  });
});

describe('takeRecord and renewRecord', () => {
  it('takes at the next epoch, or at 1 when nobody held it', () => {
    const now = new Date(T0).toISOString();
    expect(takeRecord(record('us-east', 6), 'us-west', now)).toEqual({
      holder: 'us-west',
      epoch: 7,
      acquireTime: now,
      renewTime: now,
      holderHealthy: true,
    });
    expect(takeRecord(undefined, 'us-east', now).epoch).toBe(1);
  });

  it('renews only the holder’s own record, keeping its epoch', () => {
    const now = new Date(T0 + 2000).toISOString();
    expect(renewRecord(record('us-east', 6), 'us-east', { healthy: false }, now)).toMatchObject({
      holder: 'us-east',
      epoch: 6,
      renewTime: now,
      holderHealthy: false,
    });
    expect(renewRecord(record('us-west', 7), 'us-east', { healthy: true }, now)).toEqual({
      refused: 'us-east no longer holds the record (us-west does, epoch 7)',
    });
  });
});

describe('dnsWriteVerdict', () => {
  it('allows the holder at its epoch when DNS carries no higher epoch', () => {
    expect(dnsWriteVerdict(record('us-west', 4), 3, 'us-west', 4)).toEqual({ allowed: true });
    expect(dnsWriteVerdict(record('us-west', 4), 4, 'us-west', 4)).toEqual({ allowed: true });
    expect(dnsWriteVerdict(record('us-west', 4), undefined, 'us-west', 4)).toEqual({ allowed: true });
  });

  it('refuses a former holder, a stale epoch, and a write below the DNS record’s epoch', () => {
    expect(dnsWriteVerdict(record('us-west', 4), 3, 'us-east', 3)).toEqual({
      allowed: false,
      reason: 'us-east no longer holds the fencing record at epoch 3: us-west holds it at epoch 4',
    });
    expect(dnsWriteVerdict(record('us-west', 5), 4, 'us-west', 4).allowed).toBe(false);
    expect(dnsWriteVerdict(record('us-west', 4), 5, 'us-west', 4)).toEqual({
      allowed: false,
      reason: "the DNS record was written at epoch 5, above us-west's epoch 4",
    });
    expect(dnsWriteVerdict(undefined, undefined, 'us-west', 1).allowed).toBe(false);
  });
});

describe('fencingStatus', () => {
  it('says whether the other region lapsed, with the holder’s own report', () => {
    const offered = record('us-west', 4, { holderHealthy: false, failbackOfferedTo: 'us-east' });
    expect(fencingStatus(held(offered, 12_000), 'us-east', 10_000, T0)).toEqual({
      holder: 'us-west',
      epoch: 4,
      renewTime: new Date(T0).toISOString(),
      lapsed: true,
      holderHealthy: false,
      failbackOfferedTo: 'us-east',
    });
    expect(fencingStatus(held(offered, 1000), 'us-east', 10_000, T0).lapsed).toBe(false);
  });

  it('says nothing of a lapse for its own record, nor before it has watched for the timeout', () => {
    expect(fencingStatus(held(record('us-east', 2)), 'us-east', 10_000, T0)).not.toHaveProperty('lapsed');
    const fresh = { ...held(record('us-west', 2), 12_000), watchingSince: T0 - 3000 };
    expect(fencingStatus(fresh, 'us-east', 10_000, T0)).not.toHaveProperty('lapsed');
  });
});
