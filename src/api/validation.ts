// Offline validation of AutoPilot objects against the generated CRD schemas and their CEL rules,
// phrased like the API server so `autopilot validate` and `kubectl apply` tell the user the same thing.
import { parse as parseCel } from '@marcbachmann/cel-js';
import { Ajv, type ErrorObject, type SchemaValidateFunction, type ValidateFunction } from 'ajv';
import formatsPlugin from 'ajv-formats';
import { customResourceDefinition } from './crd.js';
import { checkObjectMeta } from './objectMeta.js';
import { promqlSyntaxError } from './promql.js';
import { PromQL, type CelRule } from './schema.js';
import { API_VERSION, GROUP, kinds } from './v1alpha1/index.js';
import type { KindDefinition } from './v1alpha1/kind.js';

export interface FieldError {
  /** Field path as the API server writes it, e.g. spec.targets[1].name. */
  path: string;
  message: string;
}

const addFormats = formatsPlugin as unknown as (ajv: Ajv, formats: string[]) => Ajv;
const BLOCKING = new Set(['required', 'type', 'enum']);
const RULES_NOT_CHECKED =
  'some validation rules were not checked because the object was invalid; correct the existing errors to complete validation';

/** `/spec/targets/1/name` → `spec.targets[1].name`. */
export function fieldPath(pointer: string): string {
  return pointer
    .split('/')
    .slice(1)
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((path, part) => (/^\d+$/.test(part) ? `${path}[${part}]` : path ? `${path}.${part}` : part), '');
}

function joinPath(base: string, relative: string | undefined): string {
  if (!relative) return base;
  return relative.startsWith('[')
    ? base + relative
    : `${base}${relative.startsWith('.') ? '' : '.'}${relative}`;
}

const celRules: SchemaValidateFunction = function (rules: CelRule[], data: unknown, _schema, context) {
  const errors: ErrorObject[] = [];
  for (const { rule, message, fieldPath: relative } of rules) {
    let passed: unknown;
    try {
      passed = compiledRule(rule)({ self: data });
    } catch (err) {
      passed = (err instanceof Error ? err.message : String(err)).split('\n')[0];
    }
    if (passed === true) continue;
    errors.push({
      keyword: 'x-kubernetes-validations',
      instancePath: context?.instancePath ?? '',
      schemaPath: '',
      params: { fieldPath: relative },
      message: passed === false ? message : `rule ${rule} could not be evaluated: ${String(passed)}`,
    });
  }
  celRules.errors = errors;
  return errors.length === 0;
};

const compiled = new Map<string, ReturnType<typeof parseCel>>();
function compiledRule(rule: string): ReturnType<typeof parseCel> {
  let fn = compiled.get(rule);
  if (!fn) compiled.set(rule, (fn = parseCel(rule)));
  return fn;
}

/** Unknown fields are errors, as with kubectl's default --validate=strict. */
function rejectUnknownFields(schema: unknown): unknown {
  return JSON.parse(JSON.stringify(schema), (_key, value: unknown) => {
    if (value && typeof value === 'object' && !Array.isArray(value)) {
      const node = value as Record<string, unknown>;
      if (
        node.properties &&
        node.additionalProperties === undefined &&
        !node['x-kubernetes-preserve-unknown-fields']
      ) {
        node.additionalProperties = false;
      }
    }
    return value;
  });
}

function describe(error: ErrorObject): FieldError {
  const path = fieldPath(error.instancePath);
  const p = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'required':
      return { path: joinPath(path, String(p.missingProperty)), message: 'Required value' };
    case 'additionalProperties': {
      const unknown = joinPath(path, String(p.additionalProperty));
      return { path: unknown, message: `unknown field "${unknown}"` };
    }
    case 'enum':
      return {
        path,
        message: `Unsupported value: supported values: ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`,
      };
    case 'minimum':
      return { path, message: `should be greater than or equal to ${String(p.limit)}` };
    case 'maximum':
      return { path, message: `should be less than or equal to ${String(p.limit)}` };
    case 'maxLength':
      return { path, message: `may not be more than ${String(p.limit)} bytes` };
    case 'minLength':
      return { path, message: `should be at least ${String(p.limit)} chars long` };
    case 'maxItems':
      return { path, message: `must have at most ${String(p.limit)} items` };
    case 'minItems':
      return { path, message: `should have at least ${String(p.limit)} items` };
    case 'maxProperties':
      return { path, message: `must have at most ${String(p.limit)} properties` };
    case 'pattern':
      return { path, message: `should match '${String(p.pattern)}'` };
    case 'format':
      return { path, message: `must be of type ${String(p.format)}` };
    case 'type':
      return { path, message: `must be of type ${String(p.type)}` };
    case 'x-kubernetes-validations':
      return { path: joinPath(path, p.fieldPath as string | undefined), message: error.message ?? 'invalid' };
    default:
      return { path, message: error.message ?? error.keyword };
  }
}

/**
 * The paths of a kind's PromQL fields, e.g. `spec.metrics.prometheus.queries.revenue`; `[*]` stands for
 * every item of a list. Found by the schema's PromQL mark, so a new query field is parsed without more code.
 */
export function promqlPaths(definition: KindDefinition): string[] {
  const paths: string[] = [];
  const walk = (schema: Record<string | symbol, unknown>, path: string) => {
    if (schema[PromQL]) paths.push(path);
    for (const [name, child] of Object.entries((schema.properties ?? {}) as Record<string, typeof schema>))
      walk(child, `${path}.${name}`);
    if (schema.items) walk(schema.items as typeof schema, `${path}[*]`);
  };
  walk(definition.spec as unknown as Record<string | symbol, unknown>, 'spec');
  return paths;
}

/** The values at a PromQL path in a document, each with its concrete path (list indexes filled in). */
function valuesAt(document: unknown, path: string): [string, unknown][] {
  let found: [string, unknown][] = [['', document]];
  for (const step of path.match(/[^.[\]]+|\[\*\]/g) ?? []) {
    found = found.flatMap(([at, node]) => {
      if (node === null || typeof node !== 'object') return [];
      if (step === '[*]')
        return Array.isArray(node) ? node.map((item, i): [string, unknown] => [`${at}[${i}]`, item]) : [];
      return [[at ? `${at}.${step}` : step, (node as Record<string, unknown>)[step]]];
    });
  }
  return found.filter(([, value]) => value !== undefined);
}

export class ManifestValidator {
  private readonly byKind = new Map<string, { validate: ValidateFunction; promql: string[] }>();

  constructor(definitions: readonly KindDefinition[] = kinds) {
    const ajv = new Ajv({ allErrors: true, useDefaults: true, strict: false });
    addFormats(ajv, ['date-time']);
    // post: rules see the object after defaults are filled in, as on the API server.
    ajv.addKeyword({ keyword: 'x-kubernetes-validations', validate: celRules, errors: true, post: true });
    for (const keyword of [
      'x-kubernetes-preserve-unknown-fields',
      'x-kubernetes-list-type',
      'x-kubernetes-list-map-keys',
      'x-kubernetes-embedded-resource',
      'x-kubernetes-int-or-string',
    ]) {
      ajv.addKeyword({ keyword });
    }
    for (const definition of definitions) {
      const schema = customResourceDefinition(definition).spec.versions[0]?.schema?.openAPIV3Schema;
      this.byKind.set(definition.kind, {
        validate: ajv.compile(rejectUnknownFields(schema) as object),
        promql: promqlPaths(definition),
      });
    }
  }

  /**
   * Whether a document is meant to be one of ours: its apiVersion is in our group, or its kind is one of
   * ours (so a misspelt group is reported, not skipped).
   */
  isAutoPilotObject(doc: unknown): doc is { apiVersion?: unknown; kind?: unknown } {
    const { apiVersion, kind } = (doc ?? {}) as { apiVersion?: unknown; kind?: unknown };
    return (
      (typeof apiVersion === 'string' && apiVersion.startsWith(`${GROUP}/`)) ||
      (typeof kind === 'string' && this.byKind.has(kind))
    );
  }

  /** Errors the API server would report for this object on create; status is ignored as the server does. */
  validate(doc: unknown): FieldError[] {
    const { apiVersion, kind, metadata, status: _status, ...rest } = doc as Record<string, unknown>;
    if (apiVersion !== API_VERSION) {
      return [
        {
          path: 'apiVersion',
          message: `Unsupported value: ${JSON.stringify(apiVersion ?? '')}: supported values: "${API_VERSION}"`,
        },
      ];
    }
    const known = typeof kind === 'string' ? this.byKind.get(kind) : undefined;
    if (!known) {
      return [
        {
          path: 'kind',
          message: `Unsupported value: supported values: ${[...this.byKind.keys()].join(', ')}`,
        },
      ];
    }
    const errors = checkObjectMeta(metadata);
    // A JSON copy: defaults are filled into it, and CEL wants plain objects of this realm.
    const copy: unknown = JSON.parse(JSON.stringify({ apiVersion, kind, metadata, ...rest }));
    if (!known.validate(copy)) {
      let found = known.validate.errors ?? [];
      // Like the API server: CEL rules are not reported while a required, typed or enum field is wrong.
      const blocked = found.some((e) => BLOCKING.has(e.keyword));
      if (blocked) found = found.filter((e) => e.keyword !== 'x-kubernetes-validations');
      errors.unshift(...found.map(describe));
      if (blocked) errors.push({ path: 'object', message: RULES_NOT_CHECKED });
    }
    // What the API server cannot see: a query Prometheus will refuse at every read.
    for (const path of known.promql) {
      for (const [at, query] of valuesAt(rest, path)) {
        const error = typeof query === 'string' ? promqlSyntaxError(query) : undefined;
        if (error) errors.push({ path: at, message: `PromQL syntax error at ${error}` });
      }
    }
    return errors;
  }
}
