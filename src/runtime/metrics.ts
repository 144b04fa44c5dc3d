// The operator's Prometheus metrics, shaped like controller-runtime's (reconciles, queue, API requests) under the autopilot_ prefix.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { RequestObserver } from './client.js';
import type { InformerObserver } from './informer.js';
import type { QueueObserver } from './queue.js';

export class OperatorMetrics {
  readonly registry = new Registry();
  readonly reconcileTotal = new Counter({
    name: 'autopilot_reconcile_total',
    help: 'Reconciles per controller and result (success, error, conflict, requeue_after).',
    labelNames: ['controller', 'result'] as const,
    registers: [this.registry],
  });
  readonly reconcileErrors = new Counter({
    name: 'autopilot_reconcile_errors_total',
    help: 'Reconciles that returned an error, per controller.',
    labelNames: ['controller'] as const,
    registers: [this.registry],
  });
  readonly reconcileDuration = new Histogram({
    name: 'autopilot_reconcile_duration_seconds',
    help: 'Time per reconcile, per controller.',
    labelNames: ['controller'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [this.registry],
  });
  readonly activeWorkers = new Gauge({
    name: 'autopilot_controller_active_workers',
    help: 'Workers reconciling right now, per controller.',
    labelNames: ['controller'] as const,
    registers: [this.registry],
  });
  readonly queueDepth = new Gauge({
    name: 'autopilot_workqueue_depth',
    help: 'Keys waiting in the work queue.',
    labelNames: ['name'] as const,
    registers: [this.registry],
  });
  readonly queueAdds = new Counter({
    name: 'autopilot_workqueue_adds_total',
    help: 'Keys added to the work queue.',
    labelNames: ['name'] as const,
    registers: [this.registry],
  });
  readonly queueRetries = new Counter({
    name: 'autopilot_workqueue_retries_total',
    help: 'Rate-limited re-adds after a failed reconcile.',
    labelNames: ['name'] as const,
    registers: [this.registry],
  });
  readonly queueLatency = new Histogram({
    name: 'autopilot_workqueue_queue_duration_seconds',
    help: 'Time a key waits in the queue before a worker takes it.',
    labelNames: ['name'] as const,
    buckets: [0.001, 0.01, 0.1, 0.5, 1, 5, 10, 60, 300],
    registers: [this.registry],
  });
  readonly leader = new Gauge({
    name: 'autopilot_leader_election_master_status',
    help: '1 while this process holds the leader lease.',
    labelNames: ['name'] as const,
    registers: [this.registry],
  });
  readonly relists = new Counter({
    name: 'autopilot_informer_relists_total',
    help: 'Full lists of a watched resource (start, 410 Gone).',
    labelNames: ['resource'] as const,
    registers: [this.registry],
  });
  readonly watchRestarts = new Counter({
    name: 'autopilot_informer_watch_restarts_total',
    help: 'Watches restarted after an error, an expired resourceVersion or silence.',
    labelNames: ['resource', 'reason'] as const,
    registers: [this.registry],
  });
  readonly apiRequests = new Counter({
    name: 'autopilot_rest_client_requests_total',
    help: 'Requests to the Kubernetes API by verb, resource and HTTP code.',
    labelNames: ['verb', 'resource', 'code'] as const,
    registers: [this.registry],
  });

  readonly apiRequestDuration = new Histogram({
    name: 'autopilot_rest_client_request_duration_seconds',
    help: 'Time until the Kubernetes API answered a request (a watch: its headers), by verb.',
    labelNames: ['verb'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });
  /** Requests and their summed seconds since start, for the AUREA loop's per-cycle API latency. */
  readonly apiTotals = { requests: 0, seconds: 0 };

  constructor({ processMetrics = true } = {}) {
    if (processMetrics) collectDefaultMetrics({ register: this.registry, prefix: 'autopilot_' });
  }

  readonly onRequest: RequestObserver = (verb, resource, code, seconds) => {
    this.apiRequests.inc({ verb, resource, code: String(code) });
    this.apiRequestDuration.observe({ verb }, seconds);
    this.apiTotals.requests++;
    this.apiTotals.seconds += seconds;
  };

  readonly informer: InformerObserver = {
    relisted: (resource) => this.relists.inc({ resource }),
    watchRestarted: (resource, reason) => this.watchRestarts.inc({ resource, reason }),
  };

  queue(name: string): QueueObserver {
    return {
      depth: (n) => this.queueDepth.set({ name }, n),
      added: () => this.queueAdds.inc({ name }),
      retried: () => this.queueRetries.inc({ name }),
      waited: (seconds) => this.queueLatency.observe({ name }, seconds),
    };
  }
}
