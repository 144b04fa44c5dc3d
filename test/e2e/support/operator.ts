// Starts operator processes for e2e tests (the echo test operator, via tsx), reads their state, and runs the CLI.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';
import { freePort } from '../../../hack/lib/prometheus.js';
import { join } from 'node:path';
import { repoRoot } from './crds.js';

export interface OperatorProcess {
  child: ChildProcess;
  /** POD_NAME given to the process: its leader identity starts with it. */
  name: string;
  /** The pino JSON lines it has written so far. */
  logs: Record<string, unknown>[];
  healthUrl: string;
  metricsUrl: string;
  exited: Promise<number | null>;
}

export { freePort };

/**
 * Runs `script` (a TypeScript entry point taking `autopilot run` flags) as POD_NAME `name`; `env` is laid
 * over the test's environment (e.g. KUBECONFIG for another identity, test/e2e/chart/harness.ts).
 */
export async function startOperator(
  script: string,
  name: string,
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<OperatorProcess> {
  const [health, metrics] = [await freePort(), await freePort()];
  // node itself, with tsx as a loader: signals reach the operator, not a wrapper process.
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      join(repoRoot, script),
      ...args,
      `--health-probe-bind-address=127.0.0.1:${health}`,
      `--metrics-bind-address=127.0.0.1:${metrics}`,
    ],
    { cwd: repoRoot, env: { ...process.env, POD_NAME: name, ...env }, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const logs: Record<string, unknown>[] = [];
  let partial = '';
  child.stdout.on('data', (chunk: Buffer) => {
    const lines = (partial + chunk.toString()).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      try {
        logs.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        logs.push({ msg: line });
      }
    }
  });
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  return {
    child,
    name,
    logs,
    healthUrl: `http://127.0.0.1:${health}`,
    metricsUrl: `http://127.0.0.1:${metrics}`,
    exited,
  };
}

/** The value of one Prometheus sample line, e.g. metric('autopilot_reconcile_total{controller="echo",result="success"}'). */
export async function scrape(operator: OperatorProcess): Promise<string> {
  const response = await fetch(`${operator.metricsUrl}/metrics`);
  return response.text();
}

export function sumMetric(text: string, name: string, labels: Record<string, string> = {}): number {
  return text
    .split('\n')
    .filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `))
    .filter((line) => Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`)))
    .reduce((sum, line) => sum + Number(line.split(' ').pop()), 0);
}

const execute = promisify(execFile);

/** Runs the `autopilot` CLI (`plan`, `status`, …) from the sources, as a user would; resolves with its stdout. */
export async function autopilot(...args: string[]): Promise<string> {
  return (await execute(process.execPath, ['--import', 'tsx', join(repoRoot, 'src/cli/main.ts'), ...args]))
    .stdout;
}
