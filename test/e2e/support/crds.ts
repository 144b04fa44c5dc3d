// Installs AutoPilot's generated CRDs into the test cluster with the test's kubectl (hack/lib/crds.ts).
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { installCrds as installWith } from '../../../hack/lib/crds.js';
import { kubectl } from './kubectl.js';

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

export const installCrds = (): Promise<void> => installWith(kubectl);
