// Starts and stops local Kubernetes clusters: kwokctl's binary runtime on the pinned, locally built binaries.
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface LocalCluster {
  name: string;
  kubeconfig: string;
}

export interface ClusterUpOptions {
  /** Fake kwok nodes to create; each reports Ready and runs Pods. */
  nodes?: number;
  /** Seconds to wait for the control plane and the nodes. */
  timeoutSeconds?: number;
}

/** Builds the cluster tools if the cache lacks them (streaming progress to stderr); returns their bin dir. */
export async function buildTools(): Promise<string> {
  const child = spawn('bash', [join(repoRoot, 'hack', 'build-tools.sh')], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let stdout = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  const code = await new Promise<number | null>((done) => child.on('close', done));
  if (code !== 0) throw new Error(`hack/build-tools.sh failed with exit code ${code}`);
  const bin = stdout.trim().split('\n').pop() ?? '';
  if (!existsSync(join(bin, 'kwokctl'))) throw new Error(`hack/build-tools.sh printed no bin dir: ${stdout}`);
  return bin;
}

/** kwokctl's environment: every binary it would otherwise download points into the local cache. */
function kwokEnv(bin: string): NodeJS.ProcessEnv {
  // kwokctl edits the file KUBECONFIG names; a local cluster must never touch the user's clusters.
  const { KUBECONFIG: _ignored, ...env } = process.env;
  return {
    ...env,
    PATH: `${bin}:${process.env.PATH ?? ''}`,
    KWOK_RUNTIME: 'binary',
    KWOK_KUBE_BINARY_PREFIX: bin,
    KWOK_KUBECTL_BINARY: join(bin, 'kubectl'),
    KWOK_ETCD_BINARY: join(bin, 'etcd'),
    KWOK_CONTROLLER_BINARY: join(bin, 'kwok'),
    KWOK_KUBE_VERSION: toolVersion('KUBERNETES_VERSION'),
    KWOK_ETCD_VERSION: toolVersion('ETCD_VERSION'),
  };
}

let versions: Map<string, string> | undefined;
/** A pinned version from hack/tools/versions.env (KEY=VALUE lines). */
export function toolVersion(key: string): string {
  versions ??= new Map(
    readFileSync(join(repoRoot, 'hack', 'tools', 'versions.env'), 'utf8')
      .split('\n')
      .filter((line) => /^[A-Z_]+=/.test(line))
      .map((line) => line.split('=', 2) as [string, string]),
  );
  const value = versions.get(key);
  if (!value) throw new Error(`hack/tools/versions.env has no ${key}`);
  return value;
}

export function kwokWorkdir(): string {
  return process.env.KWOK_WORKDIR ?? join(homedir(), '.kwok');
}

export function kubeconfigPath(name: string): string {
  return join(kwokWorkdir(), 'clusters', name, 'kubeconfig.yaml');
}

/**
 * Runs kwokctl. Creating clusters is serialised across processes with flock: kwokctl picks its ports by
 * probing for free ones while it writes the config, so two creations at once can pick the same ports.
 */
async function kwokctl(bin: string, args: string[]): Promise<string> {
  const [file, argv] =
    args[0] === 'create'
      ? // -o: the cluster's processes, started by kwokctl, must not inherit (and so hold) the lock.
        ['flock', ['-o', join(kwokWorkdir(), '.autopilot-create.lock'), join(bin, 'kwokctl'), ...args]]
      : [join(bin, 'kwokctl'), args];
  mkdirSync(kwokWorkdir(), { recursive: true });
  const { stdout } = await run(file, argv, {
    env: kwokEnv(bin),
    maxBuffer: 16 * 1024 * 1024,
  });
  return stdout;
}

async function kubectl(bin: string, kubeconfig: string, args: string[]): Promise<string> {
  const { stdout } = await run(join(bin, 'kubectl'), ['--kubeconfig', kubeconfig, ...args], {
    maxBuffer: 16 * 1024 * 1024,
  });
  return stdout;
}

export async function listClusters(bin: string): Promise<string[]> {
  const out = await kwokctl(bin, ['get', 'clusters']);
  return out.split('\n').filter(Boolean);
}

/** Creates cluster NAME (replacing a stale one of that name) with ready fake nodes. */
export async function clusterUp(name: string, options: ClusterUpOptions = {}): Promise<LocalCluster> {
  const nodes = options.nodes ?? 3;
  const timeout = options.timeoutSeconds ?? 120;
  const bin = await buildTools();
  if ((await listClusters(bin)).includes(name)) await deleteCluster(bin, name);
  const kubeconfig = kubeconfigPath(name);
  await kwokctl(bin, [
    'create',
    'cluster',
    '--name',
    name,
    '--runtime',
    'binary',
    '--kubeconfig',
    '',
    '--wait',
    `${timeout}s`,
  ]);
  await kwokctl(bin, ['scale', 'node', '--name', name, '--replicas', String(nodes)]);
  await kubectl(bin, kubeconfig, ['wait', '--for=condition=Ready', 'node', '--all', `--timeout=${timeout}s`]);
  // Pods need the namespace's default ServiceAccount, which the controller-manager creates.
  await kubectl(bin, kubeconfig, [
    'wait',
    '--for=create',
    'serviceaccount/default',
    '-n',
    'default',
    `--timeout=${timeout}s`,
  ]);
  return { name, kubeconfig };
}

async function deleteCluster(bin: string, name: string): Promise<void> {
  // Created with --kubeconfig '', the cluster is in no kubeconfig file; kwokctl's default (without
  // KUBECONFIG, ~/.kube/config) has no context of it to remove.
  await kwokctl(bin, ['delete', 'cluster', '--name', name]);
}

export async function clusterDown(name: string): Promise<void> {
  const bin = await buildTools();
  if ((await listClusters(bin)).includes(name)) await deleteCluster(bin, name);
}

/**
 * Kills one control-plane process of a local cluster (e.g. kube-apiserver) with SIGKILL, and returns
 * a function that starts it again with the same command line, environment and pid file.
 */
export async function killComponent(name: string, component: string): Promise<() => void> {
  const dir = join(kwokWorkdir(), 'clusters', name);
  const pidFile = join(dir, 'pids', `${component}.pid`);
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  const [file, ...args] = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
  const env = Object.fromEntries(
    readFileSync(`/proc/${pid}/environ`, 'utf8')
      .split('\0')
      .filter(Boolean)
      .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
  );
  const cwd = readlinkSync(`/proc/${pid}/cwd`);
  process.kill(pid, 'SIGKILL');
  while (existsSync(`/proc/${pid}`) && !readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z ')) {
    await new Promise((done) => setTimeout(done, 50));
  }
  return () => {
    const log = openSync(join(dir, 'logs', `${component}.log`), 'a');
    const child = spawn(file!, args, { cwd, env, detached: true, stdio: ['ignore', log, log] });
    writeFileSync(pidFile, String(child.pid));
    child.unref();
  };
}

/**
 * Freezes one control-plane process of a local cluster (SIGSTOP): it keeps its port, so nothing else can
 * take it, but answers nothing, as an unreachable server does. Returns the function that thaws it.
 */
export function freezeComponent(name: string, component: string): () => void {
  const pid = Number(
    readFileSync(join(kwokWorkdir(), 'clusters', name, 'pids', `${component}.pid`), 'utf8').trim(),
  );
  process.kill(pid, 'SIGSTOP');
  return () => process.kill(pid, 'SIGCONT');
}
