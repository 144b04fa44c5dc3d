// Installs the Helm chart into the test cluster and runs the operator as the chart would: the rendered
// container's args and env, authenticated as the chart's ServiceAccount. Any kind's e2e can run under this
// identity, so a missing RBAC rule fails a test instead of a user's install.
import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parseAllDocuments, stringify } from 'yaml';
import { kinds } from '../../../src/api/v1alpha1/index.js';
import { crdName } from '../../../src/api/crd.js';
import { repoRoot } from '../support/crds.js';
import { kubeConfigFrom } from '../support/kube.js';
import { kubectl, kubectlApply } from '../support/kubectl.js';
import { scrape, startOperator, sumMetric, type OperatorProcess } from '../support/operator.js';

const run = promisify(execFile);
export const CHART = join(repoRoot, 'charts', 'autopilot');

let bin: string | undefined;
/** The pinned tools (helm, helm-unittest, argocd-health, kubectl): global setup's, else build-tools' cache. */
export async function toolsBin(): Promise<string> {
  bin ??=
    process.env.AUTOPILOT_TOOLS_BIN ??
    (await run('bash', [join(repoRoot, 'hack', 'build-tools.sh')], { cwd: repoRoot })).stdout
      .trim()
      .split('\n')
      .pop()!;
  return bin;
}

/** Runs a pinned tool; rejects with its output when it exits non-zero. */
export async function tool(name: string, ...args: string[]): Promise<string> {
  try {
    const { stdout } = await run(join(await toolsBin(), name), args, {
      cwd: repoRoot,
      maxBuffer: 64 * 1024 * 1024,
    });
    return stdout;
  } catch (err) {
    const { stdout, stderr } = err as { stdout?: string; stderr?: string };
    throw new Error(`${name} ${args.join(' ')} failed:\n${stdout ?? ''}${stderr ?? String(err)}`);
  }
}

export const helm = (...args: string[]) => tool('helm', ...args);

export interface Release {
  name: string;
  namespace: string;
  values: Record<string, unknown>;
  chart: string;
}

function valuesFile(values: Record<string, unknown>): string {
  const file = join(mkdtempSync(join(tmpdir(), 'autopilot-values-')), 'values.json');
  writeFileSync(file, JSON.stringify(values));
  return file;
}

/**
 * CRDs applied with kubectl before (by other e2e tests, or by a user moving to the chart) become the
 * release's, as `helm install` requires: the ownership label and annotations Helm checks.
 */
async function adoptCrds(release: Release): Promise<void> {
  for (const kind of kinds) {
    const name = crdName(kind);
    if (!(await kubectl('get', 'crd', name, '--ignore-not-found', '-o', 'name')).trim()) continue;
    await kubectl('label', '--overwrite', 'crd', name, 'app.kubernetes.io/managed-by=Helm');
    await kubectl(
      'annotate',
      '--overwrite',
      'crd',
      name,
      `meta.helm.sh/release-name=${release.name}`,
      `meta.helm.sh/release-namespace=${release.namespace}`,
    );
  }
}

/**
 * `helm upgrade --install` into `namespace`, created with restricted Pod Security enforced, waiting until
 * the Deployment's Pods were admitted and report ready (kwok's fake nodes run no containers).
 */
export async function installChart(
  name: string,
  namespace: string,
  values: Record<string, unknown>,
  chart = CHART,
): Promise<Release> {
  const release = { name, namespace, values, chart };
  await applyNamespace(namespace);
  if ((values.crds as { install?: boolean } | undefined)?.install !== false) await adoptCrds(release);
  await upgradeChart(release);
  return release;
}

/** The release's namespace, where the API server enforces the restricted Pod Security Standard. */
async function applyNamespace(namespace: string): Promise<void> {
  const manifest = stringify({
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: {
      name: namespace,
      labels: {
        'autopilot.test/e2e': 'true',
        'pod-security.kubernetes.io/enforce': 'restricted',
        'pod-security.kubernetes.io/enforce-version': 'latest',
      },
    },
  });
  await kubectlApply(manifest);
}

/** `helm upgrade` of the release to `chart` (a changed copy, for instance), waiting as install does. */
export async function upgradeChart(release: Release, chart = release.chart): Promise<void> {
  release.chart = chart;
  await helm(
    'upgrade',
    '--install',
    release.name,
    chart,
    '--namespace',
    release.namespace,
    '--values',
    valuesFile(release.values),
    '--wait',
    '--timeout',
    '3m',
  );
}

export async function uninstallChart(release: Release): Promise<void> {
  await helm('uninstall', release.name, '--namespace', release.namespace, '--wait', '--timeout', '2m');
}

/** The rendered chart's documents for the release's values, as `helm template` prints them. */
export async function render(release: Release, ...extra: string[]): Promise<Record<string, unknown>[]> {
  const out = await helm(
    'template',
    release.name,
    release.chart,
    '--namespace',
    release.namespace,
    '--values',
    valuesFile(release.values),
    ...extra,
  );
  return parseAllDocuments(out)
    .map((d) => d.toJS() as Record<string, unknown> | null)
    .filter((d): d is Record<string, unknown> => d !== null);
}

interface Container {
  args?: string[];
  env?: { name: string; value?: string; valueFrom?: { fieldRef?: { fieldPath: string } } }[];
}

/** The operator container's args and env as the chart renders them; downward-API values resolved for `pod`. */
export async function operatorCommand(release: Release, pod: string) {
  const deployment = (await render(release)).find((d) => d.kind === 'Deployment') as {
    spec: { template: { spec: { containers: Container[] } } };
  };
  const container = deployment.spec.template.spec.containers[0]!;
  const fields: Record<string, string> = { 'metadata.name': pod, 'metadata.namespace': release.namespace };
  const env: Record<string, string> = {};
  for (const { name, value, valueFrom } of container.env ?? []) {
    const resolved = value ?? fields[valueFrom?.fieldRef?.fieldPath ?? ''];
    if (resolved === undefined)
      throw new Error(`env ${name}: cannot resolve ${JSON.stringify(valueFrom)} outside a Pod`);
    env[name] = resolved;
  }
  return { args: container.args ?? [], env };
}

/**
 * A kubeconfig that authenticates as the release's ServiceAccount with a TokenRequest token, against the
 * same API server as the test's kubeconfig.
 */
export async function serviceAccountKubeconfig(release: Release, serviceAccount: string): Promise<string> {
  const token = (
    await kubectl('create', 'token', serviceAccount, '-n', release.namespace, '--duration=2h')
  ).trim();
  const admin = kubeConfigFrom();
  const cluster = admin.getCurrentCluster();
  if (!cluster) throw new Error('the test kubeconfig has no current cluster');
  const user = `system:serviceaccount:${release.namespace}:${serviceAccount}`;
  const dir = mkdtempSync(join(tmpdir(), 'autopilot-sa-'));
  chmodSync(dir, 0o755);
  const file = join(dir, 'kubeconfig');
  writeFileSync(
    file,
    stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [
        {
          name: cluster.name,
          cluster: {
            server: cluster.server,
            // Embedded, so a process of another user (a non-root uid) can read the kubeconfig whole.
            ...((cluster.caData ?? cluster.caFile) && {
              'certificate-authority-data':
                cluster.caData ?? readFileSync(cluster.caFile!).toString('base64'),
            }),
            ...(cluster.skipTLSVerify && { 'insecure-skip-tls-verify': true }),
          },
        },
      ],
      users: [{ name: user, user: { token } }],
      contexts: [{ name: user, context: { cluster: cluster.name, user } }],
      'current-context': user,
    }),
    { mode: 0o644 },
  );
  return file;
}

/** The ServiceAccount the release's Deployment runs as. */
export async function serviceAccountOf(release: Release): Promise<string> {
  const deployment = (await render(release)).find((d) => d.kind === 'Deployment') as {
    spec: { template: { spec: { serviceAccountName: string } } };
  };
  return deployment.spec.template.spec.serviceAccountName;
}

/**
 * Starts `autopilot run` from the sources with exactly the chart's args and env, as the chart's
 * ServiceAccount; only the listen addresses are moved to free local ports (startOperator appends them).
 */
export async function startChartOperator(release: Release, pod: string): Promise<ChartOperator> {
  const { args, env } = await operatorCommand(release, pod);
  const kubeconfig = await serviceAccountKubeconfig(release, await serviceAccountOf(release));
  const operator = await startOperator('src/cli/main.ts', pod, args, { ...env, KUBECONFIG: kubeconfig });
  return Object.assign(operator, { args, env, kubeconfig });
}

export type ChartOperator = OperatorProcess & {
  args: string[];
  env: Record<string, string>;
  kubeconfig: string;
};

/**
 * Every sign of a refused request: log lines that mention 403 or Forbidden, and the operator's count of
 * API answers with code 403 (autopilot_rest_client_requests_total).
 */
export async function forbidden(operator: OperatorProcess): Promise<string[]> {
  const lines = operator.logs
    .map((entry) => JSON.stringify(entry))
    .filter((line) => /\b403\b|forbidden/i.test(line));
  const refused = sumMetric(await scrape(operator), 'autopilot_rest_client_requests_total', { code: '403' });
  return refused ? [...lines, `autopilot_rest_client_requests_total{code="403"} = ${refused}`] : lines;
}
