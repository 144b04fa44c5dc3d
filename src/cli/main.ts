#!/usr/bin/env node
// The `autopilot` command: dispatches to its subcommands.
import { parseArgs } from 'node:util';
import { validateCommand } from './validate.js';

const usage = `usage: autopilot <command> [flags]

Commands:
  validate -f FILE|DIR [-f …]   check manifests against the AutoPilot CRD schemas and rules, offline
  help                          show this help`;

function main(argv: string[]): number {
  const [command, ...rest] = argv;
  switch (command) {
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

process.exitCode = main(process.argv.slice(2));
