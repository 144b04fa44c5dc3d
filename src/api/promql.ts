// PromQL syntax checked with the Prometheus project's own grammar (@prometheus-io/lezer-promql), offline.
import { parser } from '@prometheus-io/lezer-promql';

/**
 * `{{target}}` and the like stand for a name the operator fills in: read as a name of the same length
 * (`target____`), which parses wherever they may stand and keeps the columns of what follows.
 */
const PLACEHOLDER = /\{\{\s*(\w+)\s*\}\}/g;
const asName = (placeholder: string, name: string) => name.padEnd(placeholder.length, '_');

/**
 * Where and why `query` does not parse, e.g. `1:12: unexpected end of the query`, or undefined when it
 * does. Syntax only: whether a function takes a range vector, say, is Prometheus' to tell at query time.
 */
export function promqlSyntaxError(query: string): string | undefined {
  const text = query.replace(PLACEHOLDER, asName);
  let at: number | undefined;
  parser.parse(text).iterate({
    enter: (node) => {
      if (at === undefined && node.type.isError) at = node.from;
      return at === undefined;
    },
  });
  if (at === undefined) return undefined;
  const before = text.slice(0, at).split('\n');
  const where = `${before.length}:${before.at(-1)!.length + 1}`;
  const token = /^\s*([A-Za-z_:][\w:]*|\d[\w.]*|"[^"]*"|'[^']*'|\S)/.exec(text.slice(at))?.[1];
  return `${where}: ${token === undefined ? 'unexpected end of the query' : `unexpected ${JSON.stringify(token)}`}`;
}
