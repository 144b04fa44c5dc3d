// `autopilot aurea reset [-n NAMESPACE]`: undoes what AUREA learned — every extra confirmation back to the
// spec's own, each reset recorded as a learning — in its memory ConfigMap. A running leader adopts the edit
// at its next save; a stopped operator starts from it.
import { CONFIG_MAPS } from '../api/resources.js';
import { resetLearning, keepLearnings } from '../engine/aurea/learning.js';
import { decodeMemory, encodeMemory, MEMORY_CONFIG_MAP, restoreState } from '../engine/aurea/memory.js';
import type { ConfigMap } from '../controllers/aurea/memory.js';
import { isConflict } from '../runtime/client.js';
import { EventRecorder, EventType } from '../runtime/events.js';
import { UsageError } from '../runtime/flags.js';
import { aureaScope } from './status.js';

export const aureaUsage = `usage: autopilot aurea reset [-n NAMESPACE] [--kubeconfig PATH]

Undoes AUREA's learning: every extra confirmation it added to a kind of decision goes back to 0 (the
spec's own), recorded as a Reset learning, in the ConfigMap autopilot-aurea-memory in NAMESPACE.`;

export async function aureaCommand(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub !== 'reset') throw new UsageError(sub ? `unknown subcommand '${sub}'` : 'missing subcommand');
  const { client, namespace } = aureaScope(rest);
  for (let attempt = 0; attempt < 5; attempt++) {
    const configMap = await client.find<ConfigMap>(CONFIG_MAPS, namespace, MEMORY_CONFIG_MAP);
    if (!configMap) {
      console.log(`no ConfigMap ${namespace}/${MEMORY_CONFIG_MAP}: AUREA has learned nothing there`);
      return 0;
    }
    const now = Date.now();
    const { memory, problems } = decodeMemory(configMap.data);
    for (const problem of problems) console.error(`warning: ${problem}`);
    const reset = resetLearning(memory.adjustments, now);
    if (!reset.learnings.length) {
      console.log('nothing to reset: no extra confirmations are in force');
      return 0;
    }
    const state = restoreState(memory);
    state.adjustments = reset.adjustments;
    state.learnings = keepLearnings(state.learnings, reset.learnings);
    try {
      const written = await client.update<ConfigMap>(CONFIG_MAPS, namespace, MEMORY_CONFIG_MAP, {
        ...configMap,
        data: { ...configMap.data, ...encodeMemory(state, now) },
      });
      const told = reset.learnings.map((l) => `${l.key}: ${l.before} → ${l.after} extra confirmations`);
      for (const line of told) console.log(line);
      await new EventRecorder(client, 'autopilot-cli').record(
        written,
        CONFIG_MAPS,
        EventType.Normal,
        'LearningReset',
        `autopilot aurea reset: ${told.join('; ')}`,
      );
      return 0;
    } catch (err) {
      // The leader saved meanwhile: read its memory again and reset that.
      if (!isConflict(err)) throw err;
    }
  }
  console.error('autopilot aurea reset: the memory kept changing under the reset; try again');
  return 1;
}
