// `autopilot validate -f FILE|DIR`: checks manifests against the CRD schemas and CEL rules, offline.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { ManifestValidator } from '../api/validation.js';

export interface ValidationReport {
  lines: string[];
  checked: number;
  files: number;
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
    parseAllDocuments(readFileSync(file, 'utf8')).forEach((document, index) => {
      const where = `${file}: document ${index + 1}`;
      if (document.errors.length) {
        for (const error of document.errors)
          report.lines.push(`${where}: YAML: ${error.message.split('\n')[0]}`);
        return;
      }
      const object: unknown = document.toJS();
      if (!ManifestValidator.isAutoPilotObject(object)) return;
      report.checked++;
      const name = (object as { metadata?: { name?: string } }).metadata?.name ?? '<no name>';
      for (const error of validator.validate(object)) {
        report.lines.push(`${where} (${String(object.kind)}/${name}): ${error.path}: ${error.message}`);
      }
    });
  }
  return report;
}

const count = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;

export function validateCommand(paths: string[]): number {
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
  console.error(`valid: ${summary}`);
  return 0;
}
