// Unit tests for the benchmarks' results file: run facts around the figures, JSON that prettier accepts.
import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as prettier from 'prettier';
import { changedFiles, machine, treeState, writeResults } from '../../../hack/bench/lib/results.js';

describe('results file', () => {
  it('writes the run facts and results as prettier-formatted JSON, figures to 6 significant digits', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bench-results-'));
    try {
      const file = join(dir, 'nested', 'x.json');
      const contents = {
        benchmark: 'x',
        command: 'npm run bench:x -- --objects 100',
        ...(await treeState()),
        startedAt: '2026-11-30T08:00:00.000Z',
        finishedAt: '2026-11-30T08:01:00.000Z',
        machine: machine(0.5),
        flags: { objects: [100, 1000] },
        failures: [],
        results: { latencyMs: { p50: 1234.56789012, count: 3 }, lagSeconds: 0.000123456789 },
      };
      await writeResults(file, contents);
      const text = readFileSync(file, 'utf8');
      const written = JSON.parse(text) as typeof contents;
      expect(written.results).toEqual({ latencyMs: { p50: 1234.57, count: 3 }, lagSeconds: 0.000123457 });
      expect(written.commit).toMatch(/^[0-9a-f]{7,}$/);
      expect(written.machine.cores).toBeGreaterThan(0);
      expect(written.machine.node).toBe(process.version);
      expect(written.flags.objects).toEqual([100, 1000]);
      expect(text).toContain('"objects": [100, 1000]'); // laid out as prettier does
      expect(
        await prettier.check(text, {
          filepath: file,
          singleQuote: true,
          printWidth: 110,
          trailingComma: 'all',
        }),
      ).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('changedFiles', () => {
  it('reads staged, unstaged and renamed files from git status --porcelain, leaving out docs/bench/', () => {
    const porcelain = [
      ' M src/a.ts',
      'M  hack/b.ts',
      'R  hack/old.ts -> hack/new.ts',
      ' M docs/bench/x.json',
      '',
    ].join('\n');
    expect(changedFiles(porcelain)).toEqual(['src/a.ts', 'hack/b.ts', 'hack/new.ts']);
  });
});
