// An in-memory API server for controller unit tests: objects with resourceVersions and generations,
// optimistic concurrency (409), status and scale subresources, merge patches, an approximate
// server-side apply, and watches that deliver each change at once. Failures can be injected.
import { randomUUID } from 'node:crypto';
import { objectKey, type KubeObject, type ResourceType } from '../../api/meta.js';
import { ApiError, type Client, type ObjectList, type Query, type WatchEvent } from '../client.js';

type Stored = KubeObject & { spec?: unknown; status?: unknown };
type Listener = {
  type: ResourceType;
  namespace?: string;
  onEvent: (event: WatchEvent<unknown>) => void;
  close: () => void;
};
type Verb = 'get' | 'list' | 'create' | 'update' | 'apply' | 'patch' | 'delete' | 'watch';

export interface FakeRequest {
  verb: Verb;
  resource: string;
  namespace?: string;
  name?: string;
  subresource?: string;
  body?: unknown;
}

export class FakeClient implements Client {
  private readonly objects = new Map<string, Stored>();
  private readonly listeners = new Set<Listener>();
  private readonly failures: { match: (r: FakeRequest) => boolean; error: ApiError; times: number }[] = [];
  private version = 0;
  /** Changes of the held types not yet delivered to watches: a cache that lags the server. */
  private readonly held = new Map<string, WatchEvent<Stored>[]>();
  /** Every request, in order: what a test asserts a controller did. */
  readonly requests: FakeRequest[] = [];

  constructor(objects: { type: ResourceType; object: KubeObject }[] = []) {
    for (const { type, object } of objects) this.store(type, this.stamp(structuredClone(object as Stored)));
  }

  /** Makes the next `times` requests that `match` fail with `error`. */
  failWhen(match: (request: FakeRequest) => boolean, error: ApiError, times = Infinity): void {
    this.failures.push({ match, error, times });
  }

  /** Ends every open watch of `type` as a server that closes the stream does (cleanly, at once). */
  closeWatches(type: ResourceType): void {
    for (const l of this.listeners) if (l.type.plural === type.plural) l.close();
  }

  /** Ends every open watch of `type` with a 410 Gone, as a server that compacted its history does. */
  expireWatches(type: ResourceType): void {
    const gone = { code: 410, message: 'too old resource version' };
    for (const l of this.listeners) {
      if (l.type.plural === type.plural) l.onEvent({ type: 'ERROR', object: gone });
    }
  }

  /** Holds back the watch events of `type` (the server moves on, caches lag) until `deliverHeld`. */
  holdWatchEvents(type: ResourceType): void {
    this.held.set(type.plural, this.held.get(type.plural) ?? []);
  }

  /** Delivers the first `count` held events of `type`, in order; the rest stay held. */
  deliverHeld(type: ResourceType, count = Infinity): void {
    const queue = this.held.get(type.plural) ?? [];
    for (const event of queue.splice(0, count)) this.deliver(type, event);
  }

  /** The stored object, or undefined. */
  peek<T extends KubeObject>(type: ResourceType, namespace: string | undefined, name: string): T | undefined {
    const found = this.objects.get(storeKey(type, namespace, name));
    return found && (structuredClone(found) as T);
  }

  get<T>(type: ResourceType, namespace: string | undefined, name: string): Promise<T> {
    return this.handle(
      { verb: 'get', resource: type.plural, namespace, name },
      () => this.must(type, namespace, name) as T,
    );
  }

  async find<T>(type: ResourceType, namespace: string | undefined, name: string): Promise<T | undefined> {
    try {
      return await this.get<T>(type, namespace, name);
    } catch (err) {
      if (err instanceof ApiError && err.code === 404) return undefined;
      throw err;
    }
  }

  /** Lists objects of `type`; a labelSelector of equalities (`app=shop,tier=web`) is honoured. */
  list<T>(type: ResourceType, namespace?: string, query: Query = {}): Promise<ObjectList<T>> {
    const selected = labelMatcher(query.labelSelector);
    return this.handle({ verb: 'list', resource: type.plural, namespace }, () => ({
      items: [...this.objects.entries()]
        .filter(
          ([key, o]) =>
            key.startsWith(`${type.plural}|`) &&
            (!namespace || o.metadata.namespace === namespace) &&
            selected(o.metadata.labels),
        )
        .map(([, o]) => structuredClone(o) as T),
      metadata: { resourceVersion: String(this.version) },
    }));
  }

  create<T>(type: ResourceType, namespace: string | undefined, body: unknown): Promise<T> {
    const object = structuredClone(body as Stored);
    const name = object.metadata.name || `${object.metadata.generateName ?? ''}${randomUUID().slice(0, 5)}`;
    return this.handle({ verb: 'create', resource: type.plural, namespace, name, body }, () => {
      if (this.objects.has(storeKey(type, namespace, name))) {
        throw new ApiError(409, 'AlreadyExists', `${type.plural} "${name}" already exists`);
      }
      const created = this.stamp({ ...object, metadata: { ...object.metadata, name, namespace } });
      this.store(type, created, 'ADDED');
      return structuredClone(created) as T;
    });
  }

  update<T>(type: ResourceType, namespace: string | undefined, name: string, body: unknown): Promise<T> {
    return this.handle({ verb: 'update', resource: type.plural, namespace, name, body }, () => {
      const current = this.must(type, namespace, name);
      const next = structuredClone(body as Stored);
      this.checkVersion(current, next.metadata.resourceVersion);
      return this.replace(type, current, { ...next, status: current.status }) as T;
    });
  }

  apply<T>(type: ResourceType, object: KubeObject, subresource?: string): Promise<T> {
    const { namespace, name } = object.metadata;
    return this.handle(
      { verb: 'apply', resource: type.plural, namespace, name, subresource, body: object },
      () => {
        const current = this.objects.get(storeKey(type, namespace, name));
        if (!current) {
          const created = this.stamp(structuredClone(object as Stored));
          this.store(type, created, 'ADDED');
          return structuredClone(created) as T;
        }
        return this.replace(type, current, deepMerge(current, object) as Stored) as T;
      },
    );
  }

  mergePatch<T>(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
    patch: unknown,
    subresource?: string,
  ): Promise<T> {
    return this.handle(
      { verb: 'patch', resource: type.plural, namespace, name, subresource, body: patch },
      () => {
        const current = this.must(type, namespace, name);
        const body = patch as Partial<Stored>;
        this.checkVersion(current, body.metadata?.resourceVersion);
        let next: Stored;
        if (subresource === 'status') next = { ...current, status: mergePatch(current.status, body.status) };
        else if (subresource === 'scale') {
          const replicas = (body as { spec?: { replicas?: number } }).spec?.replicas;
          next = { ...current, spec: { ...(current.spec as object), replicas } };
        } else
          next = {
            ...(mergePatch(current, { ...body, status: undefined }) as Stored),
            status: current.status,
          };
        return this.replace(type, current, next) as T;
      },
    );
  }

  /** Deletes at once, or, while finalizers remain, marks the object with a deletionTimestamp. */
  delete(type: ResourceType, namespace: string | undefined, name: string): Promise<unknown> {
    return this.handle({ verb: 'delete', resource: type.plural, namespace, name }, () => {
      const current = this.must(type, namespace, name);
      if (!current.metadata.finalizers?.length) this.remove(type, current);
      else if (!current.metadata.deletionTimestamp) {
        const deletionTimestamp = new Date(0).toISOString();
        this.replace(type, current, { ...current, metadata: { ...current.metadata, deletionTimestamp } });
      }
      return {};
    });
  }

  async watch<T>(
    type: ResourceType,
    namespace: string | undefined,
    _query: Query,
    onEvent: (event: WatchEvent<T>) => void,
    signal: AbortSignal,
  ): Promise<void> {
    await this.handle({ verb: 'watch', resource: type.plural, namespace }, () => undefined);
    return new Promise((done, failed) => {
      // A handler that throws ends its watch with that error, as a real watch stream does.
      const stop = () => {
        this.listeners.delete(listener);
        done();
      };
      const listener: Listener = {
        type,
        namespace,
        close: stop,
        onEvent: (event) => {
          try {
            onEvent(event as WatchEvent<T>);
          } catch (err) {
            this.listeners.delete(listener);
            failed(err instanceof Error ? err : new Error(String(err)));
          }
        },
      };
      this.listeners.add(listener);
      if (signal.aborted) stop();
      else signal.addEventListener('abort', stop, { once: true });
    });
  }

  private async handle<T>(request: FakeRequest, act: () => T): Promise<T> {
    this.requests.push(request);
    await Promise.resolve(); // answers arrive asynchronously, as from a server
    const failure = this.failures.find((f) => f.times > 0 && f.match(request));
    if (failure) {
      failure.times--;
      throw failure.error;
    }
    return act();
  }

  private must(type: ResourceType, namespace: string | undefined, name: string): Stored {
    const found = this.objects.get(storeKey(type, namespace, name));
    if (!found) throw new ApiError(404, 'NotFound', `${type.plural} "${name}" not found`);
    return structuredClone(found);
  }

  private checkVersion(current: Stored, resourceVersion: string | undefined): void {
    if (resourceVersion !== undefined && resourceVersion !== current.metadata.resourceVersion) {
      throw new ApiError(
        409,
        'Conflict',
        `the object has been modified; please apply your changes to the latest version`,
      );
    }
  }

  /** A new object as the server stores it: uid, creation time, generation 1, a resourceVersion. */
  private stamp(object: Stored): Stored {
    return {
      ...object,
      metadata: {
        ...object.metadata,
        uid: object.metadata.uid ?? randomUUID(),
        creationTimestamp: object.metadata.creationTimestamp ?? new Date(0).toISOString(),
        generation: object.metadata.generation ?? 1,
        resourceVersion: String(++this.version),
      },
    };
  }

  /** Stores a new version; the generation moves when the spec does, as for resources with a status subresource. */
  private replace(type: ResourceType, current: Stored, next: Stored): Stored {
    const specChanged = JSON.stringify(current.spec) !== JSON.stringify(next.spec);
    const stored: Stored = {
      ...next,
      metadata: {
        ...next.metadata,
        uid: current.metadata.uid,
        creationTimestamp: current.metadata.creationTimestamp,
        generation: (current.metadata.generation ?? 1) + (specChanged ? 1 : 0),
        resourceVersion: String(++this.version),
      },
    };
    // A deleted object goes once its last finalizer does.
    if (stored.metadata.deletionTimestamp && !stored.metadata.finalizers?.length) this.remove(type, stored);
    else this.store(type, stored, 'MODIFIED');
    return structuredClone(stored);
  }

  private remove(type: ResourceType, object: Stored): void {
    this.objects.delete(storeKey(type, object.metadata.namespace, object.metadata.name));
    const resourceVersion = String(++this.version);
    this.emit(type, {
      type: 'DELETED',
      object: { ...object, metadata: { ...object.metadata, resourceVersion } },
    });
  }

  private store(type: ResourceType, object: Stored, event?: 'ADDED' | 'MODIFIED'): void {
    this.objects.set(storeKey(type, object.metadata.namespace, object.metadata.name), object);
    if (event) this.emit(type, { type: event, object });
  }

  private emit(type: ResourceType, event: WatchEvent<Stored>): void {
    const held = this.held.get(type.plural);
    if (held) held.push(structuredClone(event));
    else this.deliver(type, event);
  }

  private deliver(type: ResourceType, event: WatchEvent<Stored>): void {
    for (const l of this.listeners) {
      if (l.type.plural !== type.plural || l.type.group !== type.group) continue;
      if (l.namespace && l.namespace !== event.object.metadata.namespace) continue;
      l.onEvent({ type: event.type, object: structuredClone(event.object) });
    }
  }
}

const storeKey = (type: ResourceType, namespace: string | undefined, name: string) =>
  `${type.plural}|${objectKey(type.namespaced ? namespace : undefined, name)}`;

/** Whether labels match a selector of equalities (`k=v,k2=v2`); no selector matches all. */
function labelMatcher(selector: Query[string]) {
  const wanted = String(selector ?? '')
    .split(',')
    .filter(Boolean)
    .map((term) => term.split('=') as [string, string]);
  return (labels: Record<string, string> = {}) => wanted.every(([k, v]) => labels[k] === v);
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** RFC 7386: objects merge, null deletes, anything else replaces. */
function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return patch === undefined ? target : patch;
  const result: Record<string, unknown> = isObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else if (value !== undefined) result[key] = mergePatch(result[key], value);
  }
  return result;
}

/** Server-side apply, roughly: maps merge, lists and values the applier sets replace. */
function deepMerge(target: unknown, applied: unknown): unknown {
  if (!isObject(applied) || !isObject(target)) return applied;
  const result: Record<string, unknown> = { ...target };
  for (const [key, value] of Object.entries(applied)) result[key] = deepMerge(result[key], value);
  return result;
}
