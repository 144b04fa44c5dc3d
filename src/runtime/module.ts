// A controller module: one kind's controller as `autopilot run`, `autopilot plan` and --help see it —
// its flags, how it joins the manager, and what it would decide now. Adding a kind is one module in
// its own folder and one line in src/controllers/index.ts.
import type { Logger } from 'pino';
import type { Client } from './client.js';
import type { FlagSet, FlagValues } from './flags.js';
import type { Manager } from './manager.js';

/** One object's line in `autopilot plan`. */
export interface PlanRow {
  namespace: string;
  name: string;
  /** Where the object stands now (a phase, a health score, an active target). */
  state: string;
  /** What the operator would decide now, and how far the mode lets it go. */
  decision: string;
  gate: string;
  reason: string;
}

export interface PlanScope {
  client: Client;
  /** One namespace, or all when undefined. */
  namespace?: string;
  now: number;
  logger: Logger;
}

export interface ControllerModule<F extends FlagSet = FlagSet, Shared = unknown> {
  /** The controller's name in logs and metrics, e.g. venture. */
  name: string;
  /** The kind it reconciles, for the plan's KIND column and --help, e.g. Venture. */
  kind: string;
  /** Operator flags of this kind only (flags every kind shares are the operator's). */
  flags: F;
  /** Adds the controller (and its runnables) to the manager. */
  setup(manager: Manager, settings: FlagValues<F> & Shared): void;
  /** What the controller would decide for each object now, changing nothing. */
  plan?(scope: PlanScope, settings: FlagValues<F> & Shared): Promise<PlanRow[]>;
}
