// A benchmark run's results file: the figures as JSON, with what is needed to trust and repeat them.
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import * as prettier from 'prettier';
import { repoRoot } from './proc.js';

const run = promisify(execFile);

export interface Machine {
  cores: number;
  cpu: string;
  memoryGiB: number;
  node: string;
  kernel: string;
  /** 1-minute load average at the start and at the end of the run: above `cores`, other work shared the machine. */
  loadAverage: { start: number; end: number };
}

export interface ResultsFile<R> {
  benchmark: string;
  /** As typed, e.g. "npm run bench:runtime -- --objects 100". */
  command: string;
  /** The commit the run measured, and tracked files that differed from it (besides docs/bench/). */
  commit: string;
  uncommitted: string[];
  startedAt: string;
  finishedAt: string;
  machine: Machine;
  /** Every flag's value, defaults included. */
  flags: Record<string, unknown>;
  /** Why the run did not finish everything it set out to measure (empty when it did). */
  failures: string[];
  results: R;
}

/** The checked-out commit and the tracked files changed since, from git ("unknown" outside a checkout). */
export async function treeState(): Promise<{ commit: string; uncommitted: string[] }> {
  const git = async (...args: string[]) => (await run('git', args, { cwd: repoRoot })).stdout;
  try {
    const commit = (await git('rev-parse', '--short', 'HEAD')).trim();
    return { commit, uncommitted: changedFiles(await git('status', '--porcelain', '--untracked-files=no')) };
  } catch {
    return { commit: 'unknown', uncommitted: [] };
  }
}

/** The files `git status --porcelain` names, besides docs/bench/ (where results are written). */
export function changedFiles(porcelain: string): string[] {
  // Lines are "XY path" or "XY from -> to"; X, the index column, is a space for a change not staged.
  return porcelain
    .split('\n')
    .map((line) => line.slice(3).split(' -> ').at(-1)!)
    .filter((path) => path && !path.startsWith('docs/bench/'));
}

export function machine(loadAtStart: number): Machine {
  const cpu = cpus();
  return {
    cores: cpu.length,
    cpu: cpu[0]?.model.trim() ?? 'unknown',
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    kernel: release(),
    loadAverage: { start: loadAtStart, end: loadavg()[0]! },
  };
}

/** Figures to 6 significant digits: more is noise, and it keeps the file readable. */
const rounded = (_key: string, value: unknown) =>
  typeof value === 'number' && !Number.isInteger(value) ? Number(value.toPrecision(6)) : value;

/** Writes `file` (relative to the repository root) as JSON laid out the way prettier checks it. */
export async function writeResults(file: string, contents: ResultsFile<unknown>): Promise<string> {
  const path = resolve(repoRoot, file);
  mkdirSync(dirname(path), { recursive: true });
  // The repository's prettier settings wherever the file goes: `npm run lint` checks docs/bench/ with them.
  const options = (await prettier.resolveConfig(join(repoRoot, 'package.json'))) ?? {};
  const json = JSON.stringify(contents, rounded, 2);
  writeFileSync(path, await prettier.format(json, { ...options, filepath: path }));
  return path;
}
