// Unit tests of the offline validator: samples pass, every invalid fixture fails with its expected error,
// metadata is checked as the API server checks it, and every PromQL query is parsed.
import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readManifests, validatePaths } from '../cli/validate.js';
import { customResourceDefinition } from './crd.js';
import { API_VERSION, kinds } from './v1alpha1/index.js';
import { ManifestValidator, fieldPath, promqlPaths } from './validation.js';

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
    const [document] = readManifests(text);
    expect(validator.validate(document?.value)).toContainEqual({
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
    const errors = validator.validate(readManifests(text)[0]?.value);
    expect(errors.map((e) => e.path)).toEqual(['spec.backup', 'object']);
    expect(errors[1]?.message).toContain('some validation rules were not checked');
  });

  it('names unknown kinds and versions of the group', () => {
    expect(
      validator.validate({ apiVersion: 'autopilot.ventures/v1', kind: 'Venture', metadata: { name: 'a' } }),
    ).toEqual([
      {
        path: 'apiVersion',
        message:
          'Unsupported value: "autopilot.ventures/v1": supported values: "autopilot.ventures/v1alpha1"',
      },
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

describe('ManifestValidator on metadata', () => {
  const goal = (metadata: Record<string, unknown>) => ({
    apiVersion: API_VERSION,
    kind: 'AureaGoal',
    metadata: { name: 'goal', ...metadata },
    spec: {
      description: 'Decisions succeed',
      goalType: 'Quality',
      metric: { name: 'decision_success_rate' },
      target: 0.9,
    },
  });
  const NAME_PART =
    "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
  const long = 'a'.repeat(64);

  // Each message is what kube-apiserver v1.36.3 answered for the same metadata.
  /** A case's title: its metadata, cut short (some are 256 KiB). */
  const titled = (cases: [Record<string, unknown>, string, string][]) =>
    cases.map(([metadata, path, message]) => {
      const shown = JSON.stringify(metadata);
      return [shown.length > 60 ? `${shown.slice(0, 57)}...` : shown, metadata, path, message] as const;
    });

  it.each(
    titled([
      [{ labels: { '/x': 'a' } }, 'metadata.labels', 'Invalid value: "/x": prefix part must be non-empty'],
      [
        { labels: { 'Bad_Prefix/x': 'a' } },
        'metadata.labels',
        `Invalid value: "Bad_Prefix/x": prefix part a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`,
      ],
      [
        { labels: { [long]: 'a' } },
        'metadata.labels',
        `Invalid value: "${long}": name part must be no more than 63 bytes`,
      ],
      [{ labels: { 'a b': 'c' } }, 'metadata.labels', `Invalid value: "a b": name part ${NAME_PART}`],
      [
        { labels: { a: 'c d' } },
        'metadata.labels',
        `Invalid value: "c d": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')`,
      ],
      [{ labels: { a: long } }, 'metadata.labels', `Invalid value: "${long}": must be no more than 63 bytes`],
      [
        { annotations: { 'a/b/c': 'x' } },
        'metadata.annotations',
        `Invalid value: "a/b/c": a valid label key ${NAME_PART} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`,
      ],
      [
        { annotations: { 'bad key': 'x' } },
        'metadata.annotations',
        `Invalid value: "bad key": name part ${NAME_PART}`,
      ],
      [
        { annotations: { a: 'a'.repeat(262_144) } },
        'metadata.annotations',
        'Too long: may not be more than 262144 bytes',
      ],
      [
        { finalizers: ['example.com/ok', 'Bad Fin'] },
        'metadata.finalizers',
        `Invalid value: "Bad Fin": name part ${NAME_PART}`,
      ],
      [
        { name: 'a'.repeat(254) },
        'metadata.name',
        `Invalid value: "${'a'.repeat(254)}": must be no more than 253 characters`,
      ],
      [
        { name: 'Shop_Front' },
        'metadata.name',
        `Invalid value: "Shop_Front": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`,
      ],
    ]),
  )('rejects metadata %s with the API server’s message', (_title, metadata, path, message) => {
    expect(validator.validate(goal(metadata))).toContainEqual({ path, message });
  });

  it.each(
    titled([
      [
        { annotations: { protected: true } },
        'metadata.annotations[protected]',
        'Invalid value: true: must be a string: quote it, e.g. "true"',
      ],
      [
        { labels: { replicas: 3 } },
        'metadata.labels[replicas]',
        'Invalid value: 3: must be a string: quote it, e.g. "3"',
      ],
      [{ labels: ['a'] }, 'metadata.labels', 'must be a map of strings'],
      [{ generation: '5' }, 'metadata.generation', 'must be of type integer'],
      [{ name: 5 }, 'metadata.name', 'must be of type string'],
      [{ finalizers: 'a' }, 'metadata.finalizers', 'must be a list of strings'],
      [{ labelz: {} }, 'metadata.labelz', 'unknown field "metadata.labelz"'],
    ]),
  )(
    'rejects metadata %s, which the API server cannot decode, naming the field',
    (_title, metadata, path, message) => {
      expect(validator.validate(goal(metadata))).toContainEqual({ path, message });
    },
  );

  it('accepts what the API server accepts', () => {
    for (const metadata of [
      { annotations: { 'Example.COM/Key': 'a' } },
      { labels: { a: null, b: '' } },
      { annotations: null, labels: null },
      {
        uid: 'x',
        resourceVersion: '5',
        generation: 2,
        namespace: 'shop-prod',
        finalizers: ['example.com/keep'],
      },
    ])
      expect([metadata, validator.validate(goal(metadata))]).toEqual([metadata, []]);
  });
});

describe('ManifestValidator on PromQL', () => {
  it('parses every field a schema describes as PromQL', () => {
    for (const kind of kinds) {
      const spec = customResourceDefinition(kind).spec.versions[0]!.schema.openAPIV3Schema.properties as {
        spec: unknown;
      };
      const described: string[] = [];
      const walk = (node: Record<string, unknown>, path: string) => {
        if (node.type === 'string' && /PromQL/.test(String(node.description))) described.push(path);
        for (const [name, child] of Object.entries(
          (node.properties ?? {}) as Record<string, Record<string, unknown>>,
        ))
          walk(child, `${path}.${name}`);
        if (node.items) walk(node.items as Record<string, unknown>, `${path}[*]`);
      };
      walk(spec.spec as Record<string, unknown>, 'spec');
      expect([kind.kind, promqlPaths(kind).sort()]).toEqual([kind.kind, described.sort()]);
    }
    expect(promqlPaths(kinds.find((k) => k.kind === 'Venture')!)).toContain(
      'spec.metrics.prometheus.queries.revenue',
    );
  });

  it('reads {{target}} in a FallbackProtocol query as a name', () => {
    const errors = validator.validate({
      apiVersion: API_VERSION,
      kind: 'FallbackProtocol',
      metadata: { name: 'payments' },
      spec: {
        targets: [
          { name: 'stripe', url: 'https://stripe.example.com' },
          { name: 'paypal', url: 'https://paypal.example.com' },
        ],
        trigger: {
          traffic: {
            errorRateQuery:
              'sum(rate(errors_total{gateway="{{target}}"}[1m])) / sum(rate({{target}}_requests_total[1m]))',
            requestCountQuery: 'sum(increase(requests_total{gateway="{{target}}"}[1m]))',
          },
        },
      },
    });
    expect(errors).toEqual([]);
  });

  it.each([
    ['sum(revenue', '1:12: unexpected end of the query'],
    ['sum(revenue) by', '1:16: unexpected end of the query'],
    ['revenue costs', '1:9: unexpected "costs"'],
    ['sum(\n  revenue}', '2:10: unexpected "}"'],
  ])('says where %j breaks', (query, where) => {
    const venture = {
      apiVersion: API_VERSION,
      kind: 'Venture',
      metadata: { name: 'shop' },
      spec: {
        workload: { deploymentName: 'shop' },
        metrics: { provider: 'prometheus', prometheus: { queries: { revenue: query, costs: 'sum(costs)' } } },
      },
    };
    expect(validator.validate(venture)).toEqual([
      { path: 'spec.metrics.prometheus.queries.revenue', message: `PromQL syntax error at ${where}` },
    ]);
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
