// RegionPair faults across three clusters with real external-dns + CoreDNS: the primary's API server down
// with its endpoint (the second view is the lapsed heartbeat), a primary that flaps (before and after a
// failover) giving no flapping DNS, automatic failback after healthyChecks and minimumHold through the same
// fencing, and Supervised mode holding a failover for its approval annotation, then moving once.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { awaitAnswer } from '../../../hack/lib/dns.js';
import { freezeComponent } from '../../../hack/lib/localCluster.js';
import { regionClusterName } from '../../../hack/lib/regions.js';
import {
  EAST,
  NS,
  startRegionStack,
  TARGETS,
  WEST,
  HOSTNAME,
  PART_OF,
  webDeployment,
  type RegionStack,
} from '../../../hack/lib/regionStack.js';
import type { KubeObject } from '../../../src/api/meta.js';
import { DEPLOYMENTS } from '../../../src/api/resources.js';
import { REGION_PAIRS, type RegionPairResource } from '../../../src/api/v1alpha1/index.js';
import { APPROVE_ANNOTATION } from '../../../src/engine/mode.js';
import { repoRoot } from '../support/crds.js';
import { condition, decisionIn, pairView, sleep, type PairView } from '../support/regionPairs.js';
import { waitFor } from '../support/wait.js';

const PREFIX = `rpx-${createHash('sha256').update(repoRoot).digest('hex').slice(0, 6)}`;
const PAIR = 'checkout';
const [EAST_IP, WEST_IP] = [TARGETS[EAST], TARGETS[WEST]];
/** Failback once us-east passed 5 probes in a row and us-west held the record for 90 s (long enough to be seen waiting). */
const FAILBACK = { automatic: true, healthyChecks: 5, minimumHold: '90s' };
const SPEC: Partial<RegionPairResource['spec']> = { failback: FAILBACK, warmup: { selector: PART_OF } };

let stack: RegionStack;
let rp: PairView;
/** When us-west took the record in the failover (by its clock): minimumHold counts from there. */
let westAcquiredAt: number;

/** us-east's endpoint as both regions see it: every third probe fails, never two in a row. */
const flapEast = () => {
  for (const gateway of [stack.eastEndpoint, stack.eastSeenFromWest]) gateway.health({ failEvery: 3 });
};

interface Window {
  /** Every distinct CoreDNS answer in the order seen, repeats collapsed: one entry means no change. */
  answers: string[];
  /** us-west's decisions (action and state) recorded during the window, repeats collapsed. */
  westDecisions: string[];
  /** Most failed probes of us-east in a row us-west reported: proof the window saw the flapping. */
  eastFailuresSeen: number;
  /** DNSEndpoint spec generations and epochs written during the window (its first and last reading). */
  dnsEndpoint: { before: unknown; after: unknown };
}

/** Watches CoreDNS's answer, us-west's view and the DNSEndpoint for `ms`. */
async function observe(ms: number): Promise<Window> {
  const window: Window = {
    answers: [],
    westDecisions: [],
    eastFailuresSeen: 0,
    dnsEndpoint: { before: await rp.dnsEndpoint(), after: undefined },
  };
  const push = (list: string[], value: string) => list.at(-1) !== value && list.push(value);
  // The decision in status when the window opens was made before it (e.g. the failover just done).
  const made = (p: RegionPairResource) => `${p.status?.lastDecision?.id} ${p.status?.lastDecision?.state}`;
  const before = made(await rp.read(WEST));
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const answer = await rp.answer().catch(() => undefined); // a lookup lost to the load is no answer
    if (answer) push(window.answers, answer.join());
    const west = await rp.read(WEST);
    const decision = west.status?.lastDecision;
    if (decision && made(west) !== before) push(window.westDecisions, `${decision.action} ${decision.state}`);
    const east = west.status?.regions?.find((r) => r.name === EAST);
    window.eastFailuresSeen = Math.max(window.eastFailuresSeen, east?.consecutiveFailures ?? 0);
    await sleep(250);
  }
  window.dnsEndpoint.after = await rp.dnsEndpoint();
  return window;
}

beforeAll(async () => {
  stack = await startRegionStack(PREFIX);
  rp = pairView(stack, PAIR);
  console.log(`region operators log to ${stack.logDir}`);
  await stack.clients[EAST].apply(DEPLOYMENTS, webDeployment(3));
  await stack.clients[WEST].apply(DEPLOYMENTS, webDeployment(1));
  await stack.applyPair(PAIR, SPEC);
  await stack.startOperator(EAST);
  await stack.startOperator(WEST);
}, 900_000);

afterAll(async () => {
  await stack?.stop();
}, 300_000);

describe('RegionPair faults', () => {
  it('starts with us-east claiming the record and us-west standing by with its replicas recorded', async () => {
    await awaitAnswer(stack.dns.resolver, HOSTNAME, (a) => a.join() === EAST_IP, { timeoutMs: 180_000 });
    expect(await rp.fencing()).toEqual({ holder: EAST, epoch: 1 });
    await rp.waitFor(
      WEST,
      'Standby with us-east’s replicas recorded',
      (p) => condition(p, 'Ready')?.reason === 'Standby' && p.status?.warmup?.region === EAST,
      180_000,
    );
  }, 400_000);

  it('moves nothing while the serving primary fails now and then, below the thresholds', async () => {
    flapEast();
    try {
      const window = await observe(25_000);
      expect(window.eastFailuresSeen).toBeGreaterThanOrEqual(1);
      expect(window.answers).toEqual([EAST_IP]);
      expect(window.dnsEndpoint.after).toEqual(window.dnsEndpoint.before);
      expect(window.westDecisions.filter((d) => !d.startsWith('Hold'))).toEqual([]);
      expect(await rp.fencing()).toEqual({ holder: EAST, epoch: 1 });
    } finally {
      stack.eastOutage(false);
    }
  }, 120_000);

  it('fails over when the primary’s API server is down with its endpoint: the second view is its lapsed heartbeat', async () => {
    await rp.waitFor(WEST, 'Standby', (p) => condition(p, 'Ready')?.reason === 'Standby');
    // Frozen (SIGSTOP), not killed: it keeps its port, so the test can bring the same server back for sure.
    // us-east's operator reads its kubeconfig Secrets there on every reconcile, so it stops renewing.
    const thaw = freezeComponent(regionClusterName(PREFIX, 'primary'), 'kube-apiserver');
    try {
      stack.eastOutage(true);
      await awaitAnswer(stack.dns.resolver, HOSTNAME, (a) => a.join() === WEST_IP, {
        timeoutMs: 180_000,
      });
      const failover = (p: RegionPairResource) =>
        decisionIn(p, (d) => d.action === 'Failover' && d.state === 'Applied' && d.epoch === 2);
      const west = await rp.waitFor(WEST, 'the failover Applied', (p) => !!failover(p));
      expect(west.status?.lastFailover).toMatchObject({ from: EAST, to: WEST, epoch: 2 });
      expect(failover(west)?.reason).toContain(`${EAST} has not renewed its heartbeat`);
      expect(await rp.fencing()).toEqual({ holder: WEST, epoch: 2 });
      westAcquiredAt = await rp.acquiredAt();
      // Warmed from the replicas recorded while us-east was healthy: its API server was out of reach.
      const web = await stack.clients[WEST].get<KubeObject & { spec: { replicas: number } }>(
        DEPLOYMENTS,
        NS,
        'web',
      );
      expect(web.spec.replicas).toBe(3);
    } finally {
      thaw();
    }
    // us-east's operator, back with its API server, sees us-west serve and never takes the record back.
    await rp.waitFor(EAST, 'us-east sees us-west active', (p) => p.status?.activeRegion === WEST, 180_000);
    expect(await rp.fencing()).toEqual({ holder: WEST, epoch: 2 });
  }, 600_000);

  it('fails back to no primary that recovers only now and then: fewer healthy probes in a row than healthyChecks', async () => {
    flapEast();
    const window = await observe(25_000);
    expect(window.eastFailuresSeen).toBeGreaterThanOrEqual(1);
    expect(window.answers).toEqual([WEST_IP]);
    expect(window.dnsEndpoint.after).toEqual(window.dnsEndpoint.before);
    expect(window.westDecisions.filter((d) => !d.startsWith('Hold'))).toEqual([]);
    expect(await rp.fencing()).toEqual({ holder: WEST, epoch: 2 });
  }, 120_000);

  it('fails back automatically once the primary is healthy for healthyChecks and minimumHold passed, through the same fencing', async () => {
    stack.eastOutage(false);
    // us-east is proven (5 probes in a row) before us-west has held the record for 90 s: the hold is what waits.
    const holding = await rp.waitFor(WEST, 'waiting for minimumHold', (p) =>
      /failback after 1m30s on us-west/.test(condition(p, 'Ready')?.message ?? ''),
    );
    expect(holding.status?.lastDecision).toMatchObject({ action: 'Hold', state: 'Applied' });
    expect(await rp.answer()).toEqual([WEST_IP]);

    await awaitAnswer(stack.dns.resolver, HOSTNAME, (a) => a.join() === EAST_IP, {
      timeoutMs: 240_000,
    });
    const east = await rp.waitFor(
      EAST,
      'the failback Applied',
      (p) => !!decisionIn(p, (d) => d.action === 'Failback' && d.state === 'Applied'),
    );
    expect(east.status?.lastFailover).toMatchObject({ from: WEST, to: EAST, epoch: 3 });
    expect(await rp.fencing()).toEqual({ holder: EAST, epoch: 3 });
    const west = await rp.read(WEST);
    const offer = west.status?.history?.find((d) => d.action === 'OfferFailback');
    expect(offer).toBeDefined();
    // The offer came no sooner than minimumHold after us-west took the record (both by us-west's clock).
    expect(Date.parse(offer!.decidedAt) - westAcquiredAt).toBeGreaterThanOrEqual(90_000);
    expect(await rp.events(WEST, 'FailbackOffered')).not.toHaveLength(0);
    expect(await rp.events(EAST, 'RegionFailback')).toHaveLength(1);
  }, 400_000);

  it('in Supervised mode holds a failover as PendingApproval, names the approval line, and moves once when approved', async () => {
    await stack.applyPair(PAIR, { ...SPEC, mode: 'Supervised' });
    await rp.waitFor(WEST, 'Standby', (p) => condition(p, 'Ready')?.reason === 'Standby');
    const started = (await rp.events(WEST, 'FailoverStarted')).length;
    stack.eastOutage(true);
    const pending = await rp.waitFor(
      WEST,
      'a failover PendingApproval',
      (p) =>
        p.status?.lastDecision?.action === 'Failover' && p.status.lastDecision.state === 'PendingApproval',
      180_000,
    );
    const decision = pending.status!.lastDecision!;
    expect(decision).toMatchObject({ from: EAST, to: WEST, epoch: 4 });
    expect(condition(pending, 'Ready')).toMatchObject({ status: 'False', reason: 'FailoverPendingApproval' });
    const line = `kubectl annotate regionpair ${PAIR} ${APPROVE_ANNOTATION}=${decision.id}`;
    const told = await waitFor('the DecisionPendingApproval Event', async () =>
      (await rp.events(WEST, 'DecisionPendingApproval')).find((e) => e.note.includes(line)),
    );
    expect(told.note).toContain(decision.id);

    // Nothing moves while it waits.
    const waiting = await observe(10_000);
    expect(waiting.answers).toEqual([EAST_IP]);
    expect(waiting.dnsEndpoint.after).toEqual(waiting.dnsEndpoint.before);
    // Still pending (a hold in between, e.g. a slow probe of us-west, would be no move either).
    expect(
      waiting.westDecisions.filter((d) => !d.startsWith('Hold') && d !== 'Failover PendingApproval'),
    ).toEqual([]);
    expect(await rp.fencing()).toEqual({ holder: EAST, epoch: 3 });
    expect(await rp.events(WEST, 'FailoverStarted')).toHaveLength(started);

    await stack.clients[WEST].mergePatch(REGION_PAIRS, NS, PAIR, {
      metadata: { annotations: { [APPROVE_ANNOTATION]: decision.id } },
    });
    await awaitAnswer(stack.dns.resolver, HOSTNAME, (a) => a.join() === WEST_IP, {
      timeoutMs: 180_000,
    });
    const west = await rp.waitFor(
      WEST,
      'the approved failover Applied',
      (p) => !!decisionIn(p, (d) => d.id === decision.id && d.state === 'Applied'),
    );
    expect(west.status?.lastFailover).toMatchObject({ decisionId: decision.id, epoch: 4 });
    // Once: a few heartbeats later still epoch 4, one more start and end.
    const after = await observe(5_000);
    expect(after.answers).toEqual([WEST_IP]);
    expect(await rp.fencing()).toEqual({ holder: WEST, epoch: 4 });
    expect(await rp.events(WEST, 'FailoverStarted')).toHaveLength(started + 1);
    const done = (await rp.events(WEST, 'RegionFailover')).filter((e) => e.note.includes('at epoch 4'));
    expect(done).toHaveLength(1);
  }, 400_000);
});
