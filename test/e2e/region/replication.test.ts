// Configuration replication across two local regions: the backup's operator mirrors the primary's labelled
// ConfigMaps and Secrets (create, update, delete) with the lag in status and a histogram, never copies an
// unlabelled one, never overwrites or deletes an object of its own, reports a write Kubernetes refuses,
// deletes nothing from a failed listing, and copies nothing while it serves itself.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { portableKubeconfig, putKubeconfigSecret } from '../../../hack/lib/regions.js';
import {
  EAST,
  NS,
  startRegionStack,
  WEST,
  type RegionName,
  type RegionOperator,
  type RegionStack,
} from '../../../hack/lib/regionStack.js';
import type { KubeObject } from '../../../src/api/meta.js';
import { CONFIG_MAPS, EVENTS, SECRETS } from '../../../src/api/resources.js';
import { REGION_PAIRS, type RegionPairResource } from '../../../src/api/v1alpha1/index.js';
import { REPLICATE_LABEL } from '../../../src/api/v1alpha1/regionPair.js';
import { REPLICATED_FROM } from '../../../src/engine/region/replication.js';
import { repoRoot } from '../support/crds.js';
import { sumMetric } from '../support/operator.js';
import { waitFor } from '../support/wait.js';

const PREFIX = `rpr-${createHash('sha256').update(repoRoot).digest('hex').slice(0, 6)}`;
const PAIR = 'storefront';
const SELECTED = { [REPLICATE_LABEL]: 'true' };
const LAG = 'autopilot_region_replication_lag_seconds';

interface Config extends KubeObject {
  data?: Record<string, string>;
  type?: string;
}
interface Event extends KubeObject {
  reason: string;
  note: string;
  regarding: { name: string };
}

let stack: RegionStack;
const operators = {} as Record<RegionName, RegionOperator>;

const b64 = (text: string) => Buffer.from(text).toString('base64');
const configMap = (
  name: string,
  data: Record<string, string>,
  labels: Record<string, string> = SELECTED,
) => ({
  metadata: { name, namespace: NS, labels },
  data,
});
const secret = (name: string, data: Record<string, string>) => ({
  metadata: { name, namespace: NS, labels: SELECTED },
  type: 'Opaque',
  data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, b64(v)])),
});
const find = (region: RegionName, kind: 'ConfigMap' | 'Secret', name: string) =>
  stack.clients[region].find<Config>(kind === 'ConfigMap' ? CONFIG_MAPS : SECRETS, NS, name);
const pair = (region: RegionName) => stack.clients[region].get<RegionPairResource>(REGION_PAIRS, NS, PAIR);
const replicated = (p: RegionPairResource) =>
  p.status?.conditions?.find((c) => c.type === 'ConfigReplicated');
const events = async (region: RegionName, reason: string) =>
  (await stack.clients[region].list<Event>(EVENTS, NS)).items.filter(
    (e) => e.reason === reason && e.regarding.name === PAIR,
  );
const lagCount = async (kind: string) =>
  sumMetric(await (await fetch(`${operators[WEST].metricsUrl}/metrics`)).text(), `${LAG}_count`, { kind });

/** Waits until us-west's RegionPair satisfies `accept`; a timeout quotes its replication condition and status. */
const waitForWest = (what: string, accept: (p: RegionPairResource) => boolean, timeoutMs = 90_000) =>
  waitFor(
    `us-west's RegionPair: ${what}`,
    async () => {
      const p = await pair(WEST);
      if (accept(p)) return p;
      throw new Error(JSON.stringify({ condition: replicated(p), replication: p.status?.replication }));
    },
    { timeoutMs, intervalMs: 250 },
  );

/** Waits until `read` holds in us-west, e.g. a mirror's data; the timeout says what was there. */
const waitForMirror = <T>(what: string, read: () => Promise<T | undefined>) =>
  waitFor(`${what} in us-west`, read, { timeoutMs: 90_000, intervalMs: 250 });

/** Waits for a comparison that started after now: what was true before has been seen by it. */
async function nextComparison() {
  // lastSyncTime is when a comparison ended, by the operator's clock (one machine, one clock): the one
  // after the first to end after now started after now.
  const syncedAt = (p: RegionPairResource) => Date.parse(p.status?.replication?.lastSyncTime ?? '');
  const since = Date.now();
  const first = syncedAt(await waitForWest('a comparison ending after now', (p) => syncedAt(p) > since));
  await waitForWest('the comparison after it', (p) => syncedAt(p) > first);
}

beforeAll(async () => {
  stack = await startRegionStack(PREFIX);
  console.log(`region operators log to ${stack.logDir}`);
  const east = stack.clients[EAST];
  await east.apply(CONFIG_MAPS, configMap('settings', { mode: 'fast', limit: '10' }));
  await east.apply(SECRETS, secret('api-token', { token: 's3cret' }));
  await east.apply(CONFIG_MAPS, configMap('east-only', { scratch: 'yes' }, {}));
  // us-west's own labelled object with no source: a mirror never deletes what it did not create.
  await stack.clients[WEST].apply(CONFIG_MAPS, configMap('west-only', { mine: 'yes' }));
  await stack.applyPair(PAIR, { replication: { enabled: true, selector: SELECTED, interval: '2s' } });
  operators[EAST] = await stack.startOperator(EAST);
  operators[WEST] = await stack.startOperator(WEST);
}, 900_000);

afterAll(async () => {
  await stack?.stop();
}, 300_000);

describe('configuration replication from the primary to the backup', () => {
  it('mirrors the labelled ConfigMap and Secret, not the unlabelled one, with the lag in status and the histogram', async () => {
    const mirror = await waitForMirror('the ConfigMap settings', async () => {
      const cm = await find(WEST, 'ConfigMap', 'settings');
      return cm?.data ? cm : undefined;
    });
    expect(mirror.data).toEqual({ mode: 'fast', limit: '10' });
    expect(mirror.metadata.labels).toEqual(SELECTED);
    expect(mirror.metadata.annotations?.[REPLICATED_FROM]).toBe(EAST);
    const token = await waitForMirror('the Secret api-token', () => find(WEST, 'Secret', 'api-token'));
    expect(token).toMatchObject({ type: 'Opaque', data: { token: b64('s3cret') } });

    const west = await waitForWest('ConfigReplicated=True', (p) => replicated(p)?.status === 'True');
    expect(replicated(west)?.reason).toBe('Replicated');
    const status = west.status!.replication!;
    expect(status).toMatchObject({ from: EAST, to: WEST, objects: 2 });
    expect(status.lagSeconds).toBeGreaterThanOrEqual(0);
    expect(status.maxLagSeconds).toBeGreaterThanOrEqual(status.lagSeconds!);
    expect(status.conflicts).toBeUndefined();
    expect(await lagCount('ConfigMap')).toBe(1);
    expect(await lagCount('Secret')).toBe(1);

    await nextComparison();
    expect(await find(WEST, 'ConfigMap', 'east-only')).toBeUndefined();
    expect((await find(WEST, 'ConfigMap', 'west-only'))?.data).toEqual({ mine: 'yes' });
    // Unchanged sources are not written again.
    expect(await lagCount('ConfigMap')).toBe(1);
    // The primary pulls nothing and says nothing about it.
    expect(replicated(await pair(EAST))).toBeUndefined();
  }, 300_000);

  it('carries an update over, and a delete', async () => {
    await stack.clients[EAST].apply(CONFIG_MAPS, configMap('settings', { mode: 'safe' }));
    const updated = await waitForMirror('the updated settings', async () => {
      const cm = await find(WEST, 'ConfigMap', 'settings');
      return cm?.data?.mode === 'safe' ? cm : undefined;
    });
    expect(updated.data).toEqual({ mode: 'safe' });
    await waitFor('the update timed', async () => ((await lagCount('ConfigMap')) === 2 ? true : undefined));

    await stack.clients[EAST].delete(SECRETS, NS, 'api-token');
    await waitForMirror('the Secret api-token gone', async () =>
      (await find(WEST, 'Secret', 'api-token')) ? undefined : true,
    );
    const west = await waitForWest('one object mirrored', (p) => p.status?.replication?.objects === 1);
    expect(replicated(west)?.status).toBe('True');
    // Deletions are not timed: the source is gone and carries no time.
    expect(await lagCount('Secret')).toBe(1);
  }, 180_000);

  it('never overwrites an object of the backup’s own that has a source’s name, reports it, and lets the copy in once it is gone', async () => {
    await stack.clients[WEST].apply(CONFIG_MAPS, configMap('checkout', { owner: 'us-west' }, {}));
    await stack.clients[EAST].apply(CONFIG_MAPS, configMap('checkout', { owner: 'us-east' }));
    const west = await waitForWest(
      'ConfigReplicated=False MirrorNameTaken',
      (p) => replicated(p)?.reason === 'MirrorNameTaken',
    );
    expect(replicated(west)).toMatchObject({ status: 'False' });
    expect(replicated(west)?.message).toContain('ConfigMap/checkout exists here and was not replicated');
    expect(west.status?.replication?.conflicts).toEqual(['ConfigMap/checkout']);
    expect((await events(WEST, 'MirrorNameTaken')).length).toBeGreaterThanOrEqual(1);
    await nextComparison();
    const own = await find(WEST, 'ConfigMap', 'checkout');
    expect(own?.data).toEqual({ owner: 'us-west' });
    expect(own?.metadata.annotations?.[REPLICATED_FROM]).toBeUndefined();

    await stack.clients[WEST].delete(CONFIG_MAPS, NS, 'checkout');
    await waitForMirror('us-east’s checkout', async () => {
      const cm = await find(WEST, 'ConfigMap', 'checkout');
      return cm?.data?.owner === 'us-east' ? cm : undefined;
    });
    const healed = await waitForWest('ConfigReplicated=True again', (p) => replicated(p)?.status === 'True');
    expect(healed.status?.replication?.conflicts).toBeUndefined();
  }, 180_000);

  it('reports a mirror Kubernetes refuses to write (a Secret whose type changed), and writes it once the old one is gone', async () => {
    const east = stack.clients[EAST];
    await east.apply(SECRETS, secret('typed', { v: '1' }));
    await waitForMirror('the Secret typed', () => find(WEST, 'Secret', 'typed'));
    // A Secret's type is immutable: the source recreated with another type cannot replace its mirror.
    await east.delete(SECRETS, NS, 'typed');
    await waitFor('the source gone', async () => ((await find(EAST, 'Secret', 'typed')) ? undefined : true));
    await east.create(SECRETS, NS, { ...secret('typed', { v: '2' }), type: 'autopilot.ventures/custom' });
    const west = await waitForWest(
      'ConfigReplicated=False MirrorWriteFailed',
      (p) => replicated(p)?.reason === 'MirrorWriteFailed',
    );
    expect(replicated(west)?.message).toContain('Secret/typed');
    expect(replicated(west)?.message).toContain('immutable');
    expect(west.status?.replication?.lastError).toContain('Secret/typed');
    expect((await events(WEST, 'MirrorWriteFailed')).length).toBeGreaterThanOrEqual(1);
    expect(await find(WEST, 'Secret', 'typed')).toMatchObject({ type: 'Opaque', data: { v: b64('1') } });

    await stack.clients[WEST].delete(SECRETS, NS, 'typed');
    await waitForMirror('the Secret typed with its new type', async () => {
      const mirror = await find(WEST, 'Secret', 'typed');
      return mirror?.type === 'autopilot.ventures/custom' ? mirror : undefined;
    });
    const healed = await waitForWest('ConfigReplicated=True again', (p) => replicated(p)?.status === 'True');
    expect(healed.status?.replication?.lastError).toBeUndefined();
  }, 180_000);

  it('deletes nothing while it cannot list the primary, says what to fix, and catches up once it can', async () => {
    const ref = { name: `${EAST}-kubeconfig`, key: 'kubeconfig' };
    await putKubeconfigSecret(stack.regions.backup, NS, ref, 'not: a kubeconfig');
    await stack.clients[EAST].delete(CONFIG_MAPS, NS, 'settings');
    const west = await waitForWest(
      'ConfigReplicated=False KubeconfigInvalid',
      (p) => replicated(p)?.reason === 'KubeconfigInvalid',
    );
    expect(replicated(west)?.message).toContain(`Secret ${NS}/${ref.name}`);
    expect(replicated(west)?.message).toContain('nothing was changed here');
    expect(west.status?.replication?.lastError).toContain(`Secret ${NS}/${ref.name}`);
    const warnings = await events(WEST, 'ReplicationFailed');
    expect(warnings.map((e) => e.note)).toContainEqual(expect.stringContaining('KubeconfigInvalid'));
    // Several intervals later the mirror of the deleted source is still there.
    await new Promise((done) => setTimeout(done, 8_000));
    expect((await find(WEST, 'ConfigMap', 'settings'))?.data).toEqual({ mode: 'safe' });
    expect(replicated(await pair(WEST))?.reason).toBe('KubeconfigInvalid');

    await putKubeconfigSecret(stack.regions.backup, NS, ref, await portableKubeconfig(stack.regions.primary));
    await waitForMirror('the mirror of the deleted settings gone', async () =>
      (await find(WEST, 'ConfigMap', 'settings')) ? undefined : true,
    );
    const healed = await waitForWest('ConfigReplicated=True again', (p) => replicated(p)?.status === 'True');
    expect(healed.status?.replication?.lastError).toBeUndefined();
  }, 180_000);

  it('copies nothing while the backup serves, and resumes once the primary serves again', async () => {
    stack.eastOutage(true);
    await waitForWest('us-west serving', (p) => p.status?.activeRegion === WEST, 120_000);
    stack.eastOutage(false);
    await waitForWest(
      'ConfigReplicated=False BackupServing',
      (p) => replicated(p)?.reason === 'BackupServing',
    );
    await stack.clients[EAST].apply(CONFIG_MAPS, configMap('after-failover', { v: '1' }));
    await waitForWest(
      'us-east healthy again',
      (p) => p.status?.regions?.find((r) => r.name === EAST)?.healthy === true,
    );
    await new Promise((done) => setTimeout(done, 8_000));
    expect(await find(WEST, 'ConfigMap', 'after-failover')).toBeUndefined();
    expect(replicated(await pair(WEST))?.reason).toBe('BackupServing');
    // The mirrors stay while us-west serves: they are its configuration now.
    expect((await find(WEST, 'ConfigMap', 'checkout'))?.data).toEqual({ owner: 'us-east' });

    await stack.clients[WEST].mergePatch(REGION_PAIRS, NS, PAIR, {
      metadata: { annotations: { 'autopilot.ventures/failback': 'now' } },
    });
    await waitForMirror('after-failover, once us-east serves again', () =>
      find(WEST, 'ConfigMap', 'after-failover'),
    );
    await waitForWest('ConfigReplicated=True again', (p) => replicated(p)?.status === 'True');
  }, 300_000);
});
