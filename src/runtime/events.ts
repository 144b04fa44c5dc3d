// Kubernetes Events (events.k8s.io/v1) about our objects; a repeat within the window bumps the
// series count of the first Event instead of creating another.
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { Client } from './client.js';
import type { ObjectEvent } from '../api/event.js';
import { apiVersionOf, type KubeObject, type ResourceType } from '../api/meta.js';
import { EVENTS } from '../api/resources.js';
import { realClock, type Clock } from './clock.js';
import { microTime } from '../api/time.js';

export const EventType = { Normal: 'Normal', Warning: 'Warning' } as const;
export type EventType = (typeof EventType)[keyof typeof EventType];

const REPEAT_WINDOW_MS = 10 * 60_000;
const REMEMBERED = 4096;

interface Series {
  name: string;
  namespace: string;
  count: number;
  at: number;
}

export class EventRecorder {
  private readonly recent = new Map<string, Series>();

  constructor(
    private readonly client: Client,
    private readonly instance: string,
    private readonly logger?: Logger,
    private readonly clock: Clock = realClock,
  ) {}

  /**
   * Records an Event about `regarding` (CamelCase reason, e.g. VentureScaled). A repeat of the same
   * reason and `series` (by default the note) within the window counts in the first Event's series, so
   * kubectl shows how often it happened. Never throws: an Event that cannot be written is logged, it
   * must not fail a reconcile.
   */
  async record(
    regarding: KubeObject,
    type: ResourceType,
    eventType: EventType,
    reason: string,
    note: string,
    series: string = note,
  ): Promise<void> {
    const namespace = regarding.metadata.namespace ?? 'default';
    const key = [regarding.metadata.uid, eventType, reason, series].join('\u0000');
    const now = this.clock.now();
    const seen = this.recent.get(key);
    try {
      if (seen && now - seen.at < REPEAT_WINDOW_MS) {
        seen.count++;
        seen.at = now;
        await this.client.mergePatch(EVENTS, seen.namespace, seen.name, {
          series: { count: seen.count, lastObservedTime: microTime(now) },
        });
        return;
      }
      const name = `${regarding.metadata.name}.${randomBytes(8).toString('hex')}`;
      await this.client.create(EVENTS, namespace, {
        apiVersion: 'events.k8s.io/v1',
        kind: 'Event',
        metadata: { name, namespace },
        eventTime: microTime(now),
        reportingController: 'autopilot.ventures/operator',
        reportingInstance: this.instance,
        action: reason,
        reason,
        note: note.slice(0, 1024),
        type: eventType,
        regarding: {
          apiVersion: apiVersionOf(type),
          kind: type.kind,
          name: regarding.metadata.name,
          namespace: regarding.metadata.namespace,
          uid: regarding.metadata.uid,
          resourceVersion: regarding.metadata.resourceVersion,
        },
      });
      this.remember(key, { name, namespace, count: 1, at: now });
    } catch (err) {
      this.logger?.warn(
        { err: String(err), reason, name: regarding.metadata.name },
        'could not record event',
      );
    }
  }

  private remember(key: string, series: Series): void {
    this.recent.delete(key);
    this.recent.set(key, series);
    if (this.recent.size > REMEMBERED) this.recent.delete(this.recent.keys().next().value!);
  }
}

/** The Events of one object, as its reconcile records them. */
export interface ObjectEvents {
  normal(reason: string, note: string, series?: string): Promise<void>;
  warning(reason: string, note: string, series?: string): Promise<void>;
  /** Records an Event the engine chose, of its type. */
  tell(event: ObjectEvent): Promise<void>;
}

export function eventsFor(recorder: EventRecorder, regarding: KubeObject, type: ResourceType): ObjectEvents {
  return {
    normal: (reason, note, series) =>
      recorder.record(regarding, type, EventType.Normal, reason, note, series),
    warning: (reason, note, series) =>
      recorder.record(regarding, type, EventType.Warning, reason, note, series),
    tell: (event) => recorder.record(regarding, type, event.type, event.reason, event.note, event.series),
  };
}
