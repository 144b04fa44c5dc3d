// Replication plans: copy new and changed sources, delete orphaned mirrors, never touch what is not ours.
import { describe, expect, it } from '@jest/globals';
import {
  REPLICATED_FROM,
  SOURCE_VERSION,
  mirrorOf,
  planReplication,
  replicationSource,
  type ConfigObject,
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
