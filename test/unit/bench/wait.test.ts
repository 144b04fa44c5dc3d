// Unit tests for the benchmarks' waits and pool: deadlines that say what they waited for, bounded concurrency.
import { describe, expect, it } from '@jest/globals';
import { pool } from '../../../hack/bench/lib/pool.js';
import { sleep, StopWaiting, waitUntil, withTimeout } from '../../../hack/bench/lib/wait.js';

describe('waitUntil', () => {
  it('returns the first defined answer, polling through probe errors', async () => {
    let calls = 0;
    const value = await waitUntil(
      'the third call',
      () => (++calls < 3 ? Promise.reject(new Error('not yet')) : Promise.resolve(calls)),
      { timeoutMs: 5000, intervalMs: 1 },
    );
    expect(value).toBe(3);
  });

  it('fails after the timeout with what it waited for, its progress and the last error', async () => {
    let calls = 0;
    await expect(
      waitUntil(
        'all Widgets converged',
        () => (++calls % 2 ? Promise.resolve(undefined) : Promise.reject(new Error('503'))),
        {
          timeoutMs: 20,
          intervalMs: 1,
          progress: () => '3 of 10 converged',
        },
      ),
    ).rejects.toThrow(
      /^all Widgets converged: not done within 0.02 s \(3 of 10 converged; last error: 503\)$/,
    );
  });

  it('stops at once on StopWaiting', async () => {
    let calls = 0;
    await expect(
      waitUntil(
        'scaling',
        () => {
          calls++;
          return Promise.reject(new StopWaiting('the operator exited with code 1'));
        },
        { timeoutMs: 60_000, intervalMs: 1 },
      ),
    ).rejects.toThrow('the operator exited with code 1');
    expect(calls).toBe(1);
  });
});

describe('withTimeout', () => {
  it('passes on the answer of work that finishes in time', async () => {
    await expect(withTimeout('quick work', 5000, Promise.resolve(42))).resolves.toBe(42);
  });

  it('fails naming the work once the time is up', async () => {
    await expect(withTimeout('creating the Widgets', 10, new Promise(() => {}))).rejects.toThrow(
      'creating the Widgets: not done within 0.01 s',
    );
  });

  it("passes on the work's own failure", async () => {
    await expect(withTimeout('work', 5000, Promise.reject(new Error('409 Conflict')))).rejects.toThrow(
      '409 Conflict',
    );
  });
});

describe('pool', () => {
  it('runs at most `concurrency` at once and keeps the order of the results', async () => {
    let running = 0;
    let most = 0;
    const results = await pool([5, 1, 4, 2, 3], 2, async (ms, i) => {
      most = Math.max(most, ++running);
      await sleep(ms);
      running--;
      return `${i}:${ms}`;
    });
    expect(most).toBe(2);
    expect(results).toEqual(['0:5', '1:1', '2:4', '3:2', '4:3']);
  });

  it('rejects with the first failure', async () => {
    await expect(
      pool([1, 2, 3], 2, (n) => (n === 2 ? Promise.reject(new Error('create w-2: 500')) : sleep(1))),
    ).rejects.toThrow('create w-2: 500');
  });
});
