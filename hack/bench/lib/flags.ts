// A benchmark's command line: typed flags with a default and a help line each, parsed by node:util.
import { parseArgs } from 'node:util';

/** One flag: its default as it would be typed, its help line, and how its text becomes a value. */
export interface Flag<T> {
  default: string | boolean;
  help: string;
  parse(text: string | boolean): T;
}

export type FlagSet = Record<string, Flag<unknown>>;
export type FlagValues<F extends FlagSet> = { [K in keyof F]: F[K] extends Flag<infer T> ? T : never };

/** A bad command line: the benchmark prints the message and its usage, and exits 2. */
export class UsageError extends Error {}

interface Range {
  min?: number;
  max?: number;
}

function whole(text: string, { min = 1, max = Number.MAX_SAFE_INTEGER }: Range): number {
  const value = Number(text.trim());
  if (text.trim() === '' || !Number.isInteger(value) || value < min || value > max)
    throw new UsageError(`want a whole number from ${min} to ${max}, got "${text}"`);
  return value;
}

const list = (text: string) =>
  text
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);

export const integer = (defaultValue: number, help: string, range: Range = {}): Flag<number> => ({
  default: String(defaultValue),
  help,
  parse: (text) => whole(String(text), range),
});

/** Comma-separated whole numbers, e.g. `--objects 1000,5000`; "" is the empty list. */
export const integers = (defaultValue: string, help: string, range: Range = {}): Flag<number[]> => ({
  default: defaultValue,
  help,
  parse: (text) => list(String(text)).map((item) => whole(item, range)),
});

export const text = (defaultValue: string, help: string): Flag<string> => ({
  default: defaultValue,
  help,
  parse: (value) => String(value),
});

/** Comma-separated names out of `allowed`, in the order given. */
export function choices<T extends string>(
  allowed: readonly T[],
  defaultValue: string,
  help: string,
): Flag<T[]> {
  return {
    default: defaultValue,
    help: `${help} (of ${allowed.join(', ')})`,
    parse: (value) =>
      list(String(value)).map((item) => {
        if (!allowed.includes(item as T)) throw new UsageError(`unknown "${item}"`);
        return item as T;
      }),
  };
}

export const toggle = (help: string): Flag<boolean> => ({ default: false, help, parse: Boolean });

/** `phaseTimeout` is typed `--phase-timeout`. */
const flagName = (key: string) => key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/** Parses argv against `flags`; throws UsageError naming the flag for anything it cannot use. */
export function parseFlags<F extends FlagSet>(argv: string[], flags: F): FlagValues<F> {
  const options = Object.fromEntries(
    Object.entries(flags).map(([key, flag]) => [
      flagName(key),
      typeof flag.default === 'boolean'
        ? { type: 'boolean' as const, default: flag.default }
        : { type: 'string' as const, default: flag.default },
    ]),
  );
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({ args: argv, options, strict: true, allowPositionals: false }));
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
  const parsed: Record<string, unknown> = {};
  for (const [key, flag] of Object.entries(flags)) {
    try {
      parsed[key] = flag.parse(values[flagName(key)] ?? flag.default);
    } catch (err) {
      throw new UsageError(`--${flagName(key)}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  return parsed as FlagValues<F>;
}

/** The --help text: one line per flag with its default. */
export function usage(command: string, summary: string, flags: FlagSet, notes = ''): string {
  const rows = Object.entries(flags).map(([key, flag]) => {
    const name =
      typeof flag.default === 'boolean' ? `--${flagName(key)}` : `--${flagName(key)} ${flag.default || '""'}`;
    return [name, flag.help] as const;
  });
  const width = Math.max(...rows.map(([name]) => name.length));
  const lines = rows.map(([name, help]) => `  ${name.padEnd(width)}  ${help}`);
  return [`usage: ${command} [flags]`, summary, '', ...lines, ...(notes ? ['', notes] : [])].join('\n');
}
