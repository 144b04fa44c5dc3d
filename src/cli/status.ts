// `autopilot status [-n NAMESPACE] [-o json]`: the AUREA loop as the seed's get_status() shows it — running,
// autonomy, cycles, decisions, success rate and its trend, cycle time, goals, learnings, patterns — from
// the view the leader saves after every cycle (GET /status on the operator serves the same, live).
import { readSavedStatus, viewAsOf, type SavedStatus } from '../controllers/aurea/memory.js';
import type { AureaStatusView } from '../engine/aurea/statusView.js';
import { duration, num, pct } from '../engine/format.js';
import { KubeClient, loadKubeConfig } from '../runtime/client.js';
import { parseFlags, UsageError, type FlagValues } from '../runtime/flags.js';
import { operatorFlags } from './run.js';

const statusFlags = { kubeconfig: operatorFlags.kubeconfig };

export const statusUsage = `usage: autopilot status [-n NAMESPACE] [-o json] [--kubeconfig PATH]

Prints the AUREA loop's status as its leader saved it after the latest cycle, from the ConfigMap
autopilot-aurea-memory in NAMESPACE (the operator's --aurea-namespace; default: the context's namespace).`;

/** The kubeconfig and the AUREA namespace of a command that reads the loop's ConfigMap. */
export function aureaScope(argv: string[], extra: Parameters<typeof parseFlags>[3] = {}) {
  const { values, extra: given } = parseFlags([statusFlags], argv, process.env, {
    namespace: { type: 'string', short: 'n' },
    ...extra,
  });
  const [own] = values as [FlagValues<typeof statusFlags>];
  const kubeConfig = loadKubeConfig(own.kubeconfig);
  const namespace =
    (given.namespace as string | undefined) ??
    kubeConfig.getContextObject(kubeConfig.currentContext)?.namespace ??
    'default';
  return { client: new KubeClient(kubeConfig), namespace, given };
}

export async function statusCommand(argv: string[]): Promise<number> {
  const { client, namespace, given } = aureaScope(argv, { output: { type: 'string', short: 'o' } });
  if (given.output !== undefined && given.output !== 'json') throw new UsageError('-o must be json');
  const saved = await readSavedStatus(client, namespace);
  if (!('status' in saved)) {
    console.error(`autopilot status: ${saved.missing}`);
    return 1;
  }
  const view = viewAsOf(saved.status, Date.now());
  if (given.output === 'json') console.log(JSON.stringify(view, null, 2));
  else for (const line of statusLines(view, saved.status, Date.now())) console.log(line);
  return 0;
}

/** The view as the seed's status report reads, one fact per line. */
export function statusLines(view: AureaStatusView, saved: SavedStatus, now: number): string[] {
  const { performance: perf, goals, learning } = view;
  const ago = duration(Math.max(0, now - Date.parse(saved.at)));
  const trend = perf.successRateTrend;
  const lines = [
    `AUREA        ${view.running ? 'running' : 'not running'} (leader ${saved.leader}, last cycle ${ago} ago), autonomy ${view.autonomyLevel}`,
    `Cycles       ${view.cyclesCompleted} completed${perf.averageCycleSeconds === undefined ? '' : `, ${duration(perf.averageCycleSeconds * 1000)} on average`}`,
    `Decisions    ${view.decisionsMade} made; success rate ${perf.recentSuccessRate === undefined ? 'not judged yet' : pct(perf.recentSuccessRate)}${trend.length > 1 ? ` (${trend.map(pct).join(' → ')})` : ''}`,
    `Health       ${view.healthScore === undefined ? 'unknown' : `${view.healthScore}/100`}`,
    `Goals        ${goals.active} active, ${goals.achieved} achieved, ${goals.total} in all`,
    ...goals.activeGoals.map(
      (g) =>
        `  ${g.name}  ${g.metric}  ${g.progress === undefined ? 'not measured' : `${g.progress}%`}  priority ${g.priority}  ${g.description}`,
    ),
    `Learning     ${learning.learnings} learnings, ${learning.selfImprovementActions} self-improvement actions; extra confirmations: ${
      Object.entries(learning.adjustments)
        .map(([key, n]) => `${key} +${n}`)
        .join(', ') || 'none'
    }`,
    ...learning.recentLearnings.map(
      (l) => `  ${l.at}  ${l.key} ${l.before} → ${l.after} (${l.change}): ${l.reason}`,
    ),
    `Patterns     ${learning.recentPatterns.length ? '' : 'none recently'}`.trimEnd(),
    ...learning.recentPatterns.map(
      (p) =>
        `  ${p.key} (confidence ${num(p.confidence)}, ${p.frequency}× since ${p.firstSeen}): ${p.description}`,
    ),
  ];
  return lines;
}
