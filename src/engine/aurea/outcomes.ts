// Judging decisions by what came of them, each by its kind's rule, after its own window; the success rate
// is successes / judged over the last 100 judged decisions.
import type { DecidedEntry, FailureCause, JournalEntry, Measure, ObjectRef } from './journal.js';
import { refKey } from './journal.js';

/**
 * - NotLower: the subject's measure after the window is not lower than when the decision was made.
 * - NamespaceNotLower: the namespace's total of the measure (profit of its ventures still reporting) is not lower.
 * - StayedAtLeast: every measurement from execution to the end of the window is at least `expect` (default 1).
 * - ReachedExpected: a measurement reaches `expect` within the window.
 */
export type OutcomeTest = 'NotLower' | 'NamespaceNotLower' | 'StayedAtLeast' | 'ReachedExpected';

export interface OutcomeRule {
  measure: Measure;
  test: OutcomeTest;
  /** Window when the decision does not say (DecidedEntry.judgeAfterMs). */
  judgeAfterMs: number;
  describe: string;
}

const MINUTE = 60_000;

/** The rule of each kind's decision, keyed `Kind/Action`; decisions of other actions are not judged. */
export const OutcomeRules: Readonly<Record<string, OutcomeRule>> = {
  'Venture/Scale': {
    measure: 'health',
    test: 'NotLower',
    judgeAfterMs: 30 * MINUTE,
    describe: 'the venture’s health is not lower after the window',
  },
  'Venture/Terminate': {
    measure: 'profit',
    test: 'NamespaceNotLower',
    judgeAfterMs: 30 * MINUTE,
    describe: 'the namespace’s profit is not lower after the window',
  },
  'FallbackProtocol/Failover': {
    measure: 'healthy',
    test: 'StayedAtLeast',
    judgeAfterMs: 10 * MINUTE,
    describe: 'the new target stayed healthy through the window',
  },
  'RegionPair/Failover': {
    measure: 'healthy',
    test: 'StayedAtLeast',
    judgeAfterMs: 10 * MINUTE,
    describe: 'the backup region stayed healthy through the window',
  },
  'AgentSpawn/Spawn': {
    measure: 'score',
    test: 'ReachedExpected',
    judgeAfterMs: 60 * MINUTE,
    describe: 'the child reached its baseline score within the window',
  },
  'AgentSpawn/Train': {
    measure: 'trainingSuccess',
    test: 'ReachedExpected',
    judgeAfterMs: 60 * MINUTE,
    describe: 'the training’s measured success reached its threshold within the window',
  },
};

/** Judged decisions the success rate is computed over (the seed's "last 100 decision outcomes"). */
export const JUDGED_WINDOW = 100;
/** Judged decisions kept per Kind/Action, what learning looks at. */
export const JUDGED_PER_ACTION = 20;
/** Decisions waiting for execution or judgement; past this the oldest are dropped unjudged. */
export const MAX_PENDING = 10_000;
/** A decision never carried out (Observe, Supervised and never approved) is forgotten after this. */
export const UNEXECUTED_MAX_AGE_MS = 24 * 60 * MINUTE;

export interface Judgement {
  id: string;
  /** `Kind/Action`. */
  key: string;
  object: string;
  at: number;
  /** When the decision was made: learning only reads outcomes of decisions made after its last change. */
  decidedAt: number;
  success: boolean;
  why: string;
  cause?: FailureCause;
}

interface Pending {
  id: string;
  key: string;
  rule?: OutcomeRule;
  object: ObjectRef;
  subjectKey: string;
  namespace: string;
  decidedAt: number;
  executedAt?: number;
  judgeAfterMs: number;
  expect?: number;
  before?: number;
  /** Measurements of the subject since execution. */
  lowest?: number;
  highest?: number;
  lastAt?: number;
  lastValue?: number;
}

interface Reading {
  at: number;
  value: number;
}

export interface OutcomeState {
  pending: Map<string, Pending>;
  /** Latest measurement per `kind/namespace/name#measure`. */
  latest: Map<string, Reading>;
  judged: Judgement[];
  byAction: Record<string, Judgement[]>;
  /** Ids already judged (the judged lists' ids): a decision reported again is not judged twice. */
  done: Set<string>;
}

export const emptyOutcomes = (): OutcomeState => ({
  pending: new Map(),
  latest: new Map(),
  judged: [],
  byAction: {},
  done: new Set(),
});

export interface OutcomeStep {
  state: OutcomeState;
  /** Decisions judged in this step, oldest first. */
  judged: Judgement[];
  /** Decisions dropped without a verdict: their measurements never came, or they were never carried out. */
  unjudged: number;
}

const measureKey = (objectKey: string, measure: Measure) => `${objectKey}#${measure}`;

/**
 * Takes one cycle's journal entries (in the order reported) and judges every decision whose window ended
 * by `now`. A failed execution is a failure at once; a decision with no rule is not judged; missing
 * measurements are never taken as a failure: such a decision is dropped unjudged.
 */
export function judgeOutcomes(
  previous: OutcomeState,
  entries: readonly JournalEntry[],
  now: number,
): OutcomeStep {
  const state: OutcomeState = {
    pending: new Map(previous.pending),
    latest: new Map(previous.latest),
    judged: [...previous.judged],
    byAction: { ...previous.byAction },
    done: new Set(previous.done),
  };
  const judged: Judgement[] = [];
  let unjudged = 0;
  const namespaces = namespaceIndex(state.latest);
  // Pending decisions by the object whose measurements judge them; entries are replaced, never edited,
  // so `previous` stays as it was.
  const bySubject = new Map<string, Set<string>>();
  const watch = (p: Pending) => {
    if (p.rule) bySubject.set(p.subjectKey, (bySubject.get(p.subjectKey) ?? new Set()).add(p.id));
  };
  state.pending.forEach(watch);
  const settle = (p: Pending, at: number, success: boolean, why: string, cause?: FailureCause) => {
    state.pending.delete(p.id);
    const judgement: Judgement = {
      id: p.id,
      key: p.key,
      object: `${p.object.namespace}/${p.object.name}`,
      at,
      decidedAt: p.decidedAt,
      success,
      why,
      ...(cause ? { cause } : {}),
    };
    judged.push(judgement);
    record(state, judgement);
  };

  for (const entry of entries) {
    switch (entry.type) {
      case 'Measured': {
        const key = refKey(entry.object);
        if (!Number.isFinite(entry.value)) break;
        const reading = { at: entry.at, value: entry.value };
        state.latest.set(measureKey(key, entry.measure), reading);
        namespaces.set(measureKey(key, entry.measure), reading);
        for (const id of bySubject.get(key) ?? []) {
          const p = state.pending.get(id);
          if (
            !p ||
            p.rule?.measure !== entry.measure ||
            p.executedAt === undefined ||
            entry.at < p.executedAt
          )
            continue;
          const newest = p.lastAt === undefined || entry.at >= p.lastAt;
          state.pending.set(id, {
            ...p,
            lowest: Math.min(p.lowest ?? Infinity, entry.value),
            highest: Math.max(p.highest ?? -Infinity, entry.value),
            ...(newest ? { lastAt: entry.at, lastValue: entry.value } : {}),
          });
        }
        break;
      }
      case 'Decided': {
        if (state.done.has(entry.id) || state.pending.has(entry.id)) break;
        const p = pendingOf(entry, state, namespaces);
        state.pending.set(p.id, p);
        watch(p);
        break;
      }
      case 'Started':
        break;
      case 'Succeeded': {
        const p = state.pending.get(entry.id);
        if (!p || p.executedAt !== undefined) break;
        // Carried out, but with no rule there is nothing to judge it by.
        if (p.rule) state.pending.set(p.id, { ...p, executedAt: entry.at });
        else state.pending.delete(p.id);
        break;
      }
      case 'Failed': {
        const p = state.pending.get(entry.id);
        if (p) settle(p, entry.at, false, `execution failed (${entry.cause}): ${entry.message}`, entry.cause);
        break;
      }
    }
  }

  for (const p of [...state.pending.values()]) {
    if (p.executedAt === undefined) {
      if (now - p.decidedAt > UNEXECUTED_MAX_AGE_MS) {
        state.pending.delete(p.id);
        unjudged++;
      }
      continue;
    }
    const verdict = judge(p, namespaces, now);
    if (verdict === 'wait') continue;
    if (verdict === 'unjudged') {
      state.pending.delete(p.id);
      unjudged++;
    } else settle(p, now, verdict.success, verdict.why);
  }
  while (state.pending.size > MAX_PENDING) {
    state.pending.delete(state.pending.keys().next().value!);
    unjudged++;
  }
  return { state, judged, unjudged };
}

function pendingOf(entry: DecidedEntry, state: OutcomeState, namespaces: NamespaceIndex): Pending {
  const key = `${entry.object.kind}/${entry.action}`;
  const rule = OutcomeRules[key];
  const subjectKey = refKey(entry.subject ?? entry.object);
  const p: Pending = {
    id: entry.id,
    key,
    object: entry.object,
    subjectKey,
    namespace: entry.object.namespace,
    decidedAt: entry.at,
    judgeAfterMs: entry.judgeAfterMs ?? rule?.judgeAfterMs ?? 0,
    ...(rule ? { rule } : {}),
    ...(entry.expect === undefined ? {} : { expect: entry.expect }),
  };
  if (rule?.test === 'NotLower') {
    const before = state.latest.get(measureKey(subjectKey, rule.measure));
    if (before) p.before = before.value;
  } else if (rule?.test === 'NamespaceNotLower') {
    p.before = namespaces.total(entry.object.kind, p.namespace, rule.measure, -Infinity);
  }
  return p;
}

type Verdict = 'wait' | 'unjudged' | { success: boolean; why: string };

function judge(p: Pending, namespaces: NamespaceIndex, now: number): Verdict {
  const rule = p.rule!;
  const judgeAt = p.executedAt! + p.judgeAfterMs;
  // A window's measurements may come late (a business period, a probe interval): wait as long again.
  const giveUpAt = judgeAt + Math.max(p.judgeAfterMs, 5 * MINUTE);
  const late = now > giveUpAt;
  switch (rule.test) {
    case 'NotLower': {
      if (p.before === undefined) return 'unjudged';
      if (p.lastAt === undefined || p.lastAt < judgeAt) return late ? 'unjudged' : 'wait';
      const after = p.lastValue!;
      return { success: after >= p.before, why: `${rule.measure} ${fmt(p.before)} → ${fmt(after)}` };
    }
    case 'NamespaceNotLower': {
      if (now < judgeAt) return 'wait';
      if (p.before === undefined || !Number.isFinite(p.before)) return 'unjudged';
      const after = namespaces.total(p.object.kind, p.namespace, rule.measure, p.executedAt!);
      return {
        success: after >= p.before,
        why: `namespace ${rule.measure} ${fmt(p.before)} → ${fmt(after)}`,
      };
    }
    case 'StayedAtLeast': {
      const floor = p.expect ?? 1;
      if (p.lowest !== undefined && p.lowest < floor) {
        return { success: false, why: `${rule.measure} fell to ${fmt(p.lowest)} (< ${fmt(floor)})` };
      }
      if (p.lastAt === undefined || p.lastAt < judgeAt) return late ? 'unjudged' : 'wait';
      return { success: true, why: `${rule.measure} stayed at or above ${fmt(floor)}` };
    }
    case 'ReachedExpected': {
      if (p.expect === undefined) return 'unjudged';
      if (p.highest !== undefined && p.highest >= p.expect) {
        return { success: true, why: `${rule.measure} reached ${fmt(p.highest)} (≥ ${fmt(p.expect)})` };
      }
      if (now < judgeAt) return 'wait';
      if (p.highest === undefined) return late ? 'unjudged' : 'wait';
      return { success: false, why: `${rule.measure} peaked at ${fmt(p.highest)} (< ${fmt(p.expect)})` };
    }
  }
}

/**
 * The latest readings grouped by kind, namespace and measure, built on first use in a step and kept current:
 * a namespace's total then costs its own objects, not every object the loop knows.
 */
function namespaceIndex(latest: ReadonlyMap<string, Reading>) {
  let groups: Map<string, Map<string, Reading>> | undefined;
  // Keys are `kind/namespace/name#measure`; names cannot hold '/' or '#'.
  const groupOf = (key: string) => {
    const [kind, namespace] = key.split('/', 2);
    return `${kind}/${namespace}${key.slice(key.lastIndexOf('#'))}`;
  };
  const add = (key: string, reading: Reading) => {
    const group = groupOf(key);
    let members = groups!.get(group);
    if (!members) groups!.set(group, (members = new Map<string, Reading>()));
    members.set(key, reading);
  };
  return {
    set(key: string, reading: Reading) {
      if (groups) add(key, reading);
    },
    /**
     * The sum of the latest `measure` of a namespace's objects of `kind` measured since `since`: a
     * terminated venture stops reporting and so drops out of its namespace's profit.
     */
    total(kind: string, namespace: string, measure: Measure, since: number): number {
      if (!groups) {
        groups = new Map();
        latest.forEach((reading, key) => add(key, reading));
      }
      let total = 0;
      groups.get(`${kind}/${namespace}#${measure}`)?.forEach((r) => (total += r.at >= since ? r.value : 0));
      return total;
    },
  };
}
type NamespaceIndex = ReturnType<typeof namespaceIndex>;

function record(state: OutcomeState, judgement: Judgement): void {
  state.judged.push(judgement);
  const perAction = [...(state.byAction[judgement.key] ?? []), judgement];
  state.byAction[judgement.key] = perAction.slice(-JUDGED_PER_ACTION);
  state.done.add(judgement.id);
  if (state.judged.length > JUDGED_WINDOW) state.judged.splice(0, state.judged.length - JUDGED_WINDOW);
  // `done` remembers what the kept lists hold, and no more.
  if (state.done.size > JUDGED_WINDOW * 4) {
    state.done = new Set([...state.judged, ...Object.values(state.byAction).flat()].map((j) => j.id));
  }
}

/** decision_success_rate: successes / judged over the last 100 judged decisions; undefined before any. */
export function successRate(judged: readonly Judgement[]): number | undefined {
  const window = judged.slice(-JUDGED_WINDOW);
  return window.length ? window.filter((j) => j.success).length / window.length : undefined;
}

const fmt = (value: number) => String(Number(value.toPrecision(4)));
