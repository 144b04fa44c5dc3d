// Probes HTTP(S) targets on timers of their own, outside reconciles: a sliding window per target, a call
// when a target's health changes (what enqueues its object), bounded concurrency, and the schedule lag.
// It runs only while started (on the leader); every start begins with empty windows.
import { createHash } from 'node:crypto';
import { Counter, Histogram, type Registry } from 'prom-client';
import { Agent, request, type Dispatcher } from 'undici';
import { duration } from '../engine/format.js';
import {
  addProbe,
  probeSignal,
  summarizeProbes,
  type ProbeResult,
  type ProbeRules,
  type ProbeSummary,
} from '../engine/probes.js';
import { realClock, type Clock } from '../runtime/clock.js';

/** One target as its object's spec describes it, with Secrets already read. */
export interface ProbeTarget {
  name: string;
  /** The URL probed: the target's URL and the probe path. */
  url: string;
  method: 'GET' | 'HEAD';
  expectedStatus: { min: number; max: number };
  headers?: Record<string, string>;
  /** PEM CA certificates to trust instead of the well-known public ones. */
  caBundle?: string;
  intervalMs: number;
  /** The window's rules; `timeoutMs` is also each probe's deadline. */
  rules: ProbeRules;
}

export interface ProberOptions {
  /** Names the prober in metrics, e.g. fallbackprotocol. */
  name: string;
  /** Called with an object's key when one of its targets changes state (Up, Down, Unknown) or proof. */
  onChange: (key: string) => void;
  /** Probes in flight at once, over all objects; more wait their turn (and show as schedule lag). */
  concurrency?: number;
  registry?: Registry;
  clock?: Clock;
}

interface Scheduled {
  target: ProbeTarget;
  /** How it is probed; a change of it empties the window. */
  fingerprint: string;
  window: ProbeResult[];
  summary?: ProbeSummary;
  due: number;
  timer?: unknown;
  /** Waiting for a free slot: a target waits with at most one probe. */
  queued: boolean;
}

const fingerprintOf = ({ url, method, expectedStatus, headers, caBundle, rules }: ProbeTarget) =>
  JSON.stringify([url, method, expectedStatus, headers ?? {}, caBundle ?? '', rules.timeoutMs]);

/** Where in its interval a target is probed: spread by name, the same on every start. */
const phaseOf = (key: string, name: string, intervalMs: number) =>
  createHash('sha256').update(`${key}/${name}`).digest().readUInt32BE(0) % intervalMs;

export class Prober {
  private readonly objects = new Map<string, Map<string, Scheduled>>();
  private readonly waiting: { key: string; entry: Scheduled; due: number }[] = [];
  private readonly agents = new Map<string, Dispatcher>();
  private readonly clock: Clock;
  private readonly concurrency: number;
  private readonly metrics: ReturnType<typeof proberMetrics> | undefined;
  private running: AbortSignal | undefined;
  private inFlight = 0;
  private readonly settled = new Set<Promise<void>>();

  constructor(private readonly options: ProberOptions) {
    this.clock = options.clock ?? realClock;
    this.concurrency = options.concurrency ?? 128;
    this.metrics = options.registry && proberMetrics(options.registry);
  }

  /**
   * The targets of object `key`, as its spec says now. Unchanged targets keep their windows; a target
   * probed differently (URL, method, headers, CA, status range, timeout) starts an empty one.
   */
  configure(key: string, targets: readonly ProbeTarget[]): void {
    const before = this.objects.get(key) ?? new Map<string, Scheduled>();
    const after = new Map<string, Scheduled>();
    for (const target of targets) {
      const fingerprint = fingerprintOf(target);
      const old = before.get(target.name);
      if (old && old.fingerprint === fingerprint) {
        const rescheduled = old.target.intervalMs !== target.intervalMs;
        const rejudged = JSON.stringify(old.target.rules) !== JSON.stringify(target.rules);
        old.target = target;
        if (rejudged && old.summary) {
          old.window = old.window.slice(-target.rules.window);
          old.summary = summarizeProbes(old.window, target.rules, old.summary, this.clock.now());
        }
        if (rescheduled && this.running) this.schedule(key, old, this.clock.now());
        after.set(target.name, old);
      } else {
        if (old) this.unschedule(old);
        const entry: Scheduled = { target, fingerprint, window: [], due: 0, queued: false };
        after.set(target.name, entry);
        if (this.running) this.schedule(key, entry, this.clock.now());
      }
    }
    for (const [name, old] of before) if (!after.has(name)) this.unschedule(old);
    this.objects.set(key, after);
  }

  /** Stops probing object `key` (deleted, or no longer ours). */
  forget(key: string): void {
    for (const entry of this.objects.get(key)?.values() ?? []) this.unschedule(entry);
    this.objects.delete(key);
  }

  /** Each target's summary, by name, for targets probed since this start; never waits. */
  healthOf(key: string): Record<string, ProbeSummary> {
    const health: Record<string, ProbeSummary> = {};
    for (const [name, entry] of this.objects.get(key) ?? []) if (entry.summary) health[name] = entry.summary;
    return health;
  }

  /** Probes every configured target until `signal` aborts (the leader's lease is lost), then forgets all results. */
  async run(signal: AbortSignal): Promise<void> {
    if (this.running) throw new Error(`prober ${this.options.name} is already running`);
    if (signal.aborted) return;
    this.running = signal;
    const start = this.clock.now();
    for (const [key, targets] of this.objects)
      for (const entry of targets.values()) this.schedule(key, entry, start);
    await new Promise<void>((stopped) => signal.addEventListener('abort', () => stopped(), { once: true }));
    this.running = undefined;
    this.waiting.length = 0;
    for (const targets of this.objects.values()) {
      for (const entry of targets.values()) {
        this.unschedule(entry);
        entry.window = [];
        entry.summary = undefined;
      }
    }
    await Promise.all(this.settled);
  }

  /** Closes the connection pools; the prober must be stopped. */
  async close(): Promise<void> {
    await Promise.all([...this.agents.values()].map((agent) => agent.close()));
    this.agents.clear();
  }

  private schedule(key: string, entry: Scheduled, from: number): void {
    this.unschedule(entry);
    const { intervalMs } = entry.target;
    entry.due = from + phaseOf(key, entry.target.name, intervalMs);
    this.arm(key, entry);
  }

  private arm(key: string, entry: Scheduled): void {
    entry.timer = this.clock.setTimeout(
      () => this.tick(key, entry),
      Math.max(0, entry.due - this.clock.now()),
    );
  }

  private unschedule(entry: Scheduled): void {
    if (entry.timer !== undefined) this.clock.clearTimeout(entry.timer);
    entry.timer = undefined;
    entry.queued = false;
  }

  private tick(key: string, entry: Scheduled): void {
    if (!this.running || !this.isCurrent(key, entry)) return;
    const due = entry.due;
    const { intervalMs } = entry.target;
    // Fixed rate: the next probe is due one interval after this one was, not after it ran; a prober that
    // fell behind skips the probes it missed rather than firing them all at once.
    const now = this.clock.now();
    entry.due = due + intervalMs * Math.max(1, Math.ceil((now - due) / intervalMs));
    this.arm(key, entry);
    if (entry.queued) return;
    if (this.inFlight < this.concurrency) this.launch(key, entry, due);
    else {
      entry.queued = true;
      this.waiting.push({ key, entry, due });
    }
  }

  private launch(key: string, entry: Scheduled, due: number): void {
    const signal = this.running!;
    this.inFlight++;
    const startedAt = this.clock.now();
    this.metrics?.lag.observe({ prober: this.options.name }, Math.max(0, startedAt - due) / 1000);
    const done = probe(entry.target, this.dispatcher(entry.target), signal, startedAt)
      .then((result) => {
        if (signal.aborted) return;
        this.metrics?.probes.inc({ prober: this.options.name, result: result.ok ? 'success' : 'failure' });
        this.record(key, entry, result);
      })
      .finally(() => {
        this.inFlight--;
        this.settled.delete(done);
        this.next();
      });
    this.settled.add(done);
  }

  private next(): void {
    const waiting = this.waiting.shift();
    if (!waiting || !this.running) return;
    const { key, entry, due } = waiting;
    // Forgotten or reconfigured while it waited: the slot goes to the next one.
    if (!entry.queued || !this.isCurrent(key, entry)) return this.next();
    entry.queued = false;
    this.launch(key, entry, due);
  }

  private record(key: string, entry: Scheduled, result: ProbeResult): void {
    if (!this.isCurrent(key, entry)) return;
    const before = probeSignal(entry.summary);
    entry.window = addProbe(entry.window, result, entry.target.rules.window);
    entry.summary = summarizeProbes(entry.window, entry.target.rules, entry.summary, this.clock.now());
    if (probeSignal(entry.summary) !== before) this.options.onChange(key);
  }

  /** Whether `entry` is still how object `key` wants its target probed. */
  private isCurrent(key: string, entry: Scheduled): boolean {
    return this.objects.get(key)?.get(entry.target.name) === entry;
  }

  /** One connection pool for the public CAs, one per CA bundle. */
  private dispatcher(target: ProbeTarget): Dispatcher {
    const ca = target.caBundle ?? '';
    let agent = this.agents.get(ca);
    if (!agent) {
      agent = new Agent({ keepAliveTimeout: 10_000, ...(ca && { connect: { ca } }) });
      this.agents.set(ca, agent);
    }
    return agent;
  }
}

/** Sends one probe; every way it can go wrong is a failed result with its reason, never an exception. */
async function probe(
  target: ProbeTarget,
  dispatcher: Dispatcher,
  stop: AbortSignal,
  startedAt: number,
): Promise<ProbeResult> {
  const { timeoutMs } = target.rules;
  const deadline = AbortSignal.timeout(timeoutMs);
  const began = performance.now();
  const elapsed = () => Math.round(performance.now() - began);
  try {
    const response = await request(target.url, {
      method: target.method,
      headers: target.headers,
      dispatcher,
      signal: AbortSignal.any([stop, deadline]),
    });
    const latencyMs = elapsed();
    // The body is not needed; reading it frees the connection for the next probe.
    response.body.dump({ limit: 64 * 1024 }).catch(() => {});
    const { min, max } = target.expectedStatus;
    const status = response.statusCode;
    return status >= min && status <= max
      ? { startedAt, latencyMs, ok: true, status }
      : { startedAt, latencyMs, ok: false, status, error: `HTTP ${status} (expected ${min}–${max})` };
  } catch (err) {
    if (deadline.aborted) {
      return {
        startedAt,
        latencyMs: Math.max(elapsed(), timeoutMs),
        ok: false,
        error: `no answer within ${duration(timeoutMs)}`,
      };
    }
    return { startedAt, latencyMs: elapsed(), ok: false, error: failure(err) };
  }
}

/** A network error as a short sentence: "connect ECONNREFUSED 127.0.0.1:9", "getaddrinfo ENOTFOUND pay.invalid". */
function failure(err: unknown): string {
  const { code, message, cause } = err as { code?: string; message?: string; cause?: unknown };
  if (cause) return failure(cause);
  return message ?? code ?? String(err);
}

/** The prober's metrics, registered once per registry whichever kind's prober asks first. */
export function proberMetrics(registry: Registry) {
  const existing = registry.getSingleMetric('autopilot_probe_schedule_lag_seconds');
  const lag =
    (existing as Histogram<'prober'> | undefined) ??
    new Histogram({
      name: 'autopilot_probe_schedule_lag_seconds',
      help: 'Time from when a probe was due to when it was sent, per prober.',
      labelNames: ['prober'] as const,
      buckets: [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5],
      registers: [registry],
    });
  const probes =
    (registry.getSingleMetric('autopilot_probes_total') as Counter<'prober' | 'result'> | undefined) ??
    new Counter({
      name: 'autopilot_probes_total',
      help: 'Probes sent, per prober and result (success, failure).',
      labelNames: ['prober', 'result'] as const,
      registers: [registry],
    });
  return { lag, probes };
}
