// Replication plans: copy new and changed sources, delete orphaned mirrors, never touch what is not ours;
// when the backup compares, how the lag is measured, and what status says afterwards.
import { describe, expect, it } from '@jest/globals';
import {
  REPLICATED_FROM,
  SOURCE_VERSION,
  mirrorOf,
  planReplication,
  replicationFailed,
  replicationGate,
  replicationLag,
  replicationReport,
  replicationSource,
  sourceChangedAt,
  type ConfigObject,
  type ReplicationPlan,
  type ReplicationView,
} from './replication.js';

const cm = (
  name: string,
  resourceVersion: string,
  data: Record<string, string> = { k: name },
): ConfigObject => ({
  kind: 'ConfigMap',
  name,
  resourceVersion,
  labels: { 'autopilot.ventures/replicate': 'true' },
  annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{}', team: 'shop' },
  data,
});

describe('planReplication', () => {
  it('copies new sources with their origin and version, without kubectl’s annotation', () => {
    const plan = planReplication([cm('a', '10')], [], 'us-east');
    expect(plan.apply).toEqual([
      {
        kind: 'ConfigMap',
        name: 'a',
        labels: { 'autopilot.ventures/replicate': 'true' },
        annotations: { team: 'shop', [REPLICATED_FROM]: 'us-east', [SOURCE_VERSION]: '10' },
        data: { k: 'a' },
        binaryData: undefined,
        type: undefined,
      },
    ]);
  });

  it('skips unchanged mirrors, copies changed ones, deletes orphans of the same origin only', () => {
    const local = [
      mirrorOf(cm('same', '10'), 'us-east'),
      mirrorOf(cm('changed', '10'), 'us-east'),
      mirrorOf(cm('gone', '3'), 'us-east'),
      mirrorOf(cm('elsewhere', '3'), 'eu-west'),
      { kind: 'Secret' as const, name: 'same', annotations: {} },
    ];
    const plan = planReplication([cm('same', '10'), cm('changed', '11')], local, 'us-east');
    expect(plan.unchanged).toBe(1);
    expect(plan.apply.map((o) => `${o.name}@${o.annotations?.[SOURCE_VERSION]}`)).toEqual(['changed@11']);
    expect(plan.remove).toEqual([{ kind: 'ConfigMap', name: 'gone' }]);
    expect(plan.conflicts).toEqual([]);
  });

  it('never overwrites a local object it did not create, and says how to fix it', () => {
    const plan = planReplication(
      [cm('settings', '5')],
      [{ kind: 'ConfigMap', name: 'settings', annotations: {} }],
      'us-east',
    );
    expect(plan.apply).toEqual([]);
    expect(plan.conflicts).toEqual([
      {
        kind: 'ConfigMap',
        name: 'settings',
        reason:
          "ConfigMap/settings exists here and was not replicated: rename it, or delete it to let us-east's copy in",
      },
    ]);
  });

  it('only the backup pulls, from the primary', () => {
    const regions = { primary: 'us-east', backup: 'us-west' };
    expect(replicationSource(regions, 'us-west')).toBe('us-east');
    expect(replicationSource(regions, 'us-east')).toBeUndefined();
  });
});

describe('replicationGate', () => {
  const view = (over: Partial<ReplicationView> = {}): ReplicationView => ({
    regions: { primary: 'us-east', backup: 'us-west' },
    self: 'us-west',
    enabled: true,
    intervalMs: 30_000,
    holder: 'us-east',
    primary: { state: 'Up', reason: 'us-east: 10/10 checks passed' },
    lastAttemptAt: undefined,
    ...over,
  });

  it('compares at once on a fresh start, then once per interval', () => {
    expect(replicationGate(view(), 1000)).toEqual({ state: 'Due', from: 'us-east' });
    expect(replicationGate(view({ lastAttemptAt: 1000 }), 30_999)).toEqual({ state: 'NotDue' });
    expect(replicationGate(view({ lastAttemptAt: 1000 }), 31_000)).toEqual({ state: 'Due', from: 'us-east' });
  });

  it('never pulls into the primary', () => {
    expect(replicationGate(view({ self: 'us-east' }), 0)).toEqual({ state: 'NotPulling' });
  });

  it('pauses, saying why, when disabled, while the backup serves, before the primary holds the record, or while it is not up', () => {
    const reason = (over: Partial<ReplicationView>) => {
      const gate = replicationGate(view(over), 0);
      return gate.state === 'Paused' ? [gate.reason, gate.message] : gate.state;
    };
    expect(reason({ enabled: false })).toEqual([
      'ReplicationDisabled',
      'spec.replication.enabled is false: nothing is mirrored',
    ]);
    expect(reason({ holder: 'us-west' })).toEqual([
      'BackupServing',
      'us-west serves (it holds the fencing record): nothing is mirrored from us-east until it serves again',
    ]);
    expect(reason({ holder: undefined })?.[0]).toBe('PrimaryNotServing');
    expect(reason({ primary: { state: 'Down', reason: 'us-east: 3 failed checks in a row' } })).toEqual([
      'PrimaryNotUp',
      "us-east is not up by this region's checks (us-east: 3 failed checks in a row): mirroring waits",
    ]);
    expect(reason({ primary: { state: 'Unknown', reason: 'too few checks' } })?.[0]).toBe('PrimaryNotUp');
  });
});

describe('the lag', () => {
  it('runs from the newest managedFields time (else the creation) to the mirror written, never below 0', () => {
    const changedAt = sourceChangedAt({
      creationTimestamp: '2026-11-30T15:00:00Z',
      managedFields: [{ time: '2026-11-30T15:00:07Z' }, { time: '2026-11-30T15:00:03Z' }, {}],
    });
    expect(changedAt).toBe(Date.parse('2026-11-30T15:00:07Z'));
    expect(sourceChangedAt({ creationTimestamp: '2026-11-30T15:00:00Z' })).toBe(
      Date.parse('2026-11-30T15:00:00Z'),
    );
    expect(sourceChangedAt({})).toBeUndefined();
    expect(replicationLag(changedAt, changedAt! + 2500)).toBe(2.5);
    // The backup's clock behind the primary's: no negative lag.
    expect(replicationLag(changedAt, changedAt! - 800)).toBe(0);
    expect(replicationLag(undefined, 5)).toBeUndefined();
  });
});

describe('replicationReport', () => {
  const NOW = Date.parse('2026-11-30T15:10:00Z');
  const plan = (over: Partial<ReplicationPlan> = {}): ReplicationPlan => ({
    apply: [],
    remove: [],
    conflicts: [],
    unchanged: 0,
    ...over,
  });
  const outcome = (over: Partial<Parameters<typeof replicationReport>[1]> = {}) => ({
    from: 'us-east',
    to: 'us-west',
    plan: plan(),
    written: [],
    removed: 0,
    failures: [],
    ...over,
  });

  it('counts mirrors in place, keeps the largest lag of the round and of all rounds', () => {
    const first = replicationReport(
      undefined,
      outcome({ plan: plan({ unchanged: 2 }), written: [1.5, 4, undefined], removed: 1 }),
      NOW,
    );
    expect(first).toEqual({
      status: {
        from: 'us-east',
        to: 'us-west',
        objects: 5,
        lastSyncTime: '2026-11-30T15:10:00.000Z',
        lagSeconds: 4,
        maxLagSeconds: 4,
      },
      condition: {
        status: 'True',
        reason: 'Replicated',
        message: '5 object(s) mirrored from us-east: 3 written, 1 deleted now; last lag 4 s',
      },
    });
    // Nothing written: the last lag stands; a smaller one later keeps the largest.
    const quiet = replicationReport(first.status, outcome({ plan: plan({ unchanged: 5 }) }), NOW + 30_000);
    expect(quiet.status).toMatchObject({ objects: 5, lagSeconds: 4, maxLagSeconds: 4 });
    expect(replicationReport(quiet.status, outcome({ written: [0.5] }), NOW).status).toMatchObject({
      lagSeconds: 0.5,
      maxLagSeconds: 4,
    });
  });

  it('reports names taken here, and failed writes first, with what to do', () => {
    const conflicts = [
      { kind: 'ConfigMap' as const, name: 'settings', reason: 'ConfigMap/settings exists here…' },
    ];
    const taken = replicationReport(undefined, outcome({ plan: plan({ conflicts, unchanged: 1 }) }), NOW);
    expect(taken.status).toMatchObject({ objects: 1, conflicts: ['ConfigMap/settings'] });
    expect(taken.condition).toEqual({
      status: 'False',
      reason: 'MirrorNameTaken',
      message: 'ConfigMap/settings exists here…',
    });
    const failed = replicationReport(
      undefined,
      outcome({ plan: plan({ conflicts }), failures: ['Secret/token: forbidden'] }),
      NOW,
    );
    expect(failed.status.lastError).toBe('Secret/token: forbidden');
    expect(failed.condition).toMatchObject({ status: 'False', reason: 'MirrorWriteFailed' });
    expect(failed.condition.message).toContain('tried again in the next comparison: Secret/token: forbidden');
  });

  it('after a failed listing keeps the counts of the same source, says nothing changed, and forgets another source’s', () => {
    const before = replicationReport(undefined, outcome({ written: [2] }), NOW).status;
    expect(
      replicationFailed(before, { from: 'us-east', to: 'us-west' }, 'ClusterUnreachable', 'listing failed'),
    ).toEqual({
      status: { ...before, lastError: 'listing failed; nothing was changed here' },
      condition: {
        status: 'False',
        reason: 'ClusterUnreachable',
        message: 'listing failed; nothing was changed here',
      },
    });
    expect(
      replicationFailed(before, { from: 'eu-west', to: 'us-west' }, 'ClusterUnreachable', 'x').status,
    ).toEqual({ from: 'eu-west', to: 'us-west', objects: 0, lastError: 'x; nothing was changed here' });
  });
});
