// The one clock: real time in production, a hand-driven one in unit tests.
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/** Resolves after `ms` on `clock`, or at once when `signal` aborts. */
export function sleep(clock: Clock, ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const onAbort = () => {
      clock.clearTimeout(handle);
      resolve();
    };
    const handle = clock.setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Resolves once `signal` aborts (at once if it already has). */
export const aborted = (signal: AbortSignal): Promise<void> =>
  new Promise<void>((done) =>
    signal.aborted ? done() : signal.addEventListener('abort', () => done(), { once: true }),
  );

/** `promise`'s result, or false when it takes longer than `ms` on `clock` (it is not cancelled). */
export async function withTimeout(clock: Clock, promise: Promise<boolean>, ms: number): Promise<boolean> {
  const timeout = new AbortController();
  const timer = sleep(clock, ms, timeout.signal).then(() => false);
  try {
    return await Promise.race([promise, timer]);
  } finally {
    timeout.abort();
  }
}
