// `autopilot validate -f FILE|DIR [--allow-empty]`: checks manifests offline as the API server would (CRD
// schemas, CEL rules, metadata) and parses their PromQL; YAML is read as kubectl reads it.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { parseAllDocuments, type ScalarTag, type Tags } from 'yaml';
import { ManifestValidator } from '../api/validation.js';

export interface ValidationReport {
  lines: string[];
  checked: number;
  files: number;
}

/** One YAML document: what it holds, or why it could not be read. */
export type ManifestDocument = { value: unknown; error?: undefined } | { value?: undefined; error: string };

/** `0o17`: Go's octal spelling, which kubectl's YAML reader (go-yaml v2 on strconv) also takes. */
const goOctal: ScalarTag = {
  tag: 'tag:yaml.org,2002:int',
  default: true,
  test: /^[-+]?0o[0-7_]+$/,
  resolve: (text) => (text.startsWith('-') ? -1 : 1) * parseInt(text.replace(/^[-+]?0o|_/g, ''), 8),
};

/**
 * kubectl reads YAML with sigs.k8s.io/yaml, that is go-yaml v2: YAML 1.1 scalars (yes, on and y are true;
 * 0755 is octal; `<<` merges) but timestamps and 1:30 stay text, and the last of two equal keys wins.
 */
const kubectlTags = (tags: Tags): Tags => [
  ...tags.filter((tag) =>
    typeof tag === 'string'
      ? !['timestamp', 'intTime', 'floatTime'].includes(tag)
      : tag.tag !== 'tag:yaml.org,2002:timestamp' && (tag as ScalarTag).format !== 'TIME',
  ),
  goOctal,
];

/** A value JSON cannot hold (.inf, .nan), in kubectl's words, or undefined. */
function unsupported(value: unknown): string | undefined {
  if (typeof value === 'number' && !Number.isFinite(value))
    return `json: unsupported value: ${Number.isNaN(value) ? 'NaN' : value > 0 ? '+Inf' : '-Inf'}`;
  if (value !== null && typeof value === 'object') {
    for (const item of Object.values(value)) {
      const found = unsupported(item);
      if (found) return found;
    }
  }
  return undefined;
}

/** The documents of a manifest file, read as kubectl reads them. */
export function readManifests(text: string): ManifestDocument[] {
  return parseAllDocuments(text, {
    version: '1.1',
    merge: true,
    uniqueKeys: false,
    customTags: kubectlTags,
  }).map((document) => {
    const [error] = document.errors;
    if (error) return { error: error.message.split('\n')[0]! };
    const value: unknown = document.toJS();
    const refused = unsupported(value);
    return refused ? { error: refused } : { value };
  });
}

function manifestFiles(path: string): string[] {
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path, { withFileTypes: true })
    .sort((a, b) => a.name.localeCompare(b.name))
    .flatMap((entry) => {
      const child = join(path, entry.name);
      if (entry.isDirectory()) return manifestFiles(child);
      return ['.yaml', '.yml', '.json'].includes(extname(entry.name)) ? [child] : [];
    });
}

/** One line per problem: file, document number, object, field path, what is wrong. */
export function validatePaths(paths: string[], validator = new ManifestValidator()): ValidationReport {
  const report: ValidationReport = { lines: [], checked: 0, files: 0 };
  for (const file of paths.flatMap(manifestFiles)) {
    report.files++;
    readManifests(readFileSync(file, 'utf8')).forEach((document, index) => {
      const where = `${file}: document ${index + 1}`;
      if (document.error !== undefined) {
        report.lines.push(`${where}: YAML: ${document.error}`);
        return;
      }
      const object = document.value;
      if (!validator.isAutoPilotObject(object)) return;
      report.checked++;
      const name = (object as { metadata?: { name?: unknown } }).metadata?.name;
      const title = `${String(object.kind)}/${typeof name === 'string' ? name : '<no name>'}`;
      for (const error of validator.validate(object)) {
        report.lines.push(`${where} (${title}): ${error.path}: ${error.message}`);
      }
    });
  }
  return report;
}

const count = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;

export function validateCommand(args: string[]): number {
  const { values } = parseArgs({
    args,
    options: {
      filename: { type: 'string', short: 'f', multiple: true },
      'allow-empty': { type: 'boolean' },
    },
  });
  const paths = values.filename ?? [];
  if (paths.length === 0) {
    console.error('autopilot validate: give at least one -f FILE|DIR');
    return 2;
  }
  let report: ValidationReport;
  try {
    report = validatePaths(paths);
  } catch (err) {
    console.error(`autopilot validate: ${err instanceof Error ? err.message : String(err)}`);
    return 2;
  }
  for (const line of report.lines) console.log(line);
  const summary = `${count(report.checked, 'AutoPilot object')} in ${count(report.files, 'file')}`;
  if (report.lines.length) {
    console.error(`${count(report.lines.length, 'problem')} in ${summary}`);
    return 1;
  }
  // A GitOps CI that validates a misspelt path or kind must not pass on nothing.
  if (report.checked === 0 && !values['allow-empty']) {
    console.error(
      `no AutoPilot object in ${count(report.files, 'file')}; pass --allow-empty if that is expected`,
    );
    return 1;
  }
  console.error(`valid: ${summary}`);
  return 0;
}
