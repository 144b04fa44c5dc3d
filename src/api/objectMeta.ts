// The checks kube-apiserver runs on an object's metadata (names, labels, annotations, finalizers, field
// types, unknown fields), with its messages, so `autopilot validate` rejects what the server would.
import type { FieldError } from './validation.js';

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
/** The most bytes all annotations of an object may take, keys and values together. */
const ANNOTATIONS_MAX_BYTES = 256 * 1024;

const SUBDOMAIN_ERROR =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const LABEL_ERROR =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const QUALIFIED_NAME_ERROR =
  "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
const LABEL_VALUE_ERROR =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";

const bytes = (text: string) => Buffer.byteLength(text, 'utf8');

function subdomainErrors(value: string): string[] {
  return [
    ...(value.length > 253 ? ['must be no more than 253 characters'] : []),
    ...(DNS1123_SUBDOMAIN.test(value) ? [] : [SUBDOMAIN_ERROR]),
  ];
}

function labelErrors(value: string): string[] {
  return [
    ...(value.length > 63 ? ['must be no more than 63 characters'] : []),
    ...(DNS1123_LABEL.test(value) ? [] : [LABEL_ERROR]),
  ];
}

/** A label key, annotation key or finalizer: an optional DNS subdomain prefix, '/', and a name. */
function qualifiedNameErrors(value: string): string[] {
  const parts = value.split('/');
  if (parts.length > 2) {
    return [
      `a valid label key ${QUALIFIED_NAME_ERROR} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`,
    ];
  }
  const name = parts.at(-1)!;
  const prefix = parts.length === 2 ? parts[0]! : undefined;
  return [
    ...(prefix === undefined
      ? []
      : prefix === ''
        ? ['prefix part must be non-empty']
        : subdomainErrors(prefix).map((error) => `prefix part ${error}`)),
    ...(name === '' ? ['name part must be non-empty'] : []),
    ...(bytes(name) > 63 ? ['name part must be no more than 63 bytes'] : []),
    ...(QUALIFIED_NAME.test(name) ? [] : [`name part ${QUALIFIED_NAME_ERROR}`]),
  ];
}

function labelValueErrors(value: string): string[] {
  return [
    ...(bytes(value) > 63 ? ['must be no more than 63 bytes'] : []),
    ...(LABEL_VALUE.test(value) ? [] : [LABEL_VALUE_ERROR]),
  ];
}

const invalid = (path: string, value: unknown, errors: string[]): FieldError[] =>
  errors.map((error) => ({ path, message: `Invalid value: ${JSON.stringify(value)}: ${error}` }));

type FieldType = 'string' | 'integer' | 'stringMap' | 'stringList' | 'list';

/** ObjectMeta's fields and what the server decodes each into; anything else is an unknown field. */
const FIELDS: Record<string, FieldType> = {
  name: 'string',
  generateName: 'string',
  namespace: 'string',
  selfLink: 'string',
  uid: 'string',
  resourceVersion: 'string',
  creationTimestamp: 'string',
  deletionTimestamp: 'string',
  generation: 'integer',
  deletionGracePeriodSeconds: 'integer',
  labels: 'stringMap',
  annotations: 'stringMap',
  finalizers: 'stringList',
  ownerReferences: 'list',
  managedFields: 'list',
};

/** Why a value does not decode into its field: none when it does (null decodes into anything). */
function typeError(path: string, type: FieldType, value: unknown): FieldError[] {
  if (value === null) return [];
  switch (type) {
    case 'string':
      return typeof value === 'string' ? [] : [{ path, message: 'must be of type string' }];
    case 'integer':
      return Number.isInteger(value) ? [] : [{ path, message: 'must be of type integer' }];
    case 'list':
      return Array.isArray(value) ? [] : [{ path, message: 'must be of type array' }];
    case 'stringList':
      return Array.isArray(value) && value.every((item) => typeof item === 'string')
        ? []
        : [{ path, message: 'must be a list of strings' }];
    case 'stringMap':
      if (typeof value !== 'object' || Array.isArray(value))
        return [{ path, message: 'must be a map of strings' }];
      // YAML reads an unquoted true, yes, on or 3 as a boolean or a number: the server refuses to decode it.
      return Object.entries(value as Record<string, unknown>)
        .filter(([, item]) => item !== null && typeof item !== 'string')
        .map(([key, item]) => ({
          path: `${path}[${key}]`,
          message: `Invalid value: ${JSON.stringify(item)}: must be a string: quote it, e.g. "${String(item)}"`,
        }));
  }
}

const strings = (value: unknown): Record<string, string> =>
  Object.fromEntries(
    Object.entries((value ?? {}) as Record<string, unknown>).map(([k, v]) => [
      k,
      typeof v === 'string' ? v : '',
    ]),
  );

/** Errors the API server would report for this metadata, on create. */
export function checkObjectMeta(metadata: unknown): FieldError[] {
  if (
    metadata === undefined ||
    metadata === null ||
    typeof metadata !== 'object' ||
    Array.isArray(metadata)
  ) {
    return [{ path: 'metadata.name', message: 'Required value' }];
  }
  const meta = metadata as Record<string, unknown>;
  const decoding = Object.entries(meta).flatMap(([field, value]) => {
    const type = FIELDS[field];
    const path = `metadata.${field}`;
    return type ? typeError(path, type, value) : [{ path, message: `unknown field "${path}"` }];
  });
  // The server decodes first and validates what decoded; a field it cannot decode is reported alone.
  if (decoding.length) return decoding;

  const errors: FieldError[] = [];
  const { name, namespace, labels, annotations, finalizers } = meta as {
    name?: string;
    namespace?: string;
    finalizers?: string[];
  } & Record<string, unknown>;
  if (!name) errors.push({ path: 'metadata.name', message: 'Required value' });
  else errors.push(...invalid('metadata.name', name, subdomainErrors(name)));
  if (namespace) errors.push(...invalid('metadata.namespace', namespace, labelErrors(namespace)));
  for (const [key, value] of Object.entries(strings(labels))) {
    errors.push(...invalid('metadata.labels', key, qualifiedNameErrors(key)));
    errors.push(...invalid('metadata.labels', value, labelValueErrors(value)));
  }
  const annotated = strings(annotations);
  for (const key of Object.keys(annotated))
    errors.push(...invalid('metadata.annotations', key, qualifiedNameErrors(key.toLowerCase())));
  const size = Object.entries(annotated).reduce((sum, [k, v]) => sum + bytes(k) + bytes(v), 0);
  if (size > ANNOTATIONS_MAX_BYTES) {
    errors.push({
      path: 'metadata.annotations',
      message: `Too long: may not be more than ${ANNOTATIONS_MAX_BYTES} bytes`,
    });
  }
  for (const finalizer of finalizers ?? [])
    errors.push(...invalid('metadata.finalizers', finalizer, qualifiedNameErrors(finalizer)));
  return errors;
}
