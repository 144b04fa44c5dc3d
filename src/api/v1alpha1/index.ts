// The five kinds of autopilot.ventures/v1alpha1 and their stored-object types.
import { AgentSpawn } from './agentSpawn.js';
import { AureaGoal } from './aureaGoal.js';
import { FallbackProtocol } from './fallbackProtocol.js';
import { resourceTypeOf, type ResourceOf } from './kind.js';
import { RegionPair } from './regionPair.js';
import { Venture } from './venture.js';

export { API_VERSION, CATEGORY, GROUP, VERSION } from './kind.js';
export { AgentSpawn, AureaGoal, FallbackProtocol, RegionPair, Venture };

export const kinds = [Venture, FallbackProtocol, RegionPair, AgentSpawn, AureaGoal] as const;

export type VentureResource = ResourceOf<typeof Venture>;
export type FallbackProtocolResource = ResourceOf<typeof FallbackProtocol>;
export type RegionPairResource = ResourceOf<typeof RegionPair>;
export type AgentSpawnResource = ResourceOf<typeof AgentSpawn>;
export type AureaGoalResource = ResourceOf<typeof AureaGoal>;

export const VENTURES = resourceTypeOf(Venture);
export const FALLBACK_PROTOCOLS = resourceTypeOf(FallbackProtocol);
export const REGION_PAIRS = resourceTypeOf(RegionPair);
export const AGENT_SPAWNS = resourceTypeOf(AgentSpawn);
export const AUREA_GOALS = resourceTypeOf(AureaGoal);
