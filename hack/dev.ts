// `npm run dev`: a local cluster (or KUBECONFIG), the CRDs, two sample venture apps, the sample agents,
// Prometheus and the operator, with two demo ventures, a population of agents and a demo gateway pair whose
// primary fails now and then (so the FallbackProtocol fails over and back), so a new user watches AutoPilot
// decide. Ctrl-C stops all but the cluster. `npm run dev -- --regions` starts the RegionPair world instead
// (hack/devRegions.ts).
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { environmentFor, initialKnowledge, random } from '../examples/agent-app/bandit.js';
import { agentObjects, startAgentApp } from './lib/agentApp.js';
import { installCrds } from './lib/crds.js';
import { runRegionDemo } from './devRegions.js';
import { buildTools, clusterUp } from './lib/localCluster.js';
import { Gateway, HEALTH_PATH } from './lib/gateways.js';
import { narrate } from './lib/narrate.js';
import { LocalPrometheus, PROMETHEUS_BINARY } from './lib/prometheus.js';
import { startVentureApp } from './lib/ventureApp.js';
import { WebhookReceiver } from './lib/webhookReceiver.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const DEV_CLUSTER = 'autopilot';
const NAMESPACE = 'autopilot-demo';
const children: ChildProcess[] = [];

const numbers = {
  'demo-winner': { revenue: 50_000, costs: 12_000, satisfaction: 0.92, cash: 250_000, customers: 900 },
  'demo-loser': { revenue: 2_000, costs: 9_000, satisfaction: 0.45, cash: 6_000 },
};

function node(
  script: string,
  args: string[],
  env: NodeJS.ProcessEnv = {},
  stdio: 'ignore' | 'pipe' = 'ignore',
) {
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, script), ...args], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', stdio, 'inherit'],
  });
  children.push(child);
  return child;
}

const AGENT_SEED = 7;
/** The demo's agents: the share of their knowledge that names the best arm, from expert to novice. */
const agents = { 'agent-ada': 1, 'agent-bo': 0.7, 'agent-cy': 0.3, 'agent-di': 0 };

/** The agents' Pods and knowledge ConfigMaps, as a List for kubectl apply. */
function agentList(): string {
  const items = Object.entries(agents).flatMap(([name, skill], i) => {
    const data = initialKnowledge(
      environmentFor(AGENT_SEED, 'marketing'),
      skill,
      { epsilon: 0.1, margin: 0.1 },
      random(i + 1),
    );
    const { configMap, pod } = agentObjects(name, data);
    return [configMap, pod];
  });
  return JSON.stringify({ apiVersion: 'v1', kind: 'List', items });
}

async function startApp(venture: keyof typeof numbers): Promise<string> {
  const app = await startVentureApp();
  children.push(app.child);
  await app.set(venture, numbers[venture]);
  return app.target;
}

/** Seconds between two outages of the demo primary gateway, and how long each lasts. */
const OUTAGE_EVERY_S = 90;
const OUTAGE_FOR_S = 30;

/**
 * Two local payment gateways on loopback hosts of their own, a webhook receiver, and the FallbackProtocol
 * `demo-payments` over them; the primary answers 500 for OUTAGE_FOR_S every OUTAGE_EVERY_S.
 */
async function startDemoGateways(apply: (manifest: object) => void) {
  const [stripe, paypal] = await Promise.all([
    Gateway.start('stripe', { host: '127.0.0.2' }),
    Gateway.start('paypal', { host: '127.0.0.3' }),
  ]);
  const receiver = await WebhookReceiver.start();
  apply({
    apiVersion: 'autopilot.ventures/v1alpha1',
    kind: 'FallbackProtocol',
    metadata: { name: 'demo-payments' },
    spec: {
      mode: 'Autonomous',
      targets: [
        { name: 'stripe', url: stripe.url, description: 'primary (fails now and then)' },
        { name: 'paypal', url: paypal.url, description: 'backup' },
      ],
      probe: { interval: '1s', path: HEALTH_PATH },
      trigger: { timeout: '2s', consecutiveFailures: 3, window: 10 },
      failback: { healthyProbes: 5, minimumHold: '20s' },
      routing: { configMap: { name: 'payments-gateway' }, service: { name: 'payments-gateway' } },
      notify: { webhookUrl: receiver.url },
    },
  });
  const outages = setInterval(() => {
    stripe.behave({ status: 500 });
    setTimeout(() => stripe.behave({}), OUTAGE_FOR_S * 1000);
  }, OUTAGE_EVERY_S * 1000);
  return {
    urls: [stripe.url, paypal.url],
    receiver,
    stop: async () => {
      clearInterval(outages);
      await Promise.all([stripe.close(), paypal.close(), receiver.close()]);
    },
  };
}

async function main(): Promise<void> {
  const bin = await buildTools();
  const kubectl = (...args: string[]) => execFileSync(join(bin, 'kubectl'), args, { encoding: 'utf8' });
  let kubeconfig = process.env.KUBECONFIG;
  if (!kubeconfig) {
    kubeconfig = (await clusterUp(DEV_CLUSTER)).kubeconfig;
    process.env.KUBECONFIG = kubeconfig;
  }
  console.log(`cluster: KUBECONFIG=${kubeconfig}`);
  await installCrds((...args) => Promise.resolve(kubectl(...args)));
  execFileSync(join(bin, 'kubectl'), ['apply', '-f', '-'], {
    input: kubectl('create', 'namespace', NAMESPACE, '--dry-run=client', '-o', 'yaml'),
  });

  if (!existsSync(PROMETHEUS_BINARY)) {
    throw new Error(
      `${PROMETHEUS_BINARY} not found: install Debian's prometheus package (apt-get install prometheus)`,
    );
  }
  const targets = [await startApp('demo-winner'), await startApp('demo-loser')];
  execFileSync(join(bin, 'kubectl'), ['apply', '-n', NAMESPACE, '-f', '-'], { input: agentList() });
  const agentApp = await startAgentApp({
    kubeconfig,
    namespace: NAMESPACE,
    selector: 'app=agent',
    seed: AGENT_SEED,
  });
  children.push(agentApp.child);
  const prometheus = await LocalPrometheus.start([...targets, agentApp.target]);
  console.log(
    `venture apps: ${targets.join(', ')}   agent app: ${agentApp.target}   prometheus: ${prometheus.address}`,
  );

  kubectl('apply', '-n', NAMESPACE, '-f', join(root, 'config', 'demo', 'ventures.yaml'));
  kubectl('apply', '-n', NAMESPACE, '-f', join(root, 'config', 'demo', 'agents.yaml'));
  const gateways = await startDemoGateways((manifest) =>
    execFileSync(join(bin, 'kubectl'), ['apply', '-n', NAMESPACE, '-f', '-'], {
      input: JSON.stringify(manifest),
    }),
  );
  console.log(
    `gateways: ${gateways.urls.join(', ')} (the first fails for ${OUTAGE_FOR_S} s every ${OUTAGE_EVERY_S} s)   webhook: ${gateways.receiver.url}`,
  );
  const operator = node(
    'src/cli/main.ts',
    [
      'run',
      `--namespace=${NAMESPACE}`,
      `--prometheus-address=${prometheus.address}`,
      '--leader-elect=false',
      '--metrics-bind-address=127.0.0.1:8080',
      '--health-probe-bind-address=127.0.0.1:8081',
    ],
    {},
    'pipe',
  );
  narrate(operator);
  // The winner grows 25 % a business period (10 s): past the 20 % growth threshold, so it scales.
  const winner = { ...numbers['demo-winner'] };
  const growth = setInterval(() => {
    winner.revenue = Math.round(winner.revenue * 1.25);
    winner.costs = Math.round(winner.costs * 1.1);
    void fetch(`http://${targets[0]}/ventures/demo-winner`, {
      method: 'POST',
      body: JSON.stringify(winner),
    }).catch(() => {});
  }, 10_000);
  console.log(`operator: metrics http://127.0.0.1:8080/metrics, health http://127.0.0.1:8081/readyz

Watch it decide (in another shell):
  export KUBECONFIG=${kubeconfig} PATH=${bin}:$PATH
  kubectl get ventures -n ${NAMESPACE} -w
  kubectl get fallbackprotocols -n ${NAMESPACE} -w
  kubectl get events -n ${NAMESPACE} --field-selector involvedObject.kind=Venture
  kubectl get agentspawns -n ${NAMESPACE} -w
  kubectl get pods -n ${NAMESPACE} -l app=agent -L autopilot.ventures/parent,autopilot.ventures/generation
Change a venture's numbers:
  curl -X POST http://${targets[1]}/ventures/demo-loser -d '{"revenue": 30000}'
Ctrl-C stops the operator, apps and Prometheus; npm run cluster:down -- --name ${DEV_CLUSTER} removes the cluster.
`);
  const stop = async () => {
    clearInterval(growth);
    for (const child of children) child.kill('SIGTERM');
    await Promise.all([prometheus.close(), gateways.stop()]);
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}

const { values } = parseArgs({ options: { regions: { type: 'boolean', default: false } } });
(values.regions ? runRegionDemo() : main()).catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  for (const child of children) child.kill('SIGTERM');
  process.exit(1);
});
