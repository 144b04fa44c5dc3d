// Safety invariants of the region engine over generated inputs (fast-check): two views before a failover,
// no failover in a partition, nothing on a cold start, epochs that only grow, moves only toward itself.
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { BACKUP, PRIMARY, T0, facts as baseFacts, probed, spec } from '../../../test/unit/region/facts.js';
import { decideRegionPair, type RegionPairFacts } from './decide.js';
import { heartbeatLapse, type FencingObservation } from './fencing.js';
import { judgeRegion, regionProbeRules } from './health.js';

const region = fc.constantFrom(PRIMARY, BACKUP);

// A region's probes: a window of successes and failures, judged by the shared summarizer.
const probes = fc.array(fc.boolean(), { maxLength: 30 });

const fencing: fc.Arbitrary<FencingObservation> = fc.oneof(
  fc.record({
    state: fc.constant('Absent' as const),
    watchingSince: fc.integer({ min: T0 - 60_000, max: T0 }),
  }),
  fc.record({ state: fc.constant('Unreadable' as const), error: fc.constant('connection refused') }),
  fc
    .record({
      holder: region,
      epoch: fc.integer({ min: 0, max: 1000 }),
      holderHealthy: fc.option(fc.boolean(), { nil: undefined }),
      offered: fc.boolean(),
      heldMs: fc.integer({ min: 0, max: 3_600_000 }),
      watchedMs: fc.integer({ min: 0, max: 120_000 }),
      silentMs: fc.integer({ min: 0, max: 120_000 }),
    })
    .map(({ holder, epoch, holderHealthy, offered, heldMs, watchedMs, silentMs }) => ({
      state: 'Held' as const,
      record: {
        holder,
        epoch,
        holderHealthy,
        failbackOfferedTo: offered ? PRIMARY : undefined,
        acquireTime: new Date(T0 - heldMs).toISOString(),
        resourceVersion: '1',
      },
      watchingSince: T0 - watchedMs,
      renewSeenAt: T0 - Math.min(silentMs, watchedMs),
    })),
);

const facts: fc.Arbitrary<RegionPairFacts> = fc
  .record({
    self: region,
    primaryProbes: probes,
    backupProbes: probes,
    fencing,
    automatic: fc.boolean(),
    healthyChecks: fc.integer({ min: 1, max: 20 }),
    failureThreshold: fc.integer({ min: 1, max: 8 }),
    timeoutS: fc.integer({ min: 3, max: 30 }),
    manual: fc.boolean(),
  })
  .map((f) => {
    const base = spec();
    const pairSpec = spec({
      healthCheck: { ...base.healthCheck, failureThreshold: f.failureThreshold },
      fencing: { ...base.fencing, heartbeatTimeout: `${f.timeoutS}s` },
      failback: { automatic: f.automatic, healthyChecks: f.healthyChecks, minimumHold: '10m' },
    });
    const rules = regionProbeRules(pairSpec);
    return baseFacts({
      self: f.self,
      spec: pairSpec,
      probes: { [PRIMARY]: probed(f.primaryProbes, rules), [BACKUP]: probed(f.backupProbes, rules) },
      fencing: f.fencing,
      annotations: f.manual ? { 'autopilot.ventures/failback': 'now' } : undefined,
    });
  });

const MOVES = ['Claim', 'Failover', 'Failback'];
const peerOf = (self: string) => (self === PRIMARY ? BACKUP : PRIMARY);
const judge = (f: RegionPairFacts, r: string) => judgeRegion(r, f.probes[r], f.spec, T0).state;
const timeoutMs = (f: RegionPairFacts) => Number(f.spec.fencing.heartbeatTimeout.slice(0, -1)) * 1000;
const runs = { numRuns: 5000 };

describe('region engine invariants', () => {
  it('moves only toward itself, at exactly one epoch above the record it read', () => {
    fc.assert(
      fc.property(facts, (f) => {
        const d = decideRegionPair(f, T0);
        const readEpoch = f.fencing.state === 'Held' ? f.fencing.record.epoch : 0;
        if (MOVES.includes(d.action)) {
          expect(d.to).toBe(f.self);
          expect(d.epoch).toBe(readEpoch + 1);
        }
        if (d.action === 'OfferFailback') {
          expect(f.self).toBe(BACKUP);
          expect(f.fencing.state === 'Held' && f.fencing.record.holder).toBe(BACKUP);
          expect(d.to).toBe(PRIMARY);
        }
      }),
      runs,
    );
  });

  it('fails over only on two views, from the holder, to a region that is up itself', () => {
    fc.assert(
      fc.property(facts, (f) => {
        const d = decideRegionPair(f, T0);
        if (d.action !== 'Failover') return;
        if (f.fencing.state !== 'Held') throw new Error('Failover without a holder');
        const peer = peerOf(f.self);
        expect(f.fencing.record.holder).toBe(peer);
        expect(judge(f, peer)).toBe('Down');
        expect(judge(f, f.self)).toBe('Up');
        const lapse = heartbeatLapse(f.fencing, peer, timeoutMs(f), T0);
        expect(lapse.tooEarly).toBe(false);
        expect(lapse.lapsed || f.fencing.record.holderHealthy === false).toBe(true);
      }),
      runs,
    );
  });

  it('never fails over from a holder that renews and reports itself healthy (a partition), and says so', () => {
    fc.assert(
      fc.property(facts, (f) => {
        if (f.fencing.state !== 'Held' || f.fencing.record.holder === f.self) return;
        const lapse = heartbeatLapse(f.fencing, f.fencing.record.holder, timeoutMs(f), T0);
        if (lapse.lapsed || lapse.tooEarly || f.fencing.record.holderHealthy === false) return;
        const d = decideRegionPair(f, T0);
        expect(d.action).not.toBe('Failover');
        const offered = f.fencing.record.failbackOfferedTo === f.self;
        if (!offered && judge(f, f.fencing.record.holder) === 'Down')
          expect(d.cause).toBe('PartitionSuspected');
      }),
      runs,
    );
  });

  it('moves nothing on a cold start (too few fresh checks of its own) or without the fencing record', () => {
    fc.assert(
      fc.property(facts, (f) => {
        const d = decideRegionPair(f, T0);
        const fresh = (r: string) => (f.probes[r]?.probes ?? 0) >= f.spec.healthCheck.failureThreshold;
        if (!fresh(f.self)) expect(MOVES).not.toContain(d.action);
        if (!fresh(peerOf(f.self))) expect(['Failover', 'OfferFailback']).not.toContain(d.action);
        if (f.fencing.state === 'Unreadable')
          expect(d).toMatchObject({ action: 'Hold', cause: 'FencingUnavailable' });
      }),
      runs,
    );
  });

  it('gives a move the same id whenever the same move is decided again', () => {
    fc.assert(
      fc.property(facts, fc.integer({ min: 1, max: 60_000 }), (f, later) => {
        const a = decideRegionPair(f, T0);
        const b = decideRegionPair(f, T0 + later);
        if (a.action === b.action && a.action !== 'Hold' && a.epoch === b.epoch) expect(b.id).toBe(a.id);
      }),
      runs,
    );
  });
});
