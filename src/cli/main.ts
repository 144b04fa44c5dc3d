#!/usr/bin/env node
// The `autopilot` command: dispatches to its subcommands.
import { parseArgs } from 'node:util';
import { controllers } from '../controllers/index.js';
import { planCommand, planUsage } from './plan.js';
import { runOperator, runUsage, UsageError } from './run.js';
import { simulateCommand } from './simulate.js';
import { validateCommand } from './validate.js';

const usage = `usage: autopilot <command> [flags]

Commands:
  run [flags]                   run the operator (see autopilot run --help)
  plan [-n NS | -A]             print what the operator would decide for each Venture now
  validate -f FILE|DIR [-f …]   check manifests against the AutoPilot CRD schemas and rules, offline
  simulate -f SCENARIO|DIR      compare AutoPilot's decisions with baselines on simulated portfolios
  help                          show this help`;

/** Runs a command; bad flags (UsageError, or what parseArgs refuses) print a message and usage, exit 2. */
async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    return await dispatch(command, rest);
  } catch (err) {
    const code = (err as { code?: string }).code ?? '';
    if (!(err instanceof UsageError) && !code.startsWith('ERR_PARSE_ARGS')) throw err;
    const help = command === 'run' ? runUsage : command === 'plan' ? planUsage : usage;
    console.error(`autopilot ${command}: ${(err as Error).message}\n\n${help}`);
    return 2;
  }
}

async function dispatch(command: string | undefined, rest: string[]): Promise<number> {
  switch (command) {
    case 'run':
      if (rest.includes('--help') || rest.includes('-h')) {
        console.log(runUsage);
        return 0;
      }
      return runOperator(rest, controllers);
    case 'plan':
      if (rest.includes('--help') || rest.includes('-h')) {
        console.log(planUsage);
        return 0;
      }
      return planCommand(rest);
    case 'validate': {
      const { values } = parseArgs({
        args: rest,
        options: { filename: { type: 'string', short: 'f', multiple: true } },
      });
      return validateCommand(values.filename ?? []);
    }
    case 'simulate':
      return simulateCommand(rest);
    case undefined:
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
