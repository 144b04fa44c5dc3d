// A controller: a reconcile function, what it watches, and the workers that drain its queue. This is
// where retries, requeues, metrics and per-reconcile logging live, so controllers only reconcile.
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { isConflict } from './client.js';
import { keyOf, type KubeObject, type ResourceType } from '../api/meta.js';
import { aborted, withTimeout, type Clock } from './clock.js';
import type { Informer } from './informer.js';
import type { OperatorMetrics } from './metrics.js';
import { controllerOf } from './objects.js';
import { WorkQueue } from './queue.js';
import { defaultRateLimiter } from './rateLimiter.js';

export interface Request {
  namespace?: string;
  name: string;
}

export interface Result {
  /** Reconcile again after this long even if nothing changes (periodic audits). */
  requeueAfterMs?: number;
}

export interface ReconcileContext {
  logger: Logger;
  reconcileID: string;
  /** Aborted when this process stops leading or shuts down: stop writing. */
  signal: AbortSignal;
}

export interface ControllerSpec {
  name: string;
  /** The kind this controller reconciles; its keys are these objects' keys. */
  for: ResourceType;
  /** Kinds whose objects map to the key of their controller owner of kind `for`. */
  owns?: ResourceType[];
  /** Other kinds, mapped to any keys. */
  watches?: { type: ResourceType; map: (object: KubeObject) => string[] }[];
  workers?: number;
  reconcile(request: Request, context: ReconcileContext): Promise<Result | void>;
}

export const requestOf = (key: string): Request => {
  const slash = key.indexOf('/');
  return slash < 0 ? { name: key } : { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
};

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
    deps.informer(spec.for).on((_event, object) => enqueue(keyOf(object)));
    for (const owned of spec.owns ?? []) {
      deps.informer(owned).on((_event, object) => {
        const owner = controllerOf(object, spec.for);
        if (owner)
          enqueue(object.metadata.namespace ? `${object.metadata.namespace}/${owner.name}` : owner.name);
      });
    }
    for (const { type, map } of spec.watches ?? []) {
      deps.informer(type).on((_event, object) => map(object).forEach(enqueue));
    }
  }

  /** Runs the workers until `signal` aborts; then waits for in-flight reconciles up to `drainMs`. */
  async run(signal: AbortSignal, drainMs: number): Promise<void> {
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
      await this.reconcileKey(key, signal);
    }
  }

  private async reconcileKey(key: string, signal: AbortSignal): Promise<void> {
    const { name } = this.spec;
    const { metrics, clock } = this.deps;
    const request = requestOf(key);
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
      if (result.requeueAfterMs !== undefined && !signal.aborted) {
        this.queue.addAfter(key, result.requeueAfterMs);
        metrics.reconcileTotal.inc({ controller: name, result: 'requeue_after' });
      } else {
        metrics.reconcileTotal.inc({ controller: name, result: 'success' });
      }
    } catch (err) {
      if (isConflict(err)) {
        // Someone wrote the object since our cache read it (often ourselves, from another reconcile):
        // the next attempt reads the newer version. Expected under concurrency, so not an error.
        metrics.reconcileTotal.inc({ controller: name, result: 'conflict' });
        logger.info({ err: err.message }, 'conflict, retrying with the newer object');
        if (!signal.aborted) this.queue.addRateLimited(key);
        return;
      }
      metrics.reconcileTotal.inc({ controller: name, result: 'error' });
      metrics.reconcileErrors.inc({ controller: name });
      logger.error(
        { err: err instanceof Error ? err.message : String(err), failures: this.queue.failures(key) },
        'reconcile failed',
      );
      if (!signal.aborted) this.queue.addRateLimited(key);
    } finally {
      metrics.activeWorkers.dec({ controller: name });
      metrics.reconcileDuration.observe({ controller: name }, (clock.now() - started) / 1000);
      this.queue.done(key);
    }
  }
}
