// Learning from outcomes: bounded, explainable, reversible adjustments of how much confirmation a kind of
// decision needs. When Scale decisions keep failing, a Scale waits for one more qualifying audit; when they
// succeed again, the extra audit is dropped. Never looser than the spec (the extra is never below 0), never
// past the bound the user sets, each change recorded with before, after and its evidence.
import { isoTime, pct } from '../format.js';
import { shortHash } from '../decisions.js';
import type { Judgement } from './outcomes.js';

export interface LearningSettings {
  /** The most extra confirmations learning may add to any decision; 0 turns learning off. */
  maxExtra: number;
  /** Judged decisions since the last change before another change. */
  minEvidence: number;
  /** Below this success rate the decision needs one more confirmation. */
  tightenBelow: number;
  /** At or above this success rate one extra confirmation is dropped. */
  relaxFrom: number;
}

export const DEFAULT_LEARNING_SETTINGS: LearningSettings = {
  maxExtra: 2,
  minEvidence: 5,
  tightenBelow: 0.5,
  relaxFrom: 0.8,
};

/**
 * How many more confirmations than its spec asks a kind of decision (`Kind/Action`) needs now. Kept at 0
 * too once it changed (relaxed or reset), so that only decisions made after the change are evidence: old
 * failures that were already answered do not tighten it again.
 */
export interface Adjustment {
  key: string;
  extraConfirmations: number;
  /** When it last changed: only decisions made after it are evidence for the next change. */
  changedAt: number;
}

export interface Learning {
  /** Stable for the same change on the same evidence. */
  id: string;
  at: string;
  key: string;
  parameter: 'extraConfirmations';
  before: number;
  after: number;
  change: 'Tighten' | 'Relax' | 'Bound' | 'Reset';
  reason: string;
  evidence: { judged: number; succeeded: number; decisions: string[] };
}

/** Learnings kept in memory and shown by `autopilot status`. */
export const MAX_LEARNINGS = 50;
const EVIDENCE_IDS = 5;

export interface LearningStep {
  adjustments: Adjustment[];
  learnings: Learning[];
}

/** The adjustments after this cycle's outcomes, and the learnings that explain each change. */
export function learnFromOutcomes(
  adjustments: readonly Adjustment[],
  byAction: Readonly<Record<string, readonly Judgement[]>>,
  settings: LearningSettings,
  now: number,
): LearningStep {
  const byKey = new Map(adjustments.map((a) => [a.key, a]));
  const learnings: Learning[] = [];
  const bound = Math.max(0, Math.floor(settings.maxExtra));
  for (const key of new Set([...byKey.keys(), ...Object.keys(byAction)])) {
    const current = byKey.get(key) ?? { key, extraConfirmations: 0, changedAt: -Infinity };
    const evidence = (byAction[key] ?? []).filter((j) => j.decidedAt > current.changedAt);
    const succeeded = evidence.filter((j) => j.success).length;
    const facts = {
      judged: evidence.length,
      succeeded,
      decisions: evidence.slice(-EVIDENCE_IDS).map((j) => j.id),
    };
    let after = current.extraConfirmations;
    let change: Learning['change'] | undefined;
    let reason = '';
    if (after > bound) {
      after = bound;
      change = 'Bound';
      reason = `the bound on extra confirmations is now ${bound}`;
    } else if (evidence.length >= settings.minEvidence) {
      const rate = succeeded / evidence.length;
      const summary = `${succeeded} of ${evidence.length} judged ${key} decisions succeeded (${pct(rate)})`;
      if (rate < settings.tightenBelow && after < bound) {
        after += 1;
        change = 'Tighten';
        reason = `${summary}, below ${pct(settings.tightenBelow)}: require one more confirmation`;
      } else if (rate >= settings.relaxFrom && after > 0) {
        after -= 1;
        change = 'Relax';
        reason = `${summary}, at or above ${pct(settings.relaxFrom)}: drop one extra confirmation`;
      }
    }
    if (!change) continue;
    byKey.set(key, { key, extraConfirmations: after, changedAt: now });
    learnings.push({
      id: learningId(key, current.extraConfirmations, after, facts.decisions),
      at: isoTime(now),
      key,
      parameter: 'extraConfirmations',
      before: current.extraConfirmations,
      after,
      change,
      reason,
      evidence: facts,
    });
  }
  return { adjustments: [...byKey.values()], learnings };
}

/**
 * `autopilot aurea reset`: every adjustment back to the spec's own, each reset recorded; only decisions made
 * after the reset are evidence for learning again.
 */
export function resetLearning(adjustments: readonly Adjustment[], now: number): LearningStep {
  return {
    adjustments: adjustments.map((a) => ({ key: a.key, extraConfirmations: 0, changedAt: now })),
    learnings: adjustments
      .filter((a) => a.extraConfirmations > 0)
      .map((a) => ({
        id: learningId(a.key, a.extraConfirmations, 0, [`reset@${now}`]),
        at: isoTime(now),
        key: a.key,
        parameter: 'extraConfirmations' as const,
        before: a.extraConfirmations,
        after: 0,
        change: 'Reset' as const,
        reason: 'reset by a user: back to the spec’s own confirmations',
        evidence: { judged: 0, succeeded: 0, decisions: [] },
      })),
  };
}

/** Extra confirmations a controller adds to its spec's own count before it acts (0 when nothing was learned). */
export const extraConfirmations = (
  adjustments: readonly Pick<Adjustment, 'key' | 'extraConfirmations'>[],
  kind: string,
  action: string,
): number => adjustments.find((a) => a.key === `${kind}/${action}`)?.extraConfirmations ?? 0;

/** The learnings to keep: the newest, bounded. */
export const keepLearnings = (kept: readonly Learning[], added: readonly Learning[]): Learning[] =>
  [...kept, ...added].slice(-MAX_LEARNINGS);

const learningId = (key: string, before: number, after: number, decisions: readonly string[]): string =>
  `learning-${shortHash(`${key}:${before}>${after}:${decisions.join(',')}`)}`;
