// `npm run bench:runtime`: time, API requests and peak RSS of three Widget controllers on one cluster.
import { KubeConfig } from '@kubernetes/client-node';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { ApiError, isNotFound } from '../../src/runtime/client.js';
import { type ResourceType } from '../../src/api/meta.js';
import { buildTools, clusterDown, clusterUp, kwokWorkdir } from '../lib/localCluster.js';
import { DriverClient } from './driverClient.js';
import { startCountingProxy, type CountingProxy, type RequestCounts } from './countingProxy.js';
import { WIDGETS, isConverged, widgetCrd, type GoMessage, type ReadyMessage, type Widget } from './widget.js';

/*
 * N Widgets are created, then all updated once, and converged by (a) AutoPilot's runtime, (b)
 * @dot-i/k8s-operator and (c) a bare floor loop, each its own process; prints a table and writes
 * docs/bench/runtime.md.
 */

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const run = promisify(execFile);
const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

const usage = `usage: npm run bench:runtime -- [--objects 1000,5000] [--variants ours,dot-i,floor] [--workers 4]
  [--writers 20] [--phase-timeout 600] [--cluster-name bench] [--out docs/bench/runtime.md]

  --objects        comma-separated N values (each run creates N Widgets, then updates all N once)
  --variants       which controllers to run, in this order
  --workers        reconcile concurrency of (a) and (c); (b) always handles one event at a time
  --writers        the driver's own concurrency when creating and updating Widgets
  --phase-timeout  seconds each phase (writes + convergence) may take before the variant fails
  --out            markdown report to write ("" for none)
Uses the cluster in KUBECONFIG when set; otherwise starts local cluster --cluster-name and removes it after.`;

const VARIANTS = {
  ours: { label: '(a) AutoPilot runtime', script: 'hack/bench/ours.ts' },
  'dot-i': { label: '(b) @dot-i/k8s-operator', script: 'hack/bench/dotI.ts' },
  floor: { label: '(c) floor', script: 'hack/bench/floor.ts' },
} as const;
type Variant = keyof typeof VARIANTS;

const NAMESPACES: ResourceType = {
  group: '',
  version: 'v1',
  kind: 'Namespace',
  plural: 'namespaces',
  namespaced: false,
};

interface Settings {
  objects: number[];
  variants: Variant[];
  workers: number;
  writers: number;
  phaseTimeoutMs: number;
  clusterName: string;
  out: string;
}

function settingsFrom(argv: string[]): Settings {
  const { values } = parseArgs({
    args: argv,
    options: {
      objects: { type: 'string', default: '1000,5000' },
      variants: { type: 'string', default: 'ours,dot-i,floor' },
      workers: { type: 'string', default: '4' },
      writers: { type: 'string', default: '20' },
      'phase-timeout': { type: 'string', default: '600' },
      'cluster-name': { type: 'string', default: 'bench' },
      out: { type: 'string', default: 'docs/bench/runtime.md' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(usage);
    process.exit(0);
  }
  const positive = (flag: string, text: string, max: number) => {
    const n = Number(text);
    if (!Number.isInteger(n) || n < 1 || n > max)
      throw new Error(`--${flag}: want an integer 1..${max}, got "${text}"`);
    return n;
  };
  const variants = values.variants.split(',').filter(Boolean);
  for (const v of variants) if (!(v in VARIANTS)) throw new Error(`--variants: unknown variant "${v}"`);
  return {
    objects: values.objects
      .split(',')
      .filter(Boolean)
      .map((n) => positive('objects', n, 20_000)),
    variants: variants as Variant[],
    workers: positive('workers', values.workers, 64),
    writers: positive('writers', values.writers, 100),
    phaseTimeoutMs: positive('phase-timeout', values['phase-timeout'], 3600) * 1000,
    clusterName: values['cluster-name'],
    out: values.out,
  };
}

interface Measured {
  variant: Variant;
  objects: number;
  createMs: number;
  updateMs: number;
  totalMs: number;
  /** Time to converge after the driver's last write, summed over both phases. */
  tailMs: number;
  requests: RequestCounts;
  /** VmHWM when the process said it was ready, before any Widget existed: its start-up cost. */
  readyRssKiB: number;
  peakRssKiB: number;
  /** User + system CPU time of the variant process, start to end: steadier than wall time on a busy machine. */
  cpuMs: number;
  /** CPU time the rest of the machine (not the cluster, kubectl proxy, driver or variant) used meanwhile. */
  otherCpuMs: number | undefined;
}

interface Failed {
  variant: Variant;
  objects: number;
  error: string;
  log: string;
}

type Outcome = Measured | Failed;
const failed = (o: Outcome): o is Failed => 'error' in o;

/** Runs `fn` over `items`, `concurrency` at a time; the first failure rejects. */
async function pool<T>(items: T[], concurrency: number, fn: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
}

/** `work`, or a failure once `ms` have passed (a late failure of `work` is then ignored). */
async function within<T>(ms: number, what: string, work: Promise<T>): Promise<T> {
  work.catch(() => {});
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      work,
      new Promise<never>((_, late) => {
        timer = setTimeout(() => late(new Error(`${what}: not done within ${Math.round(ms / 1000)} s`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** The driver's own writes retry server-side hiccups (429, 5xx, dropped connections) a few times. */
async function retrying<T>(what: string, attempt: () => Promise<T>, tries = 5): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await attempt();
    } catch (err) {
      const retriable = !(err instanceof ApiError) || err.code === 429 || err.code >= 500;
      if (!retriable || i >= tries) {
        throw new Error(`${what}: ${err instanceof Error ? err.message : String(err)}`);
      }
      await sleep(250 * i);
    }
  }
}

class Bench {
  readonly tmp = mkdtempSync(join(tmpdir(), 'autopilot-bench-'));
  readonly children = new Set<ChildProcess>();
  private kubectlProxy: ChildProcess | undefined;
  private proxyPort = 0;
  /** The local cluster's processes, when this run started the cluster (to tell its CPU from others'). */
  clusterPids: number[] | undefined;

  constructor(
    readonly settings: Settings,
    readonly client: DriverClient,
    readonly kubectl: string,
  ) {}

  async kubectlRun(args: string[]): Promise<string> {
    const { stdout } = await run(this.kubectl, args, { maxBuffer: 16 * 1024 * 1024, timeout: 120_000 });
    return stdout;
  }

  async applyCrd(): Promise<void> {
    const file = join(this.tmp, 'widget-crd.json');
    writeFileSync(file, JSON.stringify(widgetCrd, null, 2));
    await this.kubectlRun(['apply', '--server-side', '--field-manager=autopilot-bench', '-f', file]);
    await this.kubectlRun([
      'wait',
      '--for=condition=Established',
      `crd/${widgetCrd.metadata.name}`,
      '--timeout=60s',
    ]);
  }

  /** `kubectl proxy` on a port it picks: it holds the credentials, the variants talk plain http to it. */
  async startKubectlProxy(): Promise<void> {
    const child = spawn(this.kubectl, ['proxy', '--port=0', '--address=127.0.0.1'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.kubectlProxy = child;
    let output = '';
    this.proxyPort = await new Promise<number>((resolvePort, reject) => {
      const timer = setTimeout(() => reject(new Error(`kubectl proxy did not start: ${output}`)), 30_000);
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        const match = /Starting to serve on 127\.0\.0\.1:(\d+)/.exec(output);
        if (match) {
          clearTimeout(timer);
          resolvePort(Number(match[1]));
        }
      };
      child.stdout.on('data', onData);
      child.stderr.on('data', onData);
      child.once('exit', (code) => reject(new Error(`kubectl proxy exited (${code}): ${output}`)));
    });
  }

  /** CPU time used so far by the cluster, kubectl proxy and this driver; undefined without cluster pids. */
  private benchCpuMs(): number | undefined {
    if (!this.clusterPids) return undefined;
    const { user, system } = process.cpuUsage();
    const pids = [...this.clusterPids, ...(this.kubectlProxy?.pid ? [this.kubectlProxy.pid] : [])];
    return pids.reduce((sum, pid) => sum + cpuTimeMs(pid), (user + system) / 1000);
  }

  stop(): void {
    for (const child of this.children) child.kill('SIGKILL');
    this.kubectlProxy?.kill('SIGTERM');
  }

  /** The kubeconfig a variant gets: its own counting proxy, plain http, no credentials. */
  writeVariantKubeconfig(name: string, proxy: CountingProxy, namespace: string): string {
    const file = join(this.tmp, `kubeconfig-${name}.json`);
    writeFileSync(
      file,
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{ name: 'bench', cluster: { server: proxy.url, 'insecure-skip-tls-verify': true } }],
        users: [{ name: 'bench', user: {} }],
        contexts: [{ name: 'bench', context: { cluster: 'bench', user: 'bench', namespace } }],
        'current-context': 'bench',
      }),
    );
    return file;
  }

  async measure(variant: Variant, objects: number): Promise<Outcome> {
    const id = `${variant}-${objects}`;
    const namespace = `bench-${id}-${randomBytes(3).toString('hex')}`;
    const logFile = join(this.tmp, `${id}.log`);
    await retrying('create namespace', () =>
      this.client.create(NAMESPACES, undefined, { metadata: { name: namespace } }),
    );
    const proxy = await startCountingProxy(this.proxyPort);
    const [machineBefore, benchBefore] = [machineBusyMs(), this.benchCpuMs()];
    const log = openSync(logFile, 'w');
    const child = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, VARIANTS[variant].script)], {
      cwd: repoRoot,
      env: {
        ...process.env,
        KUBECONFIG: this.writeVariantKubeconfig(id, proxy, namespace),
        BENCH_NAMESPACE: namespace,
        BENCH_WORKERS: String(this.settings.workers),
      },
      stdio: ['ignore', log, log, 'ipc'],
    });
    closeSync(log);
    this.children.add(child);
    child.on('error', (err) => console.error(`  ${variant} process: ${err.message}`));
    let exit: string | undefined;
    const exited = new Promise<void>((done) =>
      child.once('exit', (code, signal) => {
        exit = signal ? `killed by ${signal}` : `exited with code ${code}`;
        done();
      }),
    );
    try {
      await this.waitReady(child, exited);
      const readyRssKiB = vmHwmKiB(child.pid!);
      const names = Array.from({ length: objects }, (_, i) => `w-${String(i).padStart(5, '0')}`);
      const tellFloor = (phase: GoMessage['phase']) => {
        if (variant === 'floor' && child.connected) child.send({ type: 'go', phase } satisfies GoMessage);
      };
      const alive = () => {
        if (exit) throw new Error(`the ${variant} process ${exit}`);
      };

      const createStart = performance.now();
      const timeout = this.settings.phaseTimeoutMs;
      await within(
        timeout,
        'creating the Widgets',
        pool(names, this.settings.writers, (name) =>
          retrying(`create ${name}`, () =>
            this.client.create(WIDGETS, namespace, {
              apiVersion: 'bench.autopilot.test/v1',
              kind: 'Widget',
              metadata: { name },
              spec: { value: 'v1' },
            }),
          ),
        ),
      );
      const created = performance.now();
      tellFloor('create');
      await this.waitConverged('create', namespace, objects, createStart, alive);
      const createEnd = performance.now();

      await within(
        timeout,
        'updating the Widgets',
        pool(names, this.settings.writers, (name) =>
          retrying(`update ${name}`, () =>
            this.client.mergePatch(WIDGETS, namespace, name, { spec: { value: 'v2' } }),
          ),
        ),
      );
      const updated = performance.now();
      tellFloor('update');
      await this.waitConverged('update', namespace, objects, createEnd, alive);
      const updateEnd = performance.now();

      await sleep(1000); // let late requests (if any) reach the counter
      alive();
      const peakRssKiB = vmHwmKiB(child.pid!);
      const cpuMs = cpuTimeMs(child.pid!);
      const benchAfter = this.benchCpuMs();
      const otherCpuMs =
        benchBefore === undefined || benchAfter === undefined
          ? undefined
          : Math.max(0, machineBusyMs() - machineBefore - (benchAfter - benchBefore) - cpuMs);
      return {
        variant,
        objects,
        createMs: createEnd - createStart,
        updateMs: updateEnd - createEnd,
        totalMs: updateEnd - createStart,
        tailMs: createEnd - created + (updateEnd - updated),
        requests: structuredClone(proxy.counts),
        readyRssKiB,
        peakRssKiB,
        cpuMs,
        otherCpuMs,
      };
    } catch (err) {
      return { variant, objects, error: err instanceof Error ? err.message : String(err), log: logFile };
    } finally {
      if (!exit) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }
      this.children.delete(child);
      await proxy.close();
      await this.deleteNamespace(namespace);
    }
  }

  private async waitReady(child: ChildProcess, exited: Promise<void>): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        new Promise<void>((ready) =>
          child.on('message', (m: ReadyMessage) => {
            if (m.type === 'ready') ready();
          }),
        ),
        exited.then(() => Promise.reject(new Error('the process ended before it was ready'))),
        new Promise<void>((_, late) => {
          timer = setTimeout(() => late(new Error('not ready within 60 s')), 60_000);
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Polls a list every 500 ms until all `objects` Widgets are converged; fails at the phase timeout. */
  private async waitConverged(
    phase: string,
    namespace: string,
    objects: number,
    phaseStart: number,
    alive: () => void,
  ): Promise<void> {
    const deadline = phaseStart + this.settings.phaseTimeoutMs;
    for (;;) {
      alive();
      const list = await retrying('list widgets', () => this.client.list<Widget>(WIDGETS, namespace));
      const done = list.items.filter(isConverged).length;
      if (list.items.length === objects && done === objects) return;
      if (performance.now() > deadline) {
        throw new Error(
          `${phase} phase: ${done} of ${objects} Widgets converged after ${this.settings.phaseTimeoutMs / 1000} s`,
        );
      }
      await sleep(500);
    }
  }

  /** Deletes a variant's namespace and waits (up to 5 minutes) until it is gone, so runs do not overlap. */
  private async deleteNamespace(namespace: string): Promise<void> {
    try {
      await this.client.delete(NAMESPACES, undefined, namespace);
      const deadline = performance.now() + 300_000;
      while (performance.now() < deadline) {
        try {
          await this.client.get(NAMESPACES, undefined, namespace);
        } catch (err) {
          if (isNotFound(err)) return;
        }
        await sleep(1000);
      }
      console.error(`warning: namespace ${namespace} still exists after 5 minutes`);
    } catch (err) {
      console.error(`warning: deleting namespace ${namespace}: ${String(err)}`);
    }
  }
}

function vmHwmKiB(pid: number): number {
  const match = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!match) throw new Error(`no VmHWM in /proc/${pid}/status`);
  return Number(match[1]);
}

/** The commit the variants ran from, and whether src/ had uncommitted changes. */
async function treeVersion(): Promise<string> {
  try {
    const git = (args: string[]) => run('git', args, { cwd: repoRoot }).then((r) => r.stdout.trim());
    const head = await git(['rev-parse', '--short', 'HEAD']);
    const dirty = await git(['status', '--porcelain', '--untracked-files=no', '--', 'src']);
    return dirty ? `${head} with uncommitted changes in src/` : head;
  } catch {
    return 'unknown';
  }
}

/** Busy CPU time of the whole machine so far, all cores, from /proc/stat, in ms (USER_HZ is 100). */
function machineBusyMs(): number {
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = readFileSync(
    '/proc/stat',
    'utf8',
  )
    .split('\n')[0]!
    .trim()
    .split(/\s+/)
    .slice(1)
    .map(Number);
  return (user + nice + system + irq + softirq + steal) * 10;
}

/** The pids of a local cluster's processes (kwokctl's binary runtime keeps them in pids/*.pid). */
function clusterPids(name: string): number[] {
  const dir = join(kwokWorkdir(), 'clusters', name, 'pids');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.pid'))
    .map((f) => Number(readFileSync(join(dir, f), 'utf8').trim()))
    .filter((pid) => Number.isInteger(pid) && pid > 0);
}

/** utime + stime of a process from /proc/<pid>/stat, in ms (Linux's USER_HZ is 100); 0 once it is gone. */
function cpuTimeMs(pid: number): number {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return 0;
  }
  // Fields after the command (which may hold spaces) start at field 3; utime and stime are fields 14 and 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** Modules whose import alone is measured (node --import tsx, VmHWM after the import). */
const BASELINES = [
  ['node + tsx', 'node:fs'],
  ['+ @kubernetes/client-node 2.x (as (a) loads it)', '@kubernetes/client-node'],
  ['+ @dot-i/k8s-operator (client-node 0.20 inside)', '@dot-i/k8s-operator'],
] as const;

interface Baseline {
  label: string;
  rssKiB: number;
}

/** The start-up share of peak RSS: a process that only imports one module, run like the variants. */
async function importBaselines(): Promise<Baseline[]> {
  const out: Baseline[] = [];
  for (const [label, module] of BASELINES) {
    const script =
      `await import(${JSON.stringify(module)});` +
      `const { readFileSync } = await import('node:fs');` +
      `console.log(/^VmHWM:\\s+(\\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'))[1]);`;
    const { stdout } = await run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: repoRoot,
      timeout: 60_000,
    });
    out.push({ label, rssKiB: Number(stdout.trim()) });
  }
  return out;
}

/** A markdown table laid out the way prettier formats it (so `prettier --check` passes). */
function table(header: string[], rows: string[][], rightAligned: boolean[]): string {
  const widths = header.map((h, i) => Math.max(3, h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    `| ${cells.map((c, i) => (rightAligned[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join(' | ')} |`;
  const rule = `| ${widths.map((w, i) => (rightAligned[i] ? `${'-'.repeat(w - 1)}:` : '-'.repeat(w))).join(' | ')} |`;
  return [line(header), rule, ...rows.map(line)].join('\n');
}

const seconds = (ms: number) => (ms / 1000).toFixed(1);
const mib = (kib: number) => (kib / 1024).toFixed(1);
const ratio = (a: number, b: number) => (b > 0 ? `${(a / b).toFixed(2)}×` : 'n/a');

function resultsTable(outcomes: Outcome[]): string {
  const rows = outcomes.map((o) => {
    const label = VARIANTS[o.variant].label;
    if (failed(o)) return [String(o.objects), label, 'failed', '', '', '', '', '', '', '', '', '', '', ''];
    const k = o.requests.byKind;
    return [
      String(o.objects),
      label,
      seconds(o.createMs),
      seconds(o.updateMs),
      seconds(o.totalMs),
      seconds(o.tailMs),
      seconds(o.cpuMs),
      o.otherCpuMs === undefined ? 'n/a' : seconds(o.otherCpuMs),
      String(o.requests.total),
      `${k.list}/${k.watch}/${k.get}/${k.patch}/${k.other}`,
      String(o.requests.failed),
      String(o.requests.connections),
      mib(o.readyRssKiB),
      mib(o.peakRssKiB),
    ];
  });
  return table(
    [
      'N',
      'variant',
      'create s',
      'update s',
      'total s',
      'tail s',
      'CPU s',
      'other CPU s',
      'requests',
      'list/watch/get/patch/other',
      '≥400',
      'conns',
      'ready RSS MiB',
      'peak RSS MiB',
    ],
    rows,
    [true, false, true, true, true, true, true, true, true, true, true, true, true, true],
  );
}

function ratiosTable(outcomes: Outcome[]): string {
  const rows: string[][] = [];
  for (const n of new Set(outcomes.map((o) => o.objects))) {
    const of = (v: Variant) =>
      outcomes.find((o): o is Measured => o.objects === n && o.variant === v && !failed(o));
    const floor = of('floor');
    for (const [name, v] of [
      ['a/c', 'ours'],
      ['b/c', 'dot-i'],
    ] as const) {
      const m = of(v);
      if (!m || !floor) {
        if (outcomes.some((o) => o.objects === n && o.variant === v))
          rows.push([String(n), name, 'n/a', 'n/a', 'n/a', 'n/a', 'n/a']);
        continue;
      }
      rows.push([
        String(n),
        name,
        ratio(m.totalMs, floor.totalMs),
        ratio(m.tailMs, floor.tailMs),
        ratio(m.cpuMs, floor.cpuMs),
        ratio(m.requests.total, floor.requests.total),
        ratio(m.peakRssKiB, floor.peakRssKiB),
      ]);
    }
  }
  return table(['N', 'ratio', 'total time', 'tail time', 'CPU', 'requests', 'peak RSS'], rows, [
    true,
    false,
    true,
    true,
    true,
    true,
    true,
  ]);
}

function baselineTable(baselines: Baseline[]): string {
  return table(
    ['process that only imports', 'RSS MiB'],
    baselines.map((b) => [b.label, mib(b.rssKiB)]),
    [false, true],
  );
}

function report(
  settings: Settings,
  outcomes: Outcome[],
  baselines: Baseline[],
  where: string,
  dotIVersion: string,
  tree: string,
): string {
  const cpu = cpus();
  const date = new Date().toISOString().slice(0, 10);
  return `# Runtime benchmark: AutoPilot's runtime, @dot-i/k8s-operator and a bare loop

Written by \`npm run bench:runtime\` (\`hack/bench/runtime.ts\`); run it again to refresh this file.

## Method

- One cluster for the whole run: ${where}.
- A namespaced CRD \`widgets.bench.autopilot.test\` (\`spec.value\`, \`status.observed\`, status
  subresource), applied with \`kubectl apply --server-side\`.
- Every variant runs the same controller: for each Widget whose \`status.observed\` differs from
  \`spec.value\`, merge-patch \`/status\` with \`observed = spec.value\`. Each is its own process
  (\`node --import tsx hack/bench/<variant>.ts\`) in a fresh namespace, one variant at a time:
  - (a) \`hack/bench/ours.ts\`: \`src/runtime\`'s Manager (list + watch informer, work queue, ${settings.workers}
    workers, \`patchStatus\`), leader election, metrics and probes off;
  - (b) \`hack/bench/dotI.ts\`: \`@dot-i/k8s-operator\` ${dotIVersion} (\`watchResource\` +
    \`patchResourceStatus\`; it nests \`@kubernetes/client-node\` 0.20 and handles one event at a time);
  - (c) \`hack/bench/floor.ts\`, the floor: no watch, no cache, no client library. After the driver has
    written a phase it lists the Widgets once and patches each one that needs it, ${settings.workers} at a time
    (2 lists + 2N patches in all). It starts only after the driver's writes, so its time is no lower bound.
- The driver's own requests go straight to the API server over one keep-alive TLS pool and are not counted.
- The driver waits for each variant to say it is ready (caches synced or watch sent), creates N Widgets
  (${settings.writers} at a time), polls a list every 500 ms until all N are converged, then merge-patches
  \`spec.value\` of all N and waits again. _create s_ runs from the first create to convergence, _update s_
  from there to convergence after the updates, _total s_ is both; _tail s_ is the time from the driver's last
  write to convergence, summed over both phases (the 500 ms polling makes each phase up to 0.5 s late);
  _CPU s_ is the variant process's user + system CPU time from start to stop (\`/proc/<pid>/stat\`),
  steadier than wall time when the machine is busy. _other CPU s_ is what every other process on the
  machine used meanwhile (busy time from \`/proc/stat\` minus the cluster, \`kubectl proxy\`, the driver and
  the variant): near 0 when nothing else ran; where it is large, the times of that row are disturbed.
  Each phase fails after ${settings.phaseTimeoutMs / 1000} s. Variants run one after another in the order shown; the
  API server, etcd, \`kubectl proxy\`, the driver and the variant share the machine's cores, so times vary
  noticeably from run to run, request counts and RSS much less.
- API requests: each variant's kubeconfig points at its own counting reverse proxy (\`node:http\`, in the
  driver) in front of one \`kubectl proxy\`, which holds the credentials. Every request the process makes
  counts once (a watch too), from start to kill; _≥400_ counts answers of 400 and above (e.g. 409 Conflict),
  _conns_ the TCP connections the process opened to its proxy (as many as requests without keep-alive).
- Peak RSS: \`VmHWM\` from \`/proc/<pid>/status\` of the variant's node process just before it is stopped;
  _ready RSS_ is the same reading when the variant said it was ready, before any Widget existed (what
  loading its modules and starting cost). All three pay the same node + tsx baseline.

## Results

${date}, ${cpu.length} cores (${cpu[0]?.model.trim() ?? 'unknown CPU'}), ${Math.round(totalmem() / 2 ** 30)} GiB RAM,
Node ${process.version}, tree ${tree}; N = ${settings.objects.join(', ')}.

${resultsTable(outcomes)}

Ratios against the floor (c):

${ratiosTable(outcomes)}

Start-up share of the peak RSS, measured in the same run:

${baselineTable(baselines)}
${
  outcomes.some(failed)
    ? `\nFailed:\n\n${outcomes
        .filter(failed)
        .map((o) => `- ${VARIANTS[o.variant].label}, N = ${o.objects}: ${o.error}`)
        .join('\n')}\n`
    : ''
}
## How @dot-i/k8s-operator ${dotIVersion} behaves (from its source, \`dist/operator.js\`)

- Every watch event goes through one \`async.queue\` of concurrency 1: no per-object dedup, no
  parallelism, and its own status writes come back as MODIFIED events that are queued and handled too.
- No list and no cache: it watches without a resourceVersion, so the server first replays every object
  as ADDED. A watch the server ends normally is restarted 200 ms later the same way (everything
  replayed again); any watch error — a refused connection, a non-200 answer — calls \`process.exit(1)\`.
- \`patchResourceStatus\` puts the event's \`metadata.resourceVersion\` in the merge patch, so a write from
  a stale event fails with 409; the error is logged and swallowed (it returns \`null\`), never retried.
- \`start()\` resolves once the watch request is sent, not when it is established; \`stop()\` only aborts
  the watches (no drain of queued events).
`;
}

async function main(): Promise<number> {
  let settings: Settings;
  try {
    settings = settingsFrom(process.argv.slice(2));
  } catch (err) {
    console.error(`bench:runtime: ${err instanceof Error ? err.message : String(err)}\n\n${usage}`);
    return 2;
  }
  const bin = await buildTools();
  const kubectl = join(bin, 'kubectl');
  let started: string | undefined;
  let where: string;
  if (process.env.KUBECONFIG) {
    where = `the cluster in KUBECONFIG`;
  } else {
    console.error(`starting local cluster ${settings.clusterName} (1 node)…`);
    const cluster = await clusterUp(settings.clusterName, { nodes: 1 });
    started = cluster.name;
    process.env.KUBECONFIG = cluster.kubeconfig;
    where = 'a local kwok cluster (binary runtime, 1 fake node) started by the script';
  }
  let bench: Bench;
  try {
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromDefault();
    bench = new Bench(settings, await DriverClient.from(kubeConfig, settings.writers + 4), kubectl);
    if (started) bench.clusterPids = clusterPids(started);
  } catch (err) {
    if (started) await clusterDown(started);
    throw err;
  }
  let interrupted = false;
  const interrupt = () => {
    interrupted = true;
    console.error('interrupted: stopping variants and cleaning up');
    bench.stop();
    void (started ? clusterDown(started).catch(() => {}) : Promise.resolve()).then(() => process.exit(130));
  };
  process.once('SIGINT', interrupt);
  process.once('SIGTERM', interrupt);

  const outcomes: Outcome[] = [];
  try {
    const version = JSON.parse(await bench.kubectlRun(['version', '-o', 'json'])) as {
      serverVersion?: { gitVersion?: string };
    };
    where += ` (Kubernetes ${version.serverVersion?.gitVersion ?? 'unknown'})`;
    await bench.applyCrd();
    await bench.startKubectlProxy();
    const dotIVersion = (
      JSON.parse(readFileSync(join(repoRoot, 'node_modules/@dot-i/k8s-operator/package.json'), 'utf8')) as {
        version: string;
      }
    ).version;
    for (const objects of settings.objects) {
      for (const variant of settings.variants) {
        if (interrupted) break;
        console.error(`N=${objects}: ${VARIANTS[variant].label}…`);
        const outcome = await bench.measure(variant, objects);
        outcomes.push(outcome);
        if (failed(outcome)) {
          const tail = readFileSync(outcome.log, 'utf8').trim().split('\n').slice(-5).join('\n  ');
          console.error(`  FAILED: ${outcome.error}\n  log ${outcome.log}:\n  ${tail}`);
        } else {
          console.error(
            `  converged in ${seconds(outcome.totalMs)} s, ${outcome.requests.total} requests, peak RSS ${mib(outcome.peakRssKiB)} MiB`,
          );
        }
      }
    }
    const baselines = await importBaselines();
    const text = report(settings, outcomes, baselines, where, dotIVersion, await treeVersion());
    console.log(
      `\n${resultsTable(outcomes)}\n\nRatios against the floor (c):\n\n${ratiosTable(outcomes)}\n\n` +
        `Start-up share of the peak RSS:\n\n${baselineTable(baselines)}\n`,
    );
    if (settings.out) {
      writeFileSync(resolve(repoRoot, settings.out), text);
      console.error(`wrote ${settings.out}`);
    }
  } finally {
    bench.stop();
    await bench.client.close();
    if (started) {
      console.error(`removing local cluster ${started}…`);
      await clusterDown(started);
    }
    if (!outcomes.some(failed)) rmSync(bench.tmp, { recursive: true, force: true });
  }
  const failures = outcomes.filter(failed);
  for (const f of failures) {
    console.error(
      `bench:runtime: ${VARIANTS[f.variant].label} did not converge for N=${f.objects}: ${f.error}`,
    );
  }
  if (failures.length > 0) console.error(`logs kept in ${bench.tmp}`);
  return failures.length > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`bench:runtime: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    process.exit(1);
  },
);
