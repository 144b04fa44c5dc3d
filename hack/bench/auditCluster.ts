// Parts 2 and 3 of `npm run bench:audit`: decision latency of N Ventures on a cluster, and the PATCH floor.
import { KubeConfig } from '@kubernetes/client-node';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fetch } from 'undici';
import { isNotFound, KubeClient } from '../../src/runtime/client.js';
import { type KubeObject } from '../../src/api/meta.js';
import { DEPLOYMENTS } from '../../src/api/resources.js';
import { VENTURE_LABEL } from '../../src/controllers/venture/workload.js';
import type { VentureResource } from '../../src/api/v1alpha1/index.js';
import { LocalPrometheus, freePort } from '../lib/prometheus.js';
import { DriverClient } from './driverClient.js';
import { startVentureApp, type Numbers } from '../lib/ventureApp.js';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

/** The audit interval of every benchmark Venture (its business period is ScenarioSettings.periodMs). */
export const INTERVAL_MS = 2000;
/** policy.trendWindow (the default): an audit keeps history of this many periods, its own included. */
export const TREND_WINDOW = 6;
/** Prometheus' scrape interval (LocalPrometheus). */
export const SCRAPE_MS = 1000;
export const PROMETHEUS_POLL_MS = 50;
export const DEPLOYMENT_POLL_MS = 250;
const FLOOR_PATCHES = 50;

/** Stops what is running that is not a child process (Prometheus is LocalPrometheus' child), for signal handlers. */
export const cleanups = new Set<() => Promise<void>>();
const STEADY_MS = 10_000;

/** Margin 10 %, ROI 11 %, growth 0: no threshold crossed, so every audit holds. */
export const HOLD = {
  revenue: 10_000,
  costs: 9_000,
  customers: 500,
  acquisitionSpend: 1_000,
  satisfaction: 0.9,
  cash: 100_000,
};
/** Margin 75 %, ROI 300 %, revenue doubled, satisfaction 0.9: Scale 1 → 2 (maxReplicas 2). */
export const WIN = { revenue: 20_000, costs: 5_000 };

export interface ScenarioSettings {
  ventures: number;
  /** How many ventures flip to winning numbers: min(ventures, flip). */
  flip: number;
  workers: number;
  phaseTimeoutMs: number;
  /** policy.period of every Venture. */
  periodMs: number;
  kubeconfig: string;
  /** Diagnostic: serve the operator's /metrics and summarize them over the steady window. */
  operatorMetrics: boolean;
  /** Children to kill on teardown, shared with the caller's signal handlers. */
  children: Set<ChildProcess>;
  log: (line: string) => void;
}

export interface Stats {
  count: number;
  p50: number;
  p90: number;
  max: number;
  min: number;
}

export interface FloorStats {
  keepAlive: Stats;
  /** Through src/runtime's KubeClient, as the operator sends its requests. */
  operatorClient: Stats;
}

export interface ScenarioResult {
  ventures: number;
  flipped: number;
  /** Seconds to create all N Ventures, and from the first create until all are audited with growth known. */
  createSeconds: number;
  auditedSeconds: number;
  /** Audits (logged decisions) per second over a 10 s window before the flip. */
  auditsPerSecond: number;
  reconcileErrors: number;
  floorIdle?: FloorStats;
  floorLoaded?: FloorStats;
  /** POST to the app → visible in Prometheus, ms. */
  prometheusLag?: Stats;
  /** t0 → the operator logs the Scale decision, ms. */
  toDecision?: Stats;
  /** Scale decision logged → Deployment seen at 2 replicas, ms. */
  decisionToDeployment?: Stats;
  /** t0 → Deployment seen at 2 replicas, ms. */
  latency?: Stats;
  /** First t0 → last Deployment seen at 2 replicas, ms. */
  allScaledMs?: number;
  scaled: number;
  /** Of the flipped ventures that scaled: how many made 0, 1, 2 or more other decisions between t0 and the Scale. */
  decisionsBeforeScale: number[];
  /** With operatorMetrics: reconciles, their time, queue wait, API requests and CPU over the steady window. */
  diagnosis?: string;
  failure?: string;
}

export function stats(values: number[]): Stats | undefined {
  if (!values.length) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
  return { count: values.length, p50: at(0.5), p90: at(0.9), max: sorted.at(-1)!, min: sorted[0]! };
}

/** Runs `fn` over `items`, `concurrency` at a time. */
async function pool<T>(items: readonly T[], concurrency: number, fn: (item: T) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}

/** An error that ends a wait at once; any other error from a probe is retried until the deadline. */
class Fatal extends Error {}

/** Polls `probe` every `intervalMs` until it returns a value; fails with `what` after `timeoutMs`. */
async function until<T>(
  what: string,
  timeoutMs: number,
  intervalMs: number,
  probe: () => Promise<T | undefined>,
  detail: () => string = () => '',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError = '';
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      if (err instanceof Fatal) throw err;
      lastError = err instanceof Error ? err.message : String(err);
    }
    if (Date.now() > deadline) {
      const more = [detail(), lastError && `last error: ${lastError}`].filter(Boolean).join('; ');
      throw new Error(`${what} did not happen within ${timeoutMs / 1000} s${more ? ` (${more})` : ''}`);
    }
    await sleep(intervalMs);
  }
}

/** What the operator logged: when each venture's Scale decision was made, audits per second, errors. */
class OperatorLog {
  readonly scaledAt = new Map<string, number>();
  /** Logged decisions per whole second (epoch s). */
  readonly decisionsPerSecond = new Map<number, number>();
  /** Every decision of the ventures that will flip: when, and what. */
  readonly watched = new Map<string, { at: number; action: string; reason: string }[]>();
  errors = 0;
  lastError = '';
  private partial = '';

  constructor(child: ChildProcess, watch: readonly string[]) {
    for (const name of watch) this.watched.set(name, []);
    child.stdout!.on('data', (chunk: Buffer) => {
      const lines = (this.partial + chunk.toString()).split('\n');
      this.partial = lines.pop() ?? '';
      for (const line of lines) this.line(line);
    });
  }

  private line(line: string) {
    const decided = line.includes('"msg":"decided"');
    const failed = line.includes('"level":50') || line.includes('"msg":"reconcile failed"');
    if (!decided && !failed) return;
    let entry: Record<string, unknown>;
    try {
      entry = JSON.parse(line) as Record<string, unknown>;
    } catch {
      return;
    }
    const at = Date.parse(String(entry.time));
    if (decided) {
      const second = Math.floor(at / 1000);
      this.decisionsPerSecond.set(second, (this.decisionsPerSecond.get(second) ?? 0) + 1);
      this.watched
        .get(String(entry.name))
        ?.push({ at, action: String(entry.action), reason: String(entry.reason) });
      if (entry.action === 'Scale' && !this.scaledAt.has(String(entry.name))) {
        this.scaledAt.set(String(entry.name), at);
      }
    } else {
      this.errors++;
      this.lastError = String(entry.err ?? entry.msg);
    }
  }

  /** Decisions per second logged in [from, to). */
  rate(from: number, to: number): number {
    let count = 0;
    for (let s = Math.ceil(from / 1000); s < Math.floor(to / 1000); s++)
      count += this.decisionsPerSecond.get(s) ?? 0;
    const seconds = Math.floor(to / 1000) - Math.ceil(from / 1000);
    return seconds > 0 ? count / seconds : NaN;
  }
}

function node(
  children: Set<ChildProcess>,
  script: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  stdout: 'ignore' | 'pipe',
) {
  const child = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, script), ...args], {
    cwd: repoRoot,
    env: { ...process.env, ...env },
    stdio: ['ignore', stdout, 'inherit'],
  });
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

async function stop(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((done) => child.once('exit', done));
  child.kill('SIGTERM');
  const killed = await Promise.race([exited.then(() => true), sleep(10_000).then(() => false)]);
  if (!killed) {
    child.kill('SIGKILL');
    await exited;
  }
}

/** The series of an instant query. */
async function promQuery(
  address: string,
  query: string,
): Promise<{ metric: Record<string, string>; value: [number, string] }[]> {
  const response = await fetch(`${address}/api/v1/query?query=${encodeURIComponent(query)}`);
  const body = (await response.json()) as {
    data?: { result?: { metric: Record<string, string>; value: [number, string] }[] };
  };
  return body.data?.result ?? [];
}

export function ventureManifest(name: string, periodMs: number) {
  const q = (metric: string) => `sum(${metric}{venture="${name}"})`;
  return {
    apiVersion: 'autopilot.ventures/v1alpha1',
    kind: 'Venture',
    metadata: { name },
    spec: {
      replicas: 1,
      scaling: { minReplicas: 1, maxReplicas: 2, factor: 2 },
      workload: { template: { spec: { containers: [{ name: 'app', image: 'example/venture:1' }] } } },
      metrics: {
        provider: 'prometheus',
        interval: `${INTERVAL_MS / 1000}s`,
        maxSampleAge: '1m',
        prometheus: {
          queries: {
            revenue: q('venture_revenue_dollars_monthly'),
            costs: q('venture_costs_dollars_monthly'),
            customers: q('venture_customers'),
            acquisitionSpend: q('venture_acquisition_spend_dollars_monthly'),
            satisfaction: q('venture_customer_satisfaction_ratio'),
            cash: q('venture_cash_dollars'),
          },
        },
      },
      // Short business periods; growth -1 means any known growth qualifies for scaling.
      policy: { period: `${periodMs / 1000}s`, trendWindow: TREND_WINDOW, scale: { growthRate: -1 } },
    },
  };
}

/** Median etc. of FLOOR_PATCHES sequential merge-patches of a Deployment's replicas (1 ↔ 2). */
async function patchFloor(
  driver: DriverClient,
  client: KubeClient,
  namespace: string,
  name: string,
): Promise<FloorStats> {
  const path = `/apis/apps/v1/namespaces/${namespace}/deployments/${name}`;
  const keepAlive: number[] = [];
  const operatorClient: number[] = [];
  for (let i = 0; i < FLOOR_PATCHES; i++) {
    const patch = { spec: { replicas: 1 + (i % 2) } };
    let started = performance.now();
    await driver.request('PATCH', path, patch, 'application/merge-patch+json');
    keepAlive.push(performance.now() - started);
    started = performance.now();
    await client.mergePatch(DEPLOYMENTS, namespace, name, { spec: { replicas: 2 - (i % 2) } });
    operatorClient.push(performance.now() - started);
  }
  return { keepAlive: stats(keepAlive)!, operatorClient: stats(operatorClient)! };
}

/** Prometheus text format → series (name{labels}) → value. */
function samples(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const space = line.lastIndexOf(' ');
    out.set(line.slice(0, space), Number(line.slice(space + 1)));
  }
  return out;
}

/** What the venture controller did between two scrapes of the operator's /metrics. */
function diagnose(beforeText: string, afterText: string, seconds: number): string {
  const [a, b] = [samples(beforeText), samples(afterText)];
  const delta = (test: (series: string) => boolean) => {
    let sum = 0;
    for (const [series, value] of b) if (test(series)) sum += value - (a.get(series) ?? 0);
    return sum;
  };
  const venture = (name: string) => (s: string) =>
    s.startsWith(name) && /(controller|name)="venture"/.test(s);
  const reconciles = delta(venture('autopilot_reconcile_total{'));
  const reconcileSeconds = delta(venture('autopilot_reconcile_duration_seconds_sum'));
  const waits = delta(venture('autopilot_workqueue_queue_duration_seconds_count'));
  const waitSeconds = delta(venture('autopilot_workqueue_queue_duration_seconds_sum'));
  const cpu = delta((s) => s === 'autopilot_process_cpu_seconds_total');
  const audits = delta((s) => s === 'autopilot_venture_audit_duration_seconds_count');
  const auditSeconds = delta((s) => s === 'autopilot_venture_audit_duration_seconds_sum');
  const requests = new Map<string, number>();
  for (const [series, value] of b) {
    const m = /^autopilot_rest_client_requests_total\{verb="([^"]+)",resource="([^"]+)"/.exec(series);
    if (!m) continue;
    const key = `${m[1]} ${m[2]}`;
    requests.set(key, (requests.get(key) ?? 0) + value - (a.get(series) ?? 0));
  }
  const perSecond = (x: number) => (x / seconds).toFixed(1);
  const api = [...requests]
    .filter(([, v]) => v > 0)
    .sort((x, y) => y[1] - x[1])
    .map(([k, v]) => `${k} ${perSecond(v)}/s`)
    .join(', ');
  return (
    `${perSecond(reconciles)} venture reconciles/s, mean ${((reconcileSeconds / reconciles) * 1000).toFixed(0)} ms each, ` +
    `of which reading Prometheus + the engine (${perSecond(audits)} audits/s) ${((auditSeconds / audits) * 1000).toFixed(0)} ms; ` +
    `mean queue wait ${((waitSeconds / waits) * 1000).toFixed(0)} ms; operator CPU ${(cpu / seconds).toFixed(2)} cores; ` +
    `API requests: ${api || 'none'}`
  );
}

/** One benchmark run for N ventures in a fresh namespace with its own app, Prometheus and operator. */
export async function runScenario(settings: ScenarioSettings): Promise<ScenarioResult> {
  const { ventures: n, log, children } = settings;
  const flipped = Math.min(n, settings.flip);
  const namespace = `bench-audit-${n}-${randomBytes(3).toString('hex')}`;
  const names = Array.from({ length: n }, (_, i) => `v-${String(i).padStart(5, '0')}`);
  // Spread over the creation order, so the flipped ventures sit all through the operator's queue.
  const flips = Array.from({ length: flipped }, (_, i) => names[Math.floor((i * n) / flipped)]!);
  const kc = new KubeConfig();
  kc.loadFromFile(settings.kubeconfig);
  const driver = await DriverClient.from(kc, 16);
  const client = new KubeClient(kc);
  const env = { KUBECONFIG: settings.kubeconfig };
  let app: ChildProcess | undefined;
  let operator: ChildProcess | undefined;
  let prometheus: LocalPrometheus | undefined;
  const result: ScenarioResult = {
    ventures: n,
    flipped,
    createSeconds: NaN,
    auditedSeconds: NaN,
    auditsPerSecond: NaN,
    reconcileErrors: 0,
    scaled: 0,
    decisionsBeforeScale: [0, 0, 0],
  };
  let operatorLog: OperatorLog | undefined;
  try {
    await driver.request('POST', '/api/v1/namespaces', { metadata: { name: namespace } });
    log(`N=${n}: namespace ${namespace}; ${flipped} of ${n} ventures will flip to winning numbers`);

    // The sample app, every venture's holding numbers, and Prometheus scraping the app every second.
    const ventureApp = await startVentureApp();
    app = ventureApp.child;
    children.add(app);
    app.once('exit', () => children.delete(ventureApp.child));
    const post = (name: string, numbers: Numbers) => ventureApp.set(name, numbers);
    await pool(names, 32, (name) => post(name, HOLD));
    prometheus = await LocalPrometheus.start([ventureApp.target]);
    const started = prometheus;
    const closePrometheus = () => started.close();
    cleanups.add(closePrometheus);
    const address = prometheus.address;
    await until(`Prometheus showing all ${n} ventures`, 60_000, 500, async () =>
      (await promQuery(address, 'count(venture_revenue_dollars_monthly)'))[0]?.value[1] === String(n)
        ? true
        : undefined,
    );

    // Part 3 on an idle cluster: a Deployment nobody else writes, patched from here.
    const floorName = 'bench-floor';
    await driver.request('POST', `/apis/apps/v1/namespaces/${namespace}/deployments`, {
      metadata: { name: floorName },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: floorName } },
        template: {
          metadata: { labels: { app: floorName } },
          spec: { containers: [{ name: 'app', image: 'example/floor:1' }] },
        },
      },
    });
    result.floorIdle = await patchFloor(driver, client, namespace, floorName);
    log(
      `N=${n}: PATCH round trip (idle) p50 ${result.floorIdle.keepAlive.p50.toFixed(1)} ms keep-alive, ` +
        `${result.floorIdle.operatorClient.p50.toFixed(1)} ms through the operator's KubeClient`,
    );

    const metricsPort = settings.operatorMetrics ? await freePort() : undefined;
    operator = node(
      children,
      'src/cli/main.ts',
      [
        'run',
        `--namespace=${namespace}`,
        `--prometheus-address=${address}`,
        '--leader-elect=false',
        '--default-mode=Autonomous',
        `--workers=${settings.workers}`,
        `--metrics-bind-address=${metricsPort ? `127.0.0.1:${metricsPort}` : ''}`,
        '--health-probe-bind-address=',
      ],
      env,
      'pipe',
    );
    const opLog = new OperatorLog(operator, flips);
    operatorLog = opLog;

    // N ventures, then wait until every one holds with growth known (two audited periods).
    const createStarted = Date.now();
    await pool(names, 16, (name) =>
      driver.request(
        'POST',
        `/apis/autopilot.ventures/v1alpha1/namespaces/${namespace}/ventures`,
        ventureManifest(name, settings.periodMs),
      ),
    );
    result.createSeconds = (Date.now() - createStarted) / 1000;
    log(`N=${n}: created ${n} ventures in ${result.createSeconds.toFixed(1)} s; waiting for their audits`);
    let audited = 0;
    let once = 0;
    let notHold = '';
    // Time between two successive audits of each venture, as the list shows them.
    const lastAudit = new Map<string, string>();
    const gaps = new Map<string, number>();
    const windowMs = TREND_WINDOW * settings.periodMs;
    const cycle = () => {
      const sorted = [...gaps.values()].sort((a, b) => a - b);
      return sorted.length ? sorted[Math.floor(sorted.length / 2)]! : NaN;
    };
    await until(
      `all ${n} ventures audited (lastAuditTime, a Hold, growth known)`,
      settings.phaseTimeoutMs,
      2000,
      async () => {
        const list = await driver.request<{ items: VentureResource[] }>(
          'GET',
          `/apis/autopilot.ventures/v1alpha1/namespaces/${namespace}/ventures`,
        );
        audited = 0;
        once = 0;
        notHold = '';
        for (const v of list.items) {
          const s = v.status;
          if (!s?.lastAuditTime) continue;
          once++;
          const previous = lastAudit.get(v.metadata.name);
          if (previous && previous !== s.lastAuditTime) {
            gaps.set(v.metadata.name, Date.parse(s.lastAuditTime) - Date.parse(previous));
          }
          lastAudit.set(v.metadata.name, s.lastAuditTime);
          if (s.metrics?.growthRate === undefined) continue;
          if (s.lastDecision?.action !== 'Hold')
            notHold = `${v.metadata.name}: ${s.lastDecision?.action} ${s.lastDecision?.reason}`;
          else audited++;
        }
        if (notHold)
          throw new Fatal(`a venture decided something other than Hold before the flip: ${notHold}`);
        if (operator!.exitCode !== null)
          throw new Fatal(`the operator exited with code ${operator!.exitCode}`);
        // Audits further apart than the trend window drop the earlier period from the history, so growth
        // never becomes known and no venture can ever scale: say so now rather than at the timeout.
        if (gaps.size >= 0.9 * n && audited < 0.1 * n && cycle() > windowMs) {
          throw new Fatal(
            `growth never becomes known: each venture is audited only every ${(cycle() / 1000).toFixed(1)} s ` +
              `(median; the operator logs ${opLog.rate(Date.now() - 10_000, Date.now()).toFixed(1)} audits/s, ` +
              `${n} ventures every ${INTERVAL_MS / 1000} s need ${(n / (INTERVAL_MS / 1000)).toFixed(0)}/s), longer than ` +
              `the trend window of ${TREND_WINDOW} periods × ${settings.periodMs / 1000} s = ${windowMs / 1000} s; ` +
              `each audit drops the earlier period from status.auditHistory, so no venture can scale ` +
              `(${once} of ${n} audited, ${audited} with growth known). A longer --period ` +
              `(at least ${Math.ceil((2 * cycle()) / 1000 / (TREND_WINDOW - 1))} s, twice what this cycle needs) measures the latency at this N`,
          );
        }
        return audited === n ? true : undefined;
      },
      () =>
        `${once} of ${n} audited, ${audited} with growth known; median time between two audits of a venture ` +
        `${(cycle() / 1000).toFixed(1)} s; operator errors: ${opLog.errors} ${opLog.lastError}`,
    );
    result.auditedSeconds = (Date.now() - createStarted) / 1000;
    log(`N=${n}: all audited ${result.auditedSeconds.toFixed(1)} s after the first create`);

    // Steady state: the operator's audit rate, and the PATCH floor while it runs.
    const scrape = () =>
      metricsPort
        ? fetch(`http://127.0.0.1:${metricsPort}/metrics`).then(
            (r) => r.text(),
            () => '',
          )
        : Promise.resolve('');
    const before = await scrape();
    const steadyFrom = Date.now();
    result.floorLoaded = await patchFloor(driver, client, namespace, floorName);
    await sleep(Math.max(0, STEADY_MS - (Date.now() - steadyFrom)));
    result.auditsPerSecond = opLog.rate(steadyFrom, Date.now());
    if (metricsPort) {
      result.diagnosis = diagnose(before, await scrape(), (Date.now() - steadyFrom) / 1000);
      log(`N=${n}: operator over the steady window: ${result.diagnosis}`);
    }
    log(
      `N=${n}: steady state ${result.auditsPerSecond.toFixed(1)} audits/s (needs ${(n / (INTERVAL_MS / 1000)).toFixed(1)}/s ` +
        `for a ${INTERVAL_MS / 1000} s interval); PATCH under load p50 ${result.floorLoaded.keepAlive.p50.toFixed(1)} ms`,
    );

    // The flip: winning numbers for K ventures at once; t0 per venture = first poll that shows it.
    const posted = Date.now();
    await pool(flips, 32, (name) => post(name, WIN));
    const postedDone = Date.now();
    const t0 = new Map<string, number>();
    const wanted = new Set(flips);
    await until(
      `Prometheus showing the new revenue of all ${flipped} flipped ventures`,
      60_000,
      PROMETHEUS_POLL_MS,
      async () => {
        const series = await promQuery(address, `venture_revenue_dollars_monthly == ${WIN.revenue}`);
        const now = Date.now();
        for (const s of series) {
          const name = s.metric.venture ?? '';
          if (wanted.has(name) && !t0.has(name)) t0.set(name, now);
        }
        return t0.size === flipped ? true : undefined;
      },
      () => `${t0.size} of ${flipped} visible`,
    );
    result.prometheusLag = stats([...t0.values()].map((t) => t - posted));
    log(
      `N=${n}: flipped ${flipped} (POSTs took ${postedDone - posted} ms); visible in Prometheus after ` +
        `${result.prometheusLag!.p50} ms (p50); polling Deployments every ${DEPLOYMENT_POLL_MS} ms`,
    );

    const seen = new Map<string, number>();
    const selector = encodeURIComponent(`${VENTURE_LABEL} in (${flips.join(',')})`);
    try {
      await until(
        `all ${flipped} flipped ventures' Deployments at 2 replicas`,
        settings.phaseTimeoutMs,
        DEPLOYMENT_POLL_MS,
        async () => {
          const list = await driver.request<{ items: (KubeObject & { spec?: { replicas?: number } })[] }>(
            'GET',
            `/apis/apps/v1/namespaces/${namespace}/deployments?labelSelector=${selector}`,
          );
          if (operator!.exitCode !== null)
            throw new Fatal(`the operator exited with code ${operator!.exitCode}`);
          const now = Date.now();
          for (const d of list.items) {
            const venture = d.metadata.labels?.[VENTURE_LABEL];
            if (venture && d.spec?.replicas === 2 && !seen.has(venture)) seen.set(venture, now);
          }
          return seen.size === flipped ? true : undefined;
        },
        () => `${seen.size} of ${flipped} scaled; operator errors: ${opLog.errors} ${opLog.lastError}`,
      );
    } finally {
      result.scaled = seen.size;
      const done = [...seen.keys()];
      result.latency = stats(done.map((v) => seen.get(v)! - t0.get(v)!));
      const decided = done.filter((v) => opLog.scaledAt.has(v));
      result.toDecision = stats(decided.map((v) => opLog.scaledAt.get(v)! - t0.get(v)!));
      result.decisionToDeployment = stats(decided.map((v) => seen.get(v)! - opLog.scaledAt.get(v)!));
      const reasons = new Map<string, number>();
      for (const v of decided) {
        const scaledAt = opLog.scaledAt.get(v)!;
        const between = (opLog.watched.get(v) ?? []).filter((d) => d.at >= t0.get(v)! && d.at < scaledAt);
        result.decisionsBeforeScale[Math.min(2, between.length)]!++;
        for (const d of between) {
          const key = `${d.action}: ${d.reason.replace(/[0-9.]+%\/period/g, 'x%/period')}`;
          reasons.set(key, (reasons.get(key) ?? 0) + 1);
        }
      }
      if (reasons.size) {
        log(
          `N=${n}: decisions between t0 and Scale: ${[...reasons].map(([k, c]) => `${c}× "${k}"`).join('; ')}`,
        );
      }
      if (done.length) result.allScaledMs = Math.max(...seen.values()) - Math.min(...t0.values());
    }
    log(
      `N=${n}: all ${flipped} scaled; latency p50 ${result.latency!.p50} ms, max ${result.latency!.max} ms`,
    );
  } catch (err) {
    result.failure = err instanceof Error ? err.message : String(err);
    log(`N=${n}: FAILED: ${result.failure}`);
  } finally {
    result.reconcileErrors = operatorLog?.errors ?? 0;
    await stop(operator);
    await prometheus?.close().catch(() => {});
    cleanups.clear();
    await stop(app);
    try {
      await driver.request('DELETE', `/api/v1/namespaces/${namespace}`);
      await until(`namespace ${namespace} deleted`, 180_000, 1000, () =>
        driver.request('GET', `/api/v1/namespaces/${namespace}`).then(
          () => undefined,
          (err: unknown) => (isNotFound(err) ? true : undefined),
        ),
      );
    } catch (err) {
      log(`N=${n}: warning: ${err instanceof Error ? err.message : String(err)}`);
    }
    await driver.close();
  }
  return result;
}
