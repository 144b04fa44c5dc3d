// Installs AutoPilot's generated CRDs (crds/) the way a user does — kubectl server-side apply — and waits
// until every one is Established. Tests, the demo and the benchmarks share it.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const CRDS_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'crds');

/** Runs kubectl against the target cluster with these arguments, resolving to its stdout. */
export type Kubectl = (...args: string[]) => Promise<string>;

export async function installCrds(kubectl: Kubectl): Promise<void> {
  await kubectl('apply', '--server-side', '--force-conflicts', '-f', CRDS_DIR);
  await kubectl(
    'wait',
    '--for=condition=Established',
    '--timeout=60s',
    'crd',
    '-l',
    'app.kubernetes.io/part-of=autopilot',
  );
}
