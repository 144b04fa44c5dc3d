// `npm run bench:audit`: the engine's audits per second, and the Venture decision latency on a cluster against a PATCH.
import { installCrds } from '../../lib/crds.js';
import { benchmark } from '../lib/benchmark.js';
import { clusterNameFlag, useCluster } from '../lib/cluster.js';
import { integer, integers, toggle } from '../lib/flags.js';
import { ratio, type Summary } from '../lib/stats.js';
import { count, fixed, printTable, times } from '../lib/table.js';
import {
  DEPLOYMENT_POLL_MS,
  FLOOR_PATCHES,
  HOLD,
  INTERVAL_MS,
  PROMETHEUS_POLL_MS,
  SCRAPE_MS,
  STEADY_MS,
  TREND_WINDOW,
  WIN,
  runScenario,
  type ScenarioResult,
} from './cluster.js';
import { benchEngine, type EngineResult } from './engine.js';

// Method, the expected floor and the reading of each figure: docs/bench/audit.md.

/** API requests from the audit that decides Scale until the Deployment is patched (docs/bench/audit.md). */
const WRITES = 4;

const flags = {
  ventures: integers('100,1000', 'N values, one cluster scenario each ("" for the engine only)'),
  flip: integer(100, 'ventures flipped to winning numbers per scenario: min(N, flip)'),
  workers: integer(8, "the operator's --workers"),
  iterations: integer(5000, 'engine: iterations per measured round'),
  warmup: integer(2000, 'engine: iterations before the first round', { min: 0 }),
  rounds: integer(5, 'engine: measured rounds (the median is reported)'),
  // 30 s, as the figures of record: growth is known once a venture's audits span a whole period, and a
  // window of TREND_WINDOW periods still holds two audits when a loaded operator audits each only every 15 s.
  period: integer(30, `policy.period of the Ventures, seconds (history keeps ${TREND_WINDOW} periods)`),
  phaseTimeout: integer(600, 'seconds each wait (audits of all N, scaling of the flipped ones) may take'),
  operatorMetrics: toggle(
    "serve the operator's /metrics and summarize the venture controller's steady window",
  ),
  clusterName: clusterNameFlag('audit'),
};

/** Figures derived from a scenario's measurements: the expected floor and the ratios to it. */
function derived(r: ScenarioResult) {
  // Each venture is audited every interval, or less often when the operator cannot keep up.
  const cycleMs = r.auditsPerSecond
    ? Math.max(INTERVAL_MS, (r.ventures / r.auditsPerSecond) * 1000)
    : undefined;
  const patch = r.floorIdle?.keepAliveMs.p50;
  const expectedP50Ms =
    patch === undefined ? undefined : INTERVAL_MS / 2 + WRITES * patch + DEPLOYMENT_POLL_MS / 2;
  const latency = r.latencyMs?.p50;
  return {
    effectiveIntervalMs: cycleMs,
    expectedP50Ms,
    expectedP50AtEffectiveIntervalMs:
      expectedP50Ms === undefined || cycleMs === undefined
        ? undefined
        : expectedP50Ms + (cycleMs - INTERVAL_MS) / 2,
    latencyP50To: {
      patchIdle: ratio(latency, patch),
      patchUnderLoad: ratio(latency, r.floorLoaded?.keepAliveMs.p50),
      auditInterval: ratio(latency, INTERVAL_MS),
      expectedP50: ratio(latency, expectedP50Ms),
    },
  };
}

await benchmark(
  {
    name: 'audit',
    summary:
      'Engine audits per second; decision latency from a metric change to the Deployment, against a PATCH.',
    flags,
  },
  async (run) => {
    const { flags: f } = run;
    run.log(`pure engine: ${f.warmup} warm-up iterations, ${f.rounds} rounds of ${f.iterations}`);
    const engine = benchEngine({ iterations: f.iterations, warmup: f.warmup, rounds: f.rounds });
    printEngine(engine);

    const scenarios: (ScenarioResult & { derived: ReturnType<typeof derived> })[] = [];
    const ventures = f.ventures.filter((n) => n > 0);
    let cluster: string | undefined;
    if (ventures.length) {
      const phaseTimeoutMs = f.phaseTimeout * 1000;
      const target = await useCluster(run, { name: f.clusterName, timeoutMs: phaseTimeoutMs });
      cluster = target.description;
      await installCrds(target.kubectl);
      for (const n of ventures) {
        const result = await runScenario(run, {
          ventures: n,
          flip: f.flip,
          workers: f.workers,
          phaseTimeoutMs,
          kubeconfig: target.kubeconfig,
          operatorMetrics: f.operatorMetrics,
          periodMs: f.period * 1000,
        });
        scenarios.push({ ...result, derived: derived(result) });
        if (result.failure) {
          run.fail(`N=${n}: ${result.failure}`);
          break;
        }
      }
      printScenarios(scenarios);
    }
    return {
      cluster,
      parameters: {
        intervalMs: INTERVAL_MS,
        trendWindow: TREND_WINDOW,
        scrapeMs: SCRAPE_MS,
        prometheusPollMs: PROMETHEUS_POLL_MS,
        deploymentPollMs: DEPLOYMENT_POLL_MS,
        floorPatches: FLOOR_PATCHES,
        steadyMs: STEADY_MS,
        writesToDeployment: WRITES,
        hold: HOLD,
        win: WIN,
      },
      engine,
      scenarios,
    };
  },
);

function printEngine(engine: EngineResult): void {
  const decisions = Object.entries(engine.decisions).map(([action, n]) => `${n} ${action}`);
  printTable(
    `Pure engine (${engine.inputs} inputs deciding ${decisions.join(', ')}):`,
    'what | calls/s | µs per call | fastest–slowest round, µs',
    engine.rows.map((r) => [
      r.what,
      count(r.perSecond),
      fixed(r.microseconds.p50),
      `${fixed(r.microseconds.min)}–${fixed(r.microseconds.max)}`,
    ]),
  );
}

function seconds(ms: number | undefined): string {
  return fixed(ms === undefined ? undefined : ms / 1000, 2);
}

function spread(s: Summary | undefined): string | undefined {
  return s ? `${seconds(s.p50)} / ${seconds(s.p90)} / ${seconds(s.max)}` : undefined;
}

function printScenarios(scenarios: (ScenarioResult & { derived: ReturnType<typeof derived> })[]): void {
  printTable(
    'Decision latency: a metric change visible in Prometheus (t0) → the Deployment at 2 replicas:',
    'N | flipped | scaled | operator audits/s | effective interval s | Prometheus lag s p50 | ' +
      't0 → decision s p50/p90/max | decision → Deployment s p50/p90/max | latency s p50 | p90 | max | ' +
      'all scaled s | decisions between t0 and Scale 0/1/2+',
    scenarios.map((r) => [
      r.ventures,
      r.flipped,
      r.scaled,
      fixed(r.auditsPerSecond),
      seconds(r.derived.effectiveIntervalMs),
      seconds(r.prometheusLagMs?.p50),
      spread(r.toDecisionMs),
      spread(r.decisionToDeploymentMs),
      seconds(r.latencyMs?.p50),
      seconds(r.latencyMs?.p90),
      seconds(r.latencyMs?.max),
      seconds(r.allScaledMs),
      r.decisionsBeforeScale.join('/'),
    ]),
  );
  printTable(
    `PATCH round trip of a Deployment's replicas, timed from the client, ${FLOOR_PATCHES} each (ms):`,
    'N | keep-alive idle p50 (p90) | keep-alive under load p50 (p90) | via KubeClient idle p50 | under load p50',
    scenarios.map((r) => [
      r.ventures,
      r.floorIdle && `${fixed(r.floorIdle.keepAliveMs.p50)} (${fixed(r.floorIdle.keepAliveMs.p90)})`,
      r.floorLoaded && `${fixed(r.floorLoaded.keepAliveMs.p50)} (${fixed(r.floorLoaded.keepAliveMs.p90)})`,
      fixed(r.floorIdle?.operatorClientMs.p50),
      fixed(r.floorLoaded?.operatorClientMs.p50),
    ]),
  );
  printTable(
    'Ratios of the latency p50:',
    `N | to PATCH idle | to PATCH under load | to the audit interval (${INTERVAL_MS / 1000} s) | ` +
      'expected floor p50 s | to expected floor | expected p50 s at the effective interval',
    scenarios.map(({ ventures, derived: d }) => [
      ventures,
      times(d.latencyP50To.patchIdle, 1),
      times(d.latencyP50To.patchUnderLoad, 1),
      times(d.latencyP50To.auditInterval, 1),
      seconds(d.expectedP50Ms),
      times(d.latencyP50To.expectedP50, 1),
      seconds(d.expectedP50AtEffectiveIntervalMs),
    ]),
  );
  const watched = scenarios.filter((r) => r.operator);
  if (watched.length) {
    printTable(
      'The venture controller over the steady window (--operator-metrics):',
      'N | reconciles/s | ms each | audits/s | Prometheus + engine ms | queue wait ms | CPU cores | API requests/s',
      watched.map(({ ventures, operator: o }) => [
        ventures,
        fixed(o!.reconcilesPerSecond),
        fixed(o!.reconcileMeanMs, 0),
        fixed(o!.auditsPerSecond),
        fixed(o!.auditMeanMs, 0),
        fixed(o!.queueWaitMeanMs, 0),
        fixed(o!.cpuCores, 2),
        Object.entries(o!.apiRequestsPerSecond)
          .map(([request, rate]) => `${request} ${fixed(rate)}`)
          .join(', ') || 'none',
      ]),
    );
  }
}
