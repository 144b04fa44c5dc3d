// FallbackProtocol's modes end to end: in Observe a failover is recommended and nothing moves; in
// Supervised it waits for the approval annotation, moves once when approved, and `autopilot plan` shows
// the same pending decision the operator recorded.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { closeGateways } from '../../../hack/lib/gateways.js';
import { installCrds } from '../support/crds.js';
import {
  FallbackNamespace,
  startFallbackOperator,
  startGatewaysOnOwnHosts,
  type Gateway,
} from '../support/fallback.js';
import { useNamespace } from '../support/kube.js';
import { autopilot, type OperatorProcess } from '../support/operator.js';

const ns = useNamespace('e2e-fbp-modes');
const protocols = new FallbackNamespace(ns);
let operator: OperatorProcess;
const gateways: Gateway[] = [];

beforeAll(async () => {
  await installCrds();
  operator = await startFallbackOperator(ns.name, 'fbp-modes-op');
}, 120_000);

afterAll(async () => {
  operator?.child.kill('SIGTERM');
  await operator?.exited;
  await closeGateways(gateways);
});

async function brokenPrimary(name: string, mode: string) {
  const started = await startGatewaysOnOwnHosts([`${name}-stripe`, `${name}-paypal`]);
  gateways.push(...started);
  await protocols.create(name, started, { mode });
  await protocols.warmedUp(name);
  started[0]!.behave({ status: 500 });
  return started;
}

describe('FallbackProtocol modes', () => {
  it('in Observe, recommends the failover and moves nothing', async () => {
    const [stripe] = await brokenPrimary('watched', 'Observe');
    const recommended = await protocols.until(
      'watched',
      'a Failover recommended',
      (p) => p.status?.lastDecision?.action === 'Failover' && p.status.lastDecision.state === 'Recommended',
    );
    const id = recommended.status!.lastDecision!.id;
    // More probes and reconciles: still on the primary, the same decision still only recommended.
    await new Promise((done) => setTimeout(done, 3_000));
    const later = await protocols.read('watched');
    expect(later.status!.activeTarget).toBe(stripe!.name);
    expect(later.status!.failovers ?? 0).toBe(0);
    expect((await protocols.routing('watched')).data?.target).toBe(stripe!.name);
    expect(later.status!.history!.filter((d) => d.id === id).map((d) => d.state)).toEqual(['Recommended']);
    const told = (await protocols.events('watched')).filter((e) => e.reason === 'DecisionRecommended');
    expect(told.length).toBeGreaterThanOrEqual(1);
    expect(told[0]!.note).toMatch(/^Failover \(Observe mode, not applied\): /);
  });

  it('in Supervised, waits for approval, shows it in `autopilot plan`, and moves once when approved', async () => {
    const [stripe, paypal] = await brokenPrimary('guarded', 'Supervised');
    const pending = await protocols.until(
      'guarded',
      'a Failover pending approval',
      (p) =>
        p.status?.lastDecision?.action === 'Failover' && p.status.lastDecision.state === 'PendingApproval',
    );
    const id = pending.status!.lastDecision!.id;
    const approveLine = `kubectl annotate fallbackprotocol guarded autopilot.ventures/approve=${id}`;
    const told = (await protocols.events('guarded')).filter((e) => e.reason === 'DecisionPendingApproval');
    expect(told.map((e) => e.note).some((note) => note.includes(approveLine))).toBe(true);
    expect((await protocols.routing('guarded')).data?.target).toBe(stripe!.name);

    const stdout = await autopilot('plan', '-n', ns.name);
    expect(stdout.split('\n').find((l) => l.includes(' guarded '))).toMatch(
      /^FallbackProtocol .*Failover\s+PendingApproval\s/,
    );

    await protocols.annotate('guarded', { 'autopilot.ventures/approve': id });
    const moved = await protocols.until(
      'guarded',
      'the approved Failover applied',
      (p) => p.status?.activeTarget === paypal!.name,
    );
    expect(moved.status!.failovers).toBe(1);
    expect(moved.status!.history!.filter((d) => d.action === 'Failover').map((d) => [d.id, d.state])).toEqual(
      [[id, 'Applied']],
    );
    expect((await protocols.routing('guarded')).data?.target).toBe(paypal!.name);
  });
});
