// The decision record every kind keeps in status (lastDecision, history): one schema, kind-specific extras.
import type { TProperties } from '@sinclair/typebox';
import { object, oneOf, text, timestamp } from './schema.js';

export const DecisionStates = ['Recommended', 'PendingApproval', 'Applying', 'Applied', 'Blocked'] as const;
export type DecisionState = (typeof DecisionStates)[number];

/** Longest reason a decision keeps: a reason cut short is better than a rejected status patch. */
export const REASON_LIMIT = 1024;

/** A decision of `actions` with the fields every kind shares, and the kind's own `extra` fields. */
export const decisionRecord = <const A extends readonly string[], E extends TProperties>(
  description: string,
  actions: A,
  extra: E,
) =>
  object(description, {
    id: text('Unique id of the decision; approve it with the annotation autopilot.ventures/approve: <id>.', {
      maxLength: 64,
    }),
    action: oneOf('What was decided.', actions),
    reason: text('Why, quoting the numbers.', { maxLength: REASON_LIMIT }),
    state: oneOf(
      'Recommended (Observe mode), PendingApproval (Supervised), Applying (recorded, being carried out; a restart finishes it), Applied, or Blocked by a safety rule.',
      DecisionStates,
    ),
    decidedAt: timestamp('When the decision was made.'),
    ...extra,
  });
