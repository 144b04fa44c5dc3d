// An AureaGoal's life: Suspended → Active → Achieved (held for samplesToAchieve measurements), Failed (deadline
// passed) or Abandoned; progress, forecast and the Ready / OnTrack conditions from each measurement.
import { parseDuration } from '../../api/duration.js';
import type {
  AureaGoalSpec,
  AureaGoalStatus,
  GoalPhase,
  OperatorMetric,
} from '../../api/v1alpha1/aureaGoal.js';
import { isoTime, num, timeOr } from '../format.js';
import { forecastGoal } from './forecast.js';
import type { OperatorReadings } from './metrics.js';
import {
  addSample,
  goalProgress,
  readSamples,
  sampleRecords,
  samplesAtTarget,
  type GoalCondition,
  type Sample,
} from './progress.js';

/** What the controller read this time: a value, why it could not, or nothing (not measured). */
export type Reading = ({ ok: true } & Sample) | { ok: false; reason: string; message: string };

/**
 * A source-Operator goal's reading from the loop's latest cycle: its metric's value at the cycle's time,
 * or why there is none yet (no decision judged, no action carried out).
 */
export function operatorReading(metric: string, readings: OperatorReadings, at: number): Reading {
  const reading = readings[metric as OperatorMetric];
  if (reading) return { ok: true, value: reading.value, at };
  return {
    ok: false,
    reason: 'MetricNotMeasuredYet',
    message: `the AUREA loop has no ${metric} yet: it needs judged decisions, executed actions or cycles to compute it`,
  };
}

/** The part of status the engine computes; the runtime keeps conditions and observedGeneration. */
export type GoalState = Omit<AureaGoalStatus, 'conditions' | 'observedGeneration'>;

export interface PhaseChange {
  from?: GoalPhase;
  to: GoalPhase;
  /** An Event reason: GoalActive, GoalSuspended, GoalAchieved, GoalFailed, GoalAbandoned. */
  reason: string;
  message: string;
  warning: boolean;
}

export interface GoalUpdate {
  state: GoalState;
  conditions: GoalCondition[];
  change?: PhaseChange;
}

const FINAL: readonly GoalPhase[] = ['Achieved', 'Failed', 'Abandoned'];

export const isFinal = (phase: GoalPhase | undefined): boolean =>
  phase !== undefined && FINAL.includes(phase);

/** Whether the goal is measured now: Active ones are, and so is a new goal (to take its baseline). */
export function wantsMeasurement(spec: AureaGoalSpec, status: AureaGoalStatus | undefined): boolean {
  return !spec.abandoned && !spec.suspended && !isFinal(status?.phase);
}

/** Whether the goal is due a measurement: it wants one, and spec.interval has passed since the last. */
export function measurementDue(
  spec: AureaGoalSpec,
  status: AureaGoalStatus | undefined,
  now: number,
): boolean {
  if (!wantsMeasurement(spec, status)) return false;
  const last = timeOr(status?.lastMeasuredTime, -Infinity);
  return now - last >= parseDuration(spec.interval);
}

/** When to look again: the interval, or the deadline if it comes first; a settled goal never. */
export function nextLook(spec: AureaGoalSpec, update: GoalUpdate, now: number): number | undefined {
  const phase = update.state.phase;
  if (isFinal(phase) || phase === 'Suspended') return undefined;
  const interval = parseDuration(spec.interval);
  const deadline = spec.deadline === undefined ? Infinity : timeOr(spec.deadline, Infinity) - now;
  return Math.max(0, Math.min(interval, deadline));
}

/**
 * The goal's next state from its spec, its status and this time's reading. Achieved, Failed and
 * Abandoned are final: a goal is not reopened by an edit (create a new goal instead). A reading taken
 * after the deadline does not count.
 */
export function trackGoal(
  spec: AureaGoalSpec,
  status: AureaGoalStatus | undefined,
  reading: Reading | undefined,
  now: number,
): GoalUpdate {
  const prior = status?.phase;
  const { conditions: _c, observedGeneration: _g, ...kept } = status ?? {};
  if (prior && isFinal(prior)) return { state: kept, conditions: finalConditions(prior, kept) };
  if (spec.abandoned) return settle(kept, 'Abandoned', prior, 'abandoned: spec.abandoned is true');
  if (spec.suspended) {
    const message = 'suspended: not measured until spec.suspended is set to false';
    return {
      state: { ...kept, phase: 'Suspended' },
      conditions: [
        { type: 'Ready', status: 'False', reason: 'Suspended', message },
        { type: 'OnTrack', status: 'Unknown', reason: 'Suspended', message },
      ],
      ...change(prior, 'Suspended', message),
    };
  }

  const deadline = spec.deadline === undefined ? undefined : timeOr(spec.deadline, Infinity);
  let samples = readSamples(status);
  let ready: GoalCondition = samples.length
    ? { type: 'Ready', status: 'True', reason: 'Measured', message: `measured ${num(samples[0]!.value)}` }
    : { type: 'Ready', status: 'Unknown', reason: 'AwaitingMeasurement', message: 'not measured yet' };
  if (reading && !reading.ok) {
    ready = { type: 'Ready', status: 'False', reason: reading.reason, message: reading.message };
  } else if (reading && !Number.isFinite(reading.value)) {
    ready = {
      type: 'Ready',
      status: 'False',
      reason: 'MetricNotANumber',
      message: `the metric read ${reading.value}`,
    };
  } else if (reading && (deadline === undefined || reading.at <= deadline)) {
    samples = addSample(samples, reading).samples;
    ready = { type: 'Ready', status: 'True', reason: 'Measured', message: `measured ${num(reading.value)}` };
  }

  const state: GoalState = { ...kept, phase: 'Active' };
  const latest = samples[0];
  if (latest) {
    const baseline = spec.baseline ?? kept.baseline ?? samples.at(-1)!.value;
    Object.assign(state, {
      baseline,
      current: latest.value,
      progress: goalProgress(spec, baseline, latest.value),
      samplesAtTarget: samplesAtTarget(spec, samples),
      lastMeasuredTime: isoTime(latest.at),
      samples: sampleRecords(samples),
    });
  }
  if ((state.samplesAtTarget ?? 0) >= spec.samplesToAchieve) {
    state.achievedAt = isoTime(latest!.at);
    delete state.forecast;
    return settle(
      state,
      'Achieved',
      prior,
      `achieved: ${spec.metric.name} ${num(latest!.value)} ${spec.direction === 'AtLeast' ? '≥' : '≤'} ${num(spec.target)} for ${spec.samplesToAchieve} measurement(s) in a row`,
    );
  }
  if (deadline !== undefined && now >= deadline) {
    delete state.forecast;
    return settle(
      state,
      'Failed',
      prior,
      `failed: the deadline ${spec.deadline} passed at ${state.progress ?? 0}% progress (${spec.metric.name} ${latest ? num(latest.value) : 'never measured'}, target ${num(spec.target)})`,
    );
  }
  const { forecast, condition } = forecastGoal(spec, samples, now);
  state.forecast = forecast;
  return {
    state,
    conditions: [ready, condition],
    ...change(prior, 'Active', prior === 'Suspended' ? 'active: approved' : `active: ${spec.description}`),
  };
}

function settle(
  state: GoalState,
  phase: GoalPhase,
  prior: GoalPhase | undefined,
  message: string,
): GoalUpdate {
  const settled = { ...state, phase };
  if (phase !== 'Achieved') delete settled.forecast;
  return {
    state: settled,
    conditions: finalConditions(phase, settled, message),
    ...change(prior, phase, message),
  };
}

/** A final goal's conditions: Ready says how it ended, OnTrack is settled. */
function finalConditions(phase: GoalPhase, state: GoalState, message?: string): GoalCondition[] {
  const text = message ?? `${phase.toLowerCase()}${state.achievedAt ? ` at ${state.achievedAt}` : ''}`;
  const onTrack: GoalCondition['status'] =
    phase === 'Achieved' ? 'True' : phase === 'Failed' ? 'False' : 'Unknown';
  return [
    { type: 'Ready', status: 'True', reason: phase, message: text },
    { type: 'OnTrack', status: onTrack, reason: phase, message: text },
  ];
}

function change(from: GoalPhase | undefined, to: GoalPhase, message: string): { change?: PhaseChange } {
  if (from === to) return {};
  return {
    change: { ...(from ? { from } : {}), to, reason: `Goal${to}`, message, warning: to === 'Failed' },
  };
}
