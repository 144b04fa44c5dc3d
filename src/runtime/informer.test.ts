// The informer on the in-memory API server: list then watch into the cache, every change told to the
// handlers, a relist after 410 Gone (deletions missed meanwhile included), and backed-off restarts.
import { afterEach, describe, expect, it } from '@jest/globals';
import type { KubeObject } from '../api/meta.js';
import { CONFIG_MAPS } from '../api/resources.js';
import { ApiError } from './client.js';
import { Informer, type InformerEvent } from './informer.js';
import { FakeClient } from './testing/fakeClient.js';

const cm = (name: string, data: Record<string, string> = {}) => ({
  type: CONFIG_MAPS,
  object: { metadata: { name, namespace: 'ns' }, data } as KubeObject,
});
const settle = () => new Promise((done) => setTimeout(done, 10));

let stop: AbortController | undefined;
afterEach(() => stop?.abort());

function run(client: FakeClient) {
  const restarts: string[] = [];
  const informer = new Informer<KubeObject>(client, CONFIG_MAPS, {
    namespace: 'ns',
    observer: {
      relisted: () => restarts.push('relist'),
      watchRestarted: (_r, reason) => restarts.push(reason),
    },
  });
  const seen: [InformerEvent, string][] = [];
  informer.on((event, object) => seen.push([event, object.metadata.name]));
  stop = new AbortController();
  const done = informer.run(stop.signal);
  return { informer, seen, restarts, done };
}

describe('Informer', () => {
  it('lists into its cache, then keeps it current from the watch', async () => {
    const client = new FakeClient([cm('a'), cm('b')]);
    const { informer, seen } = run(client);
    await informer.waitForSync();
    expect(
      informer
        .list('ns')
        .map((o) => o.metadata.name)
        .sort(),
    ).toEqual(['a', 'b']);
    await settle();
    await client.create(CONFIG_MAPS, 'ns', { metadata: { name: 'c', namespace: 'ns' } });
    await client.mergePatch(CONFIG_MAPS, 'ns', 'a', { data: { k: 'v' } });
    await client.delete(CONFIG_MAPS, 'ns', 'b');
    expect(seen.slice(2)).toEqual([
      ['add', 'c'],
      ['update', 'a'],
      ['delete', 'b'],
    ]);
    expect(informer.get('ns', 'a')).toMatchObject({ data: { k: 'v' }, kind: 'ConfigMap', apiVersion: 'v1' });
    expect(informer.get('ns', 'b')).toBeUndefined();
  });

  it('relists after 410 Gone and tells the deletions it missed', async () => {
    const client = new FakeClient([cm('a'), cm('b')]);
    const { informer, seen, restarts } = run(client);
    await informer.waitForSync();
    await settle();
    // Gone while the watch was down: the relist is how the informer learns it.
    client.expireWatches(CONFIG_MAPS);
    await client.delete(CONFIG_MAPS, 'ns', 'b');
    await settle();
    expect(restarts).toEqual(['relist', 'expired', 'relist']);
    expect(seen).toContainEqual(['delete', 'b']);
    expect(informer.get('ns', 'b')).toBeUndefined();
  });

  it('restarts a failed watch with backoff and without losing its cache', async () => {
    const client = new FakeClient([cm('a')]);
    client.failWhen((r) => r.verb === 'watch', new ApiError(500, 'InternalError', 'etcd is down'), 1);
    const { informer, restarts } = run(client);
    await informer.waitForSync();
    // The first restart waits 0.5 s ± 20 %: poll until the second watch is open.
    for (let i = 0; i < 100 && client.requests.filter((r) => r.verb === 'watch').length < 2; i++)
      await settle();
    await settle();
    await client.create(CONFIG_MAPS, 'ns', { metadata: { name: 'late', namespace: 'ns' } });
    expect(restarts).toEqual(['relist', 'error']);
    expect(informer.get('ns', 'late')).toBeDefined();
    expect(informer.get('ns', 'a')).toBeDefined();
  });

  it('counts failures in a row for AUREA, and restart() lists afresh at once, skipping the backoff', async () => {
    const client = new FakeClient([cm('a')]);
    client.failWhen((r) => r.verb === 'watch', new ApiError(500, 'InternalError', 'etcd is down'), 2);
    const { informer } = run(client);
    await informer.waitForSync();
    await settle();
    expect(informer.consecutiveFailures).toBe(1);
    expect(informer.lastError).toMatch(/etcd is down/);
    const lists = () => client.requests.filter((r) => r.verb === 'list').length;
    informer.restart(); // during the 0.5 s backoff
    for (let i = 0; i < 20 && lists() < 2; i++) await settle();
    expect(lists()).toBe(2);
    // The second failure, then a watch that opens and delivers: the count is back to 0.
    for (let i = 0; i < 100 && client.requests.filter((r) => r.verb === 'watch').length < 3; i++)
      await settle();
    await settle();
    await client.create(CONFIG_MAPS, 'ns', { metadata: { name: 'b', namespace: 'ns' } });
    expect(informer.get('ns', 'b')).toBeDefined();
    expect(informer.consecutiveFailures).toBe(0);
  });
});

describe('Informer, when the server closes its watch early', () => {
  it('counts it as a restart and backs off instead of watching again at once', async () => {
    const client = new FakeClient([cm('a')]);
    const { informer, restarts } = run(client);
    await informer.waitForSync();
    await settle();
    client.closeWatches(CONFIG_MAPS);
    await settle();
    const watches = () => client.requests.filter((r) => r.verb === 'watch').length;
    expect(restarts).toEqual(['relist', 'closed']);
    expect(watches()).toBe(1); // not yet: the first restart waits 0.5 s ± 20 %
    for (let i = 0; i < 100 && watches() < 2; i++) await settle();
    expect(watches()).toBe(2);
  });
});
