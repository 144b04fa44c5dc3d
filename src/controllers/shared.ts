// Operator flags every kind's controller reads: the default mode and the default Prometheus.
import { Modes } from '../engine/mode.js';
import { enumFlag, optionalFlag, type FlagSet, type FlagValues } from '../runtime/flags.js';
import type { ControllerModule } from '../runtime/module.js';

export const sharedFlags = {
  defaultMode: enumFlag(Modes, {
    help: 'mode of objects without spec.mode',
    default: 'Observe',
    placeholder: 'MODE',
  }),
  prometheusAddress: optionalFlag({
    help: 'Prometheus for objects that name none of their own',
    default: '',
    placeholder: 'URL',
  }),
};

export type SharedSettings = FlagValues<typeof sharedFlags>;

/** A kind's module, its own flags' types inferred, the shared settings given to it too. */
export const defineKindModule = <F extends FlagSet>(module: ControllerModule<F, SharedSettings>) => module;
