import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { awaitAnswer } from '../../../hack/lib/dns.js';
import { freezeComponent } from '../../../hack/lib/localCluster.js';
import { regionClusterName } from '../../../hack/lib/regions.js';
import {
  EAST,
  HOSTNAME,
  NS,
  startRegionStack,
  TARGETS,
  WEST,
  type RegionName,
  type RegionOperator,
  type RegionStack,
} from '../../../hack/lib/regionStack.js';
import type { KubeObject } from '../../../src/api/meta.js';
import { DEPLOYMENTS } from '../../../src/api/resources.js';
import { REGION_PAIRS } from '../../../src/api/v1alpha1/index.js';
import { repoRoot } from '../support/crds.js';
import { sumMetric } from '../support/operator.js';
import { condition, decisionIn, pairView, type PairView } from '../support/regionPairs.js';
import { waitFor } from '../support/wait.js';

const PREFIX = `rpf-${createHash('sha256').update(repoRoot).digest('hex').slice(0, 6)}`;
const PAIR = 'storefront';
const [EAST_IP, WEST_IP] = [TARGETS[EAST], TARGETS[WEST]];

interface Deployment extends KubeObject {
  spec: { replicas: number };
}

let stack: RegionStack;
const operators = {} as Record<RegionName, RegionOperator>;
let pair: PairView['read'];
let answer: PairView['answer'];
let events: PairView['events'];
let epochOf: PairView['fencing'];
let waitForPair: PairView['waitFor'];

const deployment = (name: string, replicas: number, schedulable = true) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name, namespace: NS, labels: { 'app.kubernetes.io/part-of': 'storefront' } },
  spec: {
    replicas,
    selector: { matchLabels: { app: name } },
    template: {
      metadata: { labels: { app: name } },
      spec: {
        containers: [{ name: 'app', image: 'example/shop:1' }],
        // No node carries this label: the Pod is never scheduled, so never ready.
        ...(!schedulable && { nodeSelector: { 'autopilot.test/never': 'true' } }),
      },
    },
  },
});

const startRegionOperator = (region: RegionName) => stack.startOperator(region, ['--default-mode=Observe']);
const scrape = async (operator: RegionOperator) => (await fetch(`${operator.metricsUrl}/metrics`)).text();

beforeAll(async () => {
  stack = await startRegionStack(PREFIX);
  ({ read: pair, answer, events, fencing: epochOf, waitFor: waitForPair } = pairView(stack, PAIR));
  console.log(`region operators log to ${stack.logDir}`);
  const { clients } = stack;
  // us-east runs the shop at 3 replicas, us-west idles at 1; us-west also has a Deployment that never
  // becomes ready, so a warm-up lasts until the objective's deadline (time to kill an operator in it).
  await clients[EAST].apply(DEPLOYMENTS, deployment('web', 3));
  await clients[WEST].apply(DEPLOYMENTS, deployment('web', 1));
  await clients[WEST].apply(DEPLOYMENTS, deployment('stuck', 1, false));
  // The same RegionPair in both clusters (from Git), except how us-west reaches us-east's endpoint.
  await stack.applyPair(PAIR, { warmup: { selector: { 'app.kubernetes.io/part-of': 'storefront' } } });
  operators[EAST] = await startRegionOperator(EAST);
  operators[WEST] = await startRegionOperator(WEST);
}, 900_000);

afterAll(async () => {
  await stack?.stop();
}, 300_000);

describe('a RegionPair across three clusters', () => {
  it('lets the primary claim the fencing record and publish its target; the backup stands by and records the replicas to warm to', async () => {
    await waitFor(
      'CoreDNS to answer with us-east',
      async () => ((await answer()).join() === EAST_IP ? true : undefined),
      {
        timeoutMs: 120_000,
      },
    );
    expect(await epochOf()).toEqual({ holder: EAST, epoch: 1 });
    const east = await waitForPair(
      EAST,
      'Ready=True Serving',
      (p) => condition(p, 'Ready')?.reason === 'Serving',
    );
    expect(east.status).toMatchObject({
      region: EAST,
      activeRegion: EAST,
      phase: 'Primary',
      fencing: { holder: EAST, epoch: 1 },
    });
    expect(east.status?.lastFailover).toMatchObject({ to: EAST, epoch: 1 });
    expect(Date.parse(east.status!.lastFailover!.dnsAnsweringAt!)).toBeGreaterThanOrEqual(
      Date.parse(east.status!.lastFailover!.dnsWrittenAt!),
    );
    const west = await waitForPair(
      WEST,
      'Standby with us-east’s replicas recorded',
      (p) => condition(p, 'Ready')?.reason === 'Standby' && p.status?.warmup?.region === EAST,
    );
    expect(west.status?.warmup?.deployments).toEqual([{ name: 'web', replicas: 3 }]);
    expect(west.status?.fencing).toMatchObject({ holder: EAST, epoch: 1, holderHealthy: true });
    expect(west.status?.fencing?.lapsed).not.toBe(true);
  }, 300_000);

  it('holds when only the backup loses sight of a primary that keeps renewing (a partition), and says why', async () => {
    stack.eastSeenFromWest.health({ status: 503 });
    const west = await waitForPair(
      WEST,
      'PartitionSuspected',
      (p) => condition(p, 'Ready')?.reason === 'PartitionSuspected',
    );
    expect(condition(west, 'Ready')).toMatchObject({ status: 'False' });
    expect(condition(west, 'Ready')?.message).toContain('reports itself healthy');
    // Several heartbeat timeouts later nothing has moved.
    await new Promise((done) => setTimeout(done, 10_000));
    expect(await answer()).toEqual([EAST_IP]);
    expect(await epochOf()).toEqual({ holder: EAST, epoch: 1 });
    expect((await events(WEST, 'PartitionSuspected')).length).toBeGreaterThanOrEqual(1);
    stack.eastSeenFromWest.health({});
    await waitForPair(WEST, 'Standby again', (p) => condition(p, 'Ready')?.reason === 'Standby');
  }, 180_000);

  it('fails over when both views agree: warms the backup first, writes DNS once even when its operator is killed mid-move, and measures it', async () => {
    stack.eastOutage(true);
    const moving = await waitForPair(
      WEST,
      'the failover fenced and warming',
      (p) => p.status?.lastDecision?.state === 'Applying' && !!p.status.lastFailover?.fencedAt,
    );
    expect(moving.status?.lastDecision).toMatchObject({ action: 'Failover', from: EAST, to: WEST, epoch: 2 });
    expect(moving.status?.lastFailover?.dnsWrittenAt).toBeUndefined();
    expect(await answer()).toEqual([EAST_IP]);
    // Killed between recording the move and finishing it; the new process starts with empty probe windows.
    operators[WEST].child.kill('SIGKILL');
    await operators[WEST].exited;
    operators[WEST] = await startRegionOperator(WEST);

    const { at } = await awaitAnswer(stack.dns.resolver, HOSTNAME, (a) => a.join() === WEST_IP, {
      timeoutMs: 120_000,
    });
    const switchedAt = Date.now() - (performance.now() - at);
    const west = await waitForPair(
      WEST,
      'the failover Applied',
      (p) => !!decisionIn(p, (d) => d.action === 'Failover' && d.state === 'Applied'),
    );
    const move = west.status!.lastFailover!;
    expect(move).toMatchObject({
      decisionId: moving.status!.lastDecision!.id,
      from: EAST,
      to: WEST,
      epoch: 2,
      notWarmed: ['stuck'],
    });
    const times = [
      'detectedAt',
      'decidedAt',
      'fencedAt',
      'warmedAt',
      'dnsWrittenAt',
      'dnsAnsweringAt',
    ] as const;
    const stamps = times.map((t) => Date.parse(move[t]!));
    expect(stamps).toEqual([...stamps].sort((a, b) => a - b));
    expect(move.durationSeconds).toBeGreaterThan(0);
    // Warmed before the DNS changed: us-west's web runs us-east's 3 replicas.
    const web = await stack.clients[WEST].get<Deployment>(DEPLOYMENTS, NS, 'web');
    expect(web.spec.replicas).toBe(3);
    expect(await epochOf()).toEqual({ holder: WEST, epoch: 2 });
    expect(west.status).toMatchObject({ activeRegion: WEST, phase: 'Backup', failovers: 1 });
    // Once: one start and one end, across the restart.
    expect(await events(WEST, 'FailoverStarted')).toHaveLength(1);
    expect(await events(WEST, 'RegionFailover')).toHaveLength(1);
    console.log(
      `failover with a restart mid-warm-up: detected → CoreDNS answering ${move.durationSeconds} s by the operator's clock; ` +
        `the test's resolver saw the change ${((switchedAt - Date.parse(move.detectedAt)) / 1000).toFixed(1)} s after detection`,
    );
    // The warm-up waited for the never-ready Deployment until the objective: the miss is told.
    expect(await events(WEST, 'FailoverObjectiveMissed')).toHaveLength(move.durationSeconds! > 30 ? 1 : 0);
    expect(
      sumMetric(await scrape(operators[WEST]), 'autopilot_region_failover_duration_seconds_count', {
        action: 'Failover',
      }),
    ).toBe(1);
    // us-east, down by its own checks, stands by without taking the record back.
    await waitForPair(EAST, 'us-east sees us-west active', (p) => p.status?.activeRegion === WEST);
  }, 300_000);

  it('fails back only when asked, through the same fencing, and spends the request', async () => {
    stack.eastOutage(false);
    await waitForPair(
      WEST,
      'us-east healthy again',
      (p) => p.status?.regions?.find((r) => r.name === EAST)?.healthy === true,
    );
    await new Promise((done) => setTimeout(done, 5_000));
    expect(await answer()).toEqual([WEST_IP]); // failback is manual in this pair
    await stack.clients[WEST].mergePatch(REGION_PAIRS, NS, PAIR, {
      metadata: { annotations: { 'autopilot.ventures/failback': 'now' } },
    });
    await awaitAnswer(stack.dns.resolver, HOSTNAME, (a) => a.join() === EAST_IP, { timeoutMs: 120_000 });
    const east = await waitForPair(
      EAST,
      'the failback Applied',
      (p) => !!decisionIn(p, (d) => d.action === 'Failback' && d.state === 'Applied'),
    );
    expect(east.status?.lastFailover).toMatchObject({ from: WEST, to: EAST, epoch: 3 });
    expect(await epochOf()).toEqual({ holder: EAST, epoch: 3 });
    expect(await events(EAST, 'RegionFailback')).toHaveLength(1);
    await waitForPair(
      WEST,
      'the failback annotation spent',
      (p) => p.metadata.annotations?.['autopilot.ventures/failback'] === undefined,
    );
  }, 240_000);
  it('moves nothing while the DNS cluster is out of reach, even with the primary down', async () => {
    const before = await epochOf();
    // Frozen rather than killed: a killed API server's port can be taken by another process on a busy
    // machine before it restarts (seen: the operator then met a plain-HTTP server there).
    const restart = freezeComponent(regionClusterName(PREFIX, 'dns'), 'kube-apiserver');
    try {
      stack.eastOutage(true);
      for (const region of [EAST, WEST] as const) {
        const p = await waitForPair(
          region,
          'FencingAvailable=False',
          (q) => condition(q, 'FencingAvailable')?.status === 'False',
        );
        expect(condition(p, 'FencingAvailable')?.reason).toBe('ClusterUnreachable');
      }
      await waitForPair(
        WEST,
        'us-east seen down',
        (p) => p.status?.regions?.find((r) => r.name === EAST)?.healthy === false,
      );
      await new Promise((done) => setTimeout(done, 8_000));
      expect((await pair(WEST)).status?.lastDecision).toMatchObject({ action: 'Hold' });
      expect(await answer()).toEqual([TARGETS[before.holder as RegionName]]); // CoreDNS still serves what was published
    } finally {
      // us-east is seen healthy before the DNS cluster returns: the record's old renewTime must not read as a lapse.
      stack.eastOutage(false);
      await waitForPair(
        WEST,
        'us-east seen healthy again',
        (p) => p.status?.regions?.find((r) => r.name === EAST)?.healthy === true,
      ).finally(restart);
    }
    await waitForPair(
      WEST,
      'FencingAvailable=True and Standby',
      (p) =>
        condition(p, 'FencingAvailable')?.status === 'True' && condition(p, 'Ready')?.reason === 'Standby',
    );
    expect(await epochOf()).toEqual(before);
  }, 240_000);
});
