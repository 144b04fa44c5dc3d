// Invariants of the generated CRDs: every field described, every string, list and map bounded, every duration
// bounded below.
import { describe, expect, it } from '@jest/globals';
import { parse as parseCel } from '@marcbachmann/cel-js';
import { customResourceDefinition, structural } from './crd.js';
import { integer, object, optional, text } from './schema.js';
import { kinds } from './v1alpha1/index.js';

/** A schema node as it is written in the CRD's JSON. */
type SchemaNode = { [keyword: string]: unknown; properties?: Record<string, SchemaNode>; items?: SchemaNode };

/** Every schema node below `spec` and `status`, with its path. */
function* nodes(schema: SchemaNode, path: string): Generator<[string, SchemaNode]> {
  yield [path, schema];
  for (const [name, child] of Object.entries(schema.properties ?? {})) yield* nodes(child, `${path}.${name}`);
  if (schema.items) yield* nodes(schema.items, `${path}[]`);
}

const DURATION_PATTERN = '^([0-9]+(ms|s|m|h))+$';

/** The least value a duration field's CEL rule allows, e.g. 1s. */
function minimumOf(node: SchemaNode): string | undefined {
  const rules = (node['x-kubernetes-validations'] ?? []) as { rule: string }[];
  return rules
    .map(({ rule }) => /^duration\(self\) >= duration\('([0-9]+(?:ms|s|m|h))'\)$/.exec(rule)?.[1])
    .find((minimum) => minimum !== undefined);
}

const roots = kinds.flatMap((kind) => {
  const top = customResourceDefinition(kind).spec.versions[0]!.schema.openAPIV3Schema as SchemaNode;
  return (['spec', 'status'] as const).map(
    (part) => [`${kind.kind}.${part}`, top.properties![part]!] as const,
  );
});

describe('generated CRD schemas', () => {
  it.each(roots)('%s describes every field', (root, schema) => {
    const undescribed = [...nodes(schema, root)]
      .filter(([path, node]) => !path.endsWith('[]') && !node.description)
      .map(([path]) => path);
    expect(undescribed).toEqual([]);
  });

  it.each(roots)('%s bounds every string, list and map', (root, schema) => {
    const unbounded = [...nodes(schema, root)]
      .filter(([, node]) => {
        if (node.type === 'string') return node.maxLength === undefined && node.enum === undefined;
        if (node.type === 'array') return node.maxItems === undefined;
        if (node.type === 'object' && node.additionalProperties) return node.maxProperties === undefined;
        return false;
      })
      .map(([path]) => path);
    expect(unbounded).toEqual([]);
  });

  it.each(roots)('%s gives every duration a minimum, or says what 0s means', (root, schema) => {
    const durations = [...nodes(schema, root)].filter(([, node]) => node.pattern === DURATION_PATTERN);
    const unbounded = durations
      .filter(([, node]) => minimumOf(node) === undefined && !/\b0s\b/.test(String(node.description)))
      .map(([path]) => path);
    expect(unbounded).toEqual([]);
  });

  it.each(roots)(
    '%s: each duration minimum is a CEL rule that rejects 0s and takes its default',
    (root, schema) => {
      for (const [path, node] of nodes(schema, root)) {
        const minimum = minimumOf(node);
        if (minimum === undefined) continue;
        const [{ rule, message }] = node['x-kubernetes-validations'] as [{ rule: string; message: string }];
        const check = parseCel(rule);
        expect([path, check({ self: '0s' }), check({ self: minimum }), message]).toEqual([
          path,
          false,
          true,
          `must be at least ${minimum}`,
        ]);
        if (node.default !== undefined) expect([path, check({ self: node.default })]).toEqual([path, true]);
        expect([path, node.description]).toEqual([path, expect.stringContaining(`At least ${minimum}.`)]);
      }
    },
  );

  it('drops defaulted fields from required, since the API server fills them in', () => {
    const schema = structural(
      object('o', {
        must: text('a'),
        later: optional(text('b')),
        filled: integer('c', { minimum: 0, maximum: 9, default: 3 }),
      }),
    );
    expect(schema.required).toEqual(['must']);
    expect(JSON.stringify(schema)).not.toContain('Symbol');
  });

  it('gives Venture the status and scale subresources and the printer columns users read', () => {
    const venture = customResourceDefinition(kinds[0]).spec.versions[0]!;
    expect(venture.subresources).toEqual({
      status: {},
      scale: {
        specReplicasPath: '.spec.replicas',
        statusReplicasPath: '.status.replicas',
        labelSelectorPath: '.status.selector',
      },
    });
    expect(venture.additionalPrinterColumns?.filter((c) => !c.priority).map((c) => c.name)).toEqual([
      'Phase',
      'Health',
      'Margin',
      'ROI',
      'Replicas',
      'Decision',
      'Age',
    ]);
  });

  it('shows a FallbackProtocol’s active target and readiness in `kubectl get fbp`', () => {
    const fallback = customResourceDefinition(kinds[1]).spec.versions[0]!;
    expect(fallback.additionalPrinterColumns?.filter((c) => !c.priority).map((c) => c.name)).toEqual([
      'Active',
      'Primary',
      'Ready',
      'Reason',
      'Failovers',
      'Age',
    ]);
  });

  it('shapes conditions like metav1.Condition, as a map keyed by type', () => {
    for (const [root, schema] of roots.filter(([r]) => r.endsWith('status'))) {
      const conditions = schema.properties?.conditions;
      expect([root, conditions?.['x-kubernetes-list-type']]).toEqual([root, 'map']);
      expect((conditions?.items?.required as string[]).sort()).toEqual([
        'lastTransitionTime',
        'message',
        'reason',
        'status',
        'type',
      ]);
    }
  });
});
