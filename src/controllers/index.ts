// The controller modules `autopilot run` starts and `autopilot plan` asks, one per kind.
import type { FlagSet } from '../runtime/flags.js';
import type { ControllerModule } from '../runtime/module.js';
import type { SharedSettings } from './shared.js';
import { agentSpawnModule } from './agentspawn/index.js';
import { aureaModule } from './aurea/index.js';
import { fallbackModule } from './fallback/index.js';
import { regionModule } from './region/index.js';
import { ventureModule } from './venture/index.js';

export const modules: ControllerModule<FlagSet, SharedSettings>[] = [
  ventureModule,
  fallbackModule,
  agentSpawnModule,
  aureaModule,
  regionModule,
];
