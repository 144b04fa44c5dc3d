// Healing within the operator's own reach: restart a watch that keeps failing, slow down a controller whose
// API calls keep timing out (and speed it back up once they stop), and name a missing RBAC rule in a
// condition. Nothing is ever granted: permissions stay the cluster admin's.
import { pct } from '../format.js';
import {
  refKey,
  type ForbiddenRequest,
  type JournalEntry,
  type ObjectRef,
  type RuntimeSignals,
} from './journal.js';

export type HealAction =
  | { type: 'RestartWatch'; resource: string; reason: string }
  | { type: 'LowerRequestRate'; controller: string; from: number; to: number; reason: string }
  | { type: 'RestoreRequestRate'; controller: string; from: number; to: number; reason: string }
  | {
      type: 'ReportMissingPermission';
      request: ForbiddenRequest;
      rule: string;
      /** The objects whose actions were refused under the rule this cycle, each once: where it is reported. */
      objects: ObjectRef[];
      reason: string;
    };

export interface HealSettings {
  /** Failed watch attempts in a row before the loop restarts the watch. */
  watchFailures: number;
  /** Least time between two restarts of one watch. */
  restartCooldownMs: number;
  /** Share of a controller's API calls in one cycle that timed out before it slows down… */
  timeoutShare: number;
  /** …counting only cycles with at least this many calls. */
  minCalls: number;
  /** The request rate is multiplied by this when lowered, and divided by it when restored. */
  rateFactor: number;
  /** The lowest request rate healing sets. */
  minRequestsPerSecond: number;
  /** Cycles without a timeout before a lowered rate is raised one step. */
  calmCycles: number;
}

export const DEFAULT_HEAL_SETTINGS: HealSettings = {
  watchFailures: 3,
  restartCooldownMs: 5 * 60_000,
  timeoutShare: 0.2,
  minCalls: 10,
  rateFactor: 0.5,
  minRequestsPerSecond: 1,
  calmCycles: 5,
};

export interface HealState {
  /** When each watch was last restarted. */
  restarts: Record<string, number>;
  /** Cycles in a row without a timeout, per controller running below its configured rate. */
  calm: Record<string, number>;
  /** Missing RBAC rules already reported: one report per rule. */
  reported: string[];
}

/** Objects a missing permission is reported on, at most, per rule. */
const REPORTED_OBJECTS = 5;

export const emptyHealState = (): HealState => ({ restarts: {}, calm: {}, reported: [] });

export interface HealPlan {
  actions: HealAction[];
  state: HealState;
}

export function planHealing(
  signals: RuntimeSignals,
  entries: readonly JournalEntry[],
  previous: HealState,
  settings: HealSettings,
  now: number,
): HealPlan {
  const actions: HealAction[] = [];
  const state: HealState = { restarts: { ...previous.restarts }, calm: {}, reported: [...previous.reported] };

  for (const watch of signals.watches) {
    const last = state.restarts[watch.resource];
    if (watch.consecutiveFailures < settings.watchFailures) continue;
    if (last !== undefined && now - last < settings.restartCooldownMs) continue;
    state.restarts[watch.resource] = now;
    actions.push({
      type: 'RestartWatch',
      resource: watch.resource,
      reason: `the watch on ${watch.resource} failed ${watch.consecutiveFailures} times in a row${watch.lastError ? ` (${watch.lastError})` : ''}`,
    });
  }

  for (const c of signals.controllers) {
    const share = c.apiCalls > 0 ? c.apiTimeouts / c.apiCalls : 0;
    if (c.apiCalls >= settings.minCalls && share >= settings.timeoutShare) {
      const to = Math.max(settings.minRequestsPerSecond, c.requestsPerSecond * settings.rateFactor);
      if (to < c.requestsPerSecond) {
        actions.push({
          type: 'LowerRequestRate',
          controller: c.name,
          from: c.requestsPerSecond,
          to,
          reason: `${c.apiTimeouts} of ${c.apiCalls} API calls of ${c.name} timed out (${pct(share)})`,
        });
      }
      continue;
    }
    if (c.requestsPerSecond >= c.configuredRequestsPerSecond) continue;
    const calm = c.apiTimeouts === 0 ? (previous.calm[c.name] ?? 0) + 1 : 0;
    if (calm < settings.calmCycles) {
      state.calm[c.name] = calm;
      continue;
    }
    actions.push({
      type: 'RestoreRequestRate',
      controller: c.name,
      from: c.requestsPerSecond,
      to: Math.min(c.configuredRequestsPerSecond, c.requestsPerSecond / settings.rateFactor),
      reason: `no API call of ${c.name} timed out for ${calm} cycles`,
    });
  }

  for (const entry of entries) {
    const request = entry.type === 'Failed' ? entry.forbidden : undefined;
    if (!request) continue;
    const rule = rbacRule(request);
    if (state.reported.includes(rule)) continue;
    state.reported.push(rule);
    actions.push({
      type: 'ReportMissingPermission',
      request,
      rule,
      objects: refusedUnder(rule, entries),
      reason: `${request.controller} may not ${request.verb} ${request.resource}${request.namespace ? ` in ${request.namespace}` : ''}: add ${rule} to the operator's Role or ClusterRole (AutoPilot never grants itself permissions)`,
    });
  }
  // Remember only the latest reports, so a rule fixed and broken again long after is reported again.
  state.reported = state.reported.slice(-64);
  return { actions, state };
}

/** The missing rule as it is written in a Role: `{apiGroups: ["apps"], resources: ["deployments"], verbs: ["patch"]}`. */
const rbacRule = (request: ForbiddenRequest): string =>
  `{apiGroups: ["${request.group}"], resources: ["${request.resource}"], verbs: ["${request.verb}"]}`;

function refusedUnder(rule: string, entries: readonly JournalEntry[]): ObjectRef[] {
  const refused = new Map<string, ObjectRef>();
  for (const e of entries) {
    if (e.type === 'Failed' && e.forbidden && e.object && rbacRule(e.forbidden) === rule)
      refused.set(refKey(e.object), e.object);
  }
  return [...refused.values()].slice(0, REPORTED_OBJECTS);
}
