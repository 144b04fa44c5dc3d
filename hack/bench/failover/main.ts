// `npm run bench:failover`: failover time per injected outage (gateway broken → routing ConfigMap names the
// backup), against the probing floor, the seed's 30 s and a passive-only detector on live traffic measured
// in the same outages; then many protocols probed at once: probe schedule lag, the operator's CPU and RSS.
import { loadKubeConfig } from '../../../src/runtime/client.js';
import { installCrds } from '../../lib/crds.js';
import { Gateway, HEALTH_PATH } from '../../lib/gateways.js';
import { freePort } from '../../lib/prometheus.js';
import { benchmark } from '../lib/benchmark.js';
import { clusterNameFlag, createNamespace, deleteNamespace, useCluster } from '../lib/cluster.js';
import { DriverClient } from '../lib/driverClient.js';
import { integer, integers } from '../lib/flags.js';
import { cpuSeconds, peakRssMiB, startNode, stopProcess } from '../lib/proc.js';
import { ratio, summarize, type Summary } from '../lib/stats.js';
import { count, fixed, printTable, times } from '../lib/table.js';
import { sleep, waitUntil } from '../lib/wait.js';

// Method and the reading of each figure: docs/bench/failover.md.

const SEED_CLAIM_S = 30;
const INTERVAL_S = 1;
const CONSECUTIVE_FAILURES = 3;
const GROUP = '/apis/autopilot.ventures/v1alpha1';

const flags = {
  outages: integer(20, 'outages injected into the primary, one after the other; 0 skips this phase', {
    min: 0,
  }),
  trafficPerMinute: integers(
    '12,60,600',
    'live charges per minute to the active gateway, one passive detector per rate (what passive detection sees)',
    { min: 1 },
  ),
  passiveErrors: integer(
    5,
    "consecutive 5xx a passive detector ejects after (Istio's consecutive5xxErrors default)",
    { min: 1 },
  ),
  protocols: integer(200, 'protocols of 3 targets probed every second in the scale phase; 0 skips it', {
    min: 0,
  }),
  scaleSeconds: integer(60, 'seconds the scale phase is measured for', { min: 5 }),
  phaseTimeout: integer(120, 'seconds any one wait may take'),
  clusterName: clusterNameFlag('failover'),
};

interface ProtocolStatus {
  metadata: { name: string };
  status?: {
    activeTarget?: string;
    targets?: { name: string; state: string; consecutiveSuccesses: number }[];
    failovers?: number;
    lastFailover?: { action: string; durationSeconds: number; to: string };
  };
}

function protocolManifest(name: string, targets: { name: string; url: string }[]) {
  return {
    apiVersion: 'autopilot.ventures/v1alpha1',
    kind: 'FallbackProtocol',
    metadata: { name },
    spec: {
      mode: 'Autonomous',
      targets,
      probe: { interval: `${INTERVAL_S}s`, path: HEALTH_PATH },
      trigger: { timeout: '1s', consecutiveFailures: CONSECUTIVE_FAILURES, errorRate: 0.5, window: 10 },
      failback: { enabled: true, healthyProbes: 3, minimumHold: '0s' },
      routing: { configMap: { name: `${name}-gateway` } },
    },
  };
}

/** The p-quantile of a Prometheus histogram's bucket deltas, as the upper bound of its bucket. */
function bucketQuantile(
  before: Map<number, number>,
  after: Map<number, number>,
  q: number,
): number | undefined {
  const bounds = [...after.keys()].sort((a, b) => a - b);
  const total = (after.get(Infinity) ?? 0) - (before.get(Infinity) ?? 0);
  if (total <= 0) return undefined;
  for (const le of bounds) {
    if ((after.get(le) ?? 0) - (before.get(le) ?? 0) >= q * total) return le;
  }
  return Infinity;
}

function lagBuckets(metrics: string): Map<number, number> {
  const buckets = new Map<number, number>();
  for (const line of metrics.split('\n')) {
    const m =
      /^autopilot_probe_schedule_lag_seconds_bucket\{.*le="([^"]+)".*prober="fallbackprotocol".*\} (\S+)$/.exec(
        line,
      ) ??
      /^autopilot_probe_schedule_lag_seconds_bucket\{.*prober="fallbackprotocol".*le="([^"]+)".*\} (\S+)$/.exec(
        line,
      );
    if (m) buckets.set(m[1] === '+Inf' ? Infinity : Number(m[1]), Number(m[2]));
  }
  return buckets;
}

await benchmark(
  {
    name: 'failover',
    summary:
      'Failover time per outage vs the probing floor, the seed’s 30 s and a passive detector; probe lag, CPU and RSS at scale.',
    flags,
  },
  async (run) => {
    const { flags: f } = run;
    const timeoutMs = f.phaseTimeout * 1000;
    const cluster = await useCluster(run, { name: f.clusterName, timeoutMs: 300_000 });
    await installCrds(cluster.kubectl);
    const driver = await DriverClient.from(loadKubeConfig(cluster.kubeconfig), 4);
    run.defer(() => driver.close());
    const namespace = await createNamespace(driver, 'bench-failover');
    run.defer(() => deleteNamespace(driver, namespace).catch(() => {}));

    const primary = await Gateway.start('primary', { host: '127.0.0.2' });
    const backup = await Gateway.start('backup', { host: '127.0.0.3' });
    run.defer(() => Promise.all([primary.close(), backup.close()]));
    const metricsPort = await freePort();
    const operator = startNode('src/cli/main.ts', {
      args: [
        'run',
        `--namespace=${namespace}`,
        '--leader-elect=false',
        '--default-mode=Autonomous',
        `--metrics-bind-address=127.0.0.1:${metricsPort}`,
        `--health-probe-bind-address=127.0.0.1:${await freePort()}`,
        '--log-level=warn',
      ],
      env: { KUBECONFIG: cluster.kubeconfig },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    run.defer(() => stopProcess(operator));

    const protocols = `${GROUP}/namespaces/${namespace}/fallbackprotocols`;
    if (f.outages === 0) return { cluster: cluster.description, scale: await scalePhase() };
    await driver.request(
      'POST',
      protocols,
      protocolManifest('payments', [
        { name: 'primary', url: primary.url },
        { name: 'backup', url: backup.url },
      ]),
    );
    const routedTo = async () =>
      (
        await driver
          .request<{ data?: Record<string, string> }>(
            'GET',
            `/api/v1/namespaces/${namespace}/configmaps/payments-gateway`,
          )
          .catch(() => ({ data: undefined }))
      ).data?.target;
    const protocol = () => driver.request<ProtocolStatus>('GET', `${protocols}/payments`);

    // Live traffic to the active gateway at each rate; each stream's passive detector ejects the gateway
    // after `passiveErrors` 5xx in a row (as Envoy's consecutive-5xx outlier detection does).
    let active: Gateway = primary;
    let trafficOn = true;
    const detectors = f.trafficPerMinute.map((perMinute) => ({
      perMinute,
      failedInRow: 0,
      ejectedAt: undefined as number | undefined,
    }));
    const streams = detectors.map(async (detector) => {
      while (trafficOn) {
        const sent = Date.now();
        void fetch(`${active.url}/charges`, { method: 'POST', body: '{}' })
          .then((r) => {
            detector.failedInRow = r.status >= 500 ? detector.failedInRow + 1 : 0;
            if (detector.failedInRow >= f.passiveErrors && detector.ejectedAt === undefined)
              detector.ejectedAt = Date.now();
          })
          .catch(() => {});
        await sleep(Math.max(0, 60_000 / detector.perMinute - (Date.now() - sent)));
      }
    });
    run.defer(async () => {
      trafficOn = false;
      await Promise.all(streams);
    });

    const ours: number[] = [];
    const recorded: number[] = [];
    const passive: number[][] = detectors.map(() => []);
    for (let i = 1; i <= f.outages; i++) {
      await waitUntil(
        'routing on the primary, proven healthy',
        async () => {
          const p = await protocol();
          const healthy = p.status?.targets?.every((t) => t.state === 'Up' && t.consecutiveSuccesses >= 3);
          return healthy && (await routedTo()) === 'primary' ? true : undefined;
        },
        { timeoutMs },
      );
      // A random point in the probe interval, as a real outage would fall.
      await sleep(Math.random() * INTERVAL_S * 1000);
      for (const d of detectors) Object.assign(d, { failedInRow: 0, ejectedAt: undefined });
      const broken = Date.now();
      primary.behave({ status: 500 });
      await waitUntil(
        'routing on the backup',
        async () => ((await routedTo()) === 'backup' ? true : undefined),
        {
          timeoutMs,
          intervalMs: 20,
        },
      );
      const routed = Date.now();
      ours.push((routed - broken) / 1000);
      const status = await waitUntil(
        'status.lastFailover of this outage',
        async () => {
          const p = await protocol();
          return (p.status?.failovers ?? 0) >= i ? p : undefined;
        },
        { timeoutMs },
      );
      recorded.push(status.status?.lastFailover?.durationSeconds ?? NaN);
      // The slowest stream sends a charge every 5 s: its detector needs passiveErrors of them.
      await waitUntil(
        'every passive detector to eject',
        () => Promise.resolve(detectors.every((d) => d.ejectedAt !== undefined) ? true : undefined),
        { timeoutMs },
      );
      detectors.forEach((d, k) => passive[k]!.push((d.ejectedAt! - broken) / 1000));
      run.log(
        `outage ${i}: routed to backup after ${ours.at(-1)!.toFixed(2)} s (detection → applied ${recorded.at(-1)!.toFixed(3)} s); passive ejection after ${detectors.map((d) => `${((d.ejectedAt! - broken) / 1000).toFixed(1)} s at ${d.perMinute}/min`).join(', ')}`,
      );
      active = backup;
      primary.behave({});
      await waitUntil(
        'failback to the primary',
        async () => ((await routedTo()) === 'primary' ? true : undefined),
        {
          timeoutMs,
        },
      );
      active = primary;
    }
    trafficOn = false;

    const floor = CONSECUTIVE_FAILURES * INTERVAL_S;
    const s = summarize(ours)!;
    const r = summarize(recorded)!;
    const p = passive.map((samples) => summarize(samples)!);
    const row = (what: string, x: Summary) => [what, fixed(x.p50, 2), fixed(x.p90, 2), fixed(x.max, 2)];
    printTable(
      `Failover over ${f.outages} outages, seconds (1 s probes × ${CONSECUTIVE_FAILURES} failures)`,
      'outage | p50 | p90 | max',
      [
        row('break → routing applied (ours)', s),
        row('detection → applied (status.lastFailover)', r),
        ...detectors.map((d, k) =>
          row(`passive only: ${f.passiveErrors} × 5xx in a row at ${d.perMinute} charges/min`, p[k]!),
        ),
      ],
    );
    const ratios = {
      toFloor: { p50: ratio(s.p50, floor), p90: ratio(s.p90, floor), max: ratio(s.max, floor) },
      toSeedClaim: {
        p50: ratio(s.p50, SEED_CLAIM_S),
        p90: ratio(s.p90, SEED_CLAIM_S),
        max: ratio(s.max, SEED_CLAIM_S),
      },
      toPassive: detectors.map((d, k) => ({
        chargesPerMinute: d.perMinute,
        p50: ratio(s.p50, p[k]!.p50),
        p90: ratio(s.p90, p[k]!.p90),
        max: ratio(s.max, p[k]!.max),
      })),
    };
    const ratioRow = (what: string, x: { p50?: number; p90?: number; max?: number }) => [
      what,
      times(x.p50),
      times(x.p90),
      times(x.max),
    ];
    printTable('Our failover time as a ratio (< 1: ours is faster)', 'against | p50 | p90 | max', [
      ratioRow(`probing floor (${floor} s)`, ratios.toFloor),
      ratioRow(`seed claim (${SEED_CLAIM_S} s)`, ratios.toSeedClaim),
      ...ratios.toPassive.map((x) => ratioRow(`passive only at ${x.chargesPerMinute} charges/min`, x)),
    ]);

    let scale;
    if (f.protocols > 0) scale = await scalePhase();
    return {
      cluster: cluster.description,
      outages: f.outages,
      probe: { intervalSeconds: INTERVAL_S, consecutiveFailures: CONSECUTIVE_FAILURES },
      passive: { consecutive5xx: f.passiveErrors, chargesPerMinute: f.trafficPerMinute },
      floorSeconds: floor,
      failoverSeconds: { ours: s, recordedDetectionToApplied: r, passive: p },
      samples: { ours, recorded, passive },
      ratios,
      scale,
    };

    async function scalePhase() {
      const gateways = await Promise.all(
        ['a', 'b', 'c'].map((n, i) => Gateway.start(n, { host: `127.0.0.${4 + i}` })),
      );
      run.defer(() => Promise.all(gateways.map((g) => g.close())));
      run.log(`scale: creating ${f.protocols} protocols × 3 targets`);
      for (let i = 0; i < f.protocols; i++) {
        await driver.request(
          'POST',
          protocols,
          protocolManifest(
            `scale-${i}`,
            gateways.map((g) => ({ name: g.name, url: `${g.url}/p${i}` })),
          ),
        );
      }
      await waitUntil(
        `every scale protocol's targets judged`,
        async () => {
          const list = await driver.request<{ items: ProtocolStatus[] }>('GET', protocols);
          const judged = list.items.filter(
            (p) => p.metadata.name.startsWith('scale-') && p.status?.targets?.every((t) => t.state === 'Up'),
          ).length;
          return judged >= f.protocols ? true : undefined;
        },
        { timeoutMs: Math.max(timeoutMs, 300_000), intervalMs: 2000 },
      );
      const scrape = async () => (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
      const before = lagBuckets(await scrape());
      const cpuBefore = cpuSeconds(operator.pid!);
      // The probe path is /p<i>/healthz: the gateways count those as charges, and nothing else calls them.
      const sent = () => gateways.reduce((n, g) => n + g.counts().health + g.counts().charges, 0);
      const probesBefore = sent();
      await sleep(f.scaleSeconds * 1000);
      const after = lagBuckets(await scrape());
      const cpu = cpuSeconds(operator.pid!) - cpuBefore;
      const probes = sent() - probesBefore;
      const result = {
        protocols: f.protocols,
        targets: f.protocols * 3,
        seconds: f.scaleSeconds,
        probesPerSecond: probes / f.scaleSeconds,
        expectedProbesPerSecond: (f.protocols * 3) / INTERVAL_S,
        lagP50UpperBoundSeconds: bucketQuantile(before, after, 0.5),
        lagP99UpperBoundSeconds: bucketQuantile(before, after, 0.99),
        operatorCpuCores: cpu / f.scaleSeconds,
        operatorPeakRssMiB: peakRssMiB(operator.pid!),
      };
      printTable(
        `${f.protocols} protocols × 3 targets, probed every ${INTERVAL_S} s, over ${f.scaleSeconds} s`,
        'figure | value',
        [
          [
            'probes per second (expected)',
            `${fixed(result.probesPerSecond, 0)} (${count(result.expectedProbesPerSecond)})`,
          ],
          ['schedule lag p50 ≤ (s)', String(result.lagP50UpperBoundSeconds)],
          ['schedule lag p99 ≤ (s)', String(result.lagP99UpperBoundSeconds)],
          ['operator CPU (cores)', fixed(result.operatorCpuCores, 2)],
          ['operator peak RSS (MiB)', fixed(result.operatorPeakRssMiB, 0)],
        ],
      );
      return result;
    }
  },
);
