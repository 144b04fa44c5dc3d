// `autopilot plan [-n NS]`: what the operator would decide for each Venture right now, changing nothing.
import { parseArgs } from 'node:util';
import { VENTURES, type VentureResource } from '../api/v1alpha1/index.js';
import { DEPLOYMENTS } from '../api/resources.js';
import { deploymentNameOf, type Deployment } from '../controllers/venture/workload.js';
import { TerminationLedger } from '../controllers/venture/ledger.js';
import { HOUR_MS, planVenture } from '../controllers/venture/plan.js';
import { KubeClient, loadKubeConfig } from '../runtime/client.js';
import { runSettings } from './run.js';

export const planUsage = `usage: autopilot plan [-n NAMESPACE | -A] [--prometheus-address URL] [--default-mode MODE]

Reads each Venture's metrics and prints the decision the operator would record now, with its reason.
Nothing is written. Operator flags such as --terminations-per-hour apply as they do to autopilot run.`;

const pad = (rows: string[][]) => {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) =>
    r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  '),
  );
};

export async function planCommand(argv: string[]): Promise<number> {
  const { values, tokens } = parseArgs({
    args: argv,
    strict: false,
    tokens: true,
    options: { namespace: { type: 'string', short: 'n' }, 'all-namespaces': { type: 'boolean', short: 'A' } },
  });
  // The remaining flags are autopilot run's operator settings.
  const rest = tokens
    .filter((t) => t.kind === 'option' && !['namespace', 'all-namespaces'].includes(t.name))
    .map((t) =>
      t.kind === 'option' && t.value !== undefined
        ? `--${t.name}=${t.value}`
        : `--${(t as { name: string }).name}`,
    );
  const settings = runSettings(rest);
  const kubeConfig = loadKubeConfig(settings.kubeconfig);
  const client = new KubeClient(kubeConfig);
  const namespace = values['all-namespaces']
    ? undefined
    : ((values.namespace as string | undefined) ??
      kubeConfig.getContextObject(kubeConfig.currentContext)?.namespace ??
      'default');
  const { items } = await client.list<VentureResource>(VENTURES, namespace);
  const now = Date.now();
  // One ledger for the run, as the operator keeps one: a second termination in a namespace shows as rate-limited.
  const ledger = new TerminationLedger(HOUR_MS);
  const rows = [['NAMESPACE', 'NAME', 'PHASE', 'HEALTH', 'DECISION', 'STATE', 'REASON']];
  for (const venture of items) {
    const { namespace: ns, name } = venture.metadata;
    if (venture.status?.phase === 'Terminated') {
      rows.push([ns, name, 'Terminated', '-', '-', '-', 'terminated; nothing left to decide']);
      continue;
    }
    const portfolio = items.filter((v) => v.metadata.namespace === ns);
    const deployment = await client.find<Deployment>(DEPLOYMENTS, ns, deploymentNameOf(venture));
    const plan = await planVenture(client, venture, {
      portfolio,
      settings: settings.ventures,
      now,
      deployment,
      ledger,
    });
    const health = plan.audit.metricsAvailable ? `${plan.audit.health.score} ${plan.audit.health.tier}` : '-';
    rows.push([
      ns,
      name,
      venture.status?.phase ?? 'Pending',
      health,
      plan.decision.action,
      plan.decision.state,
      plan.decision.reason,
    ]);
  }
  if (rows.length === 1) console.log(`no Ventures in ${namespace ?? 'any namespace'}`);
  else for (const line of pad(rows)) console.log(line);
  return 0;
}
