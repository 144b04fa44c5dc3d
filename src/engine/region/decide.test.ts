// The region engine's decisions, case by case: claim, two-view failover, partition, cold start, failback.
import { describe, expect, it } from '@jest/globals';
import {
  BACKUP,
  PRIMARY,
  T0,
  down,
  facts,
  probed,
  held,
  record,
  spec,
  up,
} from '../../../test/unit/region/facts.js';
import { decideRegionPair, recordedDecision } from './decide.js';

describe('decideRegionPair: failover', () => {
  it('fails over when the backup sees the primary down and its heartbeat lapsed', () => {
    const d = decideRegionPair(
      facts({ probes: { [PRIMARY]: down(), [BACKUP]: up() }, fencing: held(record(PRIMARY, 3), 12_000) }),
      T0,
    );
    expect(d).toMatchObject({
      action: 'Failover',
      from: PRIMARY,
      to: BACKUP,
      epoch: 4,
      detectedAt: T0 - 980,
    });
    expect(d.reason).toBe(
      'us-east: 5 failed probes in a row (last: HTTP 503) and us-east has not renewed its heartbeat for 12s; us-west: 20 healthy probes in a row, error rate 0.0% of 20, last answer in 20ms',
    );
  });

  it('fails over when the primary still renews but reports itself unhealthy', () => {
    const d = decideRegionPair(
      facts({
        probes: { [PRIMARY]: down(), [BACKUP]: up() },
        fencing: held(record(PRIMARY, 3, { holderHealthy: false }), 1000),
      }),
      T0,
    );
    expect(d).toMatchObject({ action: 'Failover', epoch: 4 });
    expect(d.reason).toContain('us-east reports itself unhealthy');
  });

  it('holds in a partition: the backup loses sight of a primary that renews and reports itself healthy', () => {
    const d = decideRegionPair(
      facts({ probes: { [PRIMARY]: down(20), [BACKUP]: up() }, fencing: held(record(PRIMARY, 3), 1500) }),
      T0,
    );
    expect(d).toMatchObject({ action: 'Hold', cause: 'PartitionSuspected' });
    expect(d.reason).toBe(
      'us-east: 20 failed probes in a row (last: HTTP 503); error rate 100.0% of the last 20 probes > 5.0%, but us-east renewed its heartbeat 2s ago and reports itself healthy: only this region lost sight of it (a partition, not an outage); holding',
    );
  });

  it('holds when the heartbeat lapsed but its own checks see the primary up (one view is not enough)', () => {
    const d = decideRegionPair(facts({ fencing: held(record(PRIMARY), 60_000) }), T0);
    expect(d).toMatchObject({ action: 'Hold', cause: 'Standby' });
  });

  it('never fails over to a backup that is not healthy itself', () => {
    const d = decideRegionPair(
      facts({ probes: { [PRIMARY]: down(), [BACKUP]: down(2) }, fencing: held(record(PRIMARY), 30_000) }),
      T0,
    );
    expect(d).toMatchObject({ action: 'Hold', cause: 'TargetUnhealthy' });
    expect(d.reason).toContain('failover only to a healthy region');
  });

  it('holds on a cold start: too few fresh checks, or a heartbeat watched for less than the timeout', () => {
    const fewChecks = decideRegionPair(
      facts({
        probes: { [PRIMARY]: probed([false, false, false]), [BACKUP]: up() },
        fencing: held(record(PRIMARY), 60_000),
      }),
      T0,
    );
    expect(fewChecks).toMatchObject({ action: 'Hold', cause: 'ColdStart' });
    expect(fewChecks.reason).toContain('us-east: 3 of 5 fresh probes so far (cold start)');

    const shortWatch = decideRegionPair(
      facts({
        probes: { [PRIMARY]: down(), [BACKUP]: up() },
        fencing: { state: 'Held', record: record(PRIMARY), renewSeenAt: T0 - 4000, watchingSince: T0 - 4000 },
      }),
      T0,
    );
    expect(shortWatch).toMatchObject({ action: 'Hold', cause: 'ColdStart' });
    expect(shortWatch.reason).toContain("watched us-east's heartbeat for 4s of the 10s needed");
  });

  it('holds without the fencing record, and for a holder outside the pair', () => {
    expect(
      decideRegionPair(
        facts({
          probes: { [PRIMARY]: down() },
          fencing: { state: 'Unreadable', error: 'connect ECONNREFUSED' },
        }),
        T0,
      ),
    ).toMatchObject({ action: 'Hold', cause: 'FencingUnavailable' });
    expect(decideRegionPair(facts({ fencing: held(record('eu-west')) }), T0)).toMatchObject({
      action: 'Hold',
      cause: 'ForeignHolder',
    });
  });

  it('holds when this operator’s region is not in the pair', () => {
    expect(decideRegionPair(facts({ self: 'eu-west' }), T0)).toMatchObject({
      action: 'Hold',
      cause: 'NotInPair',
    });
  });

  it('lets the primary take the record back from a backup that is down, by the same two views', () => {
    const d = decideRegionPair(
      facts({
        self: PRIMARY,
        probes: { [PRIMARY]: up(), [BACKUP]: down() },
        fencing: held(record(BACKUP, 7), 20_000),
      }),
      T0,
    );
    expect(d).toMatchObject({ action: 'Failover', from: BACKUP, to: PRIMARY, epoch: 8 });
  });
});

describe('decideRegionPair: the first holder', () => {
  const absent = { state: 'Absent', watchingSince: T0 - 5000 } as const;

  it('the primary claims an unheld record at epoch 1 once it is up', () => {
    expect(decideRegionPair(facts({ self: PRIMARY, fencing: absent }), T0)).toMatchObject({
      action: 'Claim',
      to: PRIMARY,
      epoch: 1,
    });
    expect(
      decideRegionPair(facts({ self: PRIMARY, probes: { [PRIMARY]: up(2) }, fencing: absent }), T0),
    ).toMatchObject({ action: 'Hold', cause: 'ColdStart' });
  });

  it('the backup waits for the primary, and claims only after the primary was down for the whole timeout', () => {
    expect(decideRegionPair(facts({ fencing: absent }), T0)).toMatchObject({
      action: 'Hold',
      cause: 'AwaitingPrimary',
    });
    const primaryDown = { [PRIMARY]: down(), [BACKUP]: up() };
    expect(decideRegionPair(facts({ probes: primaryDown, fencing: absent }), T0)).toMatchObject({
      action: 'Hold',
      cause: 'AwaitingPrimary',
    });
    expect(
      decideRegionPair(
        facts({ probes: primaryDown, fencing: { state: 'Absent', watchingSince: T0 - 10_000 } }),
        T0,
      ),
    ).toMatchObject({ action: 'Claim', to: BACKUP, epoch: 1 });
  });
});

describe('decideRegionPair: failback', () => {
  const onBackup = (over: Parameters<typeof record>[2] = {}) =>
    held(record(BACKUP, 4, { acquireTime: new Date(T0 - 11 * 60_000).toISOString(), ...over }));

  it('the serving backup waits for the annotation when failback is manual', () => {
    const d = decideRegionPair(facts({ fencing: onBackup() }), T0);
    expect(d).toMatchObject({ action: 'Hold', cause: 'Serving' });
    expect(d.reason).toContain('kubectl annotate regionpair storefront autopilot.ventures/failback=now');
    expect(
      decideRegionPair(
        facts({ fencing: onBackup(), annotations: { 'autopilot.ventures/failback': 'now' } }),
        T0,
      ),
    ).toMatchObject({ action: 'OfferFailback', from: BACKUP, to: PRIMARY, epoch: 5 });
  });

  it('offers automatically only after healthyChecks and minimumHold', () => {
    const automatic = spec({ failback: { automatic: true, healthyChecks: 10, minimumHold: '10m' } });
    const at = (primaryChecks: number, heldMs: number) =>
      decideRegionPair(
        facts({
          spec: automatic,
          probes: { [PRIMARY]: up(primaryChecks), [BACKUP]: up() },
          fencing: onBackup({ acquireTime: new Date(T0 - heldMs).toISOString() }),
        }),
        T0,
      );
    expect(at(9, 11 * 60_000).reason).toContain(
      'failback after 10 healthy probes of us-east in a row, 9 so far',
    );
    expect(at(10, 9 * 60_000).reason).toContain('failback after 10m0s on us-west, 9m0s so far');
    expect(at(10, 10 * 60_000)).toMatchObject({ action: 'OfferFailback', epoch: 5 });
  });

  it('never offers while the primary is not up, annotation or not', () => {
    const d = decideRegionPair(
      facts({
        probes: { [PRIMARY]: down(), [BACKUP]: up() },
        fencing: onBackup(),
        annotations: { 'autopilot.ventures/failback': 'now' },
      }),
      T0,
    );
    expect(d).toMatchObject({ action: 'Hold', cause: 'Serving' });
  });

  it('the primary takes an offered record when it is up itself', () => {
    const offered = onBackup({ failbackOfferedTo: PRIMARY });
    expect(decideRegionPair(facts({ self: PRIMARY, fencing: offered }), T0)).toMatchObject({
      action: 'Failback',
      from: BACKUP,
      to: PRIMARY,
      epoch: 5,
    });
    expect(
      decideRegionPair(
        facts({ self: PRIMARY, probes: { [PRIMARY]: down(), [BACKUP]: up() }, fencing: offered }),
        T0,
      ),
    ).toMatchObject({ action: 'Hold', cause: 'TargetUnhealthy' });
  });
});

describe('decision ids', () => {
  const failing = facts({
    probes: { [PRIMARY]: down(), [BACKUP]: up() },
    fencing: held(record(PRIMARY, 3), 12_000),
  });

  it('are the same for the same move, whenever it is decided again (a restart acts once)', () => {
    const first = decideRegionPair(failing, T0);
    const again = decideRegionPair({ ...failing, probes: { [PRIMARY]: down(9), [BACKUP]: up() } }, T0 + 4000);
    expect(again.id).toBe(first.id);
    expect(first.id).toMatch(/^failover-[0-9a-f]{12}$/);
  });

  it('differ for another epoch, another pair, or another action', () => {
    const id = decideRegionPair(failing, T0).id;
    expect(decideRegionPair({ ...failing, fencing: held(record(PRIMARY, 4), 12_000) }, T0).id).not.toBe(id);
    expect(decideRegionPair({ ...failing, pair: { ...failing.pair, uid: 'uid-2' } }, T0).id).not.toBe(id);
    expect(decideRegionPair({ ...failing, fencing: held(record(PRIMARY, 3), 1000) }, T0).id).not.toBe(id);
  });

  it('of a run of holds with the same cause are one id', () => {
    const partition = facts({
      probes: { [PRIMARY]: down(), [BACKUP]: up() },
      fencing: held(record(PRIMARY, 3), 1000),
    });
    const a = decideRegionPair(partition, T0);
    const b = decideRegionPair({ ...partition, probes: { [PRIMARY]: down(8), [BACKUP]: up() } }, T0 + 3000);
    expect(a.id).toBe(b.id);
  });
});

describe('recordedDecision', () => {
  const failover = decideRegionPair(
    facts({ probes: { [PRIMARY]: down(), [BACKUP]: up() }, fencing: held(record(PRIMARY, 3), 12_000) }),
    T0,
  );

  it('takes its state from the mode, and an approval naming its id', () => {
    expect(recordedDecision(failover, 'Autonomous', undefined)).toEqual({
      id: failover.id,
      action: 'Failover',
      reason: failover.reason,
      state: 'Applied',
      decidedAt: failover.decidedAt,
      from: PRIMARY,
      to: BACKUP,
      epoch: 4,
    });
    expect(recordedDecision(failover, 'Observe', undefined).state).toBe('Recommended');
    expect(recordedDecision(failover, 'Supervised', 'failover-other').state).toBe('PendingApproval');
    expect(recordedDecision(failover, 'Supervised', failover.id).state).toBe('Applied');
  });

  it('keeps no hold cause nor detection time, and clips the reason to what status takes', () => {
    const hold = decideRegionPair(facts(), T0);
    const recorded = recordedDecision({ ...hold, reason: 'x'.repeat(5000) }, 'Observe', undefined);
    expect(recorded).not.toHaveProperty('cause');
    expect(recorded).not.toHaveProperty('from');
    expect(recorded.state).toBe('Applied');
    expect(recorded.reason.length).toBeLessThan(5000);
    expect(recordedDecision(failover, 'Autonomous', undefined)).not.toHaveProperty('detectedAt');
  });
});
