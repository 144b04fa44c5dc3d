// Waits with deadlines: poll until a probe answers, or give up with what was last seen; bound a promise.
import { setTimeout as sleep } from 'node:timers/promises';

export { sleep };

/** Thrown by a probe to end a wait at once (the operator exited, a wrong decision): no point waiting on. */
export class StopWaiting extends Error {}

export interface WaitOptions {
  timeoutMs: number;
  intervalMs?: number;
  /** Said in the timeout's message: how far it got (e.g. "37 of 100 scaled"). */
  progress?: () => string;
}

/**
 * Polls `probe` every `intervalMs` until it returns a value other than undefined. A probe error is
 * retried until the deadline (and named in the timeout's message), except StopWaiting, which fails at once.
 */
export async function waitUntil<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  { timeoutMs, intervalMs = 500, progress }: WaitOptions,
): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  let lastError = '';
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      if (err instanceof StopWaiting) throw err;
      lastError = err instanceof Error ? err.message : String(err);
    }
    if (performance.now() > deadline) {
      const seen = [progress?.(), lastError && `last error: ${lastError}`].filter(Boolean).join('; ');
      throw new Error(`${what}: not done within ${timeoutMs / 1000} s${seen ? ` (${seen})` : ''}`);
    }
    await sleep(intervalMs);
  }
}

/** `work`, or a failure once `timeoutMs` has passed (a later failure of `work` is then ignored). */
export async function withTimeout<T>(what: string, timeoutMs: number, work: Promise<T>): Promise<T> {
  work.catch(() => {});
  const timer = new AbortController();
  const late = sleep(timeoutMs, undefined, { signal: timer.signal }).then(() => {
    throw new Error(`${what}: not done within ${timeoutMs / 1000} s`);
  });
  late.catch(() => {}); // aborted (an AbortError nobody needs) once `work` settles first
  try {
    return await Promise.race([work, late]);
  } finally {
    timer.abort();
  }
}
