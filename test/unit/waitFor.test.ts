// Unit tests for the e2e harness's polling wait: it returns the first defined value or fails with context.
import { describe, expect, it } from '@jest/globals';
import { waitFor } from '../e2e/support/wait.js';

describe('waitFor', () => {
  it('returns the first defined value the probe gives', async () => {
    let calls = 0;
    const value = await waitFor(
      'the third call',
      () => Promise.resolve(++calls === 3 ? 'ready' : undefined),
      {
        intervalMs: 1,
      },
    );
    expect(value).toBe('ready');
    expect(calls).toBe(3);
  });

  it('keeps polling through probe errors', async () => {
    let calls = 0;
    const value = await waitFor(
      'a probe that fails first',
      () => (++calls < 3 ? Promise.reject(new Error('not yet')) : Promise.resolve(calls)),
      { intervalMs: 1 },
    );
    expect(value).toBe(3);
  });

  it('fails after the timeout, naming what it waited for and the last error', async () => {
    await expect(
      waitFor('the impossible', () => Promise.reject(new Error('503 from the server')), {
        timeoutMs: 20,
        intervalMs: 5,
      }),
    ).rejects.toThrow('timed out after 20 ms waiting for the impossible (last: 503 from the server)');
  });
});
