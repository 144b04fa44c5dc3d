// Processes a benchmark starts and samples: node scripts under tsx, their CPU time and peak RSS from /proc.
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sleep } from './wait.js';

// Read from /proc rather than with pidusage: it reports the current RSS, not the peak (VmHWM), and a CPU
// percentage rather than the CPU seconds used since start, which is what a benchmark compares.

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** Linux's USER_HZ: /proc counts CPU time in ticks of 10 ms on every architecture Node runs on. */
const TICK_SECONDS = 0.01;

/** The fields of /proc/<pid>/stat after the command (which may hold spaces), or undefined once it is gone. */
function statFields(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** User + system CPU seconds a process has used so far (not its children); 0 once it is gone. */
export function cpuSeconds(pid: number): number {
  const fields = statFields(pid);
  // utime and stime are fields 14 and 15 of stat, 12th and 13th after the command.
  return fields ? (Number(fields[11]) + Number(fields[12])) * TICK_SECONDS : 0;
}

/** The process's peak resident set so far (VmHWM), in MiB. */
export function peakRssMiB(pid: number): number {
  const match = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!match) throw new Error(`no VmHWM in /proc/${pid}/status`);
  return Number(match[1]) / 1024;
}

/** Busy CPU seconds of the whole machine so far, all cores (/proc/stat: user, nice, system, irq, softirq, steal). */
export function machineBusySeconds(): number {
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = readFileSync(
    '/proc/stat',
    'utf8',
  )
    .split('\n')[0]!
    .trim()
    .split(/\s+/)
    .slice(1)
    .map(Number);
  return (user + nice + system + irq + softirq + steal) * TICK_SECONDS;
}

/** Every process below `root` (children, their children, …) with its command line. */
export function descendants(root: number): { pid: number; cmdline: string }[] {
  const parents = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    const fields = /^\d+$/.test(entry) ? statFields(Number(entry)) : undefined;
    if (fields) parents.set(Number(entry), Number(fields[1]));
  }
  const found: { pid: number; cmdline: string }[] = [];
  const visit = (pid: number) => {
    for (const [child, parent] of parents) {
      if (parent !== pid) continue;
      let cmdline = '';
      try {
        cmdline = readFileSync(`/proc/${child}/cmdline`, 'utf8').replaceAll('\0', ' ');
      } catch {
        // gone meanwhile
      }
      found.push({ pid: child, cmdline });
      visit(child);
    }
  };
  visit(root);
  return found;
}

export interface NodeScript {
  args?: string[];
  /** Added to this process's environment. */
  env?: NodeJS.ProcessEnv;
  /** stdin, stdout, stderr (and 'ipc' for process.send); by default stdout and stderr are inherited. */
  stdio?: StdioOptions;
}

/** `node --import tsx <script>` from the repository root (`script` relative to it). */
export function startNode(
  script: string,
  { args = [], env = {}, stdio = ['ignore', 'inherit', 'inherit'] }: NodeScript = {},
): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', join(repoRoot, script), ...args], {
    cwd: repoRoot,
    env: { ...process.env, ...env },
    stdio,
  });
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves once the process has exited. */
export async function stopProcess(child: ChildProcess | undefined, graceMs = 10_000): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((done) => child.once('exit', done));
  child.kill('SIGTERM');
  if (await Promise.race([exited.then(() => true), sleep(graceMs).then(() => false)])) return;
  child.kill('SIGKILL');
  await exited;
}
