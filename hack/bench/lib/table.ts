// Tables for a benchmark's stdout: aligned GFM markdown (markdown-table), so a table pastes into docs/bench/.
import { markdownTable } from 'markdown-table';

export type Cell = string | number | undefined;

/** Shown for a figure that was not measured (missing, NaN, a failed run). */
export const MISSING = '–';

const absent = (value: number | undefined): value is undefined =>
  value === undefined || !Number.isFinite(value);

/** A number with `digits` decimals, or MISSING. */
export const fixed = (value: number | undefined, digits = 1): string =>
  absent(value) ? MISSING : value.toFixed(digits);

/** A ratio as "1.20×", or MISSING. */
export const times = (value: number | undefined, digits = 2): string =>
  absent(value) ? MISSING : `${value.toFixed(digits)}×`;

/** A whole number with thousands separators: 59720 → "59,720". */
export const count = (value: number | undefined): string =>
  absent(value) ? MISSING : Math.round(value).toLocaleString('en-US');

const numeric = /^[-+]?[\d.,]/;

/**
 * The rows under `header`, written as a markdown row ('N | variant | total s'). A column whose cells all
 * read as numbers (MISSING and '' aside) is aligned right, the others left. A number cell is printed as
 * String(n): format it first to choose its digits.
 */
export function formatTable(header: string, rows: Cell[][]): string {
  const names = header.split('|').map((name) => name.trim());
  const cells = rows.map((row) => names.map((_, i) => String(row[i] ?? MISSING)));
  const align = names.map((_, i) => {
    const filled = cells.map((row) => row[i]!).filter((c) => c !== MISSING && c !== '');
    return filled.length > 0 && filled.every((c) => numeric.test(c)) ? 'r' : 'l';
  });
  // Columns at least 3 wide, as prettier lays them out; markdown-table's 'l' would write ':---', and ''
  // is the plain left alignment prettier keeps.
  const padded = names.map((name, i) => (align[i] === 'r' ? name.padStart(3) : name.padEnd(3)));
  return markdownTable([padded, ...cells], { align: align.map((a) => (a === 'r' ? 'r' : '')) });
}

/** Prints a titled table to stdout (progress goes to stderr, so stdout is the benchmark's answer). */
export function printTable(title: string, header: string, rows: Cell[][]): void {
  console.log(`\n${title}\n\n${formatTable(header, rows)}`);
}
