// Jest e2e global teardown: remove the local cluster only if global setup started it.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

export default function globalTeardown(): void {
  const name = process.env.AUTOPILOT_E2E_STARTED_CLUSTER;
  if (!name || process.env.AUTOPILOT_E2E_KEEP_CLUSTER) return;
  execFileSync('node_modules/.bin/tsx', ['hack/cluster.ts', 'down', '--name', name], {
    cwd: join(__dirname, '..', '..', '..'),
    stdio: 'inherit',
  });
}
