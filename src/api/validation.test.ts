// Unit tests of the offline validator: samples pass, every invalid fixture fails with its expected error.
import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { validatePaths } from '../cli/validate.js';
import { ManifestValidator, fieldPath } from './validation.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const validator = new ManifestValidator();
const fixtures = join(root, 'test', 'fixtures', 'invalid');

describe('ManifestValidator', () => {
  it('accepts every sample', () => {
    const report = validatePaths([join(root, 'config', 'samples')], validator);
    expect(report.lines).toEqual([]);
    expect(report.checked).toBe(5);
  });

  it.each(readdirSync(fixtures))('rejects %s with the error its header names', (file) => {
    const text = readFileSync(join(fixtures, file), 'utf8');
    const path = /^# expect-path: (.+)$/m.exec(text)?.[1];
    const message = /^# expect: (.+)$/m.exec(text)?.[1];
    expect(validator.validate(parse(text))).toContainEqual({
      path,
      message: expect.stringContaining(message!),
    });
  });

  it('holds back CEL errors while a required field is missing, as the API server does', () => {
    const text = readFileSync(
      join(
        fixtures,
        readdirSync(fixtures).find((f) => f.includes('missing-backup'))!,
      ),
      'utf8',
    );
    const errors = validator.validate(parse(text));
    expect(errors.map((e) => e.path)).toEqual(['spec.backup', 'object']);
    expect(errors[1]?.message).toContain('some validation rules were not checked');
  });

  it('names unknown kinds and versions of the group', () => {
    expect(
      validator.validate({ apiVersion: 'autopilot.ventures/v1', kind: 'Venture', metadata: { name: 'a' } }),
    ).toEqual([
      { path: 'apiVersion', message: 'Unsupported value: supported values: "autopilot.ventures/v1alpha1"' },
    ]);
    expect(
      validator.validate({
        apiVersion: 'autopilot.ventures/v1alpha1',
        kind: 'Venturee',
        metadata: { name: 'a' },
      })[0]?.path,
    ).toBe('kind');
  });

  it('writes field paths the way the API server does', () => {
    expect(fieldPath('/spec/targets/1/name')).toBe('spec.targets[1].name');
    expect(fieldPath('')).toBe('');
  });
});

describe('validatePaths', () => {
  it('numbers documents, skips other kinds and reports YAML errors', () => {
    const dir = mkdtempSync(join(tmpdir(), 'validate-'));
    const venture = readFileSync(join(root, 'config', 'samples', 'venture.yaml'), 'utf8');
    writeFileSync(
      join(dir, 'mixed.yaml'),
      [
        'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}',
        venture.replace('replicas: 2', 'replicas: 99'),
        'a: [b',
      ].join('\n---\n'),
    );
    const report = validatePaths([dir], validator);
    expect(report.checked).toBe(1);
    expect(report.lines).toEqual([
      `${join(dir, 'mixed.yaml')}: document 2 (Venture/saas-analytics): spec.replicas: replicas must not exceed scaling.maxReplicas`,
      expect.stringMatching(/: document 3: YAML: /),
    ]);
  });
});
