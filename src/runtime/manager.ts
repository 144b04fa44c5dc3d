// The operator process: shared informers, controllers, leader-only runnables, leader election, probes,
// metrics, the AUREA journal and a graceful shutdown. Every replica keeps its caches warm; only the
// leader runs controllers, their event sources and the runnables (probers, loops).
import type { KubeConfig } from '@kubernetes/client-node';
import { setMaxListeners } from 'node:events';
import { createServer, type Server } from 'node:http';
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import type { RuntimeSignals } from '../api/journal.js';
import { KubeClient, type Client } from './client.js';
import { type KubeObject, type ResourceType } from '../api/meta.js';
import { aborted, realClock, type Clock } from './clock.js';
import { Controller, type ControllerSpec } from './controller.js';
import { ControllerClient } from './controllerClient.js';
import { EventRecorder } from './events.js';
import { Informer } from './informer.js';
import { Journal } from './journal.js';
import { LeaderElector, kubernetesLeaseStore } from './leaderElection.js';
import { OperatorMetrics } from './metrics.js';

export interface LeaderElectionSettings {
  enabled: boolean;
  namespace: string;
  name: string;
  identity?: string;
  leaseDurationMs?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
}

/** Work that runs only while this process leads: started on acquiring, its signal aborts on losing. */
export interface Runnable {
  name: string;
  run(signal: AbortSignal): Promise<void>;
}

export interface ManagerOptions {
  kubeConfig: KubeConfig;
  /** The API client; a KubeClient on kubeConfig unless given (unit tests give a fake). */
  client?: Client;
  logger: Logger;
  /** Watch and act in this namespace only; all namespaces when empty. */
  namespace?: string;
  /** Workers per controller unless the controller sets its own. */
  workers?: number;
  /** host:port for /metrics; empty disables. */
  metricsAddress?: string;
  /** host:port for /healthz and /readyz; empty disables. */
  healthAddress?: string;
  leaderElection: LeaderElectionSettings;
  /** How long in-flight reconciles may run on after shutdown begins. */
  shutdownTimeoutMs?: number;
  clock?: Clock;
  metrics?: OperatorMetrics;
  /** API requests per second each controller may make (its own client's rate); 0 or absent: no limit. */
  requestsPerSecond?: number;
}

/** An extra route on the manager's HTTP listeners: status code, content type, body. */
export type RouteHandler = () => Promise<{ status: number; contentType: string; body: string }>;

export type Outcome = 'stopped' | 'lost-leadership';

export class Manager {
  readonly client: Client;
  readonly metrics: OperatorMetrics;
  readonly events: EventRecorder;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly identity: string;
  /** What every controller's decisions, their execution and measurements are told to; AUREA drains it. */
  readonly journal: Journal;
  private readonly informers = new Map<string, Informer<KubeObject>>();
  private readonly controllers: Controller[] = [];
  private readonly runnables: Runnable[] = [];
  private readonly stopping = new AbortController();
  private readonly servers: Server[] = [];
  private elector: LeaderElector | undefined;
  private readonly clients = new Map<string, ControllerClient>();
  private readonly routes = new Map<string, RouteHandler>();
  /** Counters at the last takeSignals(), so each call reports what happened since the one before. */
  private last = { reconciles: 0, errors: 0, requests: 0, seconds: 0 };

  constructor(private readonly options: ManagerOptions) {
    this.logger = options.logger;
    this.clock = options.clock ?? realClock;
    this.metrics = options.metrics ?? new OperatorMetrics();
    this.client = options.client ?? new KubeClient(options.kubeConfig, this.metrics.onRequest);
    this.identity = options.leaderElection.identity ?? `${hostname()}_${process.pid}`;
    this.events = new EventRecorder(this.client, this.identity, this.logger, this.clock);
    this.journal = new Journal(this.clock);
  }

  /**
   * Where the operator keeps objects of its own (AUREA's memory and goals): the namespace it acts in when
   * it acts in one (so it watches them), else its Lease's.
   */
  get homeNamespace(): string {
    return this.options.namespace ?? this.options.leaderElection.namespace;
  }

  /** Controller `name`'s own client: its calls counted and paced at its own request rate. */
  clientFor(name: string): Client {
    let client = this.clients.get(name);
    if (!client) {
      client = new ControllerClient(name, this.client, this.clock, this.options.requestsPerSecond);
      this.clients.set(name, client);
    }
    return client.client;
  }

  /** Sets controller `name`'s request rate (AUREA's healing); `from` is the rate it ran at. */
  setRequestRate(name: string, rps: number, from?: number): void {
    this.clients.get(name)?.setRequestRate(rps, from);
  }

  /** Restarts the watch of `resource` (as WatchSignals name it); false when no informer watches it. */
  restartWatch(resource: string): boolean {
    const informer = [...this.informers.values()].find((i) => watchName(i.type) === resource);
    informer?.restart();
    return informer !== undefined;
  }

  /**
   * What the runtime saw since the last call: reconciles and their errors, queue depth now, API calls and
   * their mean latency, per controller its calls, timeouts and request rate, per watch its failures in a row.
   */
  async takeSignals(): Promise<RuntimeSignals> {
    const { values } = await this.metrics.reconcileTotal.get();
    const reconciles = values.reduce((sum, v) => sum + v.value, 0);
    const errors = values.filter((v) => v.labels.result === 'error').reduce((sum, v) => sum + v.value, 0);
    const { requests, seconds } = this.metrics.apiTotals;
    const calls = requests - this.last.requests;
    const signals: RuntimeSignals = {
      reconciles: reconciles - this.last.reconciles,
      reconcileErrors: errors - this.last.errors,
      queueDepth: this.controllers.reduce((sum, c) => sum + c.queue.length, 0),
      apiCalls: calls,
      apiLatencyMs: calls > 0 ? ((seconds - this.last.seconds) / calls) * 1000 : 0,
      controllers: [...this.clients.values()].map((c) => c.takeSignals()),
      watches: [...this.informers.values()].map((i) => ({
        resource: watchName(i.type),
        consecutiveFailures: i.consecutiveFailures,
        ...(i.lastError === undefined ? {} : { lastError: i.lastError }),
      })),
    };
    this.last = { reconciles, errors, requests, seconds };
    return signals;
  }

  /** Serves `path` on the manager's listeners (metrics and health) besides /metrics, /healthz, /readyz. */
  route(path: string, handler: RouteHandler): void {
    this.routes.set(path, handler);
  }

  /** The shared, cached informer of a kind (created on first use, before start). */
  informer<T extends KubeObject>(type: ResourceType): Informer<T> {
    const key = informerKey(type);
    let informer = this.informers.get(key);
    if (!informer) {
      informer = new Informer(this.client, type, {
        namespace: type.namespaced ? this.options.namespace : undefined,
        clock: this.clock,
        logger: this.logger,
        observer: this.metrics.informer,
      });
      this.informers.set(key, informer);
    }
    return informer as unknown as Informer<T>;
  }

  /** The cached object of `type`, if that kind is watched (its informer exists), else undefined. */
  cached<T extends KubeObject>(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
  ): T | undefined {
    return this.informers.get(informerKey(type))?.get(namespace, name) as T | undefined;
  }

  add(spec: ControllerSpec): Controller {
    const controller = new Controller(
      { ...spec, workers: spec.workers ?? this.options.workers },
      {
        clock: this.clock,
        logger: this.logger,
        metrics: this.metrics,
        informer: (type) => this.informer(type),
      },
    );
    this.controllers.push(controller);
    return controller;
  }

  /** Adds work that runs only on the leader (a prober, a loop); see Runnable. */
  runnable(runnable: Runnable): void {
    this.runnables.push(runnable);
  }

  get ready(): boolean {
    return [...this.informers.values()].every((i) => i.hasSynced);
  }

  /** Runs until stop() or until leadership is lost, and says which. */
  async start(): Promise<Outcome> {
    const stop = this.stopping.signal;
    // One listener per informer, controller and runnable, a number that grows with the kinds, not a leak:
    // Node's default of 10 printed MaxListenersExceededWarning once five kinds ran.
    setMaxListeners(0, stop);
    await this.serve();
    const informersDone = await this.startCaches(stop);
    if (stop.aborted) return this.finish(informersDone, 'stopped');
    this.logger.info({ informers: this.informers.size }, 'caches synced');

    const lead = new AbortController();
    setMaxListeners(0, lead.signal);
    stop.addEventListener('abort', () => lead.abort(), { once: true });
    const le = this.options.leaderElection;
    let outcome = 'stopped' as Outcome;
    if (le.enabled) {
      this.elector = new LeaderElector(kubernetesLeaseStore(this.client, le.namespace, le.name), {
        identity: this.identity,
        leaseDurationMs: le.leaseDurationMs,
        renewDeadlineMs: le.renewDeadlineMs,
        retryPeriodMs: le.retryPeriodMs,
        clock: this.clock,
        logger: this.logger,
      });
      this.logger.info(
        { lease: `${le.namespace}/${le.name}`, identity: this.identity },
        'waiting for leadership',
      );
      if (!(await this.elector.acquire(stop))) return this.finish(informersDone, 'stopped');
      this.metrics.leader.set({ name: le.name }, 1);
      void this.elector.holdUntilLost(stop).then(() => {
        if (stop.aborted) return;
        outcome = 'lost-leadership';
        this.metrics.leader.set({ name: le.name }, 0);
        lead.abort(); // stop acting at once
      });
    }
    const drainMs = this.options.shutdownTimeoutMs ?? 30_000;
    await Promise.all([
      ...this.controllers.map((c) => c.run(lead.signal, drainMs)),
      this.runRunnables(lead.signal),
    ]);
    if (outcome === 'lost-leadership') this.stopping.abort();
    return this.finish(informersDone, outcome);
  }

  /**
   * Runs every leader-only runnable until `signal` aborts. start() does this once it leads; unit tests do
   * it alone, after startCaches, to run a controller's prober.
   */
  async runRunnables(signal: AbortSignal): Promise<void> {
    await Promise.all(this.runnables.map((r) => this.runLeading(r, signal)));
  }

  /** Runs a leader-only runnable; a failure is logged and ends that runnable only. */
  private async runLeading(runnable: Runnable, signal: AbortSignal): Promise<void> {
    try {
      await runnable.run(signal);
    } catch (err) {
      this.logger.error({ runnable: runnable.name, err: String(err) }, 'runnable failed');
    }
  }

  /**
   * Runs every informer until `signal` aborts and resolves once all have synced (or it aborted), with
   * their runs. start() does this first; unit tests do it alone, then drive reconciles by hand.
   */
  async startCaches(signal: AbortSignal): Promise<Promise<void>[]> {
    const runs = [...this.informers.values()].map((i) => i.run(signal));
    await Promise.race([
      Promise.all([...this.informers.values()].map((i) => i.waitForSync())),
      aborted(signal),
    ]);
    return runs;
  }

  /** The controller added under `name` (unit tests reconcile through it). */
  controller(name: string): Controller | undefined {
    return this.controllers.find((c) => c.spec.name === name);
  }

  /** Begins a graceful shutdown: stop taking work, let in-flight reconciles finish, release the lease. */
  stop(): void {
    this.stopping.abort();
  }

  private async finish(informersDone: Promise<void>[], outcome: Outcome): Promise<Outcome> {
    this.stopping.abort();
    await this.elector?.release();
    await Promise.all(informersDone);
    await Promise.all(this.servers.map((s) => new Promise((done) => s.close(done))));
    this.logger.info({ outcome }, 'manager stopped');
    return outcome;
  }

  private async serve(): Promise<void> {
    const { healthAddress, metricsAddress } = this.options;
    const routes: Record<string, () => Promise<[number, string, string]>> = {};
    const text = 'text/plain; charset=utf-8';
    if (healthAddress) {
      routes[`${healthAddress} /healthz`] = () => Promise.resolve([200, text, 'ok\n']);
      routes[`${healthAddress} /readyz`] = () =>
        Promise.resolve(this.ready ? [200, text, 'ok\n'] : [503, text, 'caches not synced\n']);
    }
    if (metricsAddress) {
      routes[`${metricsAddress} /metrics`] = async () => [
        200,
        this.metrics.registry.contentType,
        await this.metrics.registry.metrics(),
      ];
    }
    for (const address of new Set([healthAddress, metricsAddress].filter((a): a is string => Boolean(a)))) {
      const server = createServer((req, res) => {
        const path = req.url?.split('?')[0] ?? '';
        const extra = this.routes.get(path);
        const route =
          routes[`${address} ${path}`] ??
          (extra &&
            (async () => {
              const { status, contentType, body } = await extra();
              return [status, contentType, body] as [number, string, string];
            }));
        if (!route) return void res.writeHead(404).end('not found\n');
        route().then(
          ([code, type, body]) => res.writeHead(code, { 'content-type': type }).end(body),
          (err: unknown) => res.writeHead(500).end(String(err)),
        );
      });
      const { host, port } = parseAddress(address);
      await new Promise<void>((listening, failed) =>
        server.once('error', failed).listen(port, host, listening),
      );
      this.servers.push(server);
      this.logger.info({ address: server.address() }, 'serving');
    }
  }
}

/** ":8080" → all interfaces; "127.0.0.1:8080" → loopback. */
export function parseAddress(address: string): { host?: string; port: number } {
  const colon = address.lastIndexOf(':');
  const port = Number(address.slice(colon + 1));
  if (colon < 0 || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`bad address "${address}": want host:port or :port`);
  }
  const host = address.slice(0, colon).replace(/^\[|\]$/g, '');
  return host ? { host, port } : { port };
}

const informerKey = (type: ResourceType) => `${type.group}/${type.version}/${type.plural}`;

/** A watch as the journal's signals name it: `ventures.autopilot.ventures`, `deployments.apps`, `configmaps`. */
export const watchName = (type: ResourceType) => (type.group ? `${type.plural}.${type.group}` : type.plural);
