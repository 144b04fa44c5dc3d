// The in-process journal of every controller's decisions, their execution (started, succeeded, failed with
// a cause) and the measurements that judge them. Decisions and execution the runtime reads from the decision
// record in status (lastDecision, history) at each status write, so every kind reports without code of its
// own; measurements the controllers report. Bounded; the AUREA loop drains it each cycle and hands back what
// it learned (extra confirmations), which controllers apply before acting.
// failureOf is the one place an error becomes a failure cause.
import type {
  DecidedEntry,
  FailureCause,
  ForbiddenRequest,
  JournalEntry,
  LearnedAdjustment,
  Measure,
  ObjectRef,
} from '../api/journal.js';
import { QUIET_ACTION, type DecisionLog, type RecordedDecision } from '../engine/decisions.js';
import { ApiError } from './client.js';
import type { Clock } from './clock.js';

/** Entries kept between two drains: about 25 cycles of 1,000 ventures audited once per cycle. */
export const JOURNAL_LIMIT = 50_000;
/** Decisions whose last execution state is remembered, so retries of one are not told as new actions. */
const EXECUTIONS_KEPT = 10_000;

export interface Drained {
  entries: JournalEntry[];
  /** Entries dropped since the last drain because the journal was full (the oldest go first). */
  dropped: number;
}

export class Journal {
  private entries: JournalEntry[] = [];
  private dropped = 0;
  private adjustments: readonly LearnedAdjustment[] = [];
  /** Per decision, how its execution last stood: Started, Succeeded or `Failed:<cause>`. */
  private readonly executions = new Map<string, string>();

  constructor(
    private readonly clock: Clock,
    private readonly limit = JOURNAL_LIMIT,
  ) {}

  report(entry: JournalEntry): void {
    this.entries.push(entry);
    if (this.entries.length > this.limit) {
      // Dropping in batches keeps a full journal from shifting the whole array on every report.
      const excess = this.entries.length - this.limit + Math.ceil(this.limit / 10);
      this.entries.splice(0, excess);
      this.dropped += excess;
    }
  }

  /** Everything reported since the last drain, in the order reported. */
  drain(): Drained {
    const drained = { entries: this.entries, dropped: this.dropped };
    this.entries = [];
    this.dropped = 0;
    return drained;
  }

  get size(): number {
    return this.entries.length;
  }

  /** The AUREA loop publishes what it learned (after each cycle, and from its memory when it starts). */
  learn(adjustments: readonly LearnedAdjustment[]): void {
    this.adjustments = adjustments.map(({ key, extraConfirmations }) => ({ key, extraConfirmations }));
  }

  /** What AUREA learned, for controllers: extra confirmations per `Kind/Action`. */
  get learned(): readonly LearnedAdjustment[] {
    return this.adjustments;
  }

  private remember(id: string, state: string): void {
    this.executions.delete(id);
    this.executions.set(id, state);
    if (this.executions.size > EXECUTIONS_KEPT) this.executions.delete(this.executions.keys().next().value!);
  }

  /** The journal as one controller's reconcile of `object` reports to it. */
  about(controller: string, object: ObjectRef): ObjectReporter {
    const at = () => this.clock.now();
    const started = (id: string) => {
      // A retry after a failure carries on the same action: it is not told as a new one.
      const last = this.executions.get(id);
      if (last === undefined || last === 'Succeeded') {
        this.remember(id, 'Started');
        this.report({ type: 'Started', at: at(), id, object });
      }
    };
    const succeeded = (id: string) => {
      if (this.executions.get(id) === 'Succeeded') return;
      this.remember(id, 'Succeeded');
      this.report({ type: 'Succeeded', at: at(), id, object });
    };
    const failed = (id: string, err: unknown) => {
      const failure = failureOf(err, controller);
      // The same failure again on a retry is not news; a new cause is.
      const state = `Failed:${failure.cause}`;
      if (this.executions.get(id) !== state) {
        this.remember(id, state);
        this.report({ type: 'Failed', at: at(), id, object, ...failure });
      }
      return failure;
    };
    return {
      failed,
      measured: (measure, value, about = object) =>
        this.report({ type: 'Measured', at: at(), object: about, measure, value }),
      learned: () => this.adjustments,
      statusWritten: (before, after, judging) => {
        const was = decisionsOf(before);
        for (const d of decisionsOf(after).values()) {
          const prior = was.get(d.id);
          if (!prior) {
            const { id, action, reason } = d;
            this.report({ type: 'Decided', at: at(), object, id, action, reason, ...judging?.(d) });
          }
          if (prior?.state === d.state) continue;
          if (d.state === 'Applying' || (d.state === 'Applied' && prior?.state !== 'Applying')) started(d.id);
          if (d.state === 'Applied') succeeded(d.id);
        }
      },
      reconcileFailed: (persisted, current, err) => {
        const now = decisionsOf(current);
        for (const d of decisionsOf(persisted).values()) {
          // Marked Applied in memory but not yet written: the action itself went through.
          if (d.state === 'Applying' && now.get(d.id)?.state !== 'Applied') failed(d.id, err);
        }
      },
    };
  }
}

/**
 * The decisions a status records (lastDecision and history) by id, but for Holds, which change nothing and
 * so have no outcome to judge.
 */
function decisionsOf(status: object): Map<string, RecordedDecision> {
  const { lastDecision, history } = status as DecisionLog<RecordedDecision>;
  const found = new Map<string, RecordedDecision>();
  for (const d of [lastDecision, ...(Array.isArray(history) ? history : [])]) {
    if (d && typeof d.id === 'string' && d.action !== QUIET_ACTION && !found.has(d.id)) found.set(d.id, d);
  }
  return found;
}

/**
 * How a kind's decision is judged, where its outcome rule needs more than the decision (an objectController's
 * `judging`): whose measurements (a failover's new target, a spawned child), the value to reach, and when.
 */
export type Judging = Pick<DecidedEntry, 'subject' | 'expect' | 'judgeAfterMs'>;

/** What a reconcile tells the journal itself (`ctx.journal`); its decisions the runtime reads from status. */
export interface ObjectJournal {
  /** A measurement of the object (or of `about`, e.g. a failover's target) that outcome rules judge by. */
  measured(measure: Measure, value: number, about?: ObjectRef): void;
  /**
   * Carrying decision `id` out failed with `err` and the controller goes on without throwing (a thrown error
   * is told by the runtime); returns the failure as the journal recorded it.
   */
  failed(id: string, err: unknown): Failure;
  /**
   * What AUREA learned: the controller adds `extraConfirmations(learned(), Kind, Action)` (engine, aurea)
   * to its spec's own confirmations before it acts.
   */
  learned(): readonly LearnedAdjustment[];
}

/** The runtime's side of an object's journal: what each status write and each failed reconcile tells. */
export interface ObjectReporter extends ObjectJournal {
  /**
   * Status went from `before` to `after`: a new decision is Decided, one now Applying is Started, one now
   * Applied is Succeeded (Started first when it skipped Applying). Holds are not told.
   */
  statusWritten(before: object, after: object, judging?: (decision: RecordedDecision) => Judging): void;
  /** The reconcile threw `err`: each decision written as Applying and not since carried out Failed. */
  reconcileFailed(persisted: object, current: object, err: unknown): void;
}

export interface Failure {
  cause: FailureCause;
  message: string;
  forbidden?: ForbiddenRequest;
}

/** Node's and undici's codes for a request that took too long, and for a server that did not answer. */
const TIMEOUT_CODES = new Set([
  'ETIMEDOUT',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'ENOTFOUND',
  'EPIPE',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
]);

/**
 * The failure cause of an error: the API server's code (403 Permission, naming the refused request when
 * the Status message does; 409 Conflict; 400/422 Invalid; 408, 504 and server timeouts Timeout; 429 and
 * other 5xx Unavailable), a network error's code (timeouts, refused or reset connections), else Other.
 */
export function failureOf(err: unknown, controller: string): Failure {
  const message = err instanceof Error ? err.message : String(err);
  if (err instanceof ApiError) {
    const { code, reason } = err;
    if (code === 403) {
      const forbidden = forbiddenRequest(message, controller);
      return { cause: 'Permission', message, ...(forbidden && { forbidden }) };
    }
    if (code === 409) return { cause: 'Conflict', message };
    if (code === 400 || code === 422) return { cause: 'Invalid', message };
    if (code === 408 || code === 504 || reason === 'Timeout' || reason === 'ServerTimeout') {
      return { cause: 'Timeout', message };
    }
    if (code === 429 || code >= 500) return { cause: 'Unavailable', message };
    return { cause: 'Other', message };
  }
  const codes = errorCodes(err);
  if (codes.some((c) => TIMEOUT_CODES.has(c)) || nameOf(err) === 'TimeoutError') {
    return { cause: 'Timeout', message };
  }
  if (codes.some((c) => UNAVAILABLE_CODES.has(c))) return { cause: 'Unavailable', message };
  return { cause: 'Other', message };
}

// `User "system:serviceaccount:ops:autopilot" cannot patch resource "ventures/scale" in API group
// "autopilot.ventures" in the namespace "shop"` (or "at the cluster scope"): the authorizer's wording.
const FORBIDDEN = /cannot (\S+) resource "([^"]+)" in API group "([^"]*)"(?: in the namespace "([^"]+)")?/;

/** The request a 403 refused, from its Status message; undefined when the message does not say. */
export function forbiddenRequest(message: string, controller: string): ForbiddenRequest | undefined {
  const match = FORBIDDEN.exec(message);
  if (!match) return undefined;
  const [, verb, resource, group, namespace] = match;
  return { controller, verb: verb!, group: group!, resource: resource!, ...(namespace && { namespace }) };
}

/** The `code` of an error and of its causes (fetch wraps the socket's error in `cause`). */
function errorCodes(err: unknown): string[] {
  const codes: string[] = [];
  for (let e = err, depth = 0; e && typeof e === 'object' && depth < 4; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') codes.push(code);
    e = (e as { cause?: unknown }).cause;
  }
  return codes;
}

const nameOf = (err: unknown) => (err && typeof err === 'object' ? (err as { name?: unknown }).name : '');
