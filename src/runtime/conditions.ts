// Conditions (metav1.Condition) of one object: lastTransitionTime moves only when a condition's status
// flips, each carries the generation it was computed from, and Ready summarizes the others.
import type { Condition, ConditionStatus } from '../api/meta.js';
import { isoTime } from '../api/time.js';

export type ConditionUpdate = Pick<Condition, 'type' | 'status' | 'reason' | 'message'>;

/** Returns the conditions with `update` set, in the same order, new types appended. */
export function setCondition(
  conditions: readonly Condition[] | undefined,
  update: ConditionUpdate,
  generation: number | undefined,
  now: number,
): Condition[] {
  const list = [...(conditions ?? [])];
  const index = list.findIndex((c) => c.type === update.type);
  const previous = index >= 0 ? list[index] : undefined;
  const next: Condition = {
    ...update,
    lastTransitionTime:
      previous && previous.status === update.status ? previous.lastTransitionTime : isoTime(now),
    ...(generation === undefined ? {} : { observedGeneration: generation }),
  };
  if (index >= 0) list[index] = next;
  else list.push(next);
  return list;
}

export function findCondition(
  conditions: readonly Condition[] | undefined,
  type: string,
): Condition | undefined {
  return conditions?.find((c) => c.type === type);
}

export function isConditionTrue(conditions: readonly Condition[] | undefined, type: string): boolean {
  return findCondition(conditions, type)?.status === 'True';
}

/** A condition Ready depends on, and the reason Ready takes when it is not True. */
export interface ReadyInput {
  type: string;
  /** Ready's reason while this condition is False or Unknown, e.g. MetricsUnavailable. */
  unready: string;
}

/** The conditions of one object in its reconcile: the generation and the time are the reconcile's. */
export class Conditions {
  constructor(
    private readonly status: { conditions?: Condition[] },
    private readonly generation: number | undefined,
    private readonly now: number,
  ) {}

  set(type: string, status: ConditionStatus, reason: string, message: string): void {
    this.status.conditions = setCondition(
      this.status.conditions,
      { type, status, reason, message },
      this.generation,
      this.now,
    );
  }

  get(type: string): Condition | undefined {
    return findCondition(this.status.conditions, type);
  }

  isTrue(type: string): boolean {
    return isConditionTrue(this.status.conditions, type);
  }

  /**
   * Ready from the conditions it depends on, in order of importance: True with `ready` when all are
   * True, else False with the first other one's reason and message.
   */
  summarize(inputs: readonly ReadyInput[], ready: { reason: string; message: string }): void {
    const failing = inputs.find((input) => !this.isTrue(input.type));
    if (!failing) return this.set('Ready', 'True', ready.reason, ready.message);
    const cause = this.get(failing.type);
    this.set(
      'Ready',
      'False',
      failing.unready,
      cause ? `${cause.type}: ${cause.message}` : `${failing.type} is not known yet`,
    );
  }
}
