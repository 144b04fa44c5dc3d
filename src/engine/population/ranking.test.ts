// Tiers and ranking: the seed's bounds, and no rank for a score that is missing, stale or invalid.
import { describe, expect, it } from '@jest/globals';
import { membersOf } from './agents.js';
import { rankAgents } from './ranking.js';
import { agent, identity, NOW, spec } from './testing.js';
import { countTiers, tierOf } from './tiers.js';

const defaults = spec();
const rank = (observations: Parameters<typeof membersOf>[0], maxAgeMs = 300_000) =>
  rankAgents(membersOf(observations, defaults, identity), defaults, maxAgeMs, NOW);

describe('tierOf', () => {
  it.each([
    [1, 'Excellent'],
    [0.9, 'Excellent'],
    [0.8999, 'Good'],
    [0.7, 'Good'],
    [0.69, 'Average'],
    [0.5, 'Average'],
    [0.49, 'Poor'],
    [0.3, 'Poor'],
    [0.29, 'Failing'],
    [0, 'Failing'],
  ])('%d is %s with the seed’s bounds', (score, tier) => {
    expect(tierOf(score, defaults.tiers)).toBe(tier);
  });

  it('counts tiers and the unranked', () => {
    expect(countTiers(['Good', 'Good', 'Failing'], 2)).toEqual({
      excellent: 0,
      good: 2,
      average: 0,
      poor: 0,
      failing: 1,
      unranked: 2,
    });
  });
});

describe('rankAgents', () => {
  it('ranks fresh scores best first, ties by name', () => {
    const { ranked } = rank([agent('b', 0.5), agent('c', 0.95), agent('a', 0.5)]);
    expect(ranked.map((a) => [a.name, a.tier])).toEqual([
      ['c', 'Excellent'],
      ['a', 'Average'],
      ['b', 'Average'],
    ]);
  });

  it('leaves missing, stale, future and out-of-range scores unranked, saying why', () => {
    const bad = [
      agent('none', undefined),
      agent('stale', 0.9, { age: 301_000 }),
      agent('future', 0.9, { age: -120_000 }),
      agent('high', 1.2),
      { ...agent('nan', 0.5), score: { value: NaN, at: NOW } },
      { ...agent('timeless', 0.5), score: { value: 0.5, at: NaN } },
      agent('pending', 0.9, { phase: 'Pending' }),
    ];
    const { ranked, unranked } = rank(bad);
    expect(ranked).toEqual([]);
    expect(Object.fromEntries(unranked.map((u) => [u.name, u.why]))).toEqual({
      none: 'no score',
      stale: 'score is stale: 5m1s old, max age 5m0s',
      future: 'score is 2m0s in the future',
      high: 'score 1.2 is not between 0 and 1',
      nan: 'score NaN is not between 0 and 1',
      timeless: 'score has no valid time',
      pending: 'Pod is Pending',
    });
  });

  it('accepts a score exactly maxAge old and a minute of clock skew', () => {
    expect(
      rank([agent('edge', 0.4, { age: 300_000 }), agent('skew', 0.4, { age: -60_000 })]).ranked,
    ).toHaveLength(2);
  });

  it('counts neither finished nor deleted Pods as members, as a ReplicaSet does', () => {
    const members = membersOf(
      [
        agent('done', 0.9, { phase: 'Succeeded' }),
        agent('gone', 0.9, { deleting: true }),
        agent('here', 0.9),
      ],
      defaults,
      identity,
    );
    expect(members.map((m) => m.name)).toEqual(['here']);
  });

  it('reads type, generation and ownership from labels and owner references', () => {
    const [user, child, forged] = membersOf(
      [
        agent('user', 0.5, { type: 'sales' }),
        agent('child', 0.5, { child: { generation: 2 } }),
        {
          ...agent('forged', 0.5, { child: { generation: 5 } }),
          ownerReferences: [{ uid: 'other', controller: true }],
        },
      ],
      defaults,
      identity,
    );
    expect(user).toMatchObject({ agentType: 'sales', generation: 0, spawned: false });
    expect(child).toMatchObject({ agentType: 'marketing', generation: 2, spawned: true });
    // Labels alone do not make a child: only an owner reference to this AgentSpawn does.
    expect(forged).toMatchObject({ generation: 0, spawned: false });
  });
});
