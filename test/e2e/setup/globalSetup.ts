// Jest e2e global setup: use the cluster in KUBECONFIG, or start one local cluster for the whole run.
// Jest loads this file outside its ESM runtime, so it runs the repo's commands instead of importing them.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { join } from 'node:path';

const repoRoot = join(__dirname, '..', '..', '..');
// One cluster per checkout: two checkouts (a CI clone beside a working tree) can test at once.
const E2E_CLUSTER = `autopilot-e2e-${createHash('sha256').update(repoRoot).digest('hex').slice(0, 6)}`;

function run(file: string, args: string[]): string {
  return execFileSync(file, args, { cwd: repoRoot, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
}

export default function globalSetup(): void {
  if (process.env.KUBECONFIG) {
    console.log(`\ne2e: using the cluster in KUBECONFIG=${process.env.KUBECONFIG}; starting nothing`);
    return;
  }
  // Workers inherit process.env: they find the cluster and the tools through these variables.
  process.env.AUTOPILOT_TOOLS_BIN = run('bash', ['hack/build-tools.sh']).trim().split('\n').pop();
  const out = run('node_modules/.bin/tsx', ['hack/cluster.ts', 'up', '--name', E2E_CLUSTER]);
  const kubeconfig = /^export KUBECONFIG=(.+)$/m.exec(out)?.[1];
  if (!kubeconfig) throw new Error(`cluster:up printed no kubeconfig:\n${out}`);
  console.log(`\ne2e: ${out.split('\n')[0]}`);
  process.env.KUBECONFIG = kubeconfig;
  process.env.AUTOPILOT_E2E_STARTED_CLUSTER = E2E_CLUSTER;
}
