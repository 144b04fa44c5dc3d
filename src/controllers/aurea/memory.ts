// AUREA's memory in its ConfigMap: read when this process starts leading (a damaged one decodes to what can
// be trusted, never a crash), written after every cycle together with the status view `autopilot status`
// prints. A write that finds someone else's edit (`autopilot aurea reset`) hands it back to be adopted.
import type { KubeObject } from '../../api/meta.js';
import { CONFIG_MAPS } from '../../api/resources.js';
import { emptyAureaState } from '../../engine/aurea/cycle.js';
import {
  decodeMemory,
  encodeMemory,
  MEMORY_CONFIG_MAP,
  type AureaMemory,
  type DecodedMemory,
} from '../../engine/aurea/memory.js';
import type { OperatorReadings } from '../../engine/aurea/metrics.js';
import type { AureaStatusView } from '../../engine/aurea/statusView.js';
import { isConflict, isNotFound, type Client } from '../../runtime/client.js';

/** The key beside memory.json that holds the latest cycle's status view. */
export const STATUS_KEY = 'status.json';

/** What the leader saved after its latest cycle: what `autopilot status` and a follower's /status show. */
export interface SavedStatus {
  view: AureaStatusView;
  /** When the cycle ended, RFC 3339. */
  at: string;
  intervalMs: number;
  /** The identity of the process that ran the cycle. */
  leader: string;
  readings: OperatorReadings;
}

export type ConfigMap = KubeObject & { data?: Record<string, string> };

export type SaveOutcome = { saved: true } | { saved: false; edited: AureaMemory; problems: string[] };

export class MemoryStore {
  private current: ConfigMap | undefined;

  constructor(
    private readonly client: Client,
    readonly namespace: string,
  ) {}

  /** The ConfigMap as last read or written: what Events about the loop regard. */
  get object(): ConfigMap | undefined {
    return this.current;
  }

  /** Reads the memory, creating an empty one when there is none yet. */
  async load(now: number): Promise<DecodedMemory> {
    const found = await this.client.find<ConfigMap>(CONFIG_MAPS, this.namespace, MEMORY_CONFIG_MAP);
    if (found) {
      this.current = found;
      return decodeMemory(found.data);
    }
    const data = encodeMemory(emptyAureaState(), now);
    this.current = await this.client.create<ConfigMap>(CONFIG_MAPS, this.namespace, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        name: MEMORY_CONFIG_MAP,
        namespace: this.namespace,
        labels: { 'app.kubernetes.io/managed-by': 'autopilot', 'app.kubernetes.io/component': 'aurea' },
      },
      data,
    });
    return decodeMemory(data);
  }

  /**
   * Replaces the data with `data`, unless someone else wrote the ConfigMap since this process last read
   * or wrote it: then nothing is written and their memory comes back, to be adopted before saving again.
   */
  async save(data: Record<string, string>, now: number): Promise<SaveOutcome> {
    const current =
      this.current ?? (await this.client.get<ConfigMap>(CONFIG_MAPS, this.namespace, MEMORY_CONFIG_MAP));
    try {
      this.current = await this.client.update<ConfigMap>(CONFIG_MAPS, this.namespace, MEMORY_CONFIG_MAP, {
        ...current,
        data: { ...current.data, ...data },
      });
      return { saved: true };
    } catch (err) {
      if (!isConflict(err) && !isNotFound(err)) throw err;
      // Edited (409) or deleted (404, which forgets everything) under us: what is there now is adopted.
      const fresh = await this.client.find<ConfigMap>(CONFIG_MAPS, this.namespace, MEMORY_CONFIG_MAP);
      this.current = fresh;
      const { memory, problems } = fresh ? decodeMemory(fresh.data) : await this.load(now);
      return { saved: false, edited: memory, problems };
    }
  }
}

/** The latest cycle's status as the leader saved it, or why there is none. */
export async function readSavedStatus(
  client: Client,
  namespace: string,
): Promise<{ status: SavedStatus } | { missing: string }> {
  const configMap = await client.find<ConfigMap>(CONFIG_MAPS, namespace, MEMORY_CONFIG_MAP);
  if (!configMap) {
    return { missing: `no ConfigMap ${namespace}/${MEMORY_CONFIG_MAP}: AUREA has not run in ${namespace}` };
  }
  const text = configMap.data?.[STATUS_KEY];
  if (!text)
    return { missing: `${namespace}/${MEMORY_CONFIG_MAP} has no ${STATUS_KEY} yet: no cycle has completed` };
  try {
    return { status: JSON.parse(text) as SavedStatus };
  } catch (err) {
    return {
      missing: `${namespace}/${MEMORY_CONFIG_MAP}: ${STATUS_KEY} is not JSON (${(err as Error).message})`,
    };
  }
}

/**
 * The saved view as of `now`: the loop counts as running while its latest cycle is no older than three
 * intervals (a leader that stopped, or lost its lease, stops saving).
 */
export function viewAsOf(saved: SavedStatus, now: number): AureaStatusView {
  const age = now - Date.parse(saved.at);
  return { ...saved.view, running: saved.view.running && age <= 3 * saved.intervalMs };
}
