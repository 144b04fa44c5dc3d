// Command-line flags declared as data: each has a type, a default, a help line and an AUTOPILOT_*
// environment variable, so `autopilot run`, `autopilot plan` and --help learn every kind's flags from
// the modules that declare them. Flags win over the environment, which wins over defaults.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { parseDuration } from '../api/duration.js';

export interface Flag<T> {
  /** What the value looks like in the help text, e.g. N, D, MODE. */
  placeholder: string;
  help: string;
  /** The default as a user would type it ('' for none). */
  default: string;
  /** The environment variable; AUTOPILOT_<NAME> unless set here. */
  env?: string;
  /** The value, or an Error whose message says what to fix (the flag's name is added). */
  parse(text: string): T;
}

export type FlagSet = Record<string, Flag<unknown>>;
export type FlagValues<F extends FlagSet> = { [K in keyof F]: F[K] extends Flag<infer T> ? T : never };

/** Bad flags or environment: the command prints the message and its usage, and exits 2. */
export class UsageError extends Error {}

/** terminationsPerHour → terminations-per-hour. */
export const flagName = (property: string): string =>
  property.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
const envName = (property: string, flag: Flag<unknown>): string =>
  flag.env ?? `AUTOPILOT_${flagName(property).replace(/-/g, '_').toUpperCase()}`;

type Options = { help: string; default: string; env?: string };

export const stringFlag = (o: Options & { placeholder?: string }): Flag<string> => ({
  placeholder: o.placeholder ?? 'TEXT',
  ...o,
  parse: (text) => text,
});

/** A string that may be empty, read as undefined. */
export const optionalFlag = (o: Options & { placeholder?: string }): Flag<string | undefined> => ({
  placeholder: o.placeholder ?? 'TEXT',
  ...o,
  parse: (text) => text || undefined,
});

export const intFlag = (o: Options & { min: number }): Flag<number> => ({
  placeholder: 'N',
  ...o,
  parse(text) {
    const n = Number(text);
    if (!Number.isInteger(n) || n < o.min) {
      throw new Error(o.min === 1 ? 'must be a positive integer' : `must be a whole number ≥ ${o.min}`);
    }
    return n;
  },
});

export const numberFlag = (
  o: Options & { check(n: number): string | undefined; placeholder?: string },
): Flag<number> => ({
  placeholder: o.placeholder ?? 'N',
  ...o,
  parse(text) {
    const n = Number(text);
    const problem = text.trim() === '' ? 'must be a number' : o.check(n);
    if (problem) throw new Error(problem);
    return n;
  },
});

/** A duration such as 30s, in milliseconds. */
export const durationFlag = (o: Options & { minMs?: number }): Flag<number> => ({
  placeholder: 'D',
  ...o,
  parse(text) {
    const ms = parseDuration(text);
    if (o.minMs !== undefined && ms < o.minMs) throw new Error(`must be at least ${o.minMs / 1000}s`);
    return ms;
  },
});

export const enumFlag = <const V extends readonly string[]>(
  values: V,
  o: Options & { placeholder?: string },
): Flag<V[number]> => ({
  placeholder: o.placeholder ?? values.join('|'),
  ...o,
  parse(text) {
    if (!values.includes(text)) {
      throw new Error(
        `must be ${values.slice(0, -1).join(', ')}${values.length > 1 ? ' or ' : ''}${values.at(-1)}`,
      );
    }
    return text;
  },
});

export const boolFlag = (o: Options): Flag<boolean> => ({
  placeholder: 'BOOL',
  ...o,
  parse(text) {
    if (text !== 'true' && text !== 'false') throw new Error('must be true or false');
    return text === 'true';
  },
});

/**
 * Parses `argv` against the union of `sets`, each flag from argv, else its environment variable, else
 * its default: one values object per set (type it with FlagValues<typeof set>). `extra` are options
 * of the command itself (such as -n), returned as parseArgs gives them. Unknown flags and bad values
 * throw UsageError.
 */
export function parseFlags(
  sets: readonly FlagSet[],
  argv: string[],
  env: NodeJS.ProcessEnv,
  extra: ParseArgsConfig['options'] = {},
): { values: Record<string, unknown>[]; extra: Record<string, string | boolean | undefined> } {
  let given: Record<string, string | boolean | (string | boolean)[] | undefined>;
  try {
    ({ values: given } = parseArgs({
      args: argv,
      options: {
        ...Object.fromEntries(
          sets.flatMap((set) => Object.keys(set)).map((p) => [flagName(p), { type: 'string' as const }]),
        ),
        ...extra,
      },
    }));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const values = sets.map((set) =>
    Object.fromEntries(
      Object.entries(set).map(([property, flag]) => {
        const name = flagName(property);
        const value = given[name];
        const text = typeof value === 'string' ? value : (env[envName(property, flag)] ?? flag.default);
        try {
          return [property, flag.parse(text)];
        } catch (err) {
          throw new UsageError(`--${name} ${(err as Error).message}`);
        }
      }),
    ),
  );
  const own = Object.fromEntries(
    Object.keys(extra).map((name) => [name, given[name] as string | boolean | undefined]),
  );
  return { values, extra: own };
}

/** Help lines for a flag set: `--name PLACEHOLDER  help (default x)  ENV`. */
export function flagHelp(set: FlagSet): string[] {
  return Object.entries(set).map(([property, flag]) => {
    const left = `  --${flagName(property)} ${flag.placeholder}`;
    const fallback = flag.default === '' ? '' : ` (default ${flag.default})`;
    return `${left.padEnd(36)} ${flag.help}${fallback}  [${envName(property, flag)}]`;
  });
}
