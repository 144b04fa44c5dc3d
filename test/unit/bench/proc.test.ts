// Unit tests for the benchmarks' process sampling from /proc (Linux): CPU seconds, peak RSS, descendants.
import { describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import {
  cpuSeconds,
  descendants,
  machineBusySeconds,
  peakRssMiB,
  stopProcess,
} from '../../../hack/bench/lib/proc.js';

describe('process sampling', () => {
  it("reads this process's CPU seconds, and they grow with work", () => {
    const before = cpuSeconds(process.pid);
    // Spin until the kernel has counted at least one more tick (10 ms), however loaded the machine is.
    const deadline = performance.now() + 30_000;
    while (cpuSeconds(process.pid) <= before && performance.now() < deadline) Math.sqrt(Math.random());
    expect(cpuSeconds(process.pid)).toBeGreaterThan(before);
  });

  it('reads 0 CPU seconds for a process that is gone', () => {
    expect(cpuSeconds(2 ** 22 + 1)).toBe(0); // above Linux's pid_max limit: no such process
  });

  it("reads this process's peak RSS in MiB, at least its current RSS", () => {
    const peak = peakRssMiB(process.pid);
    expect(peak).toBeGreaterThanOrEqual(process.memoryUsage.rss() / 2 ** 20 - 1);
    expect(peak).toBeLessThan(24 * 1024);
  });

  it("counts the machine's busy CPU seconds up, never down", () => {
    const before = machineBusySeconds();
    expect(before).toBeGreaterThan(0);
    expect(machineBusySeconds()).toBeGreaterThanOrEqual(before);
  });

  it('finds a child and its grandchild with their command lines, and stops them', async () => {
    const child = spawn('sh', ['-c', 'sleep 30 & wait'], { stdio: 'ignore' });
    try {
      let found: { pid: number; cmdline: string }[] = [];
      for (let i = 0; i < 500 && found.length < 2; i++) {
        found = descendants(process.pid).filter((p) => p.pid === child.pid || p.cmdline === 'sleep 30 ');
        await new Promise((done) => setTimeout(done, 20));
      }
      expect(found.map((p) => p.cmdline).sort()).toEqual(['sh -c sleep 30 & wait ', 'sleep 30 ']);
      for (const p of found) if (p.pid !== child.pid) process.kill(p.pid, 'SIGKILL');
    } finally {
      await stopProcess(child, 1000);
    }
    expect(child.exitCode !== null || child.signalCode !== null).toBe(true);
  });
});
