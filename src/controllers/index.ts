// The controllers `autopilot run` starts, one factory per kind.
import type { ControllerFactory } from '../cli/run.js';

export const controllers: ControllerFactory[] = [];
