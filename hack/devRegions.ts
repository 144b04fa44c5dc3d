// `npm run dev -- --regions`: the RegionPair world of the region e2e tests on this machine (hack/lib/regionStack.ts:
// three local clusters, external-dns + CoreDNS, the region endpoints, one operator per region) with a demo pair
// whose primary's endpoint fails for 30 s every 90 s, so a user watches a failover through real DNS and the
// automatic failback. Ctrl-C stops everything it started, the three clusters included.
import { DEPLOYMENTS } from '../src/api/resources.js';
import { buildTools } from './lib/localCluster.js';
import { narrateLogFile } from './lib/narrate.js';
import { regionClusterName, REGION_ROLES } from './lib/regions.js';
import {
  DNS_NS,
  EAST,
  HOSTNAME,
  NS,
  PART_OF,
  startRegionStack,
  TARGETS,
  WEST,
  webDeployment,
  type RegionStack,
} from './lib/regionStack.js';

/** The clusters are `autopilot-region-primary` (us-east), `-backup` (us-west) and `-dns`. */
const PREFIX = 'autopilot-region';
const PAIR = 'storefront';
/** Seconds between two outages of us-east's endpoint, and how long each lasts. */
const OUTAGE_EVERY_S = 90;
const OUTAGE_FOR_S = 30;

const clock = () => new Date().toISOString().slice(11, 19);

/** The demo pair over a started stack: us-east serves at 3 replicas, us-west idles at 1 and fails back on its own. */
async function startDemoPair(stack: RegionStack) {
  await stack.clients[EAST].apply(DEPLOYMENTS, webDeployment(3));
  await stack.clients[WEST].apply(DEPLOYMENTS, webDeployment(1));
  await stack.applyPair(PAIR, {
    warmup: { selector: PART_OF },
    failback: { automatic: true, healthyChecks: 5, minimumHold: '20s' },
  });
  const operators = [await stack.startOperator(EAST), await stack.startOperator(WEST)];
  const quiet = [
    narrateLogFile(operators[0]!.logFile, `${EAST} `),
    narrateLogFile(operators[1]!.logFile, `${WEST} `),
  ];
  const outages = setInterval(() => {
    console.log(`${clock()} us-east's endpoint fails (503) for ${OUTAGE_FOR_S} s`);
    stack.eastOutage(true);
    setTimeout(() => {
      console.log(`${clock()} us-east's endpoint is healthy again`);
      stack.eastOutage(false);
    }, OUTAGE_FOR_S * 1000);
  }, OUTAGE_EVERY_S * 1000);
  return {
    operators,
    stop() {
      clearInterval(outages);
      for (const stopNarrating of quiet) stopNarrating();
    },
  };
}

export async function runRegionDemo(): Promise<void> {
  // A Ctrl-C while the clusters start fails the step under way (its kubectl or kwokctl gets the signal too),
  // and startRegionStack removes what it started; one between steps stops the demo as soon as it is up.
  let interrupted = false;
  const early = () => {
    interrupted = true;
    console.log('stopping once the start ends (a second Ctrl-C leaves what runs; see below)');
  };
  process.once('SIGINT', early);
  process.once('SIGTERM', early);
  const clusters = REGION_ROLES.map((role) => regionClusterName(PREFIX, role));
  const downCommand = clusters.map((name) => `npm run cluster:down -- --name ${name}`).join('; ');
  console.log(`starting ${clusters.join(', ')} (a few minutes), external-dns, CoreDNS and two operators`);
  const bin = await buildTools();
  const stack = await startRegionStack(PREFIX);
  const demo = await startDemoPair(stack).catch(async (err: unknown) => {
    await stack.stop();
    throw err;
  });
  const { primary, backup, dns } = stack.regions;
  const firstOutage = new Date(Date.now() + OUTAGE_EVERY_S * 1000).toISOString().slice(11, 19);
  console.log(`
RegionPair ${PAIR} in namespace ${NS} of both regions: ${HOSTNAME} answers ${TARGETS[EAST]} while us-east serves,
${TARGETS[WEST]} once us-west took over. us-east's endpoint fails for ${OUTAGE_FOR_S} s every ${OUTAGE_EVERY_S} s (first at ${firstOutage} UTC);
us-west fails over, warming its Deployment web to us-east's 3 replicas first, and offers the record back once
us-east has passed 5 checks and us-west has served 20 s.

Watch it (in other shells; dig is in Debian's dnsutils):
  export PATH=${bin}:$PATH
  kubectl --kubeconfig ${primary.kubeconfig} get regionpairs -n ${NS} -w   # us-east's view
  kubectl --kubeconfig ${backup.kubeconfig} get regionpairs -n ${NS} -w    # us-west's view
  dig @127.0.0.1 -p ${stack.dns.port} ${HOSTNAME} +short                   # CoreDNS, fed by external-dns
  kubectl --kubeconfig ${backup.kubeconfig} events -n ${NS} --for regionpair/${PAIR}
  kubectl --kubeconfig ${backup.kubeconfig} get deployments -n ${NS}       # warmed before DNS moves
  kubectl --kubeconfig ${dns.kubeconfig} get leases,dnsendpoints -n ${DNS_NS}         # the fencing record and the DNS record
  KUBECONFIG=${backup.kubeconfig} npx tsx src/cli/main.ts plan -n ${NS}   # autopilot plan in us-west
Operator logs: ${demo.operators.map((o) => o.logFile).join(', ')}
Ctrl-C stops the operators, the DNS stack, the endpoints and the three clusters
(after a hard stop: ${downCommand}).
`);
  const stop = async () => {
    demo.stop();
    await stack.stop();
    console.log(`stopped; ${clusters.join(', ')} removed`);
    process.exit(0);
  };
  process.removeListener('SIGINT', early);
  process.removeListener('SIGTERM', early);
  if (interrupted) return stop();
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}
