// The controllers `autopilot run` starts, one factory per kind.
import type { ControllerFactory } from '../cli/run.js';
import { ventureController } from './venture/index.js';

export const controllers: ControllerFactory[] = [ventureController];
