// Learning bounds: adjustments follow outcomes, never go below the spec or past the user's bound, always reset.
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import {
  DEFAULT_LEARNING_SETTINGS as settings,
  extraConfirmations,
  learnFromOutcomes,
  resetLearning,
  type Adjustment,
} from './learning.js';
import type { Judgement } from './outcomes.js';

const T0 = Date.UTC(2026, 10, 1);
const outcomes = (key: string, results: boolean[], from = T0): Judgement[] =>
  results.map((success, i) => ({
    id: `${key}-${from + i}`,
    key,
    object: 'shops/shop',
    at: from + i,
    decidedAt: from + i,
    success,
    why: '',
  }));

describe('learnFromOutcomes', () => {
  it('requires one more confirmation when Scale decisions keep failing, with before, after and evidence', () => {
    const step = learnFromOutcomes(
      [],
      { 'Venture/Scale': outcomes('Venture/Scale', [false, false, true, false, false]) },
      settings,
      T0 + 100,
    );
    expect(extraConfirmations(step.adjustments, 'Venture', 'Scale')).toBe(1);
    expect(step.learnings).toEqual([
      expect.objectContaining({
        key: 'Venture/Scale',
        before: 0,
        after: 1,
        change: 'Tighten',
        reason:
          '1 of 5 judged Venture/Scale decisions succeeded (20.0%), below 50.0%: require one more confirmation',
        evidence: {
          judged: 5,
          succeeded: 1,
          decisions: outcomes(
            'Venture/Scale',
            [1, 2, 3, 4, 5].map(() => true),
          ).map((j) => j.id),
        },
      }),
    ]);
  });

  it('waits for new evidence after a change, then relaxes when decisions succeed again', () => {
    const failing = outcomes('Venture/Scale', [false, false, false, false, false]);
    const tightened = learnFromOutcomes([], { 'Venture/Scale': failing }, settings, T0 + 100);
    // The same old failures again: no second step on the same evidence.
    expect(
      learnFromOutcomes(tightened.adjustments, { 'Venture/Scale': failing }, settings, T0 + 200).learnings,
    ).toEqual([]);
    const recovered = [...failing, ...outcomes('Venture/Scale', [true, true, true, true, true], T0 + 300)];
    const relaxed = learnFromOutcomes(
      tightened.adjustments,
      { 'Venture/Scale': recovered },
      settings,
      T0 + 400,
    );
    expect(relaxed.learnings[0]).toMatchObject({ before: 1, after: 0, change: 'Relax' });
    expect(relaxed.adjustments).toEqual([
      { key: 'Venture/Scale', extraConfirmations: 0, changedAt: T0 + 400 },
    ]);
    // 5 of 10 failed: relaxed on the newer five, it is not tightened again on the old ones.
    const later = learnFromOutcomes(
      relaxed.adjustments,
      { 'Venture/Scale': [...recovered, ...outcomes('Venture/Scale', [false], T0 + 500)] },
      settings,
      T0 + 600,
    );
    expect(later.learnings).toEqual([]);
  });

  it('never needs fewer confirmations than the spec: success with nothing learned changes nothing', () => {
    const step = learnFromOutcomes(
      [],
      { 'Venture/Scale': outcomes('Venture/Scale', [true, true, true, true, true]) },
      settings,
      T0 + 100,
    );
    expect(step).toEqual({ adjustments: [], learnings: [] });
  });

  it('brings an adjustment within a bound the user lowered, and learns nothing with the bound at 0', () => {
    const adjustments: Adjustment[] = [{ key: 'Venture/Scale', extraConfirmations: 2, changedAt: T0 }];
    const step = learnFromOutcomes(adjustments, {}, { ...settings, maxExtra: 1 }, T0 + 1);
    expect(step.learnings[0]).toMatchObject({ before: 2, after: 1, change: 'Bound' });
    const off = learnFromOutcomes(
      [],
      { 'Venture/Scale': outcomes('Venture/Scale', [false, false, false, false, false]) },
      { ...settings, maxExtra: 0 },
      T0 + 100,
    );
    expect(off.adjustments).toEqual([]);
  });

  it('stays within [0, maxExtra] and resets to 0, whatever the outcomes (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.boolean(), { maxLength: 12 }), { minLength: 1, maxLength: 25 }),
        fc.integer({ min: 0, max: 4 }),
        (batches, maxExtra) => {
          let adjustments: Adjustment[] = [];
          let judged: Judgement[] = [];
          batches.forEach((batch, i) => {
            const at = T0 + i * 1000;
            judged = [...judged, ...outcomes('Venture/Scale', batch, at + 1)].slice(-20);
            const step = learnFromOutcomes(
              adjustments,
              { 'Venture/Scale': judged },
              { ...settings, maxExtra },
              at + 999,
            );
            for (const l of step.learnings) expect(Math.abs(l.after - l.before)).toBe(1);
            adjustments = step.adjustments;
            const extra = extraConfirmations(adjustments, 'Venture', 'Scale');
            expect(extra).toBeGreaterThanOrEqual(0);
            expect(extra).toBeLessThanOrEqual(maxExtra);
          });
          const reset = resetLearning(adjustments, T0 + 1e6);
          expect(reset.adjustments.every((a) => a.extraConfirmations === 0)).toBe(true);
          // Only decisions after the reset count: the same outcomes again teach nothing.
          const after = learnFromOutcomes(
            reset.adjustments,
            { 'Venture/Scale': judged },
            { ...settings, maxExtra },
            T0 + 1e6 + 1,
          );
          expect(after.learnings).toEqual([]);
          expect(reset.learnings.every((l) => l.after === 0 && l.change === 'Reset')).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });
});
