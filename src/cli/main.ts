#!/usr/bin/env node
// The `autopilot` command: dispatches to its subcommands.
import { modules } from '../controllers/index.js';
import { UsageError } from '../runtime/flags.js';
import { aureaCommand, aureaUsage } from './aurea.js';
import { planCommand, planUsage } from './plan.js';
import { runOperator, runUsage } from './run.js';
import { simulateCommand } from './simulate.js';
import { statusCommand, statusUsage } from './status.js';
import { validateCommand } from './validate.js';

const usage = `usage: autopilot <command> [flags]

Commands:
  run [flags]                   run the operator (see autopilot run --help)
  plan [-n NS | -A]             print what the operator would decide for each object now
  validate -f FILE|DIR [-f …] [--allow-empty]
                                check manifests as the API server would, and their PromQL, offline;
                                finding no AutoPilot object fails unless --allow-empty
  simulate -f SCENARIO|DIR      compare AutoPilot's decisions with baselines on simulated portfolios
  status [-n NS] [-o json]      print the AUREA loop's status: cycles, success rate, goals, learnings, patterns
  aurea reset [-n NS]           undo what AUREA learned (extra confirmations back to the spec's own)
  help                          show this help`;

const helps: Record<string, () => string> = {
  run: () => runUsage(modules),
  plan: () => planUsage(modules),
  status: () => statusUsage,
  aurea: () => aureaUsage,
};

/** Runs a command; bad flags (UsageError, or what parseArgs refuses) print a message and usage, exit 2. */
async function main(argv: string[]): Promise<number> {
  const [command = 'help', ...rest] = argv;
  if (helps[command] && (rest.includes('--help') || rest.includes('-h'))) {
    console.log(helps[command]());
    return 0;
  }
  try {
    return await dispatch(command, rest);
  } catch (err) {
    const code = (err as { code?: string }).code ?? '';
    if (!(err instanceof UsageError) && !code.startsWith('ERR_PARSE_ARGS')) throw err;
    console.error(`autopilot ${command}: ${(err as Error).message}\n\n${helps[command]?.() ?? usage}`);
    return 2;
  }
}

async function dispatch(command: string, rest: string[]): Promise<number> {
  switch (command) {
    case 'run':
      return runOperator(rest, modules);
    case 'plan':
      return planCommand(rest, modules);
    case 'validate':
      return validateCommand(rest);
    case 'simulate':
      return simulateCommand(rest);
    case 'status':
      return statusCommand(rest);
    case 'aurea':
      return aureaCommand(rest);
    case 'help':
    case '--help':
    case '-h':
      console.log(usage);
      return 0;
    default:
      console.error(`autopilot: unknown command '${command}'\n\n${usage}`);
      return 2;
  }
}

process.exitCode = await main(process.argv.slice(2));
