// `autopilot simulate -f SCENARIO|DIR`: runs the portfolio simulator and prints (or writes) its results.
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { extname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { cumulativeProfitChart } from '../sim/chart.js';
import { runScenario } from '../sim/experiment.js';
import { POLICIES, policiesNamed } from '../sim/policies.js';
import { resultsMarkdown } from '../sim/report.js';
import { parseScenario } from '../sim/scenario.js';

export const simulateUsage = `usage: autopilot simulate -f SCENARIO|DIR [-f …] [--seed N] [--runs N] [--policies A,B,…] [--out DIR]

  -f, --filename PATH   a scenario file (sim/scenarios/*.yaml) or a directory of them
  --seed N              the seed of every random draw (default 1): the same seed gives the same results
  --runs N              runs per scenario instead of the scenario's own count
  --policies A,B,…      policies to compare (default: all): ${POLICIES.map((p) => p.name).join(', ')}
  --out DIR             also write the results to DIR/results.md and the chart to DIR/cumulative-profit.svg`;

function scenarioFiles(path: string): string[] {
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path)
    .filter((name) => ['.yaml', '.yml'].includes(extname(name)))
    .sort()
    .map((name) => join(path, name));
}

const whole = (text: string, flag: string, min: number) => {
  const n = Number(text);
  if (!Number.isInteger(n) || n < min) throw new Error(`${flag} must be a whole number ≥ ${min}`);
  return n;
};

/** The flags, checked; throws with what is wrong. */
function optionsFrom(argv: string[]) {
  const { values } = parseArgs({
    args: argv,
    options: {
      filename: { type: 'string', short: 'f', multiple: true },
      seed: { type: 'string' },
      runs: { type: 'string' },
      policies: { type: 'string' },
      out: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return 'help' as const;
  if (!values.filename?.length) throw new Error('give at least one -f SCENARIO|DIR');
  return {
    files: values.filename.flatMap(scenarioFiles),
    seed: whole(values.seed ?? '1', '--seed', 0),
    runs: values.runs === undefined ? undefined : whole(values.runs, '--runs', 1),
    policies: policiesNamed(values.policies ? values.policies.split(',') : POLICIES.map((p) => p.name)),
    out: values.out,
  };
}

/** Runs the simulator; a mistake in the flags prints what is wrong and the usage, exit 2. */
export function simulateCommand(argv: string[]): number {
  let options: ReturnType<typeof optionsFrom>;
  try {
    options = optionsFrom(argv);
  } catch (err) {
    console.error(`autopilot simulate: ${(err as Error).message}\n\n${simulateUsage}`);
    return 2;
  }
  if (options === 'help') {
    console.log(simulateUsage);
    return 0;
  }
  const { files, seed, runs, policies, out } = options;
  if (!files.length) {
    console.error(`autopilot simulate: no scenario files (*.yaml) found\n\n${simulateUsage}`);
    return 2;
  }
  let scenarios;
  try {
    scenarios = files.map((file) => parseScenario(readFileSync(file, 'utf8'), file));
  } catch (err) {
    console.error(`autopilot simulate: ${(err as Error).message}`);
    return 1;
  }

  const started = performance.now();
  const results = scenarios.map((scenario) => runScenario(scenario, policies, seed, runs));
  const command = `autopilot simulate ${argv.join(' ')}`;
  const subject = policies.some((p) => p.name === 'autopilot') ? 'autopilot' : policies[0]!.name;
  const markdown = resultsMarkdown(results, { command, subject });
  console.log(markdown);
  if (out) {
    mkdirSync(out, { recursive: true });
    writeFileSync(join(out, 'results.md'), markdown);
    writeFileSync(
      join(out, 'cumulative-profit.svg'),
      cumulativeProfitChart(results, `Cumulative profit per run, mean over the runs (seed ${seed})`),
    );
    console.error(`wrote ${join(out, 'results.md')} and ${join(out, 'cumulative-profit.svg')}`);
  }
  console.error(
    `simulated ${scenarios.length} scenario(s) × ${policies.length} policies in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
  return 0;
}

// `npm run sim` runs this file itself: the same command, without loading the operator's modules first.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  process.exitCode = simulateCommand(process.argv.slice(2));
}
