// An informer: lists and watches one kind into a local cache, resumes from its last resourceVersion,
// relists on 410 Gone, restarts failed or silent watches with backoff, and tells handlers what changed.
import type { Logger } from 'pino';
import { ApiError, isGone, type Client, type WatchEvent } from './client.js';
import { keyOf, type KubeObject, type ResourceType } from '../api/meta.js';
import { realClock, sleep, type Clock } from './clock.js';
import { ExponentialBackoff } from './rateLimiter.js';

export type InformerEvent = 'add' | 'update' | 'delete';
export type InformerHandler<T> = (event: InformerEvent, object: T, old?: T) => void;

export interface InformerObserver {
  relisted(resource: string): void;
  watchRestarted(resource: string, reason: string): void;
}

export interface InformerOptions {
  namespace?: string;
  clock?: Clock;
  logger?: Logger;
  observer?: InformerObserver;
}

/** A watch that delivers nothing (not even a bookmark) for this long is restarted. */
const SILENCE_MS = 120_000;
const PAGE_SIZE = 500;

export class Informer<T extends KubeObject> {
  private readonly store = new Map<string, T>();
  private readonly handlers: InformerHandler<T>[] = [];
  private resourceVersion: string | undefined;
  private synced = false;
  private syncWaiters: (() => void)[] = [];
  private readonly clock: Clock;
  /** Watches restart after 0.5 s, 1 s, 2 s … up to 30 s, with ±20 % jitter. */
  private readonly retries = new ExponentialBackoff(500, 30_000);
  /** Aborts the current watch or backoff: restart() relists at once. */
  private attempt: AbortController | undefined;
  private failures = 0;
  private lastFailure: string | undefined;

  constructor(
    private readonly client: Client,
    readonly type: ResourceType,
    private readonly options: InformerOptions = {},
  ) {
    this.clock = options.clock ?? realClock;
  }

  on(handler: InformerHandler<T>): void {
    this.handlers.push(handler);
  }

  get(namespace: string | undefined, name: string): T | undefined {
    return this.store.get(namespace ? `${namespace}/${name}` : name);
  }

  list(namespace?: string): T[] {
    const all = [...this.store.values()];
    return namespace ? all.filter((o) => o.metadata.namespace === namespace) : all;
  }

  get hasSynced(): boolean {
    return this.synced;
  }

  waitForSync(): Promise<void> {
    return this.synced ? Promise.resolve() : new Promise((done) => this.syncWaiters.push(done));
  }

  /** Runs until `signal` aborts. Never throws: every failure becomes a logged, backed-off retry. */
  async run(signal: AbortSignal): Promise<void> {
    const { logger } = this.options;
    while (!signal.aborted) {
      const attempt = new AbortController();
      const stop = () => attempt.abort();
      signal.addEventListener('abort', stop, { once: true });
      this.attempt = attempt;
      try {
        if (this.resourceVersion === undefined) await this.relist();
        await this.watchOnce(attempt.signal);
        this.retries.forget(this.type.plural);
        this.failures = 0;
      } catch (err) {
        if (signal.aborted) break;
        if (attempt.signal.aborted) continue; // restart(): start over at once
        const reason = isGone(err)
          ? 'expired'
          : err instanceof SilentWatch
            ? 'silent'
            : err instanceof ClosedWatch
              ? 'closed'
              : 'error';
        if (isGone(err)) this.resourceVersion = undefined;
        else {
          this.failures++;
          this.lastFailure = String(err);
        }
        this.options.observer?.watchRestarted(this.type.plural, reason);
        const backoff = reason === 'error' || reason === 'closed';
        const delay = backoff ? this.retries.when(this.type.plural) * (0.8 + Math.random() * 0.4) : 0;
        logger?.warn(
          { resource: this.type.plural, reason, err: String(err), retryInMs: Math.round(delay) },
          'watch restarting',
        );
        await sleep(this.clock, delay, attempt.signal);
      } finally {
        signal.removeEventListener('abort', stop);
      }
    }
  }

  /** List-and-watch attempts that failed in a row (an expired resourceVersion is routine, not a failure). */
  get consecutiveFailures(): number {
    return this.failures;
  }

  get lastError(): string | undefined {
    return this.lastFailure;
  }

  /** Starts over now: drops the current watch (or its backoff) and lists afresh, as a new process would. */
  restart(): void {
    this.resourceVersion = undefined;
    this.retries.forget(this.type.plural);
    this.attempt?.abort();
  }

  private async relist(): Promise<void> {
    const seen = new Map<string, T>();
    let next: string | undefined;
    let resourceVersion = '';
    do {
      const page = await this.client.list<T>(this.type, this.options.namespace, {
        limit: PAGE_SIZE,
        continue: next,
      });
      for (const item of page.items) seen.set(keyOf(item), withKind(item, this.type));
      next = page.metadata.continue || undefined;
      resourceVersion = page.metadata.resourceVersion ?? '';
    } while (next);

    for (const [key, old] of this.store) {
      if (!seen.has(key)) {
        this.store.delete(key);
        this.emit('delete', old);
      }
    }
    for (const [key, object] of seen) {
      const old = this.store.get(key);
      this.store.set(key, object);
      if (!old) this.emit('add', object);
      else if (old.metadata.resourceVersion !== object.metadata.resourceVersion)
        this.emit('update', object, old);
    }
    this.resourceVersion = resourceVersion;
    this.options.observer?.relisted(this.type.plural);
    if (!this.synced) {
      this.synced = true;
      for (const done of this.syncWaiters.splice(0)) done();
    }
  }

  private async watchOnce(signal: AbortSignal): Promise<void> {
    const watch = new AbortController();
    const stop = () => watch.abort();
    signal.addEventListener('abort', stop, { once: true });
    let silent = false;
    let watchdog: unknown;
    const feed = () => {
      this.clock.clearTimeout(watchdog);
      watchdog = this.clock.setTimeout(() => {
        silent = true;
        watch.abort();
      }, SILENCE_MS);
    };
    feed();
    // The server ends each watch after 5–10 minutes, like client-go, spreading relists out.
    const timeoutSeconds = 300 + Math.floor(Math.random() * 300);
    const opened = this.clock.now();
    try {
      await this.client.watch<T>(
        this.type,
        this.options.namespace,
        { resourceVersion: this.resourceVersion, allowWatchBookmarks: true, timeoutSeconds },
        (event) => {
          feed();
          this.failures = 0; // the watch is up: whatever failed before has recovered
          this.apply(event);
        },
        watch.signal,
      );
    } finally {
      this.clock.clearTimeout(watchdog);
      signal.removeEventListener('abort', stop);
    }
    if (silent) throw new SilentWatch(SILENCE_MS);
    // A watch the server closed long before its timeout (a dying API server can end the stream as if it
    // were done) is a failure: restarted with backoff, so a server that keeps closing it is not hammered.
    const lasted = this.clock.now() - opened;
    if (!signal.aborted && lasted < timeoutSeconds * 1000 * EARLY_END_SHARE) throw new ClosedWatch(lasted);
  }

  private apply(event: WatchEvent<T>): void {
    if (event.type === 'ERROR') {
      const status = event.object as unknown as { code?: number; message?: string };
      if (status.code === 410) this.resourceVersion = undefined;
      throw new ApiError(status.code ?? 500, 'WatchError', `watch error: ${status.message}`);
    }
    const object = withKind(event.object, this.type);
    this.resourceVersion = object.metadata.resourceVersion;
    if (event.type === 'BOOKMARK') return;
    const key = keyOf(object);
    const old = this.store.get(key);
    if (event.type === 'DELETED') {
      this.store.delete(key);
      this.emit('delete', object);
    } else {
      this.store.set(key, object);
      this.emit(old ? 'update' : 'add', object, old);
    }
  }

  private emit(event: InformerEvent, object: T, old?: T): void {
    for (const handler of this.handlers) handler(event, object, old);
  }
}

/** A watch that ended before this share of its timeout was closed by the server early. */
const EARLY_END_SHARE = 0.9;

class ClosedWatch extends Error {
  constructor(ms: number) {
    super(`the server closed the watch after ${ms} ms, long before its timeout`);
  }
}

class SilentWatch extends Error {
  constructor(ms: number) {
    super(`no event or bookmark for ${ms} ms`);
  }
}

/** Lists return items without apiVersion and kind; fill them in so cached objects are whole. */
function withKind<T extends KubeObject>(object: T, type: ResourceType): T {
  if (object.kind) return object;
  return {
    ...object,
    apiVersion: type.group ? `${type.group}/${type.version}` : type.version,
    kind: type.kind,
  };
}
