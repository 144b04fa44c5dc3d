// The typed reconciler: one status write with observedGeneration, write-ahead checkpoints, owned objects
// applied only when they change, a 422 as a condition, finalizers, and the cache-behind guard.
import { afterEach, describe, expect, it } from '@jest/globals';
import type { Condition, KubeObject, ResourceType } from '../api/meta.js';
import { CONFIG_MAPS, EVENTS } from '../api/resources.js';
import type { RecordedDecision } from '../engine/decisions.js';
import { ApiError } from './client.js';
import type { Manager } from './manager.js';
import { APPLIED_HASH, objectController, type ObjectContext, type ObjectReconciler } from './reconciler.js';
import { ControllerHarness } from './testing/harness.js';

const WIDGETS: ResourceType = {
  group: 'test.autopilot',
  version: 'v1',
  kind: 'Widget',
  plural: 'widgets',
  namespaced: true,
};
interface WidgetStatus {
  observedGeneration?: number;
  conditions?: Condition[];
  step?: string;
  count?: number;
  lastDecision?: RecordedDecision;
}
type Widget = KubeObject & { spec: { size: number }; status?: WidgetStatus };
type Reconcile = (
  widget: Widget,
  ctx: ObjectContext<WidgetStatus>,
) => Promise<{ requeueAfterMs?: number } | void> | void;

const widget = (name: string, size = 1, extra: Partial<Widget['metadata']> = {}) => ({
  type: WIDGETS,
  object: { metadata: { name, namespace: 'ns', ...extra }, spec: { size } } as Widget,
});
const configMap = (owner: Widget, size: number) => ({
  metadata: { name: `${owner.metadata.name}-data`, namespace: 'ns' },
  data: { size: String(size) },
});

let harness: ControllerHarness | undefined;
afterEach(() => harness?.stop());

async function start(
  reconcile: Reconcile,
  extra: Partial<ObjectReconciler<Widget>> = {},
  objects = [widget('w')],
) {
  harness = await ControllerHarness.start({
    objects,
    setup: (manager: Manager) =>
      void manager.add(
        objectController<Widget>(manager, {
          name: 'widget',
          kind: WIDGETS,
          owns: [CONFIG_MAPS],
          reconcile: (w, ctx) => Promise.resolve(reconcile(w, ctx)),
          ...extra,
        }),
      ),
  });
  return harness;
}
const read = (h: ControllerHarness, name = 'w') => h.client.peek<Widget>(WIDGETS, 'ns', name)!;
const writes = (h: ControllerHarness, verb: string, resource: string) =>
  h.client.requests.filter((r) => r.verb === verb && r.resource === resource);

describe('objectController', () => {
  it('writes the status once, with observedGeneration and conditions stamped with the generation and time', async () => {
    const h = await start((_w, ctx) => {
      ctx.status.step = 'done';
      ctx.conditions.set('Ready', 'True', 'Done', 'all done');
    });
    await h.reconcile('widget', 'ns/w');
    const w = read(h);
    expect(w.status).toMatchObject({ step: 'done', observedGeneration: 1 });
    expect(w.status?.conditions).toEqual([
      {
        type: 'Ready',
        status: 'True',
        reason: 'Done',
        message: 'all done',
        observedGeneration: 1,
        lastTransitionTime: '2026-11-30T12:00:00.000Z',
      },
    ]);
    expect(writes(h, 'patch', 'widgets')).toHaveLength(1);
    // Nothing changed: nothing is written.
    await h.reconcile('widget', 'ns/w');
    expect(writes(h, 'patch', 'widgets')).toHaveLength(1);
  });

  it('checkpoints write-ahead: what was recorded before a failure stays', async () => {
    const h = await start(async (_w, ctx) => {
      ctx.status.step = 'applying';
      await ctx.checkpoint();
      throw new Error('the action failed');
    });
    const outcome = await h.reconcile('widget', 'ns/w');
    expect(outcome.retry).toBe(true);
    expect(read(h).status?.step).toBe('applying');
  });

  it('tells the AUREA journal each decision its status records and how carrying it out went', async () => {
    const decided = (state: RecordedDecision['state']): RecordedDecision => ({
      id: 'grow-1',
      action: 'Grow',
      reason: 'bigger is better',
      state,
      decidedAt: '2026-11-30T12:00:00Z',
    });
    let refuse = true;
    const h = await start(
      async (_w, ctx) => {
        if (!ctx.status.lastDecision) {
          ctx.status.lastDecision = decided('Applying');
          await ctx.checkpoint();
        }
        if (ctx.status.lastDecision.state === 'Applied') return;
        if (refuse) throw new ApiError(403, 'Forbidden', 'cannot patch resource "widgets/scale"');
        ctx.status.lastDecision = decided('Applied');
      },
      { judging: (d, w) => ({ judgeAfterMs: w.spec.size * 1000, expect: d.id.length }) },
    );
    await h.reconcile('widget', 'ns/w');
    await h.reconcile('widget', 'ns/w'); // the same failure again is not news
    refuse = false;
    await h.reconcile('widget', 'ns/w');
    await h.reconcile('widget', 'ns/w');
    const object = { kind: 'Widget', namespace: 'ns', name: 'w' };
    expect(h.manager.journal.drain().entries).toEqual([
      expect.objectContaining({ type: 'Decided', object, id: 'grow-1', judgeAfterMs: 1000, expect: 6 }),
      expect.objectContaining({ type: 'Started', object, id: 'grow-1' }),
      expect.objectContaining({ type: 'Failed', object, id: 'grow-1', cause: 'Permission' }),
      expect.objectContaining({ type: 'Succeeded', object, id: 'grow-1' }),
    ]);
  });

  it('applies an owned object with a controller reference, and not again while it is unchanged', async () => {
    const h = await start(
      async (w, ctx) => void (await ctx.applyOwned(CONFIG_MAPS, configMap(w, w.spec.size))),
    );
    await h.reconcile('widget', 'ns/w');
    const cm = h.client.peek<KubeObject & { data: Record<string, string> }>(CONFIG_MAPS, 'ns', 'w-data')!;
    expect(cm.data).toEqual({ size: '1' });
    expect(cm.metadata.ownerReferences).toEqual([
      expect.objectContaining({ kind: 'Widget', name: 'w', uid: read(h).metadata.uid, controller: true }),
    ]);
    expect(cm.metadata.annotations?.[APPLIED_HASH]).toMatch(/^[0-9a-f]{16}$/);
    await h.reconcile('widget', 'ns/w');
    expect(writes(h, 'apply', 'configmaps')).toHaveLength(1);
    await h.client.mergePatch(WIDGETS, 'ns', 'w', { spec: { size: 2 } });
    await h.reconcile('widget', 'ns/w');
    expect(writes(h, 'apply', 'configmaps')).toHaveLength(2);
  });

  it('applies again when isCurrent sees the live object drifted from what was applied', async () => {
    const h = await start(async (w, ctx) => {
      await ctx.applyOwned(CONFIG_MAPS, configMap(w, 1), { isCurrent: (live) => live.data?.size === '1' });
    });
    await h.reconcile('widget', 'ns/w');
    await h.client.mergePatch(CONFIG_MAPS, 'ns', 'w-data', { data: { size: '9' } });
    await h.reconcile('widget', 'ns/w');
    expect(writes(h, 'apply', 'configmaps')).toHaveLength(2);
    expect(
      h.client.peek<KubeObject & { data: Record<string, string> }>(CONFIG_MAPS, 'ns', 'w-data')!.data.size,
    ).toBe('1');
  });

  it('turns a 422 of an owned object into a False condition and a Warning Event', async () => {
    const h = await start(async (w, ctx) => {
      const outcome = await ctx.applyOwned(CONFIG_MAPS, configMap(w, 1), {
        onInvalid: { condition: 'DataReady', reason: 'InvalidData' },
      });
      ctx.status.step = outcome;
    });
    h.client.failWhen((r) => r.verb === 'apply', new ApiError(422, 'Invalid', 'data.size: Invalid value'));
    await h.reconcile('widget', 'ns/w');
    expect(read(h).status).toMatchObject({
      step: 'rejected',
      conditions: [
        expect.objectContaining({
          type: 'DataReady',
          status: 'False',
          reason: 'InvalidData',
          message: 'Kubernetes rejected ConfigMap w-data: data.size: Invalid value',
        }),
      ],
    });
    expect(
      writes(h, 'create', 'events').map((r) => (r.body as { reason: string; type: string }).type),
    ).toEqual(['Warning']);
  });

  it('adds its finalizer first, finalizes a deleted object once, then lets it go and forgets it', async () => {
    const finalized: string[] = [];
    const forgotten: string[] = [];
    const h = await start(() => Promise.resolve(), {
      finalizer: {
        name: 'test.autopilot/cleanup',
        finalize: (w) => Promise.resolve(void finalized.push(w.metadata.name)),
      },
      forget: (key) => void forgotten.push(key),
    });
    await h.reconcile('widget', 'ns/w');
    expect(read(h).metadata.finalizers).toEqual(['test.autopilot/cleanup']);
    await h.client.delete(WIDGETS, 'ns', 'w');
    await h.reconcile('widget', 'ns/w');
    expect(finalized).toEqual(['w']);
    expect(h.client.peek(WIDGETS, 'ns', 'w')).toBeUndefined();
    await h.reconcile('widget', 'ns/w');
    expect(finalized).toEqual(['w']);
    expect(forgotten).toEqual(['ns/w', 'ns/w']);
  });

  it('patches the object itself and builds later writes on the result', async () => {
    const h = await start(async (_w, ctx) => {
      await ctx.patch({ metadata: { labels: { touched: 'yes' } } });
      ctx.status.step = 'after the patch';
    });
    await h.reconcile('widget', 'ns/w');
    expect(read(h)).toMatchObject({
      metadata: { labels: { touched: 'yes' } },
      status: { step: 'after the patch' },
    });
  });

  it('waits while its cache shows a version its own writes replaced, a checkpoint’s included', async () => {
    const seen: (string | undefined)[] = [];
    const h = await start(async (_w, ctx) => {
      seen.push(ctx.status.step);
      if (ctx.status.step === 'done') return;
      ctx.status.step = 'moving';
      await ctx.checkpoint();
      ctx.status.step = 'done';
    });
    h.client.holdWatchEvents(WIDGETS);
    await h.reconcile('widget', 'ns/w');
    await h.reconcile('widget', 'ns/w'); // the cache has seen none of the two writes
    h.client.deliverHeld(WIDGETS, 1);
    await h.reconcile('widget', 'ns/w'); // only the checkpoint: carrying on from it would move twice
    expect(seen).toEqual([undefined]);
    h.client.deliverHeld(WIDGETS);
    await h.reconcile('widget', 'ns/w');
    expect(seen).toEqual([undefined, 'done']);
  });

  it('reconciles a widget again no sooner than the floor, whatever it asks', async () => {
    const h = await start(() => Promise.resolve({ requeueAfterMs: 0 }));
    expect(await h.reconcile('widget', 'ns/w')).toEqual({ requeueAfterMs: 1000 });
  });

  it('counts repeats of an Event in its series', async () => {
    const h = await start(
      async (_w, ctx) => void (await ctx.events.warning('Outage', `still down at ${ctx.now}`, 'outage-1')),
    );
    for (let i = 0; i < 3; i++) {
      await h.reconcile('widget', 'ns/w');
      await h.clock.advance(1000);
    }
    expect(writes(h, 'create', 'events')).toHaveLength(1);
    const series = writes(h, 'patch', 'events').map(
      (r) => (r.body as { series: { count: number } }).series.count,
    );
    expect(series).toEqual([2, 3]);
    expect(
      h.client.peek(EVENTS, 'ns', (writes(h, 'create', 'events')[0]!.body as KubeObject).metadata.name),
    ).toMatchObject({ series: { count: 3 } });
  });
});
