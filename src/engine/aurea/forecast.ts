// When, at the recent rate, a goal reaches its target: two least-squares fits, and OnTrack / AtRisk like
// a multiwindow SLO burn-rate alert.
//
// pace = time the goal needs at the fitted rate ÷ time left before the deadline. Above 1 the deadline
// passes first, as an error budget burns out before its window ends when the burn rate is above 1.
// Like Pyrra's and Sloth's multiwindow alerts, a long window (the latest `forecastSamples`) keeps one
// noisy sample from raising the alarm, and a short one (its newer half) clears it as soon as the metric
// recovers: a goal is AtRisk only when both fits say it will be late (or never gets there).
import type { AureaGoalSpec, GoalForecast } from '../../api/v1alpha1/aureaGoal.js';
import { GoalLimits } from '../../api/v1alpha1/aureaGoal.js';
import { clip, duration, isoTime, num } from '../format.js';
import { fitLine } from './fit.js';
import { atTarget, type GoalCondition, type Sample } from './progress.js';

const HOUR_MS = 3_600_000;
/** The fewest samples a line is fitted through. */
export const MIN_FORECAST_SAMPLES = 3;
/** A pace past this is "never" for any practical deadline; it keeps status finite. */
const PACE_CAP = 1_000_000;
/** A line that reaches the target later than this never does, for a goal's purposes (and Date's range). */
const HORIZON_MS = 10 * 365 * 24 * HOUR_MS;

type ForecastSpec = Pick<AureaGoalSpec, 'direction' | 'target' | 'forecastSamples' | 'deadline'>;

interface Projection {
  /** When the fitted line reaches the target; undefined when it moves away or is flat. */
  eta?: number;
  ratePerHour: number;
  /** Needed ÷ left; Infinity when the target is never reached at this rate. */
  pace?: number;
}

export interface GoalForecastResult {
  forecast: GoalForecast;
  condition: GoalCondition;
}

/** The forecast from samples newest first, none of them at the target right now. */
export function forecastGoal(
  spec: ForecastSpec,
  samples: readonly Sample[],
  now: number,
): GoalForecastResult {
  const deadline = spec.deadline === undefined ? undefined : Date.parse(spec.deadline);
  const window = samples.slice(0, Math.max(MIN_FORECAST_SAMPLES, spec.forecastSamples));
  if (samples[0] && atTarget(spec, samples[0].value)) {
    return {
      forecast: { state: 'OnTrack', summary: 'at target' },
      condition: onTrack(
        'True',
        'AtTarget',
        `the latest measurement ${num(samples[0].value)} is at the target`,
      ),
    };
  }
  if (window.length < MIN_FORECAST_SAMPLES) {
    const note = `${window.length} of ${MIN_FORECAST_SAMPLES} measurements needed to forecast`;
    return {
      forecast: { state: 'Unknown', summary: note },
      condition: onTrack('Unknown', 'NotEnoughSamples', note),
    };
  }
  const short = window.slice(0, Math.max(MIN_FORECAST_SAMPLES, Math.ceil(window.length / 2)));
  const projections = [project(spec, window, deadline, now), project(spec, short, deadline, now)].filter(
    (p): p is Projection => p !== undefined,
  );
  if (!projections.length) {
    const note = 'measurements share one time: no rate to forecast from';
    return {
      forecast: { state: 'Unknown', summary: note },
      condition: onTrack('Unknown', 'NotEnoughSamples', note),
    };
  }
  // The fit that reaches the target first decides: AtRisk needs both windows to be late.
  const best = projections.reduce((a, b) => ((b.eta ?? Infinity) < (a.eta ?? Infinity) ? b : a));
  const late = best.eta === undefined || (deadline !== undefined && best.eta > deadline);
  const rate = `${signed(best.ratePerHour)}/h`;
  const forecast: GoalForecast = {
    state: late ? 'AtRisk' : 'OnTrack',
    ratePerHour: best.ratePerHour,
    ...(best.eta === undefined ? {} : { eta: isoTime(best.eta) }),
    ...(best.pace === undefined || !Number.isFinite(best.pace)
      ? {}
      : { pace: Math.min(PACE_CAP, best.pace) }),
    summary: '',
  };
  if (best.eta === undefined) {
    const away = `at ${rate} the metric ${best.ratePerHour === 0 ? 'is flat' : 'moves away from the target'}`;
    forecast.summary = clip(`at risk: never at ${rate}`, GoalLimits.summary);
    return { forecast, condition: onTrack('False', 'AtRisk', `${away}; both fits agree`) };
  }
  const when = minute(best.eta);
  if (!late) {
    forecast.summary = clip(`on track: ${when}`, GoalLimits.summary);
    const margin = deadline === undefined ? '' : `, ${duration(deadline - best.eta)} before the deadline`;
    return {
      forecast,
      condition: onTrack('True', 'OnTrack', `at ${rate} the target is reached at ${when}${margin}`),
    };
  }
  forecast.summary = clip(`at risk: ${when}, after the deadline`, GoalLimits.summary);
  return {
    forecast,
    condition: onTrack(
      'False',
      'AtRisk',
      `at ${rate} the target is reached at ${when}, ${duration(best.eta - deadline!)} after the deadline (pace ${num(forecast.pace ?? PACE_CAP)}); both fits agree`,
    ),
  };
}

/** Where the line through `samples` (x: hours before now) meets the target. */
function project(
  spec: ForecastSpec,
  samples: readonly Sample[],
  deadline: number | undefined,
  now: number,
): Projection | undefined {
  const line = fitLine(samples.map((s) => [(s.at - now) / HOUR_MS, s.value] as const));
  if (!line) return undefined;
  const toward = spec.direction === 'AtLeast' ? line.slope > 0 : line.slope < 0;
  // The fit may cross the target in the past while the latest sample is short of it: then "now".
  const eta = now + Math.max(0, (spec.target - line.intercept) / line.slope) * HOUR_MS;
  if (!toward || !(eta - now <= HORIZON_MS)) return { ratePerHour: line.slope, pace: Infinity };
  const left = deadline === undefined ? undefined : deadline - now;
  const pace = left === undefined ? undefined : left > 0 ? (eta - now) / left : Infinity;
  return { eta, ratePerHour: line.slope, ...(pace === undefined ? {} : { pace }) };
}

function onTrack(status: GoalCondition['status'], reason: string, message: string): GoalCondition {
  return { type: 'OnTrack', status, reason, message };
}

const signed = (value: number) => `${value >= 0 ? '+' : ''}${Number(value.toPrecision(3))}`;
/** A time to the minute, as kubectl's narrow columns can show it. */
const minute = (ms: number) => `${isoTime(ms).slice(0, 16)}Z`;
