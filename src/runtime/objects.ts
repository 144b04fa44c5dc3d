// Small helpers on objects: controller owner references, finalizers, and status writes that skip no-ops.
import type { Client } from './client.js';
import { apiVersionOf, type KubeObject, type OwnerReference, type ResourceType } from '../api/meta.js';

/** The ownerReference that makes `owner` the controller of a dependent (SetControllerReference). */
export function controllerReference(owner: KubeObject, type: ResourceType): OwnerReference {
  if (!owner.metadata.uid) throw new Error(`owner ${owner.metadata.name} has no uid yet`);
  return {
    apiVersion: apiVersionOf(type),
    kind: type.kind,
    name: owner.metadata.name,
    uid: owner.metadata.uid,
    controller: true,
    blockOwnerDeletion: true,
  };
}

/** The controller ownerReference of an object, if its controller is of `type`. */
export function controllerOf(object: KubeObject, type: ResourceType): OwnerReference | undefined {
  return object.metadata.ownerReferences?.find(
    (ref) => ref.controller && ref.kind === type.kind && ref.apiVersion === apiVersionOf(type),
  );
}

export const hasFinalizer = (object: KubeObject, finalizer: string) =>
  object.metadata.finalizers?.includes(finalizer) ?? false;

/** Adds or removes a finalizer; the resourceVersion in the patch makes a stale write fail with 409. */
export async function setFinalizer(
  client: Client,
  type: ResourceType,
  object: KubeObject,
  finalizer: string,
  present: boolean,
): Promise<void> {
  const current = object.metadata.finalizers ?? [];
  if (current.includes(finalizer) === present) return;
  const finalizers = present ? [...current, finalizer] : current.filter((f) => f !== finalizer);
  await client.mergePatch(type, object.metadata.namespace, object.metadata.name, {
    metadata: { finalizers, resourceVersion: object.metadata.resourceVersion },
  });
}

/** Stable JSON: object keys sorted, so equal statuses compare equal whatever their key order. */
export function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)),
        )
      : v,
  );
}

/**
 * Writes `status` with a merge patch on /status when it differs from what the object has; fields the
 * old status had and the new one lacks (or holds as undefined) are removed, at any depth. The patch carries the object's resourceVersion, so
 * a status computed from a stale cache fails with 409 and the reconcile retries from fresh state.
 * Returns the object as the server now has it (or `object` itself when there was nothing to write).
 */
export async function patchStatus<T extends KubeObject & { status?: unknown }>(
  client: Client,
  type: ResourceType,
  object: T,
  status: object,
): Promise<T> {
  if (canonical(object.status ?? {}) === canonical(status)) return object;
  const patch = {
    metadata: { resourceVersion: object.metadata.resourceVersion },
    status: mergePatchOf(object.status ?? {}, status),
  };
  return client.mergePatch<T>(type, object.metadata.namespace, object.metadata.name, patch, 'status');
}

/** Makes `target` hold what `source` holds, keeping its identity (a private status others refer to). */
export function replaceContents<T extends object>(target: T, source: T): void {
  for (const key of Object.keys(target))
    if (!(key in source)) delete (target as Record<string, unknown>)[key];
  Object.assign(target, source);
}

const isMap = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The JSON merge patch (RFC 7386) that turns `before` into `after`. The server merges nested objects key
 * by key, so a key `after` lacks at any depth is sent as null (else a new lastDecision would keep the
 * fields of the one it replaces); lists and values are sent whole.
 */
export function mergePatchOf(before: unknown, after: unknown): unknown {
  if (!isMap(before) || !isMap(after)) return after;
  const patch: Record<string, unknown> = {};
  for (const key of Object.keys(before)) if (after[key] === undefined) patch[key] = null;
  for (const [key, value] of Object.entries(after))
    if (value !== undefined) patch[key] = mergePatchOf(before[key], value);
  return patch;
}
