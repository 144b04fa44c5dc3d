// The frame every benchmark runs in: its flags, a progress log, cleanup (also on Ctrl-C), the results file, the exit code.
import { loadavg } from 'node:os';
import { parseFlags, text, toggle, usage, UsageError, type FlagSet, type FlagValues } from './flags.js';
import { machine, treeState, writeResults } from './results.js';

export interface BenchmarkSpec<F extends FlagSet> {
  /** `runtime` for `npm run bench:runtime`; its results go to docs/bench/<name>.json unless --out says otherwise. */
  name: string;
  /** One line for --help: what it measures. */
  summary: string;
  flags: F;
  /** More --help text, e.g. which cluster it uses. */
  notes?: string;
}

/** An argument as a shell would need it typed: "" for an empty one, quotes around spaces. */
const quoted = (arg: string) => (arg === '' || /[\s'"$`\\]/.test(arg) ? JSON.stringify(arg) : arg);

const commonFlags = (name: string) => ({
  out: text(
    `docs/bench/${name}.json`,
    'the results file (JSON) to write, relative to the repository; "" for none',
  ),
  help: toggle('print this and exit'),
});
type Common = { out: string; help: boolean };

export interface Run<F extends FlagSet> {
  readonly flags: FlagValues<F> & Common;
  /** A progress line on stderr, with the time of day; stdout is kept for the tables. */
  log(line: string): void;
  /** Runs `cleanup` when the benchmark ends, fails or is interrupted; the last deferred runs first. */
  defer(cleanup: () => unknown): void;
  /** Records that part of the run failed: the results are still written, and the exit code is 1. */
  fail(reason: string): void;
}

/**
 * Parses the command line (exit 2 and the usage on a bad flag), runs `main`, writes what it returns as
 * the results file, runs the deferred cleanups and exits: 0, or 1 when `main` failed or called fail().
 */
export async function benchmark<F extends FlagSet, R>(
  spec: BenchmarkSpec<F>,
  main: (run: Run<F>) => Promise<R>,
): Promise<never> {
  const flagSet = { ...spec.flags, ...commonFlags(spec.name) };
  const command = `npm run bench:${spec.name} --`;
  let flags: FlagValues<F> & Common;
  try {
    flags = parseFlags(process.argv.slice(2), flagSet) as FlagValues<F> & Common;
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    console.error(
      `bench:${spec.name}: ${err.message}\n\n${usage(command, spec.summary, flagSet, spec.notes)}`,
    );
    process.exit(2);
  }
  if (flags.help) {
    console.log(usage(command, spec.summary, flagSet, spec.notes));
    process.exit(0);
  }

  const cleanups: (() => unknown)[] = [];
  const failures: string[] = [];
  const log = (line: string) => console.error(`[${new Date().toISOString().slice(11, 19)}] ${line}`);
  const cleanUp = async () => {
    for (const cleanup of cleanups.splice(0).reverse()) {
      try {
        await cleanup();
      } catch (err) {
        log(`cleanup failed: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      log(`${signal}: cleaning up`);
      void cleanUp().then(() => process.exit(130));
    });
  }

  const startedAt = new Date().toISOString();
  const loadAtStart = loadavg()[0]!;
  const run: Run<F> = {
    flags,
    log,
    defer: (cleanup) => cleanups.push(cleanup),
    fail: (reason) => {
      failures.push(reason);
      log(`FAILED: ${reason}`);
    },
  };
  let results: R;
  try {
    results = await main(run);
  } catch (err) {
    log(`FAILED: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    await cleanUp();
    process.exit(1);
  }
  const finishedAt = new Date().toISOString();
  if (flags.out) {
    const { out: _out, help: _help, ...settings } = flags;
    const path = await writeResults(flags.out, {
      benchmark: spec.name,
      command: [command, ...process.argv.slice(2).map(quoted)].join(' ').replace(/ --$/, ''),
      ...(await treeState()),
      startedAt,
      finishedAt,
      machine: machine(loadAtStart),
      flags: settings,
      failures,
      results,
    });
    log(`wrote ${path}`);
  }
  await cleanUp();
  process.exit(failures.length > 0 ? 1 : 0);
}
