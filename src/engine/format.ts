// How the engine writes numbers into reasons and risks, so a human can check every decision by hand.

/** A ratio as a percentage with one decimal: -0.3125 → "-31.3%". */
export const pct = (ratio: number): string => `${(ratio * 100).toFixed(1)}%`;

/** A monthly amount of money, in the venture's currency. */
export const money = (amount: number): string => amount.toFixed(2);

/** A threshold as the user wrote it: 3 → "3", 2.5 → "2.5". */
export const num = (value: number): string =>
  Number.isInteger(value) ? String(value) : String(Number(value.toFixed(2)));

/** A duration in the Go style the spec uses: 450ms, 7m30s, 1h2m3s. */
export function duration(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms);
  if (Math.abs(ms) < 1000) return `${Math.round(ms)}ms`;
  let seconds = Math.round(Math.abs(ms) / 1000);
  const hours = Math.floor(seconds / 3600);
  seconds -= hours * 3600;
  const minutes = Math.floor(seconds / 60);
  seconds -= minutes * 60;
  const text = `${hours ? `${hours}h` : ''}${hours || minutes ? `${minutes}m` : ''}${seconds}s`;
  return ms < 0 ? `-${text}` : text;
}

/** Status fields have length limits; a reason cut short is better than a rejected status patch. */
export const clip = (text: string, maxLength: number): string =>
  text.length <= maxLength ? text : `${text.slice(0, maxLength - 1)}…`;

/** The controller may hand over a Date or epoch milliseconds; the engine computes in milliseconds. */
export function epochMs(now: Date | number): number {
  const ms = typeof now === 'number' ? now : now.getTime();
  // A clock that returns NaN would make every sample look fresh; refuse to audit with it.
  if (!Number.isFinite(ms)) throw new RangeError(`now is not a valid time: ${String(now)}`);
  return ms;
}

/**
 * A time from status (RFC 3339), a Date or epoch ms, in ms; a missing or unreadable one counts as
 * `fallback`. Status is user-editable: each caller picks the fallback that is the safe mistake.
 */
export function timeOr(time: Date | number | string | undefined, fallback: number): number {
  const ms = typeof time === 'string' ? Date.parse(time) : time instanceof Date ? time.getTime() : time;
  return ms !== undefined && Number.isFinite(ms) ? ms : fallback;
}

/** Times in status and reasons, as the API writes them. */
export { isoTime } from '../api/time.js';
