// The chart of the results: cumulative profit per policy over the months, one panel per scenario, as SVG.
import type { ScenarioResult } from './experiment.js';

const PANEL = { width: 420, height: 260, left: 64, right: 12, top: 28, bottom: 36 };
const COLUMNS = 2;
const LEGEND_LINE = 18;
const COLORS = [
  '#6b7280',
  '#d97706',
  '#2563eb',
  '#0891b2',
  '#7c3aed',
  '#16a34a',
  '#db2777',
  '#65a30d',
  '#b91c1c',
  '#111827',
];

const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const fixed = (x: number) => x.toFixed(1);

export function cumulativeProfitChart(results: readonly ScenarioResult[], caption: string): string {
  const policies = results[0]!.policies.map((p) => p.policy);
  const legendHeight = 24 + Math.ceil(policies.length / 2) * LEGEND_LINE;
  const rows = Math.ceil(panels(results).length / COLUMNS);
  const width = COLUMNS * PANEL.width;
  const height = legendHeight + rows * PANEL.height + 20;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="12" y="18" font-size="13" font-weight="bold">${escape(caption)}</text>`,
  ];
  policies.forEach((policy, i) => {
    const x = 12 + (i % 2) * (width / 2);
    const y = 24 + Math.floor(i / 2) * LEGEND_LINE + 12;
    parts.push(
      `<line x1="${x}" y1="${y - 4}" x2="${x + 24}" y2="${y - 4}" stroke="${COLORS[i % COLORS.length]}" stroke-width="2.5"${dash(i)}/>`,
      `<text x="${x + 30}" y="${y}">${escape(`${policy.name}: ${policy.label}`)}</text>`,
    );
  });
  panels(results).forEach(({ title, months, curves }, index) => {
    const x0 = (index % COLUMNS) * PANEL.width;
    const y0 = legendHeight + Math.floor(index / COLUMNS) * PANEL.height;
    parts.push(panel(title, months, curves, x0, y0));
  });
  parts.push('</svg>', '');
  return parts.join('\n');
}

/** Dashes tell apart lines that lie on top of each other (review periods that change nothing). */
const dash = (i: number) =>
  i % 3 === 1 ? ' stroke-dasharray="6 3"' : i % 3 === 2 ? ' stroke-dasharray="2 3"' : '';

interface Panel {
  title: string;
  /** Month at the end of each data step. */
  months: number[];
  /** Per policy, cumulative profit at the end of each data step. */
  curves: number[][];
}

/** One panel per scenario, and the mix (their sum) when they share one time grid. */
function panels(results: readonly ScenarioResult[]): Panel[] {
  const each = results.map((r) => ({
    title: r.scenario.name,
    months: r.months,
    curves: r.policies.map((p) => p.curve),
  }));
  const grid = JSON.stringify(results[0]!.months);
  if (results.length < 2 || results.some((r) => JSON.stringify(r.months) !== grid)) return each;
  const mix = each[0]!.curves.map((curve, p) =>
    curve.map((_, s) => each.reduce((sum, panel) => sum + panel.curves[p]![s]!, 0)),
  );
  return [
    ...each,
    { title: 'the default mix (sum of the scenarios)', months: results[0]!.months, curves: mix },
  ];
}

function panel(title: string, steps: number[], series: number[][], x0: number, y0: number): string {
  const plot = {
    x: x0 + PANEL.left,
    y: y0 + PANEL.top,
    w: PANEL.width - PANEL.left - PANEL.right,
    h: PANEL.height - PANEL.top - PANEL.bottom,
  };
  const months = [0, ...steps];
  const curves = series.map((curve) => [0, ...curve]);
  const values = curves.flat();
  const [low, high] = niceRange(Math.min(0, ...values), Math.max(0, ...values));
  const horizon = months.at(-1)!;
  const sx = (m: number) => plot.x + (m / horizon) * plot.w;
  const sy = (v: number) => plot.y + plot.h - ((v - low) / (high - low)) * plot.h;
  const parts = [
    `<text x="${x0 + PANEL.left}" y="${y0 + 18}" font-size="12" font-weight="bold">${escape(title)}</text>`,
    `<rect x="${plot.x}" y="${plot.y}" width="${plot.w}" height="${plot.h}" fill="none" stroke="#d1d5db"/>`,
  ];
  for (const tick of ticks(low, high)) {
    parts.push(
      `<line x1="${plot.x}" y1="${fixed(sy(tick))}" x2="${plot.x + plot.w}" y2="${fixed(sy(tick))}" stroke="${tick === 0 ? '#9ca3af' : '#f3f4f6'}"/>`,
      `<text x="${plot.x - 4}" y="${fixed(sy(tick) + 4)}" text-anchor="end">${(tick / 1e6).toFixed(1)}M</text>`,
    );
  }
  for (let m = 0; m <= horizon; m += 6) {
    parts.push(`<text x="${fixed(sx(m))}" y="${plot.y + plot.h + 14}" text-anchor="middle">${m}</text>`);
  }
  parts.push(
    `<text x="${plot.x + plot.w / 2}" y="${plot.y + plot.h + 30}" text-anchor="middle">months</text>`,
  );
  curves.forEach((curve, i) => {
    const points = curve.map((v, j) => `${fixed(sx(months[j]!))},${fixed(sy(v))}`).join(' ');
    parts.push(
      `<polyline fill="none" stroke="${COLORS[i % COLORS.length]}" stroke-width="1.8"${dash(i)} points="${points}"/>`,
    );
  });
  return parts.join('\n');
}

/** A range that starts and ends on round steps of 1, 2 or 5 × 10^n. */
function niceRange(low: number, high: number): [number, number] {
  const step = niceStep((high - low) / 5 || 1);
  return [Math.floor(low / step) * step, Math.ceil(high / step) * step];
}

function niceStep(raw: number): number {
  const power = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 5, 10].map((f) => f * power).find((s) => s >= raw)!;
}

function ticks(low: number, high: number): number[] {
  const step = niceStep((high - low) / 5 || 1);
  const list: number[] = [];
  for (let t = low; t <= high + step / 2; t += step) list.push(Math.round(t / step) * step);
  return list;
}
