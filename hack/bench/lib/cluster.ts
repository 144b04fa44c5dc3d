// The cluster a benchmark measures on (KUBECONFIG's, or a local one it starts and removes), and namespaces in it.
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { isNotFound } from '../../../src/runtime/client.js';
import type { Kubectl } from '../../lib/crds.js';
import { buildTools, clusterDown, clusterUp, kwokWorkdir } from '../../lib/localCluster.js';
import type { DriverClient } from './driverClient.js';
import type { Run } from './benchmark.js';
import { text, type FlagSet } from './flags.js';
import { descendants, repoRoot } from './proc.js';
import { waitUntil } from './wait.js';

const run = promisify(execFile);

/**
 * The --cluster-name flag of a benchmark that uses useCluster. Its default, `bench-<benchmark>-<checkout>`,
 * keeps benchmarks run from two checkouts at once from replacing each other's cluster.
 */
export const clusterNameFlag = (benchmark: string) =>
  text(
    `bench-${benchmark}-${createHash('sha256').update(repoRoot).digest('hex').slice(0, 6)}`,
    'the local cluster to start (and remove after) when KUBECONFIG is not set; else KUBECONFIG is used',
  );

export interface BenchCluster {
  kubeconfig: string;
  /** The cluster tools' bin directory (kubectl, kwokctl, …). */
  bin: string;
  kubectl: Kubectl;
  /** For the results: which cluster, which Kubernetes version. */
  description: string;
  /** The control plane's processes, when this run started the cluster (to tell their CPU time from others'). */
  pids?: number[];
}

export interface ClusterOptions {
  /** The local cluster's name, used only without KUBECONFIG. */
  name: string;
  /** How long starting a local cluster may take, waiting for other processes' cluster creations included. */
  timeoutMs: number;
}

/**
 * The cluster in KUBECONFIG when set; otherwise a local cluster with one fake node, removed when the
 * run ends (`run.defer`).
 */
export async function useCluster(
  bench: Pick<Run<FlagSet>, 'defer' | 'log'>,
  options: ClusterOptions,
): Promise<BenchCluster> {
  const bin = await buildTools();
  let kubeconfig = process.env.KUBECONFIG;
  let where = 'the cluster in KUBECONFIG';
  let pids: number[] | undefined;
  if (!kubeconfig) {
    bench.log(`starting local cluster ${options.name} (1 node)`);
    bench.defer(() => clusterDown(options.name));
    kubeconfig = (await boundedClusterUp(options.name, options.timeoutMs)).kubeconfig;
    where = 'a local kwok cluster (binary runtime, 1 fake node) started by the benchmark';
    pids = clusterPids(options.name);
    process.env.KUBECONFIG = kubeconfig;
  }
  const config = kubeconfig;
  const kubectl: Kubectl = async (...args) =>
    (
      await run(join(bin, 'kubectl'), ['--kubeconfig', config, ...args], {
        maxBuffer: 64 * 2 ** 20,
        timeout: 120_000,
      })
    ).stdout;
  const version = JSON.parse(await kubectl('version', '-o', 'json')) as {
    serverVersion?: { gitVersion?: string };
  };
  const description = `${where}, Kubernetes ${version.serverVersion?.gitVersion ?? 'unknown'}`;
  return { kubeconfig, bin, kubectl, description, ...(pids ? { pids } : {}) };
}

/**
 * clusterUp with a deadline. Creating a cluster waits for a lock other processes' creations can hold; on
 * timeout the kwokctl (and flock) processes this one started are killed, so no cluster appears later.
 */
async function boundedClusterUp(name: string, timeoutMs: number) {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const mine = descendants(process.pid).filter((p) => /kwokctl|flock/.test(p.cmdline));
      for (const p of mine) process.kill(p.pid, 'SIGKILL');
      reject(
        new Error(
          `local cluster ${name} was not up within ${timeoutMs / 1000} s (killed ${mine.length} kwokctl/flock ` +
            `processes; is another process holding ~/.kwok/.autopilot-create.lock?)`,
        ),
      );
    }, timeoutMs);
  });
  try {
    return await Promise.race([clusterUp(name, { nodes: 1 }), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** The pids of a local cluster's processes (kwokctl's binary runtime keeps them in pids/*.pid). */
function clusterPids(name: string): number[] {
  const dir = join(kwokWorkdir(), 'clusters', name, 'pids');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.pid'))
    .map((f) => Number(readFileSync(join(dir, f), 'utf8').trim()))
    .filter((pid) => Number.isInteger(pid) && pid > 0);
}

/** Creates a namespace named `prefix-<random>` and returns its name. */
export async function createNamespace(driver: DriverClient, prefix: string): Promise<string> {
  const name = `${prefix}-${randomBytes(3).toString('hex')}`;
  await driver.request('POST', '/api/v1/namespaces', { metadata: { name } });
  return name;
}

/** Deletes a namespace and waits until it is gone, so the next measurement does not share the cluster with it. */
export async function deleteNamespace(
  driver: DriverClient,
  name: string,
  timeoutMs = 300_000,
): Promise<void> {
  await driver.request('DELETE', `/api/v1/namespaces/${name}`);
  await waitUntil(
    `namespace ${name} deleted`,
    () =>
      driver.request('GET', `/api/v1/namespaces/${name}`).then(
        () => undefined,
        (err: unknown) => {
          if (isNotFound(err)) return true;
          throw err;
        },
      ),
    { timeoutMs, intervalMs: 1000 },
  );
}
