// Parts 2 and 3 of `npm run bench:audit`: decision latency of N Ventures on a cluster, and the PATCH floor.
import { KubeConfig } from '@kubernetes/client-node';
import type { ChildProcess } from 'node:child_process';
import { fetch } from 'undici';
import { KubeClient } from '../../../src/runtime/client.js';
import { type KubeObject } from '../../../src/api/meta.js';
import { DEPLOYMENTS } from '../../../src/api/resources.js';
import { VENTURE_LABEL } from '../../../src/controllers/venture/workload.js';
import type { VentureResource } from '../../../src/api/v1alpha1/index.js';
import { LocalPrometheus, freePort } from '../../lib/prometheus.js';
import { startVentureApp, type Numbers } from '../../lib/ventureApp.js';
import type { Run } from '../lib/benchmark.js';
import { createNamespace, deleteNamespace } from '../lib/cluster.js';
import { DriverClient } from '../lib/driverClient.js';
import type { FlagSet } from '../lib/flags.js';
import { pool } from '../lib/pool.js';
import { startNode, stopProcess } from '../lib/proc.js';
import { summarize, type Summary } from '../lib/stats.js';
import { StopWaiting, sleep, waitUntil } from '../lib/wait.js';

/** The audit interval of every benchmark Venture (its business period is ScenarioSettings.periodMs). */
export const INTERVAL_MS = 2000;
/** policy.trendWindow (the default): an audit keeps history of this many periods, its own included. */
export const TREND_WINDOW = 6;
/** Prometheus' scrape interval (LocalPrometheus). */
export const SCRAPE_MS = 1000;
export const PROMETHEUS_POLL_MS = 50;
export const DEPLOYMENT_POLL_MS = 250;
export const FLOOR_PATCHES = 50;
/** The window over which the operator's audit rate (and the PATCH floor under load) is measured. */
export const STEADY_MS = 10_000;

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
}

export interface FloorStats {
  /** Over one keep-alive TLS connection. */
  keepAliveMs: Summary;
  /** Through src/runtime's KubeClient, as the operator sends its requests. */
  operatorClientMs: Summary;
}

/** What the operator's /metrics say the venture controller did over the steady window. */
export interface OperatorWindow {
  reconcilesPerSecond: number;
  reconcileMeanMs: number;
  auditsPerSecond: number;
  /** Reading Prometheus + the engine. */
  auditMeanMs: number;
  queueWaitMeanMs: number;
  cpuCores: number;
  /** "verb resource" → requests per second. */
  apiRequestsPerSecond: Record<string, number>;
}

export interface ScenarioResult {
  ventures: number;
  flipped: number;
  /** Creating all N Ventures, and from the first create until all are audited with growth known. */
  createSeconds?: number;
  auditedSeconds?: number;
  /** Audits (logged decisions) per second over the steady window before the flip. */
  auditsPerSecond?: number;
  reconcileErrors: number;
  floorIdle?: FloorStats;
  floorLoaded?: FloorStats;
  /** POST to the app → visible in Prometheus. */
  prometheusLagMs?: Summary;
  /** t0 → the operator logs the Scale decision. */
  toDecisionMs?: Summary;
  /** Scale decision logged → Deployment seen at 2 replicas. */
  decisionToDeploymentMs?: Summary;
  /** t0 → Deployment seen at 2 replicas. */
  latencyMs?: Summary;
  /** First t0 → last Deployment seen at 2 replicas. */
  allScaledMs?: number;
  scaled: number;
  /** Of the flipped ventures that scaled: how many made 0, 1, 2 or more other decisions between t0 and the Scale. */
  decisionsBeforeScale: number[];
  operator?: OperatorWindow;
  failure?: string;
}

/** What the operator logged: when each venture's Scale decision was made, audits per second, errors. */
class OperatorLog {
  readonly scaledAt = new Map<string, number>();
  /** Logged decisions per whole second (epoch s). */
  readonly decisionsPerSecond = new Map<number, number>();
  /** When each venture that will flip decided anything. */
  readonly watched = new Map<string, number[]>();
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
    const name = String(entry.name);
    if (decided) {
      const second = Math.floor(at / 1000);
      this.decisionsPerSecond.set(second, (this.decisionsPerSecond.get(second) ?? 0) + 1);
      this.watched.get(name)?.push(at);
      if (entry.action === 'Scale' && !this.scaledAt.has(name)) this.scaledAt.set(name, at);
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

/** The series of an instant query. */
async function promQuery(address: string, query: string): Promise<{ metric: Record<string, string> }[]> {
  const response = await fetch(`${address}/api/v1/query?query=${encodeURIComponent(query)}`);
  const body = (await response.json()) as { data?: { result?: { metric: Record<string, string> }[] } };
  return body.data?.result ?? [];
}

function ventureManifest(name: string, periodMs: number) {
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

/** FLOOR_PATCHES sequential merge-patches of a Deployment's replicas (1 ↔ 2), both ways of sending them. */
async function patchFloor(
  driver: DriverClient,
  client: KubeClient,
  namespace: string,
  name: string,
): Promise<FloorStats> {
  const keepAlive: number[] = [];
  const operatorClient: number[] = [];
  for (let i = 0; i < FLOOR_PATCHES; i++) {
    let started = performance.now();
    await driver.mergePatch(DEPLOYMENTS, namespace, name, { spec: { replicas: 1 + (i % 2) } });
    keepAlive.push(performance.now() - started);
    started = performance.now();
    await client.mergePatch(DEPLOYMENTS, namespace, name, { spec: { replicas: 2 - (i % 2) } });
    operatorClient.push(performance.now() - started);
  }
  return { keepAliveMs: summarize(keepAlive)!, operatorClientMs: summarize(operatorClient)! };
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
function operatorWindow(beforeText: string, afterText: string, seconds: number): OperatorWindow {
  const [a, b] = [samples(beforeText), samples(afterText)];
  const delta = (test: (series: string) => boolean) => {
    let sum = 0;
    for (const [series, value] of b) if (test(series)) sum += value - (a.get(series) ?? 0);
    return sum;
  };
  const venture = (name: string) => (s: string) =>
    s.startsWith(name) && /(controller|name)="venture"/.test(s);
  const reconciles = delta(venture('autopilot_reconcile_total{'));
  const audits = delta((s) => s === 'autopilot_venture_audit_duration_seconds_count');
  const waits = delta(venture('autopilot_workqueue_queue_duration_seconds_count'));
  const requests: Record<string, number> = {};
  for (const [series, value] of b) {
    const m = /^autopilot_rest_client_requests_total\{verb="([^"]+)",resource="([^"]+)"/.exec(series);
    const perSecond = (value - (a.get(series) ?? 0)) / seconds;
    if (m && perSecond > 0) requests[`${m[1]} ${m[2]}`] = (requests[`${m[1]} ${m[2]}`] ?? 0) + perSecond;
  }
  return {
    reconcilesPerSecond: reconciles / seconds,
    reconcileMeanMs: (delta(venture('autopilot_reconcile_duration_seconds_sum')) / reconciles) * 1000,
    auditsPerSecond: audits / seconds,
    auditMeanMs: (delta((s) => s === 'autopilot_venture_audit_duration_seconds_sum') / audits) * 1000,
    queueWaitMeanMs: (delta(venture('autopilot_workqueue_queue_duration_seconds_sum')) / waits) * 1000,
    cpuCores: delta((s) => s === 'autopilot_process_cpu_seconds_total') / seconds,
    apiRequestsPerSecond: requests,
  };
}

/** One benchmark run for N ventures in a fresh namespace with its own app, Prometheus and operator. */
export async function runScenario(bench: Run<FlagSet>, settings: ScenarioSettings): Promise<ScenarioResult> {
  const { ventures: n, phaseTimeoutMs } = settings;
  const log = (line: string) => bench.log(`N=${n}: ${line}`);
  const flipped = Math.min(n, settings.flip);
  const names = Array.from({ length: n }, (_, i) => `v-${String(i).padStart(5, '0')}`);
  // Spread over the creation order, so the flipped ventures sit all through the operator's queue.
  const flips = Array.from({ length: flipped }, (_, i) => names[Math.floor((i * n) / flipped)]!);
  const kc = new KubeConfig();
  kc.loadFromFile(settings.kubeconfig);
  const driver = await DriverClient.from(kc, 16);
  const client = new KubeClient(kc);
  const result: ScenarioResult = {
    ventures: n,
    flipped,
    reconcileErrors: 0,
    scaled: 0,
    decisionsBeforeScale: [0, 0, 0],
  };
  let app: ChildProcess | undefined;
  let operator: ChildProcess | undefined;
  let operatorLog: OperatorLog | undefined;
  let prometheus: LocalPrometheus | undefined;
  // Stopped here at the end of the scenario, and by the run's cleanup if it is interrupted first.
  const stopAll = async () => {
    await stopProcess(operator);
    await prometheus?.close().catch(() => {});
    await stopProcess(app);
  };
  bench.defer(stopAll);
  const namespace = await createNamespace(driver, `bench-audit-${n}`);
  try {
    log(`namespace ${namespace}; ${flipped} of ${n} ventures will flip to winning numbers`);

    // The sample app, every venture's holding numbers, and Prometheus scraping the app every second.
    const ventureApp = await startVentureApp();
    app = ventureApp.child;
    const post = (name: string, numbers: Numbers) => ventureApp.set(name, numbers);
    await pool(names, 32, (name) => post(name, HOLD));
    prometheus = await LocalPrometheus.start([ventureApp.target]);
    const address = prometheus.address;
    await waitUntil(
      `Prometheus showing all ${n} ventures`,
      async () =>
        (await prometheus!.value('count(venture_revenue_dollars_monthly)')) === n ? true : undefined,
      { timeoutMs: 60_000 },
    );

    // Part 3 on an idle cluster: a Deployment nobody else writes, patched from here.
    const floorName = 'bench-floor';
    await driver.create(DEPLOYMENTS, namespace, {
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
      `PATCH round trip (idle) p50 ${result.floorIdle.keepAliveMs.p50.toFixed(1)} ms keep-alive, ` +
        `${result.floorIdle.operatorClientMs.p50.toFixed(1)} ms through the operator's KubeClient`,
    );

    const metricsPort = settings.operatorMetrics ? await freePort() : undefined;
    operator = startNode('src/cli/main.ts', {
      args: [
        'run',
        `--namespace=${namespace}`,
        `--prometheus-address=${address}`,
        '--leader-elect=false',
        '--default-mode=Autonomous',
        `--workers=${settings.workers}`,
        `--metrics-bind-address=${metricsPort ? `127.0.0.1:${metricsPort}` : ''}`,
        '--health-probe-bind-address=',
      ],
      env: { KUBECONFIG: settings.kubeconfig },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const running = operator;
    const opLog = new OperatorLog(running, flips);
    operatorLog = opLog;
    const alive = () => {
      if (running.exitCode !== null)
        throw new StopWaiting(`the operator exited with code ${running.exitCode}`);
    };
    const operatorErrors = () => `operator errors: ${opLog.errors} ${opLog.lastError}`;

    // N ventures, then wait until every one holds with growth known (audits spanning a whole period).
    const createStarted = Date.now();
    await pool(names, 16, (name) =>
      driver.request(
        'POST',
        `/apis/autopilot.ventures/v1alpha1/namespaces/${namespace}/ventures`,
        ventureManifest(name, settings.periodMs),
      ),
    );
    result.createSeconds = (Date.now() - createStarted) / 1000;
    log(`created ${n} ventures in ${result.createSeconds.toFixed(1)} s; waiting for their audits`);
    let audited = 0;
    let once = 0;
    // Time between two successive audits of each venture, as the list shows them.
    const lastAudit = new Map<string, string>();
    const gaps = new Map<string, number>();
    const windowMs = TREND_WINDOW * settings.periodMs;
    const cycle = () => summarize([...gaps.values()])?.p50 ?? NaN;
    await waitUntil(
      `all ${n} ventures audited (lastAuditTime, a Hold, growth known)`,
      async () => {
        const list = await driver.request<{ items: VentureResource[] }>(
          'GET',
          `/apis/autopilot.ventures/v1alpha1/namespaces/${namespace}/ventures`,
        );
        [audited, once] = [0, 0];
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
          if (s.lastDecision?.action !== 'Hold') {
            const decision = `${v.metadata.name}: ${s.lastDecision?.action} ${s.lastDecision?.reason}`;
            throw new StopWaiting(`a venture decided something other than Hold before the flip: ${decision}`);
          }
          audited++;
        }
        alive();
        // Audits further apart than the trend window drop the earlier period from the history, so growth
        // never becomes known and no venture can ever scale: say so now rather than at the timeout.
        if (gaps.size >= 0.9 * n && audited < 0.1 * n && cycle() > windowMs) {
          const longer = Math.ceil((2 * cycle()) / 1000 / (TREND_WINDOW - 1));
          throw new StopWaiting(
            `growth never becomes known: each venture is audited only every ${(cycle() / 1000).toFixed(1)} s ` +
              `(median), longer than the trend window of ${TREND_WINDOW} periods × ${settings.periodMs / 1000} s; ` +
              `(${once} of ${n} audited, ${audited} with growth known). A --period of at least ${longer} s ` +
              `measures the latency at this N`,
          );
        }
        return audited === n ? true : undefined;
      },
      {
        timeoutMs: phaseTimeoutMs,
        intervalMs: 2000,
        progress: () =>
          `${once} of ${n} audited, ${audited} with growth known; median time between two audits of a venture ` +
          `${(cycle() / 1000).toFixed(1)} s; ${operatorErrors()}`,
      },
    );
    result.auditedSeconds = (Date.now() - createStarted) / 1000;
    log(`all audited ${result.auditedSeconds.toFixed(1)} s after the first create`);

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
    if (metricsPort)
      result.operator = operatorWindow(before, await scrape(), (Date.now() - steadyFrom) / 1000);
    log(
      `steady state ${result.auditsPerSecond.toFixed(1)} audits/s (needs ${(n / (INTERVAL_MS / 1000)).toFixed(1)}/s); ` +
        `PATCH under load p50 ${result.floorLoaded.keepAliveMs.p50.toFixed(1)} ms`,
    );

    // The flip: winning numbers for K ventures at once; t0 per venture = first poll that shows it.
    const posted = Date.now();
    await pool(flips, 32, (name) => post(name, WIN));
    const t0 = new Map<string, number>();
    const wanted = new Set(flips);
    await waitUntil(
      `Prometheus showing the new revenue of all ${flipped} flipped ventures`,
      async () => {
        const series = await promQuery(address, `venture_revenue_dollars_monthly == ${WIN.revenue}`);
        const now = Date.now();
        for (const { metric } of series) {
          if (wanted.has(metric.venture ?? '') && !t0.has(metric.venture!)) t0.set(metric.venture!, now);
        }
        return t0.size === flipped ? true : undefined;
      },
      {
        timeoutMs: 60_000,
        intervalMs: PROMETHEUS_POLL_MS,
        progress: () => `${t0.size} of ${flipped} visible`,
      },
    );
    result.prometheusLagMs = summarize([...t0.values()].map((t) => t - posted));
    log(`flipped ${flipped}; visible in Prometheus after ${result.prometheusLagMs!.p50} ms (p50)`);

    const seen = new Map<string, number>();
    const selector = encodeURIComponent(`${VENTURE_LABEL} in (${flips.join(',')})`);
    try {
      await waitUntil(
        `all ${flipped} flipped ventures' Deployments at 2 replicas`,
        async () => {
          const list = await driver.request<{ items: (KubeObject & { spec?: { replicas?: number } })[] }>(
            'GET',
            `/apis/apps/v1/namespaces/${namespace}/deployments?labelSelector=${selector}`,
          );
          alive();
          const now = Date.now();
          for (const d of list.items) {
            const venture = d.metadata.labels?.[VENTURE_LABEL];
            if (venture && d.spec?.replicas === 2 && !seen.has(venture)) seen.set(venture, now);
          }
          return seen.size === flipped ? true : undefined;
        },
        {
          timeoutMs: phaseTimeoutMs,
          intervalMs: DEPLOYMENT_POLL_MS,
          progress: () => `${seen.size} of ${flipped} scaled; ${operatorErrors()}`,
        },
      );
    } finally {
      result.scaled = seen.size;
      const done = [...seen.keys()];
      result.latencyMs = summarize(done.map((v) => seen.get(v)! - t0.get(v)!));
      const decided = done.filter((v) => opLog.scaledAt.has(v));
      result.toDecisionMs = summarize(decided.map((v) => opLog.scaledAt.get(v)! - t0.get(v)!));
      result.decisionToDeploymentMs = summarize(decided.map((v) => seen.get(v)! - opLog.scaledAt.get(v)!));
      for (const v of decided) {
        const between = opLog.watched.get(v)!.filter((at) => at >= t0.get(v)! && at < opLog.scaledAt.get(v)!);
        result.decisionsBeforeScale[Math.min(2, between.length)]!++;
      }
      if (done.length) result.allScaledMs = Math.max(...seen.values()) - Math.min(...t0.values());
    }
    log(`all ${flipped} scaled; latency p50 ${result.latencyMs!.p50} ms, max ${result.latencyMs!.max} ms`);
  } catch (err) {
    result.failure = err instanceof Error ? err.message : String(err);
  } finally {
    result.reconcileErrors = operatorLog?.errors ?? 0;
    await stopAll();
    await deleteNamespace(driver, namespace, 180_000).catch((err: unknown) => log(`warning: ${String(err)}`));
    await driver.close();
  }
  return result;
}
