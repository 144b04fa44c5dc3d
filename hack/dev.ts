// `npm run dev`: bring up the local development cluster (or use KUBECONFIG) and say how to reach it.
import { buildTools, clusterUp } from './lib/localCluster.js';

const DEV_CLUSTER = 'autopilot';

async function main(): Promise<void> {
  let kubeconfig = process.env.KUBECONFIG;
  if (kubeconfig) {
    console.log(`Using the cluster in KUBECONFIG=${kubeconfig}`);
  } else {
    const bin = await buildTools();
    const started = performance.now();
    kubeconfig = (await clusterUp(DEV_CLUSTER)).kubeconfig;
    console.log(
      `Local cluster '${DEV_CLUSTER}' is up (${((performance.now() - started) / 1000).toFixed(1)} s).`,
    );
    console.log(`\nReach it with:\n  export KUBECONFIG=${kubeconfig}\n  export PATH=${bin}:$PATH`);
    console.log(`  kubectl get nodes`);
    console.log(`\nStop it with: npm run cluster:down -- --name ${DEV_CLUSTER}`);
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
