// CLI for local clusters: `npm run cluster:up -- --name NAME [--nodes N]`, `npm run cluster:down -- --name NAME`.
import { parseArgs } from 'node:util';
import { clusterDown, clusterUp } from './lib/localCluster.js';

const usage = 'usage: tsx hack/cluster.ts up|down --name NAME [--nodes N]';
const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: { name: { type: 'string', default: 'autopilot' }, nodes: { type: 'string', default: '3' } },
});
const [command] = positionals;
const nodes = Number(values.nodes);

async function main(): Promise<void> {
  if (command === 'up') {
    if (!Number.isInteger(nodes) || nodes < 1)
      throw new Error(`--nodes must be a positive integer\n${usage}`);
    const started = performance.now();
    const cluster = await clusterUp(values.name, { nodes });
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    console.log(
      `cluster ${cluster.name} is up with ${nodes} ready node${nodes === 1 ? '' : 's'} in ${seconds} s`,
    );
    console.log(`export KUBECONFIG=${cluster.kubeconfig}`);
  } else if (command === 'down') {
    await clusterDown(values.name);
    console.log(`cluster ${values.name} is down`);
  } else {
    throw new Error(usage);
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
