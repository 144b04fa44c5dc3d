// `autopilot plan [-n NS | -A]`: what the operator would decide for each object of every kind right now,
// from the same engine and the same flags as `autopilot run`, changing nothing.
import { sharedFlags, type SharedSettings } from '../controllers/shared.js';
import { loadKubeConfig, KubeClient } from '../runtime/client.js';
import { flagHelp, parseFlags, type FlagSet, type FlagValues } from '../runtime/flags.js';
import { createLogger } from '../runtime/log.js';
import type { ControllerModule, PlanRow } from '../runtime/module.js';
import { operatorFlags } from './run.js';

type Modules = readonly ControllerModule<FlagSet, SharedSettings>[];

const planFlags = { kubeconfig: operatorFlags.kubeconfig };

export function planUsage(modules: Modules): string {
  return [
    'usage: autopilot plan [-n NAMESPACE | -A] [flags]',
    '',
    'Reads each object, observes what its controller would observe, and prints the decision the operator',
    'would record now, with its reason. Nothing is written. The operator flags apply as to autopilot run:',
    '',
    ...flagHelp(planFlags),
    ...flagHelp(sharedFlags),
    ...modules.flatMap((m) => flagHelp(m.flags)),
  ].join('\n');
}

/** Aligned columns, the last one left ragged. */
export function columns(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) =>
    r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  '),
  );
}

export async function planCommand(argv: string[], modules: Modules): Promise<number> {
  const { values, extra } = parseFlags(
    [planFlags, sharedFlags, ...modules.map((m) => m.flags)],
    argv,
    process.env,
    {
      namespace: { type: 'string', short: 'n' },
      'all-namespaces': { type: 'boolean', short: 'A' },
    },
  );
  const [own, shared, ...perModule] = values as [
    FlagValues<typeof planFlags>,
    SharedSettings,
    ...Record<string, unknown>[],
  ];
  const kubeConfig = loadKubeConfig(own.kubeconfig);
  const namespace = extra['all-namespaces']
    ? undefined
    : ((extra.namespace as string | undefined) ??
      kubeConfig.getContextObject(kubeConfig.currentContext)?.namespace ??
      'default');
  const scope = {
    client: new KubeClient(kubeConfig),
    namespace,
    now: Date.now(),
    logger: createLogger('warn'),
  };
  const rows = [['KIND', 'NAMESPACE', 'NAME', 'STATUS', 'DECISION', 'STATE', 'REASON']];
  for (const [i, module] of modules.entries()) {
    if (!module.plan) continue;
    const lines: PlanRow[] = await module.plan(scope, { ...shared, ...perModule[i] });
    for (const r of lines)
      rows.push([module.kind, r.namespace, r.name, r.state, r.decision, r.gate, r.reason]);
  }
  if (rows.length === 1) console.log(`no AutoPilot objects in ${namespace ?? 'any namespace'}`);
  else for (const line of columns(rows)) console.log(line);
  return 0;
}
