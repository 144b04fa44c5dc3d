// Polling waits for e2e tests: every wait has a timeout and says what it was waiting for.
import { ApiException } from '@kubernetes/client-node';

export interface WaitOptions {
  timeoutMs?: number;
  intervalMs?: number;
}

/**
 * Polls `probe` until it returns a value other than undefined, or fails after the timeout with the
 * description and the last thing the probe saw (its error or its last return of undefined).
 */
export async function waitFor<T>(
  description: string,
  probe: () => Promise<T | undefined>,
  { timeoutMs = 60_000, intervalMs = 200 }: WaitOptions = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown = 'no result yet';
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      const detail = last instanceof Error ? last.message : String(last);
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${description} (last: ${detail})`);
    }
    await new Promise((done) => setTimeout(done, intervalMs));
  }
}

export function isNotFound(err: unknown): boolean {
  return err instanceof ApiException && err.code === 404;
}

/** Resolves true once `read` answers 404. */
export function waitForGone(description: string, read: () => Promise<unknown>, options?: WaitOptions) {
  return waitFor(
    `${description} to be gone`,
    async () => {
      try {
        await read();
        return undefined;
      } catch (err) {
        if (isNotFound(err)) return true;
        throw err;
      }
    },
    options,
  );
}
