// Invariants of the generated CRDs: every field described, every string, list and map bounded.
import { describe, expect, it } from '@jest/globals';
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
