// The loop's memory in a ConfigMap: what a restart or a new leader continues from (judged outcomes,
// patterns, learnings and adjustments, goal causes). Versioned and bounded; a damaged ConfigMap decodes to
// what can be trusted of it (or an empty memory) and the reasons why, never an exception.
import { Type, type Static, type TSchema, type TUnsafe } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { OperatorMetrics } from '../../api/v1alpha1/aureaGoal.js';
import { isoTime } from '../format.js';
import { emptyAureaState, type AureaState } from './cycle.js';
import { FailureCauses } from './journal.js';
import { MAX_LEARNINGS } from './learning.js';
import { JUDGED_PER_ACTION, JUDGED_WINDOW } from './outcomes.js';
import { PatternTypes } from './patterns.js';

/** The ConfigMap in the operator's namespace, and its key. */
export const MEMORY_CONFIG_MAP = 'autopilot-aurea-memory';
export const MEMORY_KEY = 'memory.json';
export const MEMORY_VERSION = 1;
/** Well under a ConfigMap's 1 MiB, so the memory never makes its own write fail. */
export const MEMORY_MAX_BYTES = 256 * 1024;
const MAX_PATTERNS = 32;
const MAX_ACTIONS = 64;
const MAX_REPORTED = 64;

/** One of `values`, checked as a union of literals and typed as the values. */
const literals = <const T extends readonly string[]>(values: T) =>
  Type.Union(values.map((v) => Type.Literal(v))) as unknown as TUnsafe<T[number]>;
/** Value.Check without narrowing: the schemas here are typed loosely on purpose. */
const checks = (schema: TSchema, value: unknown): boolean => Value.Check(schema, value);
const time = Type.Number();

const Judgement = Type.Object({
  id: Type.String(),
  key: Type.String(),
  object: Type.String(),
  at: time,
  decidedAt: time,
  success: Type.Boolean(),
  why: Type.String(),
  cause: Type.Optional(literals(FailureCauses)),
});

const Pattern = Type.Object({
  type: literals(PatternTypes),
  key: Type.String(),
  cause: Type.Optional(literals(FailureCauses)),
  confidence: Type.Number({ minimum: 0, maximum: 1 }),
  description: Type.String(),
  firstSeen: Type.String(),
  lastSeen: Type.String(),
  frequency: Type.Integer({ minimum: 1 }),
  lastCycle: Type.Integer({ minimum: 0 }),
});

const Adjustment = Type.Object({
  key: Type.String(),
  extraConfirmations: Type.Integer({ minimum: 0 }),
  changedAt: time,
});

const Learning = Type.Object({
  id: Type.String(),
  at: Type.String(),
  key: Type.String(),
  parameter: Type.Literal('extraConfirmations'),
  before: Type.Integer({ minimum: 0 }),
  after: Type.Integer({ minimum: 0 }),
  change: literals(['Tighten', 'Relax', 'Bound', 'Reset']),
  reason: Type.String(),
  evidence: Type.Object({
    judged: Type.Integer({ minimum: 0 }),
    succeeded: Type.Integer({ minimum: 0 }),
    decisions: Type.Array(Type.String()),
  }),
});

const Cause = Type.Object({ triggeredSince: Type.Optional(time), clearSince: Type.Optional(time) });

const counter = Type.Integer({ minimum: 0 });

/** What is saved, section by section: a damaged section is dropped alone. */
const Sections = {
  cycle: counter,
  decisionsMade: counter,
  selfImprovementActions: counter,
  judged: Type.Array(Judgement),
  byAction: Type.Record(Type.String(), Type.Array(Judgement)),
  patterns: Type.Array(Pattern),
  adjustments: Type.Array(Adjustment),
  learnings: Type.Array(Learning),
  causes: Type.Record(Type.String(), Cause),
  reportedPermissions: Type.Array(Type.String()),
};
type Sections = { [K in keyof typeof Sections]: Static<(typeof Sections)[K]> };

export type AureaMemory = Sections & { version: number; savedAt: string };

export interface DecodedMemory {
  memory: AureaMemory;
  /** What was wrong with the ConfigMap, in words for a log line or an Event; empty when all was well. */
  problems: string[];
}

/** The ConfigMap's data for the loop's state, within MEMORY_MAX_BYTES (the oldest entries go first). */
export function encodeMemory(state: AureaState, now: number): Record<string, string> {
  const memory: AureaMemory = {
    version: MEMORY_VERSION,
    savedAt: isoTime(now),
    cycle: state.cycle,
    decisionsMade: state.decisionsMade,
    selfImprovementActions: state.selfImprovementActions,
    judged: state.outcomes.judged.slice(-JUDGED_WINDOW),
    byAction: Object.fromEntries(Object.entries(state.outcomes.byAction).slice(-MAX_ACTIONS)),
    patterns: state.patterns.slice(0, MAX_PATTERNS),
    adjustments: state.adjustments,
    learnings: state.learnings.slice(-MAX_LEARNINGS),
    causes: state.causes,
    reportedPermissions: state.heal.reported.slice(-MAX_REPORTED),
  };
  let text = JSON.stringify(memory);
  // Adjustments are never dropped: they are what the controllers act on. Everything else halves until it fits.
  while (byteLength(text) > MEMORY_MAX_BYTES) {
    const halve = <T>(list: T[], keepNewest = true) =>
      keepNewest ? list.slice(Math.ceil(list.length / 2)) : list.slice(0, Math.floor(list.length / 2));
    memory.learnings = halve(memory.learnings);
    memory.judged = halve(memory.judged);
    memory.patterns = halve(memory.patterns, false);
    memory.byAction = Object.fromEntries(Object.entries(memory.byAction).map(([k, v]) => [k, halve(v)]));
    memory.reportedPermissions = halve(memory.reportedPermissions);
    const shorter = JSON.stringify(memory);
    if (shorter.length === text.length) break;
    text = shorter;
  }
  return { [MEMORY_KEY]: text };
}

export const emptyMemory = (): AureaMemory => ({
  version: MEMORY_VERSION,
  savedAt: '',
  cycle: 0,
  decisionsMade: 0,
  selfImprovementActions: 0,
  judged: [],
  byAction: {},
  patterns: [],
  adjustments: [],
  learnings: [],
  causes: {},
  reportedPermissions: [],
});

/** The memory in a ConfigMap's data; whatever it holds, the answer is a memory (maybe empty) and the problems found. */
export function decodeMemory(data: Record<string, string> | undefined): DecodedMemory {
  const text = data?.[MEMORY_KEY];
  if (text === undefined) return { memory: emptyMemory(), problems: [] };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    return fail(`${MEMORY_KEY} is not JSON (${(err as Error).message}): starting with an empty memory`);
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
    return fail(`${MEMORY_KEY} is not a JSON object: starting with an empty memory`);
  }
  const saved = parsed as Record<string, unknown>;
  if (saved.version !== MEMORY_VERSION) {
    return fail(
      `${MEMORY_KEY} has version ${JSON.stringify(saved.version)}; this operator reads version ${MEMORY_VERSION}: starting with an empty memory`,
    );
  }
  const memory = emptyMemory();
  memory.savedAt = typeof saved.savedAt === 'string' ? saved.savedAt : '';
  const problems: string[] = [];
  const into = memory as unknown as Record<string, unknown>;
  for (const [name, schema] of Object.entries(Sections) as [keyof Sections, TSchema][]) {
    const value = saved[name];
    if (value === undefined) continue;
    const kept = salvage(schema, value);
    if (kept.dropped) problems.push(`${MEMORY_KEY}: ${kept.dropped} in ${name} unreadable, left out`);
    if (kept.value !== undefined) into[name] = kept.value;
  }
  memory.judged = memory.judged.slice(-JUDGED_WINDOW);
  memory.byAction = Object.fromEntries(
    Object.entries(memory.byAction)
      .slice(-MAX_ACTIONS)
      .map(([k, v]) => [k, v.slice(-JUDGED_PER_ACTION)]),
  );
  memory.patterns = memory.patterns.slice(0, MAX_PATTERNS);
  memory.learnings = memory.learnings.slice(-MAX_LEARNINGS);
  memory.reportedPermissions = memory.reportedPermissions.slice(-MAX_REPORTED);
  return { memory, problems };
}

/**
 * A section as far as it can be trusted: the whole value when it checks, else for a list the entries that
 * check and for a map the keys that check; `dropped` says how much was left out.
 */
function salvage(schema: TSchema, value: unknown): { value?: unknown; dropped?: string } {
  if (checks(schema, value)) return { value };
  const items = (schema as { items?: TSchema }).items;
  if (items && Array.isArray(value)) {
    const good = value.filter((v) => checks(items, v));
    return { value: good, dropped: `${value.length - good.length} of ${value.length} entries` };
  }
  const entries = (schema as { patternProperties?: Record<string, TSchema> }).patternProperties;
  const entry = entries && Object.values(entries)[0];
  if (entry && value && typeof value === 'object' && !Array.isArray(value)) {
    const all = Object.entries(value as Record<string, unknown>);
    const good = all.filter(([key, v]) => checks(schema, { [key]: v }));
    return { value: Object.fromEntries(good), dropped: `${all.length - good.length} of ${all.length} keys` };
  }
  return { dropped: 'the value' };
}

/** The loop's state to continue from: what memory holds, the rest empty (cycle history lives in Prometheus). */
export function restoreState(memory: AureaMemory): AureaState {
  const state = emptyAureaState();
  state.cycle = memory.cycle;
  state.decisionsMade = memory.decisionsMade;
  state.selfImprovementActions = memory.selfImprovementActions;
  state.outcomes.judged = memory.judged;
  state.outcomes.byAction = memory.byAction;
  state.outcomes.done = new Set(
    [...memory.judged, ...Object.values(memory.byAction).flat()].map((j) => j.id),
  );
  state.patterns = memory.patterns;
  state.adjustments = memory.adjustments;
  state.learnings = memory.learnings;
  state.causes = Object.fromEntries(
    Object.entries(memory.causes).filter(([metric]) =>
      (OperatorMetrics as readonly string[]).includes(metric),
    ),
  );
  state.heal.reported = memory.reportedPermissions;
  return state;
}

function fail(problem: string): DecodedMemory {
  return { memory: emptyMemory(), problems: [problem] };
}

const byteLength = (text: string) => new TextEncoder().encode(text).length;
