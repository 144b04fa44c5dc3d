// autopilot validate: YAML read as kubectl reads it, and a run that found no AutoPilot object fails unless
// --allow-empty says that is expected.
import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readManifests, validateCommand } from './validate.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

describe('readManifests', () => {
  // What kubectl v1.36.3 (`kubectl create --dry-run=client -o json`) made of each spelling.
  it('reads scalars as kubectl does: YAML 1.1 booleans and octals, timestamps and sexagesimals as text', () => {
    const [document] = readManifests(
      readFileSync(join(root, 'test', 'fixtures', 'yaml', 'spellings.yaml'), 'utf8'),
    );
    expect((document?.value as { spec: unknown }).spec).toEqual({
      yes1: true,
      Yes2: true,
      y1: true,
      on1: true,
      off1: false,
      n1: false,
      No1: false,
      true1: true,
      tilde: null,
      null1: null,
      oct: 493,
      oct2: 15,
      hex: 31,
      bin: 5,
      under: 1000,
      sexa: '1:30',
      date: '2001-12-14',
      ts: '2001-12-14t21:59:43.10-05:00',
      float: 1500,
      plus: 12,
      str: '0755',
      twice: 2,
      true: 'key',
      merge: { a: 1, b: 2 },
    });
  });

  it('takes the last of two equal keys, as kubectl does', () => {
    expect(readManifests('a: 1\na: 2')).toEqual([{ value: { a: 2 } }]);
  });

  it('refuses what JSON cannot hold, as kubectl does', () => {
    expect(readManifests('a: .inf')).toEqual([{ error: 'json: unsupported value: +Inf' }]);
    expect(readManifests('a: [.nan]')).toEqual([{ error: 'json: unsupported value: NaN' }]);
  });

  it('reads every document and reports a broken one', () => {
    const documents = readManifests('a: 1\n---\nb: [c\n---\nd: 2');
    expect(documents.map((document) => document.value)).toEqual([{ a: 1 }, undefined, { d: 2 }]);
    expect(documents[1]?.error).toMatch(/flow sequence/i);
  });
});

describe('validateCommand', () => {
  let printed: string[];
  beforeEach(() => {
    printed = [];
    const capture = (...parts: unknown[]) => void printed.push(parts.join(' '));
    jest.spyOn(console, 'log').mockImplementation(capture);
    jest.spyOn(console, 'error').mockImplementation(capture);
  });
  afterEach(() => {
    jest.restoreAllMocks();
  });

  const file = (name: string, text: string) => {
    const path = join(mkdtempSync(join(tmpdir(), 'validate-')), name);
    writeFileSync(path, text);
    return path;
  };

  it('fails a run without any AutoPilot object, so a typo in a GitOps repository does not pass', () => {
    const path = file('configmap.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n');
    expect(validateCommand(['-f', path])).toBe(1);
    expect(printed).toEqual(['no AutoPilot object in 1 file; pass --allow-empty if that is expected']);
  });

  it('passes it with --allow-empty', () => {
    const path = file('configmap.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n');
    expect(validateCommand(['-f', path, '--allow-empty'])).toBe(0);
    expect(printed).toEqual(['valid: 0 AutoPilot objects in 1 file']);
  });

  it('counts one of our kinds under a misspelt apiVersion, and names the right one', () => {
    const venture = readFileSync(join(root, 'config', 'samples', 'venture.yaml'), 'utf8');
    const path = file('venture.yaml', venture.replace('autopilot.ventures/v1alpha1', 'autopilot.venture/v1'));
    expect(validateCommand(['-f', path])).toBe(1);
    expect(printed).toEqual([
      `${path}: document 1 (Venture/saas-analytics): apiVersion: Unsupported value: "autopilot.venture/v1": supported values: "autopilot.ventures/v1alpha1"`,
      '1 problem in 1 AutoPilot object in 1 file',
    ]);
  });
});
