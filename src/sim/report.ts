// The simulator's results as Markdown: one table per scenario, the default mix (all scenarios together),
// the issue's goal and the seed's claims, each figure per run and averaged over the runs.
import type { Measures, ScenarioResult } from './experiment.js';
import type { Policy } from './policies.js';

/** Per-run means of one policy over one scenario, or summed over the scenarios of the mix. */
export interface Row {
  policy: Policy;
  m: Measures;
}

const perRun = (m: Measures, runs: number): Measures =>
  Object.fromEntries(Object.entries(m).map(([k, v]) => [k, v / runs])) as unknown as Measures;

export function rowsOf(result: ScenarioResult): Row[] {
  return result.policies.map((p) => ({ policy: p.policy, m: perRun(p.totals, result.runs) }));
}

/** The mix: each scenario's per-run means, summed over the scenarios (every scenario weighs the same). */
export function mixRows(results: readonly ScenarioResult[]): Row[] {
  return results[0]!.policies.map((p, i) => {
    const m = perRun(p.totals, 1);
    for (const key of Object.keys(m) as (keyof Measures)[]) {
      m[key] = results.reduce((sum, r) => sum + r.policies[i]!.totals[key] / r.runs, 0);
    }
    return { policy: p.policy, m };
  });
}

const k = (dollars: number) => `${(dollars / 1000).toFixed(0)}k`;
const signed = (ratio: number) => `${ratio >= 0 ? '+' : ''}${(ratio * 100).toFixed(1)}%`;
const pct = (ratio: number) => `${(ratio * 100).toFixed(1)}%`;
const one = (x: number) => x.toFixed(1);

export const falseKillRate = (m: Measures) => (m.terminations > 0 ? m.falseKills / m.terminations : 0);
export const vsStatic = (m: Measures, rows: readonly Row[]) => {
  const base = rows.find((r) => r.policy.kind === 'static')?.m.profit;
  return base === undefined ? undefined : (m.profit - base) / Math.abs(base);
};
export const ofOracle = (m: Measures, rows: readonly Row[]) => {
  const best = rows.find((r) => r.policy.name === 'oracle')?.m.profit;
  return best === undefined ? undefined : m.profit / best;
};

/** The main table: one line per policy. */
export function policyTable(rows: readonly Row[]): string {
  const header = [
    'policy',
    'profit/run',
    'vs static',
    'of oracle',
    'terminations/run',
    'false kills',
    'kept too long/run',
    'winner capacity/run',
    'months to capacity',
    'scales/run',
    'losing at end/run',
  ];
  const lines = rows.map(({ policy, m }) => {
    const s = vsStatic(m, rows);
    const o = ofOracle(m, rows);
    return [
      `${policy.name}: ${policy.label}`,
      k(m.profit),
      s === undefined ? '' : signed(s),
      o === undefined ? '' : pct(o),
      one(m.terminations),
      m.terminations > 0 ? `${one(m.falseKills)} (${pct(falseKillRate(m))})` : '0',
      k(m.keptTooLong),
      `${m.winnerCapacity.toFixed(0)} replica-months`,
      m.winners > 0 ? one(m.monthsToCapacity / m.winners) : '',
      one(m.scales),
      one(m.underperformers),
    ];
  });
  return table(header, ['l', ...header.slice(1).map(() => 'r' as const)], lines);
}

/**
 * A Markdown table laid out as prettier lays it out (cells padded to the column's width), so the
 * generated files pass `prettier --check` unchanged.
 */
export function table(header: string[], align: ('l' | 'r')[], lines: string[][]): string {
  const widths = header.map((h, c) => Math.max(3, h.length, ...lines.map((l) => l[c]!.length)));
  const cell = (text: string, c: number) =>
    align[c] === 'r' ? text.padStart(widths[c]!) : text.padEnd(widths[c]!);
  const row = (cells: string[]) => `| ${cells.map(cell).join(' | ')} |`;
  const rule = `| ${widths.map((w, c) => (align[c] === 'r' ? `${'-'.repeat(w - 1)}:` : '-'.repeat(w))).join(' | ')} |`;
  return [row(header), rule, ...lines.map(row)].join('\n');
}

export interface Goal {
  vsStatic: number;
  ofOracle: number;
  falseKillRate: number;
  holds: boolean;
}

/** The issue's goal on the mix: ≥ 20 % over static, ≥ 80 % of the oracle, false-kill rate under 5 %. */
export function goalOf(rows: readonly Row[], name: string): Goal | undefined {
  const row = rows.find((r) => r.policy.name === name);
  if (!row) return undefined;
  const goal = {
    vsStatic: vsStatic(row.m, rows) ?? NaN,
    ofOracle: ofOracle(row.m, rows) ?? NaN,
    falseKillRate: falseKillRate(row.m),
  };
  return { ...goal, holds: goal.vsStatic >= 0.2 && goal.ofOracle >= 0.8 && goal.falseKillRate < 0.05 };
}

/** The seed's profitability claims against a policy's figures on the mix, static as the baseline. */
export function claimsTable(rows: readonly Row[], name: string, where: string): string {
  const row = rows.find((r) => r.policy.name === name)!.m;
  const base = rows.find((r) => r.policy.kind === 'static')!.m;
  const naive = rows.find((r) => r.policy.name === 'naive')?.m;
  const roi = (m: Measures) => m.profit / m.costs;
  const fewer = base.underperformers > 0 ? 1 - row.underperformers / base.underperformers : NaN;
  const roiGain = (roi(row) - roi(base)) / Math.abs(roi(base));
  const months = (m: Measures) => m.monthsToCapacity / m.winners;
  const faster = naive ? 1 - months(row) / months(naive) : NaN;
  const lines = [
    [
      '+20-40 % platform profitability',
      `profit ${signed(vsStatic(row, rows)!)} against static`,
      verdict(vsStatic(row, rows)!, 0.2),
    ],
    [
      '50 % fewer underperformers',
      `ventures losing money in the last month: ${one(row.underperformers)} against ${one(base.underperformers)} (${signed(-fewer)})`,
      verdict(fewer, 0.5),
    ],
    [
      '30 % faster resource allocation to winners',
      naive
        ? `months from outgrowing its replicas to the first extra one: ${one(months(row))} against ${one(months(naive))} for seed-naive (${signed(-faster)}); static never gives any`
        : 'needs the naive policy in the run',
      verdict(faster, 0.3),
    ],
    [
      '25 % improved ROI',
      `profit / costs ${pct(roi(row))} against ${pct(roi(base))} for static (${signed(roiGain)})`,
      verdict(roiGain, 0.25),
    ],
  ];
  return table(['seed claim', `${name} on ${where}`, 'holds'], ['l', 'l', 'l'], lines);
}

/** A claim holds when the measure reaches the claimed share; without a measure there is no verdict. */
const verdict = (measured: number, claimed: number) =>
  Number.isNaN(measured) ? '-' : measured >= claimed ? 'yes' : 'no';

export interface ReportOptions {
  command: string;
  /** The policy whose goal and claims are checked. */
  subject: string;
}

/** The whole results file. */
export function resultsMarkdown(results: readonly ScenarioResult[], options: ReportOptions): string {
  // One scenario is its own summary; several are summed into the mix.
  const single = results.length === 1;
  const summary = single ? rowsOf(results[0]!) : mixRows(results);
  const where = single ? results[0]!.scenario.name : 'the mix';
  const comparable = ['static', 'oracle', options.subject].every((n) =>
    summary.some((r) => r.policy.name === n),
  );
  const parts = [
    '# Simulator results',
    '',
    `Written by \`${options.command}\` (seed ${results[0]!.seed}); the same command and seed give this file byte for byte. ` +
      'Money is per run (one run is one draw of the scenario over its horizon), averaged over the runs; ' +
      'what each column means is in [README.md](README.md).',
    '',
  ];
  if (!single) {
    parts.push(
      `## The default mix: ${results.map((r) => `${r.scenario.name} (${r.runs} runs)`).join(', ')}`,
      '',
      'Per-run figures of each scenario, summed over the scenarios.',
      '',
      policyTable(summary),
      '',
    );
  }
  const goal = comparable ? goalOf(summary, options.subject) : undefined;
  if (goal) {
    parts.push(
      `Goal (issue 16) for \`${options.subject}\` on ${where}: ≥ +20 % against static: ${signed(goal.vsStatic)}; ` +
        `≥ 80 % of the oracle: ${pct(goal.ofOracle)}; false-kill rate < 5 %: ${pct(goal.falseKillRate)}. ` +
        `**The goal ${goal.holds ? 'holds' : 'does not hold'}.**`,
      '',
      `### The seed's claims (${options.subject} against static on ${where})`,
      '',
      claimsTable(summary, options.subject, where),
      '',
    );
  }
  for (const result of results) {
    parts.push(
      `## ${result.scenario.name}`,
      '',
      `${result.scenario.description} ${result.runs} runs of ${result.scenario.horizonMonths} months.`,
      '',
      policyTable(rowsOf(result)),
      '',
    );
  }
  return parts.join('\n');
}
