// Knowledge as data: entries, their measured validation, what a session transfers, copies and explore.
import { describe, expect, it } from '@jest/globals';
import { membersOf } from './agents.js';
import {
  entriesOf,
  knowledgeConfigMap,
  perturbHyperparameters,
  selectTransfer,
  validateKnowledge,
  verifyCopy,
  copyOf,
} from './knowledge.js';
import { rankAgents } from './ranking.js';
import { agent, identity, NOW, spec } from './testing.js';

const defaults = spec();
const ranked = (observations: Parameters<typeof membersOf>[0]) =>
  rankAgents(membersOf(observations, defaults, identity), defaults, 300_000, NOW).ranked;

describe('entries', () => {
  it('are the keys with an area, never the hyperparameters', () => {
    expect(
      entriesOf(
        { 'pricing.a': '1', hyperparameters: '{}', notes: 'x', '.hidden': 'y', 'hyper.parameters': 'z' },
        'hyper.parameters',
      ),
    ).toEqual([['pricing.a', '1']]);
  });

  it('live in a ConfigMap named from the Pod', () => {
    expect(knowledgeConfigMap('{pod}-knowledge', 'agent-1')).toBe('agent-1-knowledge');
  });
});

describe('validateKnowledge', () => {
  // Holders of pricing.a=best score 0.9, 0.8, 0.6; the others 0.7, 0.5, 0.4.
  const population = ranked([
    agent('h1', 0.9, { knowledge: { 'pricing.a': 'best' } }),
    agent('h2', 0.8, { knowledge: { 'pricing.a': 'best' } }),
    agent('h3', 0.6, { knowledge: { 'pricing.a': 'best' } }),
    agent('o1', 0.7, { knowledge: { 'pricing.a': 'other' } }),
    agent('o2', 0.5, { knowledge: { 'pricing.a': 'other' } }),
    agent('o3', 0.4, { knowledge: {} }),
  ]);
  const validation = validateKnowledge(population, defaults.knowledge);

  it('scores an entry by the chance that a holder outscores a non-holder', () => {
    // Of the 9 holder/non-holder pairs, holders win 8 (0.6 loses to 0.7 only).
    expect(validation.of('marketing', 'pricing.a', 'best')).toEqual({
      agentType: 'marketing',
      key: 'pricing.a',
      value: 'best',
      holders: 3,
      validationScore: 8 / 9,
      validated: true,
    });
    expect(validation.of('marketing', 'pricing.a', 'other')?.validationScore).toBeCloseTo(3 / 8); // 0.7 beats 0.6 and 0.4; 0.5 beats 0.4;
    expect(validation.of('marketing', 'pricing.a', 'other')?.validated).toBe(false);
  });

  it('counts ties half and leaves entries with too few holders unmeasured', () => {
    const tied = validateKnowledge(
      ranked([
        agent('a', 0.5, { knowledge: { 'x.k': '1' } }),
        agent('b', 0.5, { knowledge: { 'x.k': '1' } }),
        agent('c', 0.5, { knowledge: { 'x.k': '2' } }),
        agent('d', 0.5, { knowledge: { 'x.k': '2' } }),
        agent('e', 0.9, { knowledge: { 'x.k': '3' } }),
      ]),
      defaults.knowledge,
    );
    expect(tied.of('marketing', 'x.k', '1')?.validationScore).toBeCloseTo((0.5 * 4 + 0) / 6);
    expect(tied.of('marketing', 'x.k', '3')).toMatchObject({ holders: 1, validated: false });
    expect(tied.of('marketing', 'x.k', '3')?.validationScore).toBeUndefined();
  });

  it('validates within an agent type only', () => {
    const mixed = validateKnowledge(
      ranked([
        agent('a', 0.9, { type: 'sales', knowledge: { 'x.k': '1' } }),
        agent('b', 0.9, { type: 'sales', knowledge: { 'x.k': '1' } }),
        agent('c', 0.1, { knowledge: { 'x.k': '2' } }),
        agent('d', 0.1, { knowledge: { 'x.k': '2' } }),
      ]),
      defaults.knowledge,
    );
    expect(mixed.of('sales', 'x.k', '1')).toMatchObject({ holders: 2, validated: false });
    expect(mixed.of('sales', 'x.k', '1')?.validationScore).toBeUndefined();
  });
});

describe('selectTransfer', () => {
  const population = ranked([
    agent('trainer', 0.95, {
      knowledge: { 'a.1': 'v', 'a.2': 'good', 'b.1': 'w', 'b.2': 'same', hyperparameters: '{}' },
    }),
    agent('peer', 0.9, { knowledge: { 'a.2': 'good' } }),
    agent('peer2', 0.85, { knowledge: { 'a.2': 'good' } }),
    agent('trainee', 0.3, { knowledge: { 'b.2': 'same', 'a.2': 'bad' } }),
    agent('weak', 0.2, { knowledge: { 'a.2': 'bad' } }),
  ]);
  const [trainer, , , trainee] = population as [
    (typeof population)[0],
    unknown,
    unknown,
    (typeof population)[0],
  ];
  const validation = validateKnowledge(population, defaults.knowledge);

  it('copies validated entries first, then by key, skipping what the trainee already holds', () => {
    expect(validation.of('marketing', 'a.2', 'good')?.validated).toBe(true);
    const training = { focusAreas: [], entriesPerSession: 10 };
    expect(selectTransfer(trainer, trainee, training, 'hyperparameters', validation)).toEqual([
      'a.2',
      'a.1',
      'b.1',
    ]);
    expect(
      selectTransfer(trainer, trainee, { ...training, entriesPerSession: 1 }, 'hyperparameters', validation),
    ).toEqual(['a.2']);
  });

  it('copies only the focus areas', () => {
    expect(
      selectTransfer(
        trainer,
        trainee,
        { focusAreas: ['b'], entriesPerSession: 10 },
        'hyperparameters',
        validation,
      ),
    ).toEqual(['b.1']);
  });
});

describe('copies', () => {
  it('write only the chosen keys, and verification names what did not land', () => {
    const copy = copyOf('t-knowledge', 's-knowledge', { 'a.1': 'x', 'a.2': 'y', 'a.3': 'z' }, [
      'a.1',
      'a.2',
      'gone.key',
    ]);
    expect(copy).toEqual({ from: 't-knowledge', to: 's-knowledge', data: { 'a.1': 'x', 'a.2': 'y' } });
    expect(verifyCopy(copy, { 'a.1': 'x', 'a.2': 'y', other: '1' })).toEqual([]);
    expect(verifyCopy(copy, { 'a.1': 'x', 'a.2': 'old' })).toEqual(['a.2']);
    expect(verifyCopy(copy, undefined)).toEqual(['a.1', 'a.2']);
  });
});

describe('perturbHyperparameters', () => {
  it('multiplies every number by one of the factors, the same way for the same child', () => {
    const text = '{"epsilon":0.1,"margin":0.05,"name":"bandit"}';
    const once = perturbHyperparameters(text, [0.8, 1.2], 'child-a');
    expect(perturbHyperparameters(text, [0.8, 1.2], 'child-a')).toEqual(once);
    const parsed = JSON.parse(once.text) as Record<string, unknown>;
    expect([0.08, 0.12]).toContainEqual(parsed.epsilon);
    expect([0.04, 0.06]).toContainEqual(parsed.margin);
    expect(parsed.name).toBe('bandit');
    expect(once.changes).toHaveLength(2);
  });

  it('picks both factors across children', () => {
    const epsilons = new Set(
      Array.from(
        { length: 20 },
        (_, i) =>
          (JSON.parse(perturbHyperparameters('{"e":1}', [0.8, 1.2], `c-${i}`).text) as { e: number }).e,
      ),
    );
    expect(epsilons).toEqual(new Set([0.8, 1.2]));
  });

  it('keeps text that is not a JSON object as it is', () => {
    expect(perturbHyperparameters('epsilon=0.1', [0.8], 'c')).toEqual({ text: 'epsilon=0.1', changes: [] });
    expect(perturbHyperparameters('[1,2]', [0.8], 'c')).toEqual({ text: '[1,2]', changes: [] });
  });
});
