// `npm run bench:runtime`: N Widgets converged by AutoPilot's runtime, @dot-i/k8s-operator and a bare loop.
import { KubeConfig } from '@kubernetes/client-node';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { benchmark, type Run } from '../lib/benchmark.js';
import {
  createNamespace,
  deleteNamespace,
  clusterNameFlag,
  useCluster,
  type BenchCluster,
} from '../lib/cluster.js';
import { DriverClient } from '../lib/driverClient.js';
import { choices, integer, integers } from '../lib/flags.js';
import { pool } from '../lib/pool.js';
import { cpuSeconds, machineBusySeconds, peakRssMiB, repoRoot, startNode, stopProcess } from '../lib/proc.js';
import { ratio } from '../lib/stats.js';
import { fixed, printTable, times } from '../lib/table.js';
import { StopWaiting, sleep, waitUntil, withTimeout } from '../lib/wait.js';
import { startCountingProxy, type CountingProxy, type RequestCounts } from './countingProxy.js';
import { WIDGETS, isConverged, widgetCrd, type GoMessage, type ReadyMessage, type Widget } from './widget.js';

// Method and the reading of each figure: docs/bench/runtime.md.

const VARIANTS = {
  ours: { label: '(a) AutoPilot runtime', script: 'hack/bench/runtime/ours.ts' },
  'dot-i': { label: '(b) @dot-i/k8s-operator', script: 'hack/bench/runtime/dotI.ts' },
  floor: { label: '(c) floor', script: 'hack/bench/runtime/floor.ts' },
} as const;
type Variant = keyof typeof VARIANTS;

const flags = {
  objects: integers('1000,5000', 'N values: each creates N Widgets, then updates all N once', {
    max: 20_000,
  }),
  variants: choices(
    Object.keys(VARIANTS) as Variant[],
    'ours,dot-i,floor',
    'the controllers to run, in this order',
  ),
  workers: integer(4, 'reconcile concurrency of (a) and (c); (b) handles one event at a time', { max: 64 }),
  writers: integer(20, "the driver's concurrency when creating and updating Widgets", { max: 100 }),
  phaseTimeout: integer(600, 'seconds each phase (writes + convergence) may take', { max: 3600 }),
  clusterName: clusterNameFlag('runtime'),
};

interface Measured {
  variant: Variant;
  objects: number;
  createSeconds: number;
  updateSeconds: number;
  totalSeconds: number;
  /** From the driver's last write to convergence, summed over both phases. */
  tailSeconds: number;
  /** The variant process's user + system CPU time, start to stop. */
  cpuSeconds: number;
  /** What the rest of the machine used meanwhile; known only on a cluster this run started. */
  otherCpuSeconds?: number;
  requests: RequestCounts;
  /** Peak RSS when the variant said it was ready, before any Widget existed, and at the end. */
  readyRssMiB: number;
  peakRssMiB: number;
}

interface Failed {
  variant: Variant;
  objects: number;
  error: string;
  log: string;
}

type Outcome = Measured | Failed;
const failed = (o: Outcome): o is Failed => 'error' in o;

/** Modules whose import alone is measured: the start-up share of every variant's peak RSS. */
const IMPORTS = [
  ['node + tsx', 'node:fs'],
  ['+ @kubernetes/client-node 2.x (as (a) loads it)', '@kubernetes/client-node'],
  ['+ @dot-i/k8s-operator (client-node 0.20 inside)', '@dot-i/k8s-operator'],
] as const;

await benchmark(
  {
    name: 'runtime',
    summary: 'Time, CPU, API requests and peak RSS of three Widget controllers converging N objects.',
    flags,
  },
  async (run) => {
    const timeoutMs = run.flags.phaseTimeout * 1000;
    const cluster = await useCluster(run, { name: run.flags.clusterName, timeoutMs });
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromFile(cluster.kubeconfig);
    const driver = await DriverClient.from(kubeConfig, run.flags.writers + 4);
    run.defer(() => driver.close());
    const outcomes: Outcome[] = [];
    const tmp = mkdtempSync(join(tmpdir(), 'autopilot-bench-'));
    run.defer(() => {
      if (outcomes.some(failed)) run.log(`the variants' logs are kept in ${tmp}`);
      else rmSync(tmp, { recursive: true, force: true });
    });
    await applyWidgetCrd(cluster, tmp);
    const kubectlProxy = await startKubectlProxy(cluster);
    run.defer(() => kubectlProxy.child.kill('SIGTERM'));

    const bench = { run, driver, tmp, kubectlProxy, cluster, timeoutMs };
    for (const objects of run.flags.objects) {
      for (const variant of run.flags.variants) {
        run.log(`N=${objects}: ${VARIANTS[variant].label}`);
        const outcome = await measure(bench, variant, objects);
        outcomes.push(outcome);
        if (failed(outcome)) {
          const tail = readFileSync(outcome.log, 'utf8').trim().split('\n').slice(-5).join('\n  ');
          run.fail(
            `${VARIANTS[variant].label}, N=${objects}: ${outcome.error}\n  ${outcome.log}:\n  ${tail}`,
          );
        } else {
          run.log(
            `  converged in ${fixed(outcome.totalSeconds)} s, ${outcome.requests.total} requests, ` +
              `peak RSS ${fixed(outcome.peakRssMiB)} MiB`,
          );
        }
      }
    }
    const imports = await importBaselines();
    const ratios = ratiosToFloor(outcomes);
    printTables(outcomes, ratios, imports);
    return {
      cluster: cluster.description,
      dotIVersion: packageVersion('@dot-i/k8s-operator'),
      outcomes: outcomes.map((o) => ({ label: VARIANTS[o.variant].label, ...o })),
      ratiosToFloor: ratios,
      importRssMiB: imports,
    };
  },
);

interface Bench {
  run: Run<typeof flags>;
  driver: DriverClient;
  tmp: string;
  kubectlProxy: { child: ChildProcess; port: number };
  cluster: BenchCluster;
  timeoutMs: number;
}

async function applyWidgetCrd(cluster: BenchCluster, tmp: string): Promise<void> {
  const file = join(tmp, 'widget-crd.json');
  writeFileSync(file, JSON.stringify(widgetCrd));
  await cluster.kubectl('apply', '--server-side', '--field-manager=autopilot-bench', '-f', file);
  await cluster.kubectl(
    'wait',
    '--for=condition=Established',
    `crd/${widgetCrd.metadata.name}`,
    '--timeout=60s',
  );
}

/** `kubectl proxy` on a port it picks: it holds the credentials, the variants talk plain http to it. */
async function startKubectlProxy(cluster: BenchCluster): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(
    join(cluster.bin, 'kubectl'),
    ['--kubeconfig', cluster.kubeconfig, 'proxy', '--port=0', '--address=127.0.0.1'],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  const port = new Promise<number>((found, exited) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /Starting to serve on 127\.0\.0\.1:(\d+)/.exec(output);
      if (match) found(Number(match[1]));
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => exited(new Error(`kubectl proxy exited (${code}): ${output}`)));
  });
  return { child, port: await withTimeout('kubectl proxy starting', 30_000, port) };
}

/** The kubeconfig a variant gets: its own counting proxy, plain http, no credentials. */
function variantKubeconfig(tmp: string, id: string, proxy: CountingProxy, namespace: string): string {
  const file = join(tmp, `kubeconfig-${id}.json`);
  const context = { cluster: 'bench', user: 'bench', namespace };
  writeFileSync(
    file,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'bench', cluster: { server: proxy.url, 'insecure-skip-tls-verify': true } }],
      users: [{ name: 'bench', user: {} }],
      contexts: [{ name: 'bench', context }],
      'current-context': 'bench',
    }),
  );
  return file;
}

/** CPU seconds used so far by the cluster, kubectl proxy and this driver; undefined without the cluster's pids. */
function benchCpuSeconds(bench: Bench): number | undefined {
  if (!bench.cluster.pids) return undefined;
  const { user, system } = process.cpuUsage();
  const pids = [...bench.cluster.pids, bench.kubectlProxy.child.pid ?? 0];
  return pids.reduce((sum, pid) => sum + cpuSeconds(pid), (user + system) / 1e6);
}

async function measure(bench: Bench, variant: Variant, objects: number): Promise<Outcome> {
  const { driver, timeoutMs } = bench;
  const id = `${variant}-${objects}`;
  const namespace = await createNamespace(driver, `bench-${id}`);
  const logFile = join(bench.tmp, `${id}.log`);
  const proxy = await startCountingProxy(bench.kubectlProxy.port);
  const [machineBefore, benchBefore] = [machineBusySeconds(), benchCpuSeconds(bench)];
  const log = openSync(logFile, 'w');
  const child = startNode(VARIANTS[variant].script, {
    env: {
      KUBECONFIG: variantKubeconfig(bench.tmp, id, proxy, namespace),
      BENCH_NAMESPACE: namespace,
      BENCH_WORKERS: String(bench.run.flags.workers),
    },
    stdio: ['ignore', log, log, 'ipc'],
  });
  closeSync(log);
  let exit: string | undefined;
  const exited = new Promise<void>((done) =>
    child.once('exit', (code, signal) => {
      exit = signal ? `killed by ${signal}` : `exited with code ${code}`;
      done();
    }),
  );
  const alive = () => {
    if (exit) throw new StopWaiting(`the ${variant} process ${exit}`);
  };
  try {
    const ready = new Promise<void>((signalled) =>
      child.on('message', (m: ReadyMessage) => {
        if (m.type === 'ready') signalled();
      }),
    );
    await withTimeout(`${variant} ready`, 60_000, Promise.race([ready, exited.then(alive)]));
    const readyRssMiB = peakRssMiB(child.pid!);
    const names = Array.from({ length: objects }, (_, i) => `w-${String(i).padStart(5, '0')}`);
    const tellFloor = (phase: GoMessage['phase']) => {
      if (variant === 'floor' && child.connected) child.send({ type: 'go', phase } satisfies GoMessage);
    };
    /** Polls a list every 500 ms until all N are converged; fails `timeoutMs` after the phase began. */
    const converged = (phase: string, phaseStart: number) => {
      let done = 0;
      return waitUntil(
        `${phase} phase: all ${objects} Widgets converged`,
        async () => {
          alive();
          const list = await driver.list<Widget>(WIDGETS, namespace);
          done = list.items.filter(isConverged).length;
          return list.items.length === objects && done === objects ? true : undefined;
        },
        {
          timeoutMs: Math.max(0, phaseStart + timeoutMs - performance.now()),
          progress: () => `${done} converged`,
        },
      );
    };
    const write = (what: string, request: (name: string) => Promise<unknown>) =>
      withTimeout(what, timeoutMs, pool(names, bench.run.flags.writers, request));

    const createStart = performance.now();
    await write('creating the Widgets', (name) =>
      driver.create(WIDGETS, namespace, {
        apiVersion: 'bench.autopilot.test/v1',
        kind: 'Widget',
        metadata: { name },
        spec: { value: 'v1' },
      }),
    );
    const created = performance.now();
    tellFloor('create');
    await converged('create', createStart);
    const createEnd = performance.now();

    await write('updating the Widgets', (name) =>
      driver.mergePatch(WIDGETS, namespace, name, { spec: { value: 'v2' } }),
    );
    const updated = performance.now();
    tellFloor('update');
    await converged('update', createEnd);
    const updateEnd = performance.now();

    await sleep(1000); // let late requests (if any) reach the counter
    alive();
    const cpu = cpuSeconds(child.pid!);
    const benchAfter = benchCpuSeconds(bench);
    return {
      variant,
      objects,
      createSeconds: (createEnd - createStart) / 1000,
      updateSeconds: (updateEnd - createEnd) / 1000,
      totalSeconds: (updateEnd - createStart) / 1000,
      tailSeconds: (createEnd - created + (updateEnd - updated)) / 1000,
      cpuSeconds: cpu,
      ...(benchBefore !== undefined && benchAfter !== undefined
        ? {
            otherCpuSeconds: Math.max(
              0,
              machineBusySeconds() - machineBefore - (benchAfter - benchBefore) - cpu,
            ),
          }
        : {}),
      requests: structuredClone(proxy.counts),
      readyRssMiB,
      peakRssMiB: peakRssMiB(child.pid!),
    };
  } catch (err) {
    return { variant, objects, error: err instanceof Error ? err.message : String(err), log: logFile };
  } finally {
    await stopProcess(child);
    await proxy.close();
    await deleteNamespace(driver, namespace).catch((err: unknown) =>
      bench.run.log(`warning: ${String(err)}`),
    );
  }
}

function ratiosToFloor(outcomes: Outcome[]) {
  const of = (objects: number, variant: Variant) =>
    outcomes.find((o): o is Measured => o.objects === objects && o.variant === variant && !failed(o));
  return outcomes
    .filter((o) => o.variant !== 'floor')
    .map(({ objects, variant }) => {
      const [m, floor] = [of(objects, variant), of(objects, 'floor')];
      return {
        objects,
        variant,
        totalTime: ratio(m?.totalSeconds, floor?.totalSeconds),
        tailTime: ratio(m?.tailSeconds, floor?.tailSeconds),
        cpu: ratio(m?.cpuSeconds, floor?.cpuSeconds),
        requests: ratio(m?.requests.total, floor?.requests.total),
        peakRss: ratio(m?.peakRssMiB, floor?.peakRssMiB),
      };
    });
}

/** The start-up share of peak RSS: a process that only imports one module, run like the variants. */
async function importBaselines(): Promise<{ label: string; rssMiB: number }[]> {
  const out = [];
  for (const [label, module] of IMPORTS) {
    const script =
      `await import(${JSON.stringify(module)});` +
      `const { readFileSync } = await import('node:fs');` +
      `console.log(/^VmHWM:\\s+(\\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'))[1]);`;
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', script],
      { cwd: repoRoot, timeout: 60_000 },
    );
    out.push({ label, rssMiB: Number(stdout.trim()) / 1024 });
  }
  return out;
}

function packageVersion(name: string): string {
  const file = join(repoRoot, 'node_modules', name, 'package.json');
  return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
}

function printTables(
  outcomes: Outcome[],
  ratios: ReturnType<typeof ratiosToFloor>,
  imports: { label: string; rssMiB: number }[],
): void {
  printTable(
    'Converging N Widgets (create all, then update all):',
    'N | variant | create s | update s | total s | tail s | CPU s | other CPU s | requests | ' +
      'list/watch/get/patch/other | ≥400 | conns | ready RSS MiB | peak RSS MiB',
    outcomes.map((o) => {
      const head = [o.objects, VARIANTS[o.variant].label];
      if (failed(o)) return [...head, 'failed'];
      const k = o.requests.byKind;
      return [
        ...head,
        fixed(o.createSeconds),
        fixed(o.updateSeconds),
        fixed(o.totalSeconds),
        fixed(o.tailSeconds),
        fixed(o.cpuSeconds),
        fixed(o.otherCpuSeconds),
        o.requests.total,
        `${k.list}/${k.watch}/${k.get}/${k.patch}/${k.other}`,
        o.requests.failed,
        o.requests.connections,
        fixed(o.readyRssMiB),
        fixed(o.peakRssMiB),
      ];
    }),
  );
  printTable(
    'Ratios against the floor (c):',
    'N | ratio | total time | tail time | CPU | requests | peak RSS',
    ratios.map((r) => [
      r.objects,
      r.variant === 'ours' ? 'a/c' : 'b/c',
      times(r.totalTime),
      times(r.tailTime),
      times(r.cpu),
      times(r.requests),
      times(r.peakRss),
    ]),
  );
  printTable(
    'Start-up share of the peak RSS:',
    'process that only imports | RSS MiB',
    imports.map((b) => [b.label, fixed(b.rssMiB)]),
  );
}
