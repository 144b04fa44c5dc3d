// `npm run bench:audit`: engine audits/s, Venture decision latency on a local cluster, the PATCH floor; docs/bench/audit.md.
import type { ChildProcess } from 'node:child_process';
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import * as prettier from 'prettier';
import { installCrds } from '../lib/crds.js';
import { buildTools, clusterDown, clusterUp, toolVersion } from '../lib/localCluster.js';
import {
  DEPLOYMENT_POLL_MS,
  HOLD,
  INTERVAL_MS,
  PROMETHEUS_POLL_MS,
  SCRAPE_MS,
  TREND_WINDOW,
  WIN,
  cleanups,
  repoRoot,
  runScenario,
  type ScenarioResult,
  type Stats,
} from './auditCluster.js';
import { benchEngine, type EngineResult } from './auditEngine.js';

const run = promisify(execFile);

const usage = `usage: npm run bench:audit -- [--ventures 100,1000] [--flip 100] [--workers 8] [--iterations 5000]
  [--warmup 2000] [--rounds 5] [--phase-timeout 600] [--cluster-name bench-audit] [--out docs/bench/audit.md]

  --ventures       comma-separated N values, one cluster scenario each ("0" or "" for the engine only)
  --flip           ventures flipped to winning numbers per scenario: min(N, flip)
  --workers        the operator's --workers
  --iterations     engine: iterations per measured round (after --warmup iterations), --rounds rounds
  --phase-timeout  seconds each wait (audits of all N, scaling of the flipped ones) may take
  --period         policy.period of the Ventures in seconds (default 2, like metrics.interval); history keeps
                   ${TREND_WINDOW} periods, so audits of a venture further apart than that never learn its growth
  --out            markdown report to write ("" for none)
  --append         add this run's results to --out instead of rewriting it
  --operator-metrics  diagnostic: serve the operator's /metrics (otherwise off) and summarize reconciles,
                   queue wait, API requests and CPU over the steady window
Uses the cluster in KUBECONFIG when set; otherwise starts local cluster --cluster-name and removes it after.`;

interface Settings {
  ventures: number[];
  flip: number;
  workers: number;
  iterations: number;
  warmup: number;
  rounds: number;
  phaseTimeoutMs: number;
  clusterName: string;
  out: string;
  operatorMetrics: boolean;
  periodMs: number;
  append: boolean;
}

function parseSettings(): Settings {
  const { values } = parseArgs({
    options: {
      ventures: { type: 'string', default: '100,1000' },
      flip: { type: 'string', default: '100' },
      workers: { type: 'string', default: '8' },
      iterations: { type: 'string', default: '5000' },
      warmup: { type: 'string', default: '2000' },
      rounds: { type: 'string', default: '5' },
      'phase-timeout': { type: 'string', default: '600' },
      'cluster-name': { type: 'string', default: 'bench-audit' },
      out: { type: 'string', default: 'docs/bench/audit.md' },
      'operator-metrics': { type: 'boolean', default: false },
      period: { type: 'string', default: '2' },
      append: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(usage);
    process.exit(0);
  }
  const positive = (flag: string, text: string, zero = false) => {
    const value = Number(text);
    if (!Number.isInteger(value) || value < (zero ? 0 : 1))
      throw new Error(`--${flag} must be a whole number`);
    return value;
  };
  return {
    ventures: values.ventures
      .split(',')
      .filter((v) => v.trim() !== '')
      .map((v) => positive('ventures', v.trim(), true))
      .filter((v) => v > 0),
    flip: positive('flip', values.flip),
    workers: positive('workers', values.workers),
    iterations: positive('iterations', values.iterations),
    warmup: positive('warmup', values.warmup, true),
    rounds: positive('rounds', values.rounds),
    phaseTimeoutMs: positive('phase-timeout', values['phase-timeout']) * 1000,
    clusterName: values['cluster-name'],
    out: values.out,
    operatorMetrics: values['operator-metrics'],
    periodMs: positive('period', values.period) * 1000,
    append: values.append,
  };
}

const log = (line: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${line}`);
const sec = (ms: number | undefined) =>
  ms === undefined || !Number.isFinite(ms) ? '–' : (ms / 1000).toFixed(2);
const ms1 = (ms: number | undefined) => (ms === undefined || !Number.isFinite(ms) ? '–' : ms.toFixed(1));
const ratio = (a: number | undefined, b: number | undefined) =>
  a === undefined || b === undefined || !Number.isFinite(a) || !Number.isFinite(b) || b === 0
    ? '–'
    : `${(a / b).toFixed(1)}×`;
const spread = (s: Stats | undefined) => (s ? `${sec(s.p50)} / ${sec(s.p90)} / ${sec(s.max)}` : '–');

function table(header: string[], rows: string[][], align: ('l' | 'r')[]): string {
  const widths = header.map((h, i) => Math.max(3, h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    `| ${cells.map((c, i) => (align[i] === 'r' ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join(' | ')} |`;
  const rule = `| ${widths.map((w, i) => (align[i] === 'r' ? `${'-'.repeat(w - 1)}:` : '-'.repeat(w))).join(' | ')} |`;
  return [line(header), rule, ...rows.map(line)].join('\n');
}

function engineTable(engine: EngineResult): string {
  return table(
    ['what', 'calls/s', 'µs per call', 'fastest–slowest round, µs'],
    engine.rows.map((r) => [
      r.what,
      Math.round(r.perSecond).toLocaleString('en-US'),
      r.microseconds.toFixed(1),
      `${r.fastest.toFixed(1)}–${r.slowest.toFixed(1)}`,
    ]),
    ['l', 'r', 'r', 'r'],
  );
}

/** API requests from the audit that decides Scale until the Deployment is patched (see floorExplanation). */
const WRITES = 4;

/** The expected p50 with an operator that keeps up: half an interval, the writes, half a Deployment poll. */
const expectedP50 = (r: ScenarioResult) =>
  INTERVAL_MS / 2 + WRITES * (r.floorIdle?.keepAlive.p50 ?? 0) + DEPLOYMENT_POLL_MS / 2;

function latencyTable(results: ScenarioResult[]): string {
  return table(
    [
      'N',
      'flipped',
      'scaled',
      'operator audits/s',
      'effective interval s',
      'Prometheus lag s p50',
      't0 → decision s p50/p90/max',
      'decision → Deployment s p50/p90/max',
      'latency s p50',
      'p90',
      'max',
      'all scaled s',
      'decisions between t0 and Scale 0/1/2+',
    ],
    results.map((r) => [
      String(r.ventures),
      String(r.flipped),
      String(r.scaled),
      Number.isFinite(r.auditsPerSecond) ? r.auditsPerSecond.toFixed(1) : '–',
      Number.isFinite(r.auditsPerSecond)
        ? Math.max(INTERVAL_MS / 1000, r.ventures / r.auditsPerSecond).toFixed(1)
        : '–',
      sec(r.prometheusLag?.p50),
      spread(r.toDecision),
      spread(r.decisionToDeployment),
      sec(r.latency?.p50),
      sec(r.latency?.p90),
      sec(r.latency?.max),
      sec(r.allScaledMs),
      r.decisionsBeforeScale.join('/'),
    ]),
    ['r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r'],
  );
}

function floorTable(results: ScenarioResult[]): string {
  return table(
    [
      'N',
      'PATCH ms idle p50 (p90)',
      'PATCH ms under load p50 (p90)',
      'via KubeClient ms idle p50',
      'under load p50',
    ],
    results.map((r) => [
      String(r.ventures),
      r.floorIdle ? `${ms1(r.floorIdle.keepAlive.p50)} (${ms1(r.floorIdle.keepAlive.p90)})` : '–',
      r.floorLoaded ? `${ms1(r.floorLoaded.keepAlive.p50)} (${ms1(r.floorLoaded.keepAlive.p90)})` : '–',
      ms1(r.floorIdle?.operatorClient.p50),
      ms1(r.floorLoaded?.operatorClient.p50),
    ]),
    ['r', 'r', 'r', 'r', 'r'],
  );
}

function ratioTable(results: ScenarioResult[]): string {
  return table(
    [
      'N',
      'latency p50 / PATCH idle',
      'latency p50 / PATCH under load',
      `latency p50 / audit interval (${INTERVAL_MS / 1000} s)`,
      'latency p50 / expected floor p50',
    ],
    results.map((r) => [
      String(r.ventures),
      ratio(r.latency?.p50, r.floorIdle?.keepAlive.p50),
      ratio(r.latency?.p50, r.floorLoaded?.keepAlive.p50),
      ratio(r.latency?.p50, INTERVAL_MS),
      ratio(r.latency?.p50, expectedP50(r)),
    ]),
    ['r', 'r', 'r', 'r', 'r'],
  );
}

function floorExplanation(results: ScenarioResult[]): string {
  const interval = INTERVAL_MS / 1000;
  const lines = [
    `Expected floor: each venture is audited every ${interval} s and a flip lands at a random point of that cycle, so an`,
    `operator that costs nothing still waits U(0, ${interval} s) for the next audit: p50 ${interval / 2} s, p90 ${(interval * 0.9).toFixed(1)} s, max ${interval} s.`,
    `Growth is known before the flip (the script waits for status.metrics.growthRate, i.e. audits in two periods), so`,
    `the first audit that reads the new numbers can scale; a brand-new venture would need an audit in a second period`,
    `first (one more interval: ${interval}–${2 * interval} s). Then the audit's 6 Prometheus queries and ${WRITES} API requests up to`,
    `the Deployment: status (the decision is recorded before it is acted on), the scale subresource, the`,
    `VentureScaled Event, the Deployment apply (a last status write follows). Plus this script's ${DEPLOYMENT_POLL_MS} ms`,
    `Deployment poll (+${DEPLOYMENT_POLL_MS / 2} ms on average; t0 is read every ${PROMETHEUS_POLL_MS} ms). Expected p50 ≈ ${interval / 2} s + ${WRITES} × PATCH + ${DEPLOYMENT_POLL_MS / 2} ms.`,
  ];
  for (const r of results) {
    if (!r.floorIdle) continue;
    let line = `  N=${r.ventures}: expected p50 ≈ ${sec(expectedP50(r))} s with a ${interval} s cycle.`;
    if (Number.isFinite(r.auditsPerSecond)) {
      const needed = r.ventures / interval;
      const cycle = Math.max(interval, r.ventures / r.auditsPerSecond);
      line +=
        ` The operator audited ${r.auditsPerSecond.toFixed(1)}/s (${r.ventures} ventures every ${interval} s need ` +
        `${needed.toFixed(1)}/s), so each venture was audited about every ${cycle.toFixed(1)} s: expected p50 ≈ ` +
        `${sec(expectedP50(r) + (cycle - interval) * 500)} s with that cycle.`;
    }
    const hop = r.decisionToDeployment?.p50;
    const patch = r.floorLoaded?.keepAlive.p50;
    // A later reconcile waits for the queue, i.e. about an audit cycle: longer than the interval.
    if (hop !== undefined && patch !== undefined && hop > INTERVAL_MS) {
      line +=
        ` Decision → Deployment took ${sec(hop)} s (p50), ${ratio(hop, patch)} a PATCH under load: the Deployment` +
        ` followed in a later reconcile, which waited its turn in the work queue behind the other ventures' audits.`;
    }
    lines.push(line);
  }
  return lines.join('\n');
}

function machine(): string {
  const cpu = cpus();
  return `${cpu.length} cores (${cpu[0]?.model.trim() ?? 'unknown CPU'}), ${Math.round(totalmem() / 2 ** 30)} GiB RAM, Node ${process.version}`;
}

/**
 * Re-wraps the paragraphs and list items of generated markdown at `width` (tables and headings stay);
 * a word that would start a line as a list marker or heading stays on the line before.
 */
function reflow(markdown: string, width = 110): string {
  const marker = /^(- |\d+\. )/;
  return markdown
    .split(/\n{2,}/)
    .map((block) => {
      if (/^(#|\|)/.test(block)) return block;
      const items: string[] = [];
      for (const line of block.split('\n')) {
        if (!items.length || marker.test(line)) items.push(line.trim());
        else items[items.length - 1] += ` ${line.trim()}`;
      }
      return items
        .map((item) => {
          const head = marker.exec(item)?.[0] ?? '';
          const indent = ' '.repeat(head.length);
          const lines: string[] = [];
          let current = head;
          // Words, with an inline code span kept whole: prettier re-indents a span broken over lines.
          const words: string[] = [];
          for (const word of item.slice(head.length).split(/ +/)) {
            const open = (words.at(-1)?.split('`').length ?? 1) % 2 === 0;
            if (open) words[words.length - 1] += ` ${word}`;
            else words.push(word);
          }
          for (const word of words) {
            const fresh = current === head || current === indent;
            const risky = /^([-+*>]|#+|\d+\.)$/.test(word);
            if (!fresh && !risky && current.length + 1 + word.length > width) {
              lines.push(current);
              current = indent + word;
            } else {
              current = fresh ? current + word : `${current} ${word}`;
            }
          }
          lines.push(current);
          return lines.join('\n');
        })
        .join('\n');
    })
    .join('\n\n');
}

interface ReportContext {
  cluster: string;
  load: [string, string];
  date: string;
  command: string;
}

function methodSection(settings: Settings, engine: EngineResult): string {
  return `# Audit benchmark: the engine's audits per second and the Venture decision latency

Written by \`npm run bench:audit\` (\`hack/bench/audit.ts\`, \`auditEngine.ts\`, \`auditCluster.ts\`); run it
again to refresh this file (\`--append\` adds a run's results below instead).

## Method

1. **Pure engine.** \`auditVenture\` + \`decideVenture\` in the benchmark process, no I/O: ${engine.inputs} prepared
   inputs cycled (all six metrics fresh, a 6-entry status history: five earlier monthly periods and an earlier
   audit of the current one; seed thresholds; a mix that decides ${Object.entries(engine.decisions)
     .map(([a, c]) => `${c} ${a}`)
     .join(', ')}). ${engine.options.warmup} warm-up iterations, then ${engine.options.rounds} rounds of
   ${engine.options.iterations}; the median round is reported, and each function alone for comparison.
2. **Decision latency.** One cluster for the run; CRDs applied with \`kubectl apply --server-side\`. For each N, in
   a fresh namespace: the sample app (\`examples/venture-app/server.ts\`), \`LocalPrometheus\` scraping it every
   ${SCRAPE_MS / 1000} s, and the operator (\`node --import tsx src/cli/main.ts run\` with \`--namespace=<ns>\`
   \`--prometheus-address=…\` \`--leader-elect=false\` \`--default-mode=Autonomous\` \`--workers=${settings.workers}\`
   \`--metrics-bind-address=\` \`--health-probe-bind-address=\`). N Ventures with all six Prometheus queries,
   \`metrics.interval\` ${INTERVAL_MS / 1000}s, \`policy.period\` ${INTERVAL_MS / 1000}s unless a result says otherwise
   (\`--period\`), \`trendWindow\` ${TREND_WINDOW}, \`scale.growthRate\` -1, replicas 1, maxReplicas 2. All report
   holding numbers (revenue ${HOLD.revenue}, costs ${HOLD.costs}: margin 10 %, ROI 11 %, flat). The script waits
   until every Venture has \`status.lastAuditTime\`, a Hold and a known growth rate, measures the operator's audit
   rate for 10 s (the \`decided\` lines it logs, one per audit), then flips **min(N, ${settings.flip})** ventures
   (spread over the creation order) to winning numbers (revenue ${WIN.revenue}, costs ${WIN.costs}) with one POST
   each, all at once. **t0** per venture is the first ${PROMETHEUS_POLL_MS} ms poll of Prometheus
   (\`venture_revenue_dollars_monthly == ${WIN.revenue}\`) that shows it; the Deployments of the flipped ventures
   are then listed every ${DEPLOYMENT_POLL_MS} ms and **latency** = first list showing \`spec.replicas\` 2 − t0.
   _t0 → decision_ uses the time of the operator's \`decided\` log line for the Scale. _all scaled_ runs from the
   first t0 to the last Deployment seen scaled. Each wait fails after ${settings.phaseTimeoutMs / 1000} s (the wait
   for growth fails early when audits are too far apart for growth ever to be known).
3. **PATCH floor.** 50 sequential merge-patches of a Deployment's \`spec.replicas\` (a Deployment no controller
   writes), timed from the client: over one keep-alive TLS connection (the floor), and through \`KubeClient\` as
   the operator sends its requests.
   Once before the operator starts (idle) and once while it audits all N (under load).
`;
}

function resultsSection(
  settings: Settings,
  engine: EngineResult,
  results: ScenarioResult[],
  context: ReportContext,
): string {
  const failures = results.filter((r) => r.failure);
  const period = settings.periodMs / 1000;
  return `## Results: \`${context.command}\`

${context.date}, ${machine()}; ${context.cluster}; policy.period ${period} s. Load average ${context.load[0]} at the
start, ${context.load[1]} at the end${Math.max(...context.load.map(Number)) > cpus().length ? ' (other work shared the machine)' : ''}.

### Pure engine

${engineTable(engine)}

${
  results.length
    ? `### Decision latency (metric visible in Prometheus → Deployment at 2 replicas)

${latencyTable(results)}

_effective interval_ = max(${INTERVAL_MS / 1000} s, N / operator audits per second): how often each venture is really
audited. _decisions between t0 and Scale_: how many flipped ventures the operator audited 0, 1, or 2 or more times
after t0 (each still a Hold) before the audit that scaled.

### PATCH round trip (the floor)

${floorTable(results)}

### Ratios

${ratioTable(results)}

### Expected floor

${floorExplanation(results)
  .split('\n')
  .map((l) => (l.startsWith('  ') ? `- ${l.trim()}` : l))
  .join('\n')}
${
  results.some((r) => r.diagnosis)
    ? `\n### The operator during the steady window (\`--operator-metrics\`)\n\n${results
        .filter((r) => r.diagnosis)
        .map((r) => `- N=${r.ventures}: ${r.diagnosis}`)
        .join('\n')}\n`
    : ''
}${failures.length ? `\n### Did not converge\n\n${failures.map((r) => `- N=${r.ventures}: ${r.failure}`).join('\n')}\n` : ''}`
    : ''
}`;
}

/** Processes descended from this one (their ids), from /proc. */
function descendants(root: number): { pid: number; cmdline: string }[] {
  const parents = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^[0-9]+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      parents.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // gone
    }
  }
  const found: { pid: number; cmdline: string }[] = [];
  const visit = (pid: number) => {
    for (const [child, parent] of parents) {
      if (parent !== pid) continue;
      let cmdline = '';
      try {
        cmdline = readFileSync(`/proc/${child}/cmdline`, 'utf8').replaceAll('\0', ' ');
      } catch {
        // gone
      }
      found.push({ pid: child, cmdline });
      visit(child);
    }
  };
  visit(root);
  return found;
}

/**
 * clusterUp with a deadline. Cluster creation waits for a lock other processes' clusters can hold; on
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

async function main(): Promise<number> {
  const settings = parseSettings();
  const children = new Set<ChildProcess>();
  const startLoad = loadavg()[0]!.toFixed(2);
  let startedCluster: string | undefined;
  const teardown = async () => {
    for (const child of children) child.kill('SIGKILL');
    for (const cleanup of cleanups) await cleanup().catch(() => {});
    if (startedCluster) {
      log(`removing cluster ${startedCluster}`);
      await clusterDown(startedCluster).catch((err: unknown) => log(`cluster down failed: ${String(err)}`));
      startedCluster = undefined;
    }
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      log(`${signal}: tearing down`);
      void teardown().then(() => process.exit(130));
    });
  }

  log(
    `pure engine: ${settings.warmup} warm-up iterations, ${settings.rounds} rounds of ${settings.iterations}`,
  );
  const engine = benchEngine({
    iterations: settings.iterations,
    warmup: settings.warmup,
    rounds: settings.rounds,
  });
  console.log(
    `\nPure engine (auditVenture + decideVenture, ${engine.inputs} inputs with six metrics and a 6-entry history):\n`,
  );
  console.log(engineTable(engine));
  const combined = engine.rows[0]!;
  console.log(
    `\n=> ${Math.round(combined.perSecond).toLocaleString('en-US')} audits/s, ${combined.microseconds.toFixed(1)} µs per audit\n`,
  );

  const results: ScenarioResult[] = [];
  let cluster = 'no cluster';
  try {
    if (settings.ventures.length) {
      const bin = await buildTools();
      let kubeconfig = process.env.KUBECONFIG;
      if (kubeconfig) {
        cluster = `the cluster in KUBECONFIG=${kubeconfig}`;
      } else {
        log(`starting local cluster ${settings.clusterName} (1 node)`);
        startedCluster = settings.clusterName;
        kubeconfig = (await boundedClusterUp(settings.clusterName, settings.phaseTimeoutMs)).kubeconfig;
        cluster = `a local kwok cluster, binary runtime, 1 fake node, Kubernetes ${toolVersion('KUBERNETES_VERSION')}`;
        log(`export KUBECONFIG=${kubeconfig}`);
      }
      const config = kubeconfig;
      const kubectl = async (...args: string[]) =>
        (await run(join(bin, 'kubectl'), ['--kubeconfig', config, ...args], { maxBuffer: 64 * 2 ** 20 }))
          .stdout;
      await installCrds(kubectl);
      for (const ventures of settings.ventures) {
        const result = await runScenario({
          ventures,
          flip: settings.flip,
          workers: settings.workers,
          phaseTimeoutMs: settings.phaseTimeoutMs,
          kubeconfig: config,
          operatorMetrics: settings.operatorMetrics,
          periodMs: settings.periodMs,
          children,
          log,
        });
        results.push(result);
        if (result.failure) break;
      }
    }
  } catch (err) {
    log(`FAILED: ${err instanceof Error ? err.message : String(err)}`);
    await teardown();
    return 1;
  } finally {
    await teardown();
  }

  if (results.length) {
    console.log(
      '\nDecision latency: a metric change visible in Prometheus (t0) → the Deployment at 2 replicas:\n',
    );
    console.log(latencyTable(results));
    console.log(
      "\nPATCH round trip of a Deployment's replicas, timed from the client (the floor), 50 each:\n",
    );
    console.log(floorTable(results));
    console.log('\nRatios:\n');
    console.log(ratioTable(results));
    console.log(`\n${floorExplanation(results)}\n`);
    for (const r of results.filter((x) => x.diagnosis))
      console.log(`operator, N=${r.ventures}: ${r.diagnosis}`);
  }
  const failures = results.filter((r) => r.failure);
  for (const r of failures) console.log(`did not converge: N=${r.ventures}: ${r.failure}`);

  if (settings.out) {
    const date = new Date().toISOString().slice(0, 10);
    const command = `npm run bench:audit -- ${process.argv.slice(2).join(' ')}`.trim();
    const context = {
      cluster,
      load: [startLoad, loadavg()[0]!.toFixed(2)] as [string, string],
      date,
      command,
    };
    const path = resolve(repoRoot, settings.out);
    const previous = settings.append && existsSync(path) ? readFileSync(path, 'utf8') : undefined;
    const markdown = reflow(
      `${previous ?? methodSection(settings, engine)}\n\n${resultsSection(settings, engine, results, context)}`,
    );
    const options = (await prettier.resolveConfig(path)) ?? {};
    writeFileSync(path, await prettier.format(markdown, { ...options, filepath: path }));
    log(`wrote ${settings.out}`);
  }
  return failures.length ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  },
);
