// Invariants over generated populations (fast-check): the bounds always hold, and nothing is trained,
// spawned from or replaced on a missing or stale score.
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import {
  PopulationLimits,
  type AgentSpawnStatus,
  type SessionRecord,
} from '../../api/v1alpha1/agentSpawn.js';
import { isoTime } from '../format.js';
import { membersOf } from './agents.js';
import { commitDecision, decidePopulation, type PopulationDecision, type PopulationInput } from './cycle.js';
import { readScore } from './ranking.js';
import { agent, identity, NOW, spec } from './testing.js';

const MINUTE = 60_000;
const MAX_AGE = 5 * MINUTE;

/** `value` once in `n` draws, else undefined. */
const oneIn = <T>(n: number, value: T) =>
  fc.oneof(
    { arbitrary: fc.constant(undefined), weight: n - 1 },
    { arbitrary: fc.constant(value), weight: 1 },
  );

const arbAgent = (i: number) =>
  fc
    .record({
      score: fc.option(
        fc.oneof(
          { arbitrary: fc.integer({ min: 0, max: 100 }).map((x) => x / 100), weight: 8 },
          fc.constantFrom(NaN, 1.5, -0.1),
        ),
        { nil: undefined },
      ),
      age: fc.oneof(
        fc.integer({ min: 0, max: MAX_AGE }),
        fc.integer({ min: MAX_AGE + 1, max: 20 * MINUTE }),
        fc.constant(-2 * MINUTE),
      ),
      type: fc.constantFrom(undefined, 'sales'),
      child: fc.option(fc.integer({ min: 1, max: 4 }), { nil: undefined, freq: 2 }),
      trainer: fc.boolean(),
      phase: fc.oneof(
        { arbitrary: fc.constant('Running'), weight: 8 },
        fc.constant('Pending'),
        fc.constant('Succeeded'),
      ),
      deleting: oneIn(8, true),
      knowledge: fc.option(
        fc.dictionary(
          fc.constantFrom('a.1', 'a.2', 'b.1', 'b.2', 'hyperparameters'),
          fc.constantFrom('x', 'y', 'z'),
          { maxKeys: 5 },
        ),
        {
          nil: null,
        },
      ),
    })
    .map((o) =>
      agent(`agent-${i}`, o.score, {
        age: o.age,
        ...(o.type && { type: o.type }),
        ...(o.child && { child: { generation: o.child } }),
        trainer: o.trainer,
        phase: o.phase,
        deleting: o.deleting ?? false,
        knowledge: o.knowledge,
      }),
    );

const arbInput: fc.Arbitrary<PopulationInput> = fc
  .integer({ min: 0, max: 30 })
  .chain((n) =>
    fc.record({
      observations: fc.tuple(...Array.from({ length: n }, (_, i) => arbAgent(i))),
      maxConcurrentSessions: fc.integer({ min: 1, max: 6 }),
      maxPerCycle: fc.integer({ min: 1, max: 5 }),
      maxPopulation: fc.integer({ min: 1, max: 35 }),
      parentTiers: fc.constantFrom(['Excellent'], ['Excellent', 'Good'], ['Good']),
      exploit: fc.boolean(),
      maxReplacements: fc.integer({ min: 1, max: 3 }),
      running: fc.array(fc.tuple(fc.nat(n), fc.nat(n), fc.integer({ min: -20, max: 10 })), { maxLength: 4 }),
      failing: fc.array(fc.tuple(fc.nat(n), fc.integer({ min: 0, max: 120 })), { maxLength: 10 }),
      replacedAgo: fc.array(fc.integer({ min: 0, max: 240 }), { maxLength: 3 }),
      spawned: fc.nat(50),
      scoresUnavailable: oneIn(8, 'Prometheus refused the connection'),
      firstCycle: oneIn(4, true),
    }),
  )
  .map((g) => {
    const name = (i: number) => `agent-${i}`;
    const sessions: SessionRecord[] = g.running.map(([a, b, due], k) => ({
      id: `session-${k}`,
      trainer: name(a),
      trainee: name(b),
      agentType: 'marketing',
      type: 'KnowledgeTransfer',
      keys: ['a.1'],
      phase: 'Running',
      startedAt: isoTime(NOW - 10 * MINUTE),
      evaluateAfter: isoTime(NOW + due * MINUTE),
      trainerScore: 0.9,
      scoreBefore: 0.3,
    }));
    const status: AgentSpawnStatus = {
      sessions,
      spawned: g.spawned,
      failingChildren: g.failing.map(([i, ago]) => ({ name: name(i), since: isoTime(NOW - ago * MINUTE) })),
      replacedAt: g.replacedAgo.map((ago) => isoTime(NOW - ago * MINUTE)),
    };
    return {
      identity,
      spec: spec({
        training: { maxConcurrentSessions: g.maxConcurrentSessions },
        spawn: { maxPerCycle: g.maxPerCycle, maxPopulation: g.maxPopulation, parentTiers: g.parentTiers },
        exploit: { enabled: g.exploit, maxReplacements: g.maxReplacements },
      }),
      status,
      observations: g.observations,
      scoresUnavailable: g.scoresUnavailable,
      firstCycle: g.firstCycle ?? false,
      now: NOW,
    };
  });

/** Populations where exploit is on and half the reviewed names are fresh Failing children: replacements happen. */
const arbExploit: fc.Arbitrary<PopulationInput> = arbInput.map((input) => {
  const failing = new Set(
    (input.status?.failingChildren ?? []).filter((_, k) => k % 2 === 0).map((f) => f.name),
  );
  return {
    ...input,
    spec: { ...input.spec, exploit: { ...input.spec.exploit, enabled: true } },
    observations: input.observations.map((o, i) =>
      failing.has(o.name)
        ? agent(o.name, (i % 30) / 100, { child: { generation: 1 }, knowledge: o.knowledge ?? null })
        : o,
    ),
  };
});

const RUNS = { numRuns: 200, seed: 20261121 };
const of = <A extends PopulationDecision['action']>(decisions: PopulationDecision[], action: A) =>
  decisions.filter((d): d is Extract<PopulationDecision, { action: A }> => d.action === action);

describe('population invariants', () => {
  it('acts only on agents with a fresh score, and on nothing while scores are unavailable', () => {
    fc.assert(
      fc.property(arbInput, (input) => {
        const { decisions } = decidePopulation(input);
        const byName = new Map(input.observations.map((o) => [o.name, o]));
        const fresh = (name: string) => {
          const o = byName.get(name);
          return !!o && o.phase === 'Running' && !o.deleting && 'value' in readScore(o.score, NOW, MAX_AGE);
        };
        const touched = [
          ...of(decisions, 'Train').flatMap((d) =>
            d.sessions.flatMap((s) => [s.record.trainer, s.record.trainee]),
          ),
          ...[...of(decisions, 'Spawn'), ...of(decisions, 'Replace')].flatMap((d) =>
            d.children.map((c) => c.parent),
          ),
          ...of(decisions, 'Replace').flatMap((d) => d.replaced),
        ];
        expect(touched.filter((name) => !fresh(name))).toEqual([]);
        if (input.scoresUnavailable) expect(decisions.map((d) => d.action)).toEqual(['Hold']);
      }),
      RUNS,
    );
  });

  it('keeps sessions within maxConcurrentSessions, one per agent, within a type, weak trainee and leading trainer', () => {
    fc.assert(
      fc.property(arbInput, (input) => {
        const plan = decidePopulation(input);
        const started = of(plan.decisions, 'Train').flatMap((d) => d.sessions);
        const running = plan.status.sessions.filter((s) => s.phase === 'Running');
        const { training } = input.spec;
        if (started.length)
          expect(running.length + started.length).toBeLessThanOrEqual(training.maxConcurrentSessions);
        const busy = new Set(running.flatMap((s) => [s.trainer, s.trainee]));
        const agents = started.flatMap((s) => [s.record.trainer, s.record.trainee]);
        expect(new Set(agents).size).toBe(agents.length);
        expect(agents.filter((a) => busy.has(a))).toEqual([]);
        const ranked = new Map(plan.ranking.ranked.map((a) => [a.name, a]));
        for (const { record } of started) {
          const trainer = ranked.get(record.trainer)!;
          const trainee = ranked.get(record.trainee)!;
          expect(trainer.agentType).toBe(trainee.agentType);
          expect(trainee.score).toBeLessThan(training.traineeMaxScore);
          expect(trainer.score - trainee.score).toBeGreaterThanOrEqual(training.minGain);
          expect(trainer.score >= training.trainerMinScore || trainer.trainer).toBe(true);
        }
      }),
      RUNS,
    );
  });

  it('never exceeds maxPerCycle or maxPopulation, and spawns only from the parent tiers, one child per parent', () => {
    fc.assert(
      fc.property(arbInput, (input) => {
        const plan = decidePopulation(input);
        const { spawn } = input.spec;
        const spawned = of(plan.decisions, 'Spawn').flatMap((d) => d.children);
        const replacements = of(plan.decisions, 'Replace');
        const created = [...replacements.flatMap((d) => d.children), ...spawned];
        expect(created.length).toBeLessThanOrEqual(spawn.maxPerCycle);
        const members = membersOf(input.observations, input.spec, identity).length;
        if (spawned.length) expect(members + spawned.length).toBeLessThanOrEqual(spawn.maxPopulation);
        const ranked = new Map(plan.ranking.ranked.map((a) => [a.name, a]));
        for (const child of created) expect(spawn.parentTiers).toContain(ranked.get(child.parent)!.tier);
        expect(new Set(created.map((c) => c.parent)).size).toBe(created.length);
        expect(new Set(created.map((c) => c.name)).size).toBe(created.length);
      }),
      RUNS,
    );
  });

  it('replaces only its own Failing children, after the review period, within the rate limit, never on a first cycle', () => {
    fc.assert(
      fc.property(arbExploit, (input) => {
        const replaced = of(decidePopulation(input).decisions, 'Replace').flatMap((d) => d.replaced);
        if (!replaced.length) return;
        const { exploit } = input.spec;
        expect(exploit.enabled && !input.firstCycle).toBe(true);
        const recent = (input.status?.replacedAt ?? []).filter(
          (at) => NOW - Date.parse(at) < 60 * MINUTE,
        ).length;
        expect(recent + replaced.length).toBeLessThanOrEqual(exploit.maxReplacements);
        for (const name of replaced) {
          const o = input.observations.find((x) => x.name === name)!;
          expect(o.ownerReferences?.[0]?.uid).toBe(identity.uid);
          expect(o.score!.value).toBeLessThan(input.spec.tiers.poor);
          const since = input.status?.failingChildren?.find((f) => f.name === name)?.since;
          expect(NOW - Date.parse(since!)).toBeGreaterThanOrEqual(30 * MINUTE);
        }
      }),
      RUNS,
    );
  });

  it('decides the same input the same way, never repeats a committed decision, and keeps status bounded', () => {
    fc.assert(
      fc.property(arbInput, (input) => {
        const plan = decidePopulation(input);
        const again = decidePopulation(input);
        expect([again.decisions, again.status]).toEqual([plan.decisions, plan.status]);
        const ids = plan.decisions.map((d) => d.id);
        expect(new Set(ids).size).toBe(ids.length);
        const committed = plan.decisions.reduce<AgentSpawnStatus>((s, d) => commitDecision(s, d, NOW), {
          ...input.status,
          ...plan.status,
        });
        const next = decidePopulation({ ...input, status: committed }).decisions.filter(
          (d) => d.action !== 'Hold',
        );
        expect(next.filter((d) => ids.includes(d.id))).toEqual([]);
        expect(committed.sessions!.length).toBeLessThanOrEqual(
          PopulationLimits.maxConcurrentSessions + PopulationLimits.finishedSessions,
        );
        expect(plan.status.failingChildren.length).toBeLessThanOrEqual(PopulationLimits.failingChildren);
      }),
      RUNS,
    );
  });
});
