#!/usr/bin/env node
// The `autopilot` command: dispatches to its subcommands.
import { parseArgs } from 'node:util';
import { controllers } from '../controllers/index.js';
import { planCommand, planUsage } from './plan.js';
import { runOperator, runUsage } from './run.js';
import { validateCommand } from './validate.js';

const usage = `usage: autopilot <command> [flags]

Commands:
  run [flags]                   run the operator (see autopilot run --help)
  plan [-n NS | -A]             print what the operator would decide for each Venture now
  validate -f FILE|DIR [-f …]   check manifests against the AutoPilot CRD schemas and rules, offline
  help                          show this help`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
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
