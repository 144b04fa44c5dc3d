// Turns a kind definition into its CustomResourceDefinition: the schema TypeBox describes, made structural.
import { CATEGORY, GROUP, VERSION, type KindDefinition } from './v1alpha1/kind.js';

type Json = { [key: string]: unknown };

/**
 * The CRD as JSON, keys as the API server spells them (`x-kubernetes-validations`). Not client-node's
 * V1CustomResourceDefinition: its serializer renames and drops such keys when it sends a model.
 */
export interface CrdManifest {
  apiVersion: 'apiextensions.k8s.io/v1';
  kind: 'CustomResourceDefinition';
  metadata: { name: string; labels: Record<string, string> };
  spec: {
    group: string;
    scope: 'Namespaced';
    names: Json;
    versions: {
      name: string;
      served: boolean;
      storage: boolean;
      schema: { openAPIV3Schema: Json };
      subresources: Json;
      additionalPrinterColumns: Json[];
    }[];
  };
}

/**
 * A plain-JSON copy of a TypeBox schema as the API server wants it: fields that have a default leave
 * `required` (the server fills them in before validation), and TypeBox's own markers are dropped.
 */
export function structural(schema: unknown): Json {
  return JSON.parse(JSON.stringify(schema), (_key, value: unknown) => {
    if (!value || typeof value !== 'object' || Array.isArray(value)) return value;
    const node = value as Json;
    const properties = node.properties as Record<string, Json> | undefined;
    if (properties && Array.isArray(node.required)) {
      const required = (node.required as string[]).filter((name) => properties[name]?.default === undefined);
      if (required.length) node.required = required;
      else delete node.required;
    }
    return node;
  }) as Json;
}

export function singular(definition: KindDefinition): string {
  return definition.kind.toLowerCase();
}

export function crdName(definition: KindDefinition): string {
  return `${definition.plural}.${GROUP}`;
}

export function customResourceDefinition(definition: KindDefinition): CrdManifest {
  const { kind, plural, shortNames, description, printerColumns, scale } = definition;
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: crdName(definition), labels: { 'app.kubernetes.io/part-of': 'autopilot' } },
    spec: {
      group: GROUP,
      scope: 'Namespaced',
      names: {
        kind,
        listKind: `${kind}List`,
        plural,
        singular: singular(definition),
        shortNames,
        categories: [CATEGORY],
      },
      versions: [
        {
          name: VERSION,
          served: true,
          storage: true,
          schema: {
            openAPIV3Schema: {
              type: 'object',
              description,
              required: ['spec'],
              properties: {
                apiVersion: {
                  type: 'string',
                  description: 'APIVersion of this representation of the object.',
                },
                kind: { type: 'string', description: 'Kind of the object.' },
                metadata: { type: 'object' },
                spec: structural(definition.spec),
                status: structural(definition.status),
              },
            },
          },
          subresources: {
            status: {},
            ...(scale ? { scale } : {}),
          },
          additionalPrinterColumns: printerColumns as unknown as Json[],
        },
      ],
    },
  };
}
