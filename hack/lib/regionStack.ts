// A RegionPair's whole world on this machine, for the region e2e tests and `npm run bench:region`: three
// local clusters (us-east the primary, us-west the backup, a DNS cluster), the real DNS stack (external-dns
// + CoreDNS), the region endpoints as local HTTP servers, kubeconfig Secrets, the CRDs, and one operator
// per region (`autopilot run --region`).
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, openSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { NAMESPACES } from '../../src/api/resources.js';
import { REGION_PAIRS, type RegionPairResource } from '../../src/api/v1alpha1/index.js';
import { KubeClient, loadKubeConfig } from '../../src/runtime/client.js';
import { installCrds } from './crds.js';
import { startDnsStack, type DnsStack } from './dns.js';
import { Gateway, HEALTH_PATH } from './gateways.js';
import { buildTools } from './localCluster.js';
import { freePort } from './prometheus.js';
import { portableKubeconfig, putKubeconfigSecret, regionsDown, regionsUp, type Regions } from './regions.js';

const run = promisify(execFile);
const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export const EAST = 'us-east';
export const WEST = 'us-west';
export type RegionName = typeof EAST | typeof WEST;
export const TARGETS: Record<RegionName, string> = { [EAST]: '10.0.0.1', [WEST]: '10.0.0.2' };
export const ZONE = 'region.test';
export const HOSTNAME = `shop.${ZONE}`;
/** The RegionPair's namespace in both regions; the DNS cluster's records and Lease live in `dns`. */
export const NS = 'shop';
export const DNS_NS = 'dns';
/** The label a pair's `warmup.selector` names, on the shop's Deployments. */
export const PART_OF = { 'app.kubernetes.io/part-of': 'storefront' };

/** The shop's web tier in one region at `replicas`: what a region taking over warms its own up to. */
export const webDeployment = (replicas: number) => ({
  metadata: { name: 'web', namespace: NS, labels: PART_OF },
  spec: {
    replicas,
    selector: { matchLabels: { app: 'web' } },
    template: {
      metadata: { labels: { app: 'web' } },
      spec: { containers: [{ name: 'web', image: 'example/shop:1' }] },
    },
  },
});

export interface RegionOperator {
  child: ChildProcess;
  /** Its pino JSON log. */
  logFile: string;
  metricsUrl: string;
  exited: Promise<number | null>;
}

export interface RegionStack {
  regions: Regions;
  /** Where the operators' logs are (kept after stop, for a look after a failure). */
  logDir: string;
  dns: DnsStack;
  clients: Record<RegionName | 'dns', KubeClient>;
  /** us-east's endpoint as us-east's operator reaches it, and as us-west's does (cut alone: a partition). */
  eastEndpoint: Gateway;
  eastSeenFromWest: Gateway;
  westEndpoint: Gateway;
  /** Fails us-east's endpoint as both regions see it (an outage), or restores it. */
  eastOutage(down: boolean): void;
  /** The RegionPair as Git holds it, with `overrides` of its spec, and the endpoint each region reaches us-east at. */
  manifest(name: string, region: RegionName, spec?: Partial<RegionPairResource['spec']>): RegionPairResource;
  /** Applies the pair to both regions' clusters. */
  applyPair(name: string, spec?: Partial<RegionPairResource['spec']>): Promise<void>;
  startOperator(region: RegionName, flags?: string[]): Promise<RegionOperator>;
  stop(): Promise<void>;
}

/**
 * Starts the stack on clusters `<prefix>-primary`, `-backup` and `-dns`; a role in `given` is played by that
 * cluster (the chart e2e's, as us-west), which stop leaves running.
 */
export async function startRegionStack(prefix: string, given: Partial<Regions> = {}): Promise<RegionStack> {
  const regions = await regionsUp(prefix, given);
  const gateways: Gateway[] = [];
  let dns: DnsStack | undefined;
  const operators: RegionOperator[] = [];
  const logDir = mkdtempSync(join(tmpdir(), 'autopilot-region-'));
  const stop = async () => {
    for (const operator of operators) {
      operator.child.kill('SIGTERM');
      await operator.exited;
    }
    await Promise.all(gateways.map((g) => g.close()));
    await dns?.stop();
    await regionsDown(prefix, given);
  };
  try {
    dns = await startDnsStack({ kubeconfig: regions.dns.kubeconfig, zone: ZONE });
    const clusterOf = (region: RegionName) => (region === EAST ? regions.primary : regions.backup);
    const clients = {
      [EAST]: new KubeClient(loadKubeConfig(regions.primary.kubeconfig)),
      [WEST]: new KubeClient(loadKubeConfig(regions.backup.kubeconfig)),
      dns: new KubeClient(loadKubeConfig(regions.dns.kubeconfig)),
    };
    await clients.dns.apply(NAMESPACES, { metadata: { name: DNS_NS } });
    const [eastEndpoint, eastSeenFromWest, westEndpoint] = await Promise.all([
      Gateway.start(EAST),
      Gateway.start(`${EAST}-from-${WEST}`),
      Gateway.start(WEST),
    ]);
    gateways.push(eastEndpoint, eastSeenFromWest, westEndpoint);
    const bin = await buildTools();
    const dnsKubeconfig = await portableKubeconfig(regions.dns);
    for (const region of [EAST, WEST] as const) {
      const cluster = clusterOf(region);
      const other = region === EAST ? WEST : EAST;
      await installCrds(
        async (...args) =>
          (await run(join(bin, 'kubectl'), ['--kubeconfig', cluster.kubeconfig, ...args])).stdout,
      );
      await clients[region].apply(NAMESPACES, { metadata: { name: NS } });
      await putKubeconfigSecret(cluster, NS, { name: 'dns-kubeconfig', key: 'kubeconfig' }, dnsKubeconfig);
      await putKubeconfigSecret(
        cluster,
        NS,
        { name: `${other}-kubeconfig`, key: 'kubeconfig' },
        await portableKubeconfig(clusterOf(other)),
      );
    }
    const stack: RegionStack = {
      regions,
      logDir,
      dns,
      clients,
      eastEndpoint,
      eastSeenFromWest,
      westEndpoint,
      eastOutage(down) {
        for (const gateway of [eastEndpoint, eastSeenFromWest]) gateway.health(down ? { status: 503 } : {});
      },
      manifest(name, region, spec = {}) {
        const eastUrl = (region === EAST ? eastEndpoint : eastSeenFromWest).url + HEALTH_PATH;
        return {
          apiVersion: 'autopilot.ventures/v1alpha1',
          kind: 'RegionPair',
          metadata: { name, namespace: NS },
          spec: {
            mode: 'Autonomous',
            primary: {
              name: EAST,
              endpoint: eastUrl,
              dnsTarget: TARGETS[EAST],
              kubeconfigSecretRef: { name: `${EAST}-kubeconfig`, key: 'kubeconfig' },
            },
            backup: {
              name: WEST,
              endpoint: westEndpoint.url + HEALTH_PATH,
              dnsTarget: TARGETS[WEST],
              kubeconfigSecretRef: { name: `${WEST}-kubeconfig`, key: 'kubeconfig' },
            },
            healthCheck: {
              interval: '1s',
              responseTimeMs: 1000,
              availability: 0.5,
              failureThreshold: 3,
              window: 10,
            },
            dns: {
              cluster: { kubeconfigSecretRef: { name: 'dns-kubeconfig', key: 'kubeconfig' } },
              namespace: DNS_NS,
              endpointName: name,
              hostname: HOSTNAME,
              recordType: 'A',
              ttl: 1,
              nameservers: [`127.0.0.1:${dns!.port}`],
            },
            fencing: { leaseName: `${name}-fencing`, heartbeatInterval: '1s', heartbeatTimeout: '4s' },
            replication: { enabled: false, selector: {}, interval: '30s' },
            failoverObjectiveSeconds: 30,
            failback: { automatic: false, healthyChecks: 3, minimumHold: '0s' },
            ...spec,
          },
        };
      },
      async applyPair(name, spec) {
        for (const region of [EAST, WEST] as const) {
          await clients[region].apply(REGION_PAIRS, stack.manifest(name, region, spec));
        }
      },
      async startOperator(region, flags = []) {
        const metrics = await freePort();
        const health = await freePort();
        const logFile = join(logDir, `${region}-${operators.length}.log`);
        const log = openSync(logFile, 'a');
        const child = spawn(
          process.execPath,
          [
            '--import',
            'tsx',
            join(repoRoot, 'src/cli/main.ts'),
            'run',
            `--region=${region}`,
            `--namespace=${NS}`,
            '--leader-elect=false',
            `--metrics-bind-address=127.0.0.1:${metrics}`,
            `--health-probe-bind-address=127.0.0.1:${health}`,
            ...flags,
          ],
          {
            cwd: repoRoot,
            env: { ...process.env, KUBECONFIG: clusterOf(region).kubeconfig, POD_NAME: `op-${region}` },
            stdio: ['ignore', log, log],
          },
        );
        const operator = {
          child,
          logFile,
          metricsUrl: `http://127.0.0.1:${metrics}`,
          exited: new Promise<number | null>((done) => child.once('exit', (code) => done(code))),
        };
        operators.push(operator);
        return operator;
      },
      stop,
    };
    return stack;
  } catch (err) {
    await stop();
    throw err;
  }
}
