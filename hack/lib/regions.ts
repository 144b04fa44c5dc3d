// Three local clusters for the region tests and the demo (a primary, a backup and the DNS cluster), and
// the kubeconfig Secrets through which the operator of one region reaches the other clusters.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse, stringify } from 'yaml';
import { SECRETS } from '../../src/api/resources.js';
import { KubeClient, loadKubeConfig } from '../../src/runtime/client.js';
import { buildTools, clusterDown, clusterUp, type LocalCluster } from './localCluster.js';

const run = promisify(execFile);

export const REGION_ROLES = ['primary', 'backup', 'dns'] as const;
export type RegionRole = (typeof REGION_ROLES)[number];
export type Regions = Record<RegionRole, LocalCluster>;

/** The cluster names of a set of regions: `<prefix>-primary`, `<prefix>-backup`, `<prefix>-dns`. */
export const regionClusterName = (prefix: string, role: RegionRole) => `${prefix}-${role}`;

/**
 * Starts the three clusters (one fake node each; kwokctl creations are serialised by a lock); a role in
 * `given` is played by that cluster instead (the chart e2e's own cluster as one region), never started here.
 */
export async function regionsUp(prefix: string, given: Partial<Regions> = {}): Promise<Regions> {
  const clusters = await Promise.all(
    REGION_ROLES.map(
      async (role) =>
        given[role] ?? clusterUp(regionClusterName(prefix, role), { nodes: 1, timeoutSeconds: 240 }),
    ),
  );
  return Object.fromEntries(REGION_ROLES.map((role, i) => [role, clusters[i]!])) as Regions;
}

/** Removes the clusters regionsUp started: every role but those `given`. */
export async function regionsDown(prefix: string, given: Partial<Regions> = {}): Promise<void> {
  for (const role of REGION_ROLES) if (!given[role]) await clusterDown(regionClusterName(prefix, role));
}

/**
 * A self-contained kubeconfig for `cluster` (certificates inlined, as a Secret needs), its server
 * replaced by `server` when the operator reaches the API server at another address (another netns).
 */
export async function portableKubeconfig(cluster: LocalCluster, server?: string): Promise<string> {
  const bin = await buildTools();
  const { stdout } = await run(join(bin, 'kubectl'), [
    'config',
    'view',
    '--raw',
    '--minify',
    '--flatten',
    '--kubeconfig',
    cluster.kubeconfig,
  ]);
  if (!server) return stdout;
  const config = parse(stdout) as { clusters: { cluster: { server: string } }[] };
  for (const entry of config.clusters) entry.cluster.server = server;
  return stringify(config);
}

/** Writes (server-side apply) a Secret holding `kubeconfig` under `key` into `namespace` of `into`. */
export async function putKubeconfigSecret(
  into: LocalCluster,
  namespace: string,
  ref: { name: string; key: string },
  kubeconfig: string,
): Promise<void> {
  const client = new KubeClient(loadKubeConfig(into.kubeconfig));
  const secret = {
    metadata: { name: ref.name, namespace },
    data: { [ref.key]: Buffer.from(kubeconfig).toString('base64') },
  };
  await client.apply(SECRETS, secret);
}
