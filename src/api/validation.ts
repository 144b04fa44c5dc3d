// Offline validation of AutoPilot objects against the generated CRD schemas and their CEL rules,
// phrased like the API server so `autopilot validate` and `kubectl apply` tell the user the same thing.
import { parse as parseCel } from '@marcbachmann/cel-js';
import { Ajv, type ErrorObject, type SchemaValidateFunction, type ValidateFunction } from 'ajv';
import formatsPlugin from 'ajv-formats';
import { customResourceDefinition } from './crd.js';
import type { CelRule } from './schema.js';
import { API_VERSION, kinds } from './v1alpha1/index.js';
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
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

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

export class ManifestValidator {
  private readonly byKind = new Map<string, ValidateFunction>();

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
      this.byKind.set(definition.kind, ajv.compile(rejectUnknownFields(schema) as object));
    }
  }

  /** Whether the object is one of ours (apiVersion autopilot.ventures/v1alpha1 or any version of the group). */
  static isAutoPilotObject(doc: unknown): doc is { apiVersion: string; kind?: unknown } {
    const apiVersion = (doc as { apiVersion?: unknown } | null)?.apiVersion;
    return typeof apiVersion === 'string' && apiVersion.startsWith(API_VERSION.split('/')[0] + '/');
  }

  /** Errors the API server would report for this object on create; status is ignored as the server does. */
  validate(doc: unknown): FieldError[] {
    const { apiVersion, kind, metadata, status: _status, ...rest } = doc as Record<string, unknown>;
    if (apiVersion !== API_VERSION) {
      return [{ path: 'apiVersion', message: `Unsupported value: supported values: "${API_VERSION}"` }];
    }
    const validate = typeof kind === 'string' ? this.byKind.get(kind) : undefined;
    if (!validate) {
      return [
        {
          path: 'kind',
          message: `Unsupported value: supported values: ${[...this.byKind.keys()].join(', ')}`,
        },
      ];
    }
    const errors: FieldError[] = [];
    const name = (metadata as { name?: unknown } | undefined)?.name;
    if (typeof name !== 'string' || name === '')
      errors.push({ path: 'metadata.name', message: 'Required value' });
    else if (name.length > 253 || !DNS_SUBDOMAIN.test(name)) {
      errors.push({
        path: 'metadata.name',
        message: 'a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, - or .',
      });
    }
    // A JSON copy: defaults are filled into it, and CEL wants plain objects of this realm.
    const copy: unknown = JSON.parse(JSON.stringify({ apiVersion, kind, metadata, ...rest }));
    if (validate(copy)) return errors;
    let found = validate.errors ?? [];
    // Like the API server: CEL rules are not reported while a required, typed or enum field is wrong.
    if (found.some((e) => BLOCKING.has(e.keyword))) {
      found = found.filter((e) => e.keyword !== 'x-kubernetes-validations');
      errors.push({ path: 'object', message: RULES_NOT_CHECKED });
    }
    return [...found.map(describe), ...errors];
  }
}
