// Schema-building vocabulary for the CRDs: every field has a description, bounds, and its default if any.
import { OptionalKind, Type, type TProperties, type TSchema } from '@sinclair/typebox';
import { parseDuration } from './duration.js';
import { QUANTITY_PATTERN } from './quantity.js';

/** One CEL rule as the API server takes it in `x-kubernetes-validations`. */
export interface CelRule {
  rule: string;
  /** Says what to fix, in the user's terms. */
  message: string;
  /** Where the error points, relative to the object holding the rule (e.g. `.maxReplicas`). */
  fieldPath?: string;
}

export const text = (
  description: string,
  o: { maxLength?: number; pattern?: string; format?: string } = {},
) => Type.String({ description, maxLength: o.maxLength ?? 253, ...o });

export const textDefault = (
  description: string,
  value: string,
  o: { maxLength?: number; pattern?: string } = {},
) => Type.String({ description, default: value, maxLength: o.maxLength ?? 253, ...o });

export const oneOf = <const T extends readonly string[]>(
  description: string,
  values: T,
  fallback?: T[number],
) =>
  Type.Unsafe<T[number]>({
    type: 'string',
    description,
    enum: [...values],
    ...(fallback === undefined ? {} : { default: fallback }),
  });

export const integer = (description: string, o: { minimum: number; maximum: number; default?: number }) =>
  Type.Integer({ description, ...o });

export const number = (description: string, o: { minimum?: number; maximum?: number; default?: number }) =>
  Type.Number({ description, ...o });

export const flag = (description: string, fallback: boolean) =>
  Type.Boolean({ description, default: fallback });

/** A boolean without a default: an observation in status, absent when unknown. */
export const boolean = (description: string) => Type.Boolean({ description });

/**
 * A Go-style duration such as `30s`, `5m` or `1h`, at least `minimum`: a CEL rule (the API server's and
 * `autopilot validate`'s) enforces it, and the description states it for `kubectl explain`. Each field
 * chooses its minimum; `0s` is for fields where zero has a meaning, which their description must state.
 */
export const duration = (description: string, o: { minimum: string; default?: string }) => {
  const bounded = parseDuration(o.minimum) > 0;
  return Type.String({
    description: `${description} A duration such as 30s, 5m or 1h.${bounded ? ` At least ${o.minimum}.` : ''}`,
    pattern: '^([0-9]+(ms|s|m|h))+$',
    maxLength: 32,
    ...(o.default === undefined ? {} : { default: o.default }),
    ...validations(
      bounded
        ? [{ rule: `duration(self) >= duration('${o.minimum}')`, message: `must be at least ${o.minimum}` }]
        : [],
    ),
  });
};

/** Marks a schema as PromQL: `autopilot validate` parses such fields (the CRD does not carry the mark). */
export const PromQL = Symbol('PromQL');

/** A PromQL query, checked by `autopilot validate` with Prometheus' own grammar. */
export const promql = (description: string) => Type.String({ description, maxLength: 4096, [PromQL]: true });

/** A non-negative resource quantity such as 250m, 1.5, 128Mi or 2Gi. */
export const quantity = (description: string) =>
  Type.String({
    description: `${description} A quantity such as 500m, 2, 256Mi or 1Gi.`,
    pattern: QUANTITY_PATTERN,
    maxLength: 64,
  });

export const timestamp = (description: string) =>
  Type.String({ description, format: 'date-time', maxLength: 64 });

/** An RFC 1123 label: a Kubernetes object name, a region name, a target name. */
export const dnsLabel = (description: string) =>
  Type.String({ description, minLength: 1, maxLength: 63, pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$' });

export const url = (description: string) =>
  Type.String({ description, maxLength: 2048, pattern: '^https?://[^\\s]+$' });

export const list = <T extends TSchema>(
  description: string,
  items: T,
  maxItems: number,
  o: { minItems?: number; default?: unknown[] } = {},
) => Type.Array(items, { description, maxItems, ...o });

/** A map of strings (labels, scores); Kubernetes wants additionalProperties, not patternProperties. */
export const stringMap = (description: string, maxProperties = 32, fallback?: Record<string, string>) =>
  Type.Unsafe<Record<string, string>>({
    type: 'object',
    description,
    maxProperties,
    additionalProperties: { type: 'string', maxLength: 1024 },
    ...(fallback === undefined ? {} : { default: fallback }),
  });

/** An object the API server stores as given: Kubernetes validates it where it is used (a pod template). */
export const opaque = (description: string) =>
  Type.Unsafe<Record<string, unknown>>({
    type: 'object',
    description,
    'x-kubernetes-preserve-unknown-fields': true,
  });

/**
 * An object whose fields all have defaults. Its own default is those defaults, spelled out: the API
 * server validates a default as written (CEL rules included) without filling in nested defaults.
 */
export const group = <T extends TProperties>(description: string, properties: T, rules: CelRule[] = []) => {
  const fallback: Record<string, unknown> = {};
  for (const [name, schema] of Object.entries(properties)) {
    const value = (schema as { default?: unknown }).default;
    if (value === undefined && !(OptionalKind in schema)) {
      throw new Error(`group "${description}": field ${name} needs a default or must be optional`);
    }
    if (value !== undefined) fallback[name] = value;
  }
  return Type.Object(properties, { description, default: fallback, ...validations(rules) });
};

export const object = <T extends TProperties>(description: string, properties: T, rules: CelRule[] = []) =>
  Type.Object(properties, { description, ...validations(rules) });

function validations(rules: CelRule[]): Record<string, unknown> {
  return rules.length ? { 'x-kubernetes-validations': rules } : {};
}

export const optional = <T extends TSchema>(schema: T) => Type.Optional(schema);

/** A reference to a key of a Secret in the object's namespace. */
export const secretKeyRef = (description: string) =>
  object(description, {
    name: dnsLabel('Name of the Secret, in the same namespace.'),
    key: text('Key within the Secret.', { maxLength: 253 }),
  });

/** `metav1.Condition`, field for field, with the API server's own bounds. */
export const Condition = object('A condition of the object, shaped like metav1.Condition.', {
  type: text('Type of the condition in CamelCase, e.g. Ready.', {
    maxLength: 316,
    pattern:
      '^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$',
  }),
  status: oneOf('Status of the condition.', ['True', 'False', 'Unknown'] as const),
  observedGeneration: optional(
    integer('The .metadata.generation the condition was set from.', {
      minimum: 0,
      maximum: Number.MAX_SAFE_INTEGER,
    }),
  ),
  lastTransitionTime: timestamp('When the condition last changed status.'),
  reason: text('Machine-readable CamelCase reason for the last transition.', {
    maxLength: 1024,
    pattern: '^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$',
  }),
  message: text('Human-readable details of the last transition.', { maxLength: 32768 }),
});

export const conditions = () =>
  Type.Array(Condition, {
    description: 'The latest observations of the object, one per condition type.',
    maxItems: 16,
    'x-kubernetes-list-type': 'map',
    'x-kubernetes-list-map-keys': ['type'],
  });

export const observedGeneration = () =>
  optional(
    integer('The .metadata.generation the status was last computed from.', {
      minimum: 0,
      maximum: Number.MAX_SAFE_INTEGER,
    }),
  );

/** How far the operator may act on its plans; empty means the operator's default. */
export const mode = () =>
  optional(
    oneOf(
      'Observe records each plan as a recommendation; Supervised waits for the annotation autopilot.ventures/approve: <decision id>; Autonomous acts. Empty means the operator default.',
      ['Observe', 'Supervised', 'Autonomous'] as const,
    ),
  );
