// The AUREA loop, on the leader every --aurea-interval: drain the journal, read the runtime's signals and the
// goals, run one engine cycle, then act on it — goals set (or recommended) and abandoned, PatternDetected
// Events, heal actions, learnings handed to the controllers — and save the memory with the status view.
import type { KubeObject, ResourceType } from '../../api/meta.js';
import { CONFIG_MAPS } from '../../api/resources.js';
import { AUREA_GOALS, kinds, type AureaGoalResource } from '../../api/v1alpha1/index.js';
import { resourceTypeOf } from '../../api/v1alpha1/kind.js';
import { goalManifest, goalView, type GoalProposal } from '../../engine/aurea/autonomousGoals.js';
import {
  DEFAULT_AUREA_SETTINGS,
  emptyAureaState,
  runCycle,
  type AureaSettings,
  type AureaState,
  type CycleResult,
} from '../../engine/aurea/cycle.js';
import type { HealAction } from '../../engine/aurea/heal.js';
import type { JournalEntry, ObjectRef } from '../../engine/aurea/journal.js';
import { encodeMemory, restoreState, type AureaMemory } from '../../engine/aurea/memory.js';
import type { OperatorReadings } from '../../engine/aurea/metrics.js';
import type { Pattern } from '../../engine/aurea/patterns.js';
import { aureaStatusView, type AureaStatusView } from '../../engine/aurea/statusView.js';
import { isoTime, num } from '../../engine/format.js';
import type { Mode } from '../../engine/mode.js';
import { isConflict, type Client } from '../../runtime/client.js';
import { sleep } from '../../runtime/clock.js';
import { findCondition, setCondition, type ConditionUpdate } from '../../runtime/conditions.js';
import { EventType } from '../../runtime/events.js';
import type { Manager, Runnable } from '../../runtime/manager.js';
import { channelSource } from '../../runtime/sources.js';
import { MemoryStore, STATUS_KEY, type SavedStatus } from './memory.js';
import { aureaMetrics } from './metrics.js';

export interface AureaLoopSettings {
  intervalMs: number;
  autonomy: Mode;
  /** Where the memory ConfigMap and the loop's own goals live. */
  namespace: string;
  /** The user's bound on what learning may add to any decision's confirmations. */
  maxExtraConfirmations: number;
}

/** The condition a refused action leaves on its object, naming the RBAC rule the operator lacks. */
export const PERMITTED = 'Permitted';
const MISSING_PERMISSION = 'MissingPermission';
const OUR_KINDS = new Map<string, ResourceType>(kinds.map((k) => [k.kind, resourceTypeOf(k)]));

export class AureaLoop {
  /** Keys of goals to measure after a cycle: the AureaGoal controller's event source. */
  readonly cycles = channelSource('aurea-cycles');
  private state: AureaState = emptyAureaState();
  private readonly engine: AureaSettings;
  private readonly memory: MemoryStore;
  private readonly client: Client;
  private readonly metrics;
  private loaded = false;
  private leading = false;
  /** Proposals already recommended in Observe: one Event each, not one per cycle. */
  private readonly recommended = new Set<string>();
  private latestReadings: { readings: OperatorReadings; at: number } | undefined;

  constructor(
    private readonly manager: Manager,
    readonly settings: AureaLoopSettings,
  ) {
    this.client = manager.clientFor('aurea');
    this.memory = new MemoryStore(this.client, settings.namespace);
    this.metrics = aureaMetrics(manager.metrics.registry);
    this.engine = {
      ...DEFAULT_AUREA_SETTINGS,
      autonomy: settings.autonomy,
      goals: { ...DEFAULT_AUREA_SETTINGS.goals, intervalMs: settings.intervalMs },
      learning: { ...DEFAULT_AUREA_SETTINGS.learning, maxExtra: settings.maxExtraConfirmations },
    };
  }

  /** The leader-only runnable: a cycle every interval until leadership ends. */
  runnable(): Runnable {
    return {
      name: 'aurea',
      run: async (signal) => {
        this.leading = true;
        try {
          while (!signal.aborted) {
            const started = this.manager.clock.now();
            try {
              await this.cycle();
            } catch (err) {
              this.manager.logger.error({ err: String(err) }, 'AUREA cycle failed');
            }
            const left = this.settings.intervalMs - (this.manager.clock.now() - started);
            await sleep(this.manager.clock, Math.max(0, left), signal);
          }
        } finally {
          // A new leader continues from the memory, not from what this process held.
          this.leading = false;
          this.loaded = false;
        }
      },
    };
  }

  /** The latest cycle's readings and its time: what source-Operator goals measure (none before a cycle). */
  get readings(): { readings: OperatorReadings; at: number } | undefined {
    return this.latestReadings;
  }

  /** The seed's get_status() view, live. */
  view(): AureaStatusView {
    return aureaStatusView(this.state, this.goalViews(), {
      running: this.leading,
      autonomy: this.settings.autonomy,
      window: this.engine.window,
    });
  }

  get running(): boolean {
    return this.leading;
  }

  /** One cycle: observe, orient, decide (the engine), then act and save. The runnable calls it every interval. */
  async cycle(): Promise<CycleResult> {
    const { manager } = this;
    const { clock, logger } = manager;
    if (!this.loaded) await this.load();
    const startedAt = clock.now();
    const { entries, dropped } = manager.journal.drain();
    if (dropped) logger.warn({ dropped }, 'AUREA journal was full: the oldest entries were dropped');
    const signals = await manager.takeSignals();
    const goals = this.goalViews(this.settings.namespace);
    const result = runCycle(this.state, { startedAt, entries, signals, goals }, this.engine, clock.now());
    this.state = result.state;
    this.latestReadings = { readings: result.readings, at: result.summary.at };
    manager.journal.learn(this.state.adjustments);

    await this.setGoals(result.goals.propose);
    await this.abandonGoals(result.goals.abandon);
    for (const pattern of result.freshPatterns) await this.tellPattern(pattern);
    for (const learning of result.learnings) {
      logger.info({ learning }, 'AUREA learned');
      await this.aboutLoop(
        EventType.Normal,
        'LearningRecorded',
        `${learning.key}: extra confirmations ${learning.before} → ${learning.after} (${learning.change}): ${learning.reason}`,
      );
    }
    for (const action of result.heal) await this.heal(action);
    await this.clearPermissions(entries);
    await this.save(clock.now());
    this.metrics.observe(result, goals, this.state.adjustments);
    for (const goal of this.manager.informer<AureaGoalResource>(AUREA_GOALS).list()) {
      if (goal.spec.metric.source === 'Operator')
        this.cycles.send(`${goal.metadata.namespace}/${goal.metadata.name}`);
    }
    logger.debug({ summary: result.summary }, 'AUREA cycle');
    return result;
  }

  private goalViews(namespace?: string) {
    return this.manager.informer<AureaGoalResource>(AUREA_GOALS).list(namespace).map(goalView);
  }

  /** Continues from the memory ConfigMap; a damaged one gives what can be trusted and a Warning. */
  private async load(): Promise<void> {
    const { memory, problems } = await this.memory.load(this.manager.clock.now());
    this.state = restoreState(memory);
    this.loaded = true;
    this.manager.journal.learn(this.state.adjustments);
    this.manager.logger.info(
      { cycle: memory.cycle, adjustments: memory.adjustments, learnings: memory.learnings.length },
      'AUREA memory loaded',
    );
    if (problems.length) {
      this.manager.logger.warn({ problems }, 'AUREA memory was damaged: kept what could be read');
      await this.aboutLoop(EventType.Warning, 'MemoryUnreadable', problems.join('; '));
    }
  }

  /** Saves the memory and the status view; adopts the learning of someone else's edit first (a reset). */
  private async save(now: number): Promise<void> {
    for (let attempt = 0; attempt < 2; attempt++) {
      const outcome = await this.memory.save(this.memoryData(now), now);
      if (outcome.saved) return;
      this.adopt(outcome.edited, outcome.problems);
    }
  }

  private memoryData(now: number): Record<string, string> {
    const saved: SavedStatus = {
      view: this.view(),
      at: isoTime(now),
      intervalMs: this.settings.intervalMs,
      leader: this.manager.identity,
      readings: this.latestReadings?.readings ?? {},
    };
    return { ...encodeMemory(this.state, now), [STATUS_KEY]: JSON.stringify(saved) };
  }

  private adopt(edited: AureaMemory, problems: string[]): void {
    const before = Object.fromEntries(this.state.adjustments.map((a) => [a.key, a.extraConfirmations]));
    this.state = { ...this.state, adjustments: edited.adjustments, learnings: edited.learnings };
    this.manager.journal.learn(this.state.adjustments);
    const after = Object.fromEntries(edited.adjustments.map((a) => [a.key, a.extraConfirmations]));
    this.manager.logger.info(
      { before, after, problems },
      'AUREA memory was edited by someone else (autopilot aurea reset): adopted its learning',
    );
  }

  /** Goals due now: created (suspended in Supervised), or in Observe recommended once in an Event. */
  private async setGoals(proposals: readonly GoalProposal[]): Promise<void> {
    const { autonomy, namespace } = this.settings;
    for (const proposal of proposals) {
      const manifest = goalManifest(proposal, autonomy, namespace);
      if (!manifest) {
        if (this.recommended.has(proposal.name)) continue;
        this.recommended.add(proposal.name);
        await this.aboutLoop(
          EventType.Normal,
          'GoalRecommended',
          `would set goal ${proposal.name}: ${proposal.spec.description} (--aurea-autonomy Observe: not created)`,
        );
        continue;
      }
      try {
        const created = await this.client.create<KubeObject>(AUREA_GOALS, namespace, manifest);
        this.manager.logger.info(
          { goal: proposal.name, reason: proposal.reason, autonomy },
          'AUREA set a goal',
        );
        await this.manager.events.record(
          created,
          AUREA_GOALS,
          EventType.Normal,
          'GoalSet',
          `${autonomy === 'Supervised' ? 'suspended until approved (set spec.suspended to false): ' : ''}${proposal.reason}`,
        );
      } catch (err) {
        // Created by an earlier cycle whose write the cache has not shown yet: the same goal, once.
        if (!isConflict(err)) throw err;
      }
    }
  }

  private async abandonGoals(abandon: readonly { name: string; reason: string }[]): Promise<void> {
    for (const { name, reason } of abandon) {
      const goal = await this.client.mergePatch<KubeObject>(AUREA_GOALS, this.settings.namespace, name, {
        spec: { abandoned: true },
      });
      this.manager.logger.info({ goal: name, reason }, 'AUREA abandoned its goal');
      await this.manager.events.record(goal, AUREA_GOALS, EventType.Normal, 'GoalCauseGone', reason);
    }
  }

  private async tellPattern(pattern: Pattern): Promise<void> {
    const good = pattern.type === 'ConsistentlyHighPerformance';
    this.manager.logger.info({ pattern }, 'AUREA detected a pattern');
    await this.aboutLoop(
      good ? EventType.Normal : EventType.Warning,
      'PatternDetected',
      `${pattern.key} (confidence ${num(pattern.confidence)}): ${pattern.description}`,
    );
  }

  /** Heal within the operator's own reach; a missing permission is named, never granted. */
  private async heal(action: HealAction): Promise<void> {
    const { manager } = this;
    manager.logger.warn({ action }, 'AUREA heals');
    switch (action.type) {
      case 'RestartWatch':
        manager.restartWatch(action.resource);
        return this.aboutLoop(EventType.Warning, 'WatchRestarted', action.reason);
      case 'LowerRequestRate':
      case 'RestoreRequestRate': {
        manager.setRequestRate(action.controller, action.to, action.from);
        const lowered = action.type === 'LowerRequestRate';
        return this.aboutLoop(
          lowered ? EventType.Warning : EventType.Normal,
          lowered ? 'RequestRateLowered' : 'RequestRateRestored',
          `${action.controller}: ${num(action.from)} → ${num(action.to)} requests/s: ${action.reason}`,
        );
      }
      case 'ReportMissingPermission': {
        for (const ref of action.objects) {
          await this.markPermission(ref, {
            type: PERMITTED,
            status: 'False',
            reason: MISSING_PERMISSION,
            message: action.reason,
          });
        }
        return this.aboutLoop(EventType.Warning, MISSING_PERMISSION, action.reason);
      }
    }
  }

  /** An object whose refused action has since succeeded is Permitted again. */
  private async clearPermissions(entries: readonly JournalEntry[]): Promise<void> {
    for (const e of entries) {
      if (e.type !== 'Succeeded' || !e.object) continue;
      const type = OUR_KINDS.get(e.object.kind);
      const cached =
        type &&
        this.manager.cached<KubeObject & { status?: { conditions?: [] } }>(
          type,
          e.object.namespace,
          e.object.name,
        );
      if (findCondition(cached?.status?.conditions, PERMITTED)?.reason !== MISSING_PERMISSION) continue;
      await this.markPermission(e.object, {
        type: PERMITTED,
        status: 'True',
        reason: 'ActionSucceeded',
        message: `decision ${e.id} was carried out: the operator has the permissions it needed`,
      });
    }
  }

  /** Sets a condition on an object another controller owns, on its latest version (409: read again). */
  private async markPermission(ref: ObjectRef, condition: ConditionUpdate): Promise<void> {
    const type = OUR_KINDS.get(ref.kind);
    if (!type) return;
    type WithConditions = KubeObject & { status?: { conditions?: [] } };
    for (let attempt = 0; attempt < 3; attempt++) {
      const object = await this.client.get<WithConditions>(type, ref.namespace, ref.name);
      const conditions = setCondition(
        object.status?.conditions,
        condition,
        object.metadata.generation,
        this.manager.clock.now(),
      );
      try {
        await this.client.mergePatch(
          type,
          ref.namespace,
          ref.name,
          { metadata: { resourceVersion: object.metadata.resourceVersion }, status: { conditions } },
          'status',
        );
        if (condition.status === 'False')
          await this.manager.events.record(
            object,
            type,
            EventType.Warning,
            condition.reason,
            condition.message,
          );
        return;
      } catch (err) {
        if (!isConflict(err)) throw err;
      }
    }
  }

  /**
   * An Event about the loop itself. It regards the memory ConfigMap in the operator's namespace: the one
   * object that is the loop's own, present as soon as the loop has run (`kubectl describe configmap
   * autopilot-aurea-memory` lists them).
   */
  private async aboutLoop(type: EventType, reason: string, note: string): Promise<void> {
    const regarding = this.memory.object;
    if (regarding) await this.manager.events.record(regarding, CONFIG_MAPS, type, reason, note);
  }
}
