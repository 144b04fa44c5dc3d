// A manager on the in-memory API server, its caches synced, for controller unit tests: objects in,
// reconciles driven one at a time on a hand-driven clock, the outcome read back from the fake.
import { pino } from 'pino';
import type { KubeObject, ResourceType } from '../../api/meta.js';
import { Manager } from '../manager.js';
import { ManualClock } from '../manualClock.js';
import { OperatorMetrics } from '../metrics.js';
import { FakeClient } from './fakeClient.js';

export interface HarnessOptions {
  /** Objects the fake API server starts with. */
  objects?: { type: ResourceType; object: KubeObject }[];
  /** The clock's start (epoch ms). */
  now?: number;
  /** Adds the controllers under test (e.g. a module's setup). */
  setup: (manager: Manager) => void;
}

export class ControllerHarness {
  private constructor(
    readonly manager: Manager,
    readonly client: FakeClient,
    readonly clock: ManualClock,
    private readonly stopping: AbortController,
    private readonly running: Promise<void>[],
  ) {}

  static async start({ objects = [], now = Date.parse('2026-11-30T12:00:00Z'), setup }: HarnessOptions) {
    const client = new FakeClient(objects);
    const clock = new ManualClock(now);
    const manager = new Manager({
      kubeConfig: undefined as never, // the fake client stands in for the API server
      client,
      clock,
      logger: pino({ level: 'silent' }),
      metrics: new OperatorMetrics({ processMetrics: false }),
      leaderElection: { enabled: false, namespace: 'default', name: 'test' },
    });
    setup(manager);
    const stopping = new AbortController();
    const caches = await manager.startCaches(stopping.signal);
    return new ControllerHarness(manager, client, clock, stopping, caches);
  }

  /** Starts the leader-only runnables (a controller's prober) on the hand-driven clock, until stop(). */
  startRunnables(): void {
    this.running.push(this.manager.runRunnables(this.stopping.signal));
  }

  /** One reconcile of `key` by controller `name`: what it asked for next (requeue, retry). */
  async reconcile(name: string, key: string) {
    const controller = this.manager.controller(name);
    if (!controller) throw new Error(`no controller ${name}`);
    return controller.reconcileKey(key);
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    await Promise.all(this.running);
  }
}
