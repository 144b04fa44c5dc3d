// Status writes as merge patches: what the new status lacks, at any depth, is removed on the server.
import { describe, expect, it } from '@jest/globals';
import type { KubeObject } from '../api/meta.js';
import { CONFIG_MAPS } from '../api/resources.js';
import { mergePatchOf, patchStatus } from './objects.js';
import { FakeClient } from './testing/fakeClient.js';

type WithStatus = KubeObject & { status?: Record<string, unknown> };

describe('mergePatchOf', () => {
  it('nulls the keys the new value lacks or holds as undefined, at any depth, and sends lists whole', () => {
    const before = { a: 1, gone: 2, nested: { keep: 1, drop: 2 }, list: [1, 2], blank: 3 };
    const after = { a: 1, nested: { keep: 2 }, list: [3], blank: undefined, added: { x: 1 } };
    expect(mergePatchOf(before, after)).toEqual({
      a: 1,
      gone: null,
      nested: { keep: 2, drop: null },
      list: [3],
      blank: null,
      added: { x: 1 },
    });
  });
});

describe('patchStatus', () => {
  it('replaces a nested object, not merging the fields of the one it replaces into it', async () => {
    const stored: WithStatus = {
      metadata: { name: 'x', namespace: 'ns' },
      status: { lastDecision: { id: 'spawn-1', children: [{ name: 'c' }], sessions: ['s'] }, mean: 0.9 },
    };
    const client = new FakeClient([{ type: CONFIG_MAPS, object: stored }]);
    const current = client.peek<WithStatus>(CONFIG_MAPS, 'ns', 'x')!;
    await patchStatus(client, CONFIG_MAPS, current, { lastDecision: { id: 'hold-2' } });
    expect(client.peek<WithStatus>(CONFIG_MAPS, 'ns', 'x')!.status).toEqual({
      lastDecision: { id: 'hold-2' },
    });
  });
});
