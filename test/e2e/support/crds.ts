// Installs AutoPilot's generated CRDs (crds/*.yaml) into the test cluster and waits until they are Established.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { kubectl } from './kubectl.js';

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

export function generatedCrdNames(): string[] {
  const dir = join(repoRoot, 'crds');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => (parse(readFileSync(join(dir, f), 'utf8')) as { metadata: { name: string } }).metadata.name);
}

/** Applies every CRD the way a user does (kubectl server-side apply), then waits for each to be Established. */
export async function installCrds(): Promise<void> {
  await kubectl('apply', '--server-side', '--force-conflicts', '-f', join(repoRoot, 'crds'));
  await kubectl(
    'wait',
    '--for=condition=Established',
    '--timeout=60s',
    ...generatedCrdNames().map((n) => `crd/${n}`),
  );
}
