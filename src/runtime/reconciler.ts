// The typed reconciler of one object, so a controller tells only its kind's story: the runtime reads the
// object from the cache, skips deleted ones (running a finalizer), refuses to act on a cache older than
// its own last write, hands over a private copy, `now`, conditions and events bound to the object, and
// ends with one status patch carrying observedGeneration. checkpoint() writes status earlier, for
// write-ahead states such as a decision recorded as Applying before it is acted on. Each status write tells
// the AUREA journal what the decision record (lastDecision, history) says was decided and carried out, and a
// reconcile that throws while a decision is Applying tells its failure, so every kind reports the same way.
import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import { objectKey, type KubeObject, type ResourceType } from '../api/meta.js';
import { ApiError, type Client } from './client.js';
import type { Clock } from './clock.js';
import { Conditions } from './conditions.js';
import type { ControllerSpec, ReconcileContext, Result, Watch } from './controller.js';
import { eventsFor, type EventRecorder, type ObjectEvents } from './events.js';
import type { RecordedDecision } from '../engine/decisions.js';
import type { Informer } from './informer.js';
import type { Journal, Judging, ObjectJournal } from './journal.js';
import {
  canonical,
  controllerOf,
  controllerReference,
  hasFinalizer,
  patchStatus,
  setFinalizer,
} from './objects.js';
import type { Source } from './sources.js';

/** Hash of what AutoPilot last applied to an owned object: an unchanged desired state is not sent again. */
export const APPLIED_HASH = 'autopilot.ventures/applied-hash';

/** How soon to look again when the cache has not caught up with our own last write. */
const CACHE_BEHIND_MS = 200;

/** What a reconciler needs of the manager. */
export interface RuntimeParts {
  /** Controller `name`'s own API client (its calls counted and paced, for AUREA's heal rules). */
  clientFor(name: string): Client;
  clock: Clock;
  events: EventRecorder;
  journal: Journal;
  informer<T extends KubeObject>(type: ResourceType): Informer<T>;
  /** The cached object of `type` if that kind is watched, else undefined. */
  cached<T extends KubeObject>(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
  ): T | undefined;
}

export type StatusOf<T> = T extends { status?: infer S } ? NonNullable<S> : never;

export type ApplyOutcome = 'applied' | 'unchanged' | 'rejected';

export interface ApplyOptions<D> {
  /** Live fields others may change that the applied hash does not cover: apply again when false. */
  isCurrent?: (live: D) => boolean;
  /** On a 422 this condition goes False with `reason`, and a Warning Event says what Kubernetes refused. */
  onInvalid?: { condition: string; reason: string };
}

export interface ObjectContext<S> extends ReconcileContext {
  now: number;
  /** A private copy of the status: what it holds when reconcile returns is written once. */
  status: S;
  conditions: Conditions;
  events: ObjectEvents;
  /**
   * Measurements for the AUREA loop and what it learned (README, "Developing"); decisions and their
   * execution it hears from status.
   */
  journal: ObjectJournal;
  client: Client;
  /** Writes the status now (write-ahead), instead of only at the end. */
  checkpoint(): Promise<void>;
  /** A merge patch of this object (or its subresource, e.g. scale); later writes build on its result. */
  patch(patch: unknown, subresource?: string): Promise<void>;
  /**
   * Server-side applies an object this one owns (controller reference set here, field manager
   * autopilot), skipped when what was last applied is unchanged and `isCurrent` holds.
   */
  applyOwned<D extends KubeObject>(
    type: ResourceType,
    desired: D,
    options?: ApplyOptions<D>,
  ): Promise<ApplyOutcome>;
}

export interface ObjectReconciler<T extends KubeObject> {
  name: string;
  kind: ResourceType;
  owns?: ResourceType[];
  watches?: Watch[];
  sources?: Source[];
  workers?: number;
  /** For objects being deleted that carry `name`: `finalize` runs, then the finalizer is removed. */
  finalizer?: {
    name: string;
    finalize(object: T, context: { client: Client; logger: Logger }): Promise<void>;
  };
  /** The object is gone or being deleted: drop what the controller keeps about `key` in memory. */
  forget?(key: string): void;
  /** What AUREA judges a decision of this kind by, beyond the object itself (default: the rule's own). */
  judging?(decision: RecordedDecision, object: T): Judging;
  reconcile(object: T, context: ObjectContext<StatusOf<T>>): Promise<Result | void>;
}

const hashOf = (value: unknown) => createHash('sha256').update(canonical(value)).digest('hex').slice(0, 16);

export function objectController<T extends KubeObject & { status?: object }>(
  runtime: RuntimeParts,
  spec: ObjectReconciler<T>,
): ControllerSpec {
  const { clock } = runtime;
  const kind = spec.kind;
  const client = runtime.clientFor(spec.name);
  const cache = runtime.informer<T>(kind);
  // The resourceVersions of each object that this process's writes replaced: the one its last writing
  // reconcile started from, and those of its own checkpoints before the last. A cache still showing one of
  // them has not seen our last write yet, and reconciling from it would act twice (seen: a RegionPair's move
  // carried on from a checkpoint it had finished, its Event and metric told twice).
  const writtenOver = new Map<string, Set<string>>();

  async function reconcile(
    { namespace, name }: { namespace?: string; name: string },
    base: ReconcileContext,
  ) {
    const key = objectKey(namespace, name);
    const cached = cache.get(namespace, name);
    if (!cached || cached.metadata.deletionTimestamp) {
      writtenOver.delete(key);
      spec.forget?.(key);
      if (cached && spec.finalizer && hasFinalizer(cached, spec.finalizer.name)) {
        await spec.finalizer.finalize(structuredClone(cached), { client, logger: base.logger });
        await setFinalizer(client, kind, cached, spec.finalizer.name, false);
      }
      return {};
    }
    const seen = cached.metadata.resourceVersion;
    if (seen !== undefined && writtenOver.get(key)?.has(seen)) return { requeueAfterMs: CACHE_BEHIND_MS };
    if (spec.finalizer && !hasFinalizer(cached, spec.finalizer.name)) {
      // The update this write causes brings the object back with its finalizer.
      await setFinalizer(client, kind, cached, spec.finalizer.name, true);
      return {};
    }

    const object = structuredClone(cached);
    const now = clock.now();
    // The copy's status is the one the reconcile edits: the engine reads the object as it now stands.
    const status = (object.status ??= {}) as StatusOf<T>;
    let persisted: object = structuredClone(cached.status ?? {});
    const conditions = new Conditions(status, object.metadata.generation, now);
    const events = eventsFor(runtime.events, object, kind);
    const journal = runtime.journal.about(spec.name, { kind: kind.kind, namespace: namespace ?? '', name });
    const judging = spec.judging && ((d: RecordedDecision) => spec.judging!(d, object));
    const replaced: string[] = [];
    const moved = (written: KubeObject) => {
      const before = object.metadata.resourceVersion;
      if (before !== undefined && written.metadata.resourceVersion !== before) replaced.push(before);
      object.metadata.resourceVersion = written.metadata.resourceVersion;
    };

    const checkpoint = async () => {
      moved(await patchStatus(client, kind, { metadata: object.metadata, status: persisted }, status));
      journal.statusWritten(persisted, status, judging);
      persisted = structuredClone(status);
    };

    const applyOwned = async <D extends KubeObject>(
      type: ResourceType,
      desired: D,
      options: ApplyOptions<D> = {},
    ): Promise<ApplyOutcome> => {
      const owned = {
        ...desired,
        metadata: { ...desired.metadata, ownerReferences: [controllerReference(object, kind)] },
      };
      const hash = hashOf(owned);
      const target = {
        ...owned,
        metadata: { ...owned.metadata, annotations: { ...owned.metadata.annotations, [APPLIED_HASH]: hash } },
      };
      const live = runtime.cached<D>(type, desired.metadata.namespace, desired.metadata.name);
      if (
        live &&
        live.metadata.annotations?.[APPLIED_HASH] === hash &&
        controllerOf(live, kind)?.uid === object.metadata.uid &&
        (options.isCurrent?.(live) ?? true)
      )
        return 'unchanged';
      try {
        await client.apply(type, target);
        return 'applied';
      } catch (err) {
        if (!(err instanceof ApiError) || err.code !== 422 || !options.onInvalid) throw err;
        const { condition, reason } = options.onInvalid;
        conditions.set(
          condition,
          'False',
          reason,
          `Kubernetes rejected ${type.kind} ${desired.metadata.name}: ${err.message}`,
        );
        await events.warning(reason, err.message);
        return 'rejected';
      }
    };

    try {
      const result = await spec.reconcile(object, {
        ...base,
        now,
        status,
        conditions,
        events,
        journal,
        client,
        checkpoint,
        patch: async (body, subresource) =>
          moved(await client.mergePatch<KubeObject>(kind, namespace, name, body, subresource)),
        applyOwned,
      });
      (status as { observedGeneration?: number }).observedGeneration = object.metadata.generation;
      await checkpoint();
      return result ?? {};
    } catch (err) {
      journal.reconcileFailed(persisted, status, err);
      throw err;
    } finally {
      // Also after a failure: the retry must not start from before a checkpoint that was written.
      if (replaced.length) writtenOver.set(key, new Set(replaced));
    }
  }

  return {
    name: spec.name,
    for: kind,
    owns: spec.owns,
    watches: spec.watches,
    sources: spec.sources,
    workers: spec.workers,
    reconcile,
  };
}
