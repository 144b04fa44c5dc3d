// RegionPair's RBAC proven like the other kinds' (rbac.test.ts): the test cluster, with the chart installed
// (multiRegion.region us-west), is us-west's cluster, and us-west's operator runs as the chart's ServiceAccount
// beside us-east's cluster and operator and the DNS cluster from hack/lib/regionStack.ts. It reads the pair and
// its kubeconfig Secrets, records status, mirrors us-east's labelled ConfigMap and Secret (create, update,
// delete), fails over warming its Deployment (deployments/scale), writes Events, and after a manual failback
// removes the spent annotation, with no request refused. The other clusters are
// reached as the Secrets' identities, so only the chart's rules in us-west are under test here.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { awaitAnswer } from '../../../hack/lib/dns.js';
import {
  EAST,
  HOSTNAME,
  NS,
  PART_OF,
  startRegionStack,
  TARGETS,
  WEST,
  webDeployment,
  type RegionName,
  type RegionStack,
} from '../../../hack/lib/regionStack.js';
import type { KubeObject } from '../../../src/api/meta.js';
import { CONFIG_MAPS, DEPLOYMENTS, EVENTS, SECRETS } from '../../../src/api/resources.js';
import { REGION_PAIRS, type RegionPairResource } from '../../../src/api/v1alpha1/index.js';
import { REPLICATE_LABEL } from '../../../src/api/v1alpha1/regionPair.js';
import { installCrds, repoRoot } from '../support/crds.js';
import { uniqueName, waitFor } from '../support/kube.js';
import { kubectl } from '../support/kubectl.js';
import { condition, waitForPair as waitForPairIn } from '../support/regionPairs.js';
import {
  forbidden,
  installChart,
  startChartOperator,
  uninstallChart,
  type ChartOperator,
  type Release,
} from './harness.js';

const PREFIX = `rpc-${createHash('sha256').update(repoRoot).digest('hex').slice(0, 6)}`;
const PAIR = 'storefront';
const SELECTED = { [REPLICATE_LABEL]: 'true' };
const system = uniqueName('autopilot-regions');

let stack: RegionStack;
let release: Release;
let operator: ChartOperator;

const eventReasons = async () =>
  (
    await stack.clients[WEST].list<KubeObject & { reason: string; regarding: { name: string } }>(EVENTS, NS)
  ).items
    .filter((e) => e.regarding.name === PAIR)
    .map((e) => e.reason);

const waitForPair = (region: RegionName, what: string, accept: (p: RegionPairResource) => boolean) =>
  waitForPairIn(stack, PAIR, region, what, accept, 150_000);

beforeAll(async () => {
  stack = await startRegionStack(PREFIX, { backup: { name: 'e2e', kubeconfig: process.env.KUBECONFIG! } });
  console.log(`us-east's operator logs to ${stack.logDir}`);
  await stack.clients[EAST].apply(DEPLOYMENTS, webDeployment(3));
  await stack.clients[WEST].apply(DEPLOYMENTS, webDeployment(1));
  await stack.applyPair(PAIR, {
    warmup: { selector: PART_OF },
    replication: { enabled: true, selector: SELECTED, interval: '2s' },
  });
  release = await installChart('regions', system, { multiRegion: { region: WEST } });
  await stack.startOperator(EAST);
  operator = await startChartOperator(release, 'regions-local-0');
}, 900_000);

afterAll(async () => {
  operator?.child.kill('SIGKILL');
  await stack?.stop();
  if (release) await uninstallChart(release);
  await kubectl('delete', 'namespace', system, NS, '--wait=false', '--ignore-not-found');
  // Later tests install crds/ with kubectl, as they find them.
  await installCrds();
}, 300_000);

describe("us-west's operator as the chart ServiceAccount", () => {
  it('runs as the ServiceAccount, which may not read what no rule grants', async () => {
    const asOperator = (...args: string[]) => kubectl('--kubeconfig', operator.kubeconfig, ...args);
    expect(await asOperator('auth', 'whoami', '-o', 'jsonpath={.status.userInfo.username}')).toBe(
      `system:serviceaccount:${system}:regions-autopilot`,
    );
    await expect(asOperator('get', 'persistentvolumeclaims', '-n', NS)).rejects.toThrow(/Forbidden/);
    expect(operator.env.AUTOPILOT_REGION).toBe(WEST);
  });

  it('stands by: reads the pair and its kubeconfig Secrets, records us-east’s replicas in status', async () => {
    const west = await waitForPair(
      WEST,
      'Standby with us-east’s replicas recorded',
      (p) => condition(p, 'Ready')?.reason === 'Standby' && p.status?.warmup?.region === EAST,
    );
    expect(west.status?.warmup?.deployments).toEqual([{ name: 'web', replicas: 3 }]);
    expect(west.status?.fencing).toMatchObject({ holder: EAST, epoch: 1 });
  }, 300_000);

  it('mirrors us-east’s labelled ConfigMap and Secret into its namespace, updates and deletes the mirrors', async () => {
    const east = stack.clients[EAST];
    const source = (data: Record<string, string>) => ({
      metadata: { name: 'settings', namespace: NS, labels: SELECTED },
      data,
    });
    await east.apply(CONFIG_MAPS, source({ mode: 'fast' }));
    await east.apply(SECRETS, source({ token: Buffer.from('s3cret').toString('base64') }));
    const mirror = (
      type: typeof CONFIG_MAPS,
      what: string,
      accept: (m?: { data?: Record<string, string> }) => boolean,
    ) =>
      waitFor(
        `${what} in us-west`,
        async () => {
          const found = await stack.clients[WEST].find<KubeObject & { data?: Record<string, string> }>(
            type,
            NS,
            'settings',
          );
          return accept(found) ? true : undefined;
        },
        { timeoutMs: 90_000, intervalMs: 250 },
      );
    await mirror(CONFIG_MAPS, 'the ConfigMap mirrored', (m) => m?.data?.mode === 'fast');
    await mirror(SECRETS, 'the Secret mirrored', (m) => m?.data?.token !== undefined);
    await east.apply(CONFIG_MAPS, source({ mode: 'safe' }));
    await mirror(CONFIG_MAPS, 'the ConfigMap’s mirror updated', (m) => m?.data?.mode === 'safe');
    await east.delete(CONFIG_MAPS, NS, 'settings');
    await east.delete(SECRETS, NS, 'settings');
    await mirror(CONFIG_MAPS, 'the ConfigMap’s mirror deleted', (m) => m === undefined);
    await mirror(SECRETS, 'the Secret’s mirror deleted', (m) => m === undefined);
  }, 300_000);

  it('fails over: warms web through deployments/scale before DNS moves, tells it in Events', async () => {
    stack.eastOutage(true);
    await awaitAnswer(stack.dns.resolver, HOSTNAME, (a) => a.join() === TARGETS[WEST], {
      timeoutMs: 150_000,
    });
    const west = await waitForPair(
      WEST,
      'the failover Applied',
      (p) => p.status?.lastDecision?.action === 'Failover' && p.status.lastDecision.state === 'Applied',
    );
    expect(west.status?.lastFailover).toMatchObject({ from: EAST, to: WEST, epoch: 2 });
    expect(west.status?.lastFailover?.notWarmed).toBeUndefined();
    expect(
      (await stack.clients[WEST].get<KubeObject & { spec: { replicas: number } }>(DEPLOYMENTS, NS, 'web'))
        .spec.replicas,
    ).toBe(3);
    expect(await eventReasons()).toEqual(expect.arrayContaining(['FailoverStarted', 'RegionFailover']));
  }, 300_000);

  it('fails back when asked and removes the spent annotation from its RegionPair', async () => {
    stack.eastOutage(false);
    await waitForPair(
      WEST,
      'us-east healthy again',
      (p) => p.status?.regions?.some((r) => r.name === EAST && r.healthy) ?? false,
    );
    await stack.clients[WEST].mergePatch(REGION_PAIRS, NS, PAIR, {
      metadata: { annotations: { 'autopilot.ventures/failback': 'now' } },
    });
    await awaitAnswer(stack.dns.resolver, HOSTNAME, (a) => a.join() === TARGETS[EAST], {
      timeoutMs: 150_000,
    });
    await waitForPair(
      WEST,
      'the failback annotation spent',
      (p) => p.metadata.annotations?.['autopilot.ventures/failback'] === undefined,
    );
    expect(await eventReasons()).toContain('FailbackOffered');
  }, 300_000);

  it('was refused nothing, in its log or its API request metrics', async () => {
    expect(await forbidden(operator)).toEqual([]);
  });
});
