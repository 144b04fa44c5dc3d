// A controller: a reconcile function, what it watches, and the workers that drain its queue. This is
// where retries, requeues, metrics and per-reconcile logging live, so controllers only reconcile.
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { keyOf, objectKey, parseKey, type KubeObject, type ResourceType } from '../api/meta.js';
import { isConflict } from './client.js';
import { aborted, withTimeout, type Clock } from './clock.js';
import type { Informer } from './informer.js';
import type { OperatorMetrics } from './metrics.js';
import { controllerOf, canonical } from './objects.js';
import { WorkQueue } from './queue.js';
import { defaultRateLimiter } from './rateLimiter.js';
import type { Source } from './sources.js';

export interface Request {
  namespace?: string;
  name: string;
}

export interface Result {
  /** Reconcile again after this long even if nothing changes (periodic audits); at least MIN_REQUEUE_MS. */
  requeueAfterMs?: number;
}

/** No object is reconciled again sooner than this, whatever its spec says (a 0s interval is not a loop). */
export const MIN_REQUEUE_MS = 1000;

export interface ReconcileContext {
  logger: Logger;
  reconcileID: string;
  /** Aborted when this process stops leading or shuts down: stop writing. */
  signal: AbortSignal;
}

/** Objects of another kind, mapped to the keys of the objects they concern. */
export interface Watch {
  type: ResourceType;
  map: (object: KubeObject) => string[];
}

export interface ControllerSpec {
  name: string;
  /** The kind this controller reconciles; its keys are these objects' keys. */
  for: ResourceType;
  /** Kinds whose objects map to the key of their controller owner of kind `for`. */
  owns?: ResourceType[];
  watches?: Watch[];
  /** Event sources beyond informers, started with the workers (on the leader). */
  sources?: Source[];
  workers?: number;
  reconcile(request: Request, context: ReconcileContext): Promise<Result | void>;
}

/**
 * Whether an update of a reconciled object is worth a reconcile: not when only its status (our own
 * writes, mostly) or bookkeeping moved. Spec changes move the generation; approvals are annotations.
 * A kind without a generation (a ConfigMap, a Secret: no spec/status split) changes intent with every update.
 */
export function changesIntent(old: KubeObject | undefined, object: KubeObject): boolean {
  if (!old || object.metadata.generation === undefined) return true;
  const intent = (o: KubeObject) => {
    const { generation, labels, annotations, finalizers, deletionTimestamp, ownerReferences } = o.metadata;
    return canonical({ generation, labels, annotations, finalizers, deletionTimestamp, ownerReferences });
  };
  return intent(old) !== intent(object);
}

export class Controller {
  readonly queue: WorkQueue;

  constructor(
    readonly spec: ControllerSpec,
    private readonly deps: {
      clock: Clock;
      logger: Logger;
      metrics: OperatorMetrics;
      informer: (type: ResourceType) => Informer<KubeObject>;
    },
  ) {
    this.queue = new WorkQueue(deps.clock, defaultRateLimiter(deps.clock), deps.metrics.queue(spec.name));
    const enqueue = (key: string) => this.queue.add(key);
    deps.informer(spec.for).on((event, object, old) => {
      if (event !== 'update' || changesIntent(old, object)) enqueue(keyOf(object));
    });
    for (const owned of spec.owns ?? []) {
      deps.informer(owned).on((_event, object) => {
        const owner = controllerOf(object, spec.for);
        if (owner) enqueue(objectKey(object.metadata.namespace, owner.name));
      });
    }
    for (const { type, map } of spec.watches ?? []) {
      deps.informer(type).on((_event, object) => map(object).forEach(enqueue));
    }
  }

  /** Runs the workers and sources until `signal` aborts; then waits for in-flight reconciles up to `drainMs`. */
  async run(signal: AbortSignal, drainMs: number): Promise<void> {
    for (const source of this.spec.sources ?? []) source.start((key) => this.queue.add(key), signal);
    const workers = Promise.all(Array.from({ length: this.spec.workers ?? 1 }, () => this.worker(signal)));
    await aborted(signal);
    this.queue.shutDown();
    if (
      !(await withTimeout(
        this.deps.clock,
        workers.then(() => true),
        drainMs,
      ))
    ) {
      this.deps.logger.warn(
        { controller: this.spec.name, inFlight: this.queue.busy },
        'shutdown: reconciles still running',
      );
    }
  }

  private async worker(signal: AbortSignal): Promise<void> {
    for (;;) {
      const key = await this.queue.get();
      if (key === undefined) return;
      try {
        const outcome = await this.reconcileKey(key, signal);
        if (signal.aborted) continue;
        if (outcome.requeueAfterMs !== undefined) this.queue.addAfter(key, outcome.requeueAfterMs);
        else if (outcome.retry) this.queue.addRateLimited(key);
      } finally {
        this.queue.done(key);
      }
    }
  }

  /**
   * One reconcile of `key` with its logging and metrics: what to do next (requeue after a delay, retry
   * with backoff, or nothing). Exposed for unit tests, which drive reconciles one at a time.
   */
  async reconcileKey(
    key: string,
    signal: AbortSignal = new AbortController().signal,
  ): Promise<{ requeueAfterMs?: number; retry?: boolean; error?: unknown }> {
    const { name } = this.spec;
    const { metrics, clock } = this.deps;
    const request = parseKey(key);
    const reconcileID = randomUUID();
    const logger = this.deps.logger.child({
      controller: name,
      namespace: request.namespace,
      name: request.name,
      reconcileID,
    });
    const started = clock.now();
    metrics.activeWorkers.inc({ controller: name });
    try {
      const result = (await this.spec.reconcile(request, { logger, reconcileID, signal })) ?? {};
      this.queue.forget(key);
      if (result.requeueAfterMs !== undefined) {
        metrics.reconcileTotal.inc({ controller: name, result: 'requeue_after' });
        return { requeueAfterMs: Math.max(MIN_REQUEUE_MS, result.requeueAfterMs) };
      }
      metrics.reconcileTotal.inc({ controller: name, result: 'success' });
      return {};
    } catch (err) {
      if (isConflict(err)) {
        // Someone wrote the object since our cache read it (often ourselves, from another reconcile):
        // the next attempt reads the newer version. Expected under concurrency, so not an error.
        metrics.reconcileTotal.inc({ controller: name, result: 'conflict' });
        logger.info({ err: err.message }, 'conflict, retrying with the newer object');
        return { retry: true, error: err };
      }
      metrics.reconcileTotal.inc({ controller: name, result: 'error' });
      metrics.reconcileErrors.inc({ controller: name });
      logger.error(
        { err: err instanceof Error ? err.message : String(err), failures: this.queue.failures(key) },
        'reconcile failed',
      );
      return { retry: true, error: err };
    } finally {
      metrics.activeWorkers.dec({ controller: name });
      metrics.reconcileDuration.observe({ controller: name }, (clock.now() - started) / 1000);
    }
  }
}
