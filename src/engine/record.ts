// What a Venture's decision history keeps: every decision that changed something, a run of Holds as its
// first, each id once, newest first, within the status bound.
import { StatusLimits, type Decision } from '../api/v1alpha1/venture.js';

export interface Recorded {
  history: Decision[];
  /** The decision continues a run of Holds in the same state: it is not news. */
  repeat: boolean;
}

export function recordDecision(history: readonly Decision[] | undefined, decision: Decision): Recorded {
  const head = history?.[0];
  const repeat = decision.action === 'Hold' && head?.action === 'Hold' && head.state === decision.state;
  if (repeat) return { history: [...(history ?? [])], repeat };
  const others = (history ?? []).filter((d) => d.id !== decision.id);
  return { history: [decision, ...others].slice(0, StatusLimits.history), repeat };
}
