// A goal's measurements: progress from baseline to target, the samples kept in status, and how many of the
// latest are at the target.
import { isoTime } from '../format.js';
import type { AureaGoalSpec, AureaGoalStatus } from '../../api/v1alpha1/aureaGoal.js';
import { GoalLimits } from '../../api/v1alpha1/aureaGoal.js';

export interface Sample {
  at: number;
  value: number;
}

/** A condition as the engine decides it; the runtime adds the transition time and generation. */
export interface GoalCondition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
}

type Aim = Pick<AureaGoalSpec, 'direction' | 'target'>;

export const atTarget = (aim: Aim, value: number): boolean =>
  aim.direction === 'AtLeast' ? value >= aim.target : value <= aim.target;

/**
 * Progress 0–100 from baseline to target, rounded down: 100 only at the target. A baseline on the wrong
 * side of the target (taken from a first measurement already past it) gives 0 until the target is met.
 */
export function goalProgress(aim: Aim, baseline: number, current: number): number {
  if (atTarget(aim, current)) return 100;
  const span = aim.target - baseline;
  if (aim.direction === 'AtLeast' ? span <= 0 : span >= 0) return 0;
  // The epsilon keeps floating-point noise (0.15 / 0.2 = 0.7499…) from costing a whole point.
  return Math.min(99, Math.max(0, Math.floor((100 * (current - baseline)) / span + 1e-9)));
}

/**
 * The samples in status, newest first. Status is user-editable: entries without a readable time or a
 * finite value are dropped, and the list is put back in order.
 */
export function readSamples(status: Pick<AureaGoalStatus, 'samples'> | undefined): Sample[] {
  return (status?.samples ?? [])
    .map((s) => ({ at: Date.parse(s.at), value: s.value }))
    .filter((s) => Number.isFinite(s.at) && Number.isFinite(s.value))
    .sort((a, b) => b.at - a.at);
}

/**
 * The samples with `sample` added, newest first and bounded. A sample no newer than the newest kept is
 * ignored, so reconciling twice on the same measurement never counts it twice.
 */
export function addSample(samples: readonly Sample[], sample: Sample): { samples: Sample[]; added: boolean } {
  if (samples[0] && sample.at <= samples[0].at) return { samples: [...samples], added: false };
  return { samples: [sample, ...samples].slice(0, GoalLimits.samples), added: true };
}

/** How many of the latest samples in a row are at the target. */
export function samplesAtTarget(aim: Aim, samples: readonly Sample[]): number {
  const miss = samples.findIndex((s) => !atTarget(aim, s.value));
  return miss < 0 ? samples.length : miss;
}

export const sampleRecords = (samples: readonly Sample[]) =>
  samples.map((s) => ({ at: isoTime(s.at), value: s.value }));
