// What the image and the npm package hold, checked without Docker (no engine runs here): the final stage's
// files (npm ci --omit=dev and dist, as the Dockerfile assembles them) import with production dependencies
// only and run `autopilot run` with the chart's args as uid 65532 on a read-only root filesystem; the packed
// package installs `autopilot` and the kubectl plugin `kubectl-autopilot`.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { installCrds, repoRoot } from '../support/crds.js';
import { useNamespace, waitFor } from '../support/kube.js';
import { kubectl } from '../support/kubectl.js';
import { freePort } from '../support/operator.js';
import { VentureNamespace } from '../support/ventures.js';
import {
  installChart,
  operatorCommand,
  serviceAccountKubeconfig,
  serviceAccountOf,
  toolsBin,
  uninstallChart,
  type Release,
} from './harness.js';

const run = promisify(execFile);
const NONROOT = '65532';
const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as {
  bin: Record<string, string>;
};

const ns = useNamespace('chart-image');
const ventures = new VentureNamespace(ns);
let work: string;
let app: string;
let release: Release | undefined;
let operator: ChildProcess | undefined;

/** A directory another user may enter (mkdtemp makes them 0700). */
function openDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  chmodSync(dir, 0o755);
  return dir;
}

const sh = (cmd: string, args: string[], cwd = repoRoot) =>
  run(cmd, args, { cwd, maxBuffer: 64 * 1024 * 1024 }).then((r) => r.stdout);

beforeAll(async () => {
  work = openDir('autopilot-image-');
  app = join(work, 'app');
  // The Dockerfile's final stage: dist from the build stage, node_modules from `npm ci --omit=dev`.
  await sh(join(repoRoot, 'node_modules', '.bin', 'tsc'), [
    '-p',
    'tsconfig.build.json',
    '--outDir',
    join(app, 'dist'),
  ]);
  cpSync(join(repoRoot, 'package.json'), join(app, 'package.json'));
  cpSync(join(repoRoot, 'package-lock.json'), join(app, 'package-lock.json'));
  await sh('npm', ['ci', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund'], app);
  await installCrds();
}, 600_000);

afterAll(async () => {
  operator?.kill('SIGKILL');
  if (release) await uninstallChart(release);
  if (release) await kubectl('delete', 'namespace', release.namespace, '--wait=false', '--ignore-not-found');
}, 120_000);

/** node_modules/… paths the lockfile marks dev: needed by development only, by no production package. */
function devOnlyPackages(): string[] {
  const lock = JSON.parse(readFileSync(join(repoRoot, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, { dev?: boolean }>;
  };
  return Object.entries(lock.packages)
    .filter(([path, entry]) => path && entry.dev)
    .map(([path]) => path);
}

const files = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : [join(dir, e.name)],
  );

describe('the image file set', () => {
  it('holds no development-only dependency', () => {
    const devOnly = devOnlyPackages();
    expect(devOnly.length).toBeGreaterThan(100);
    expect(devOnly.filter((path) => existsSync(join(app, path)))).toEqual([]);
    expect(existsSync(join(app, 'node_modules', '@kubernetes', 'client-node'))).toBe(true);
  });

  it('imports every module of dist with production dependencies only', async () => {
    // main.js runs the CLI when imported; it is run below instead.
    const modules = files(join(app, 'dist'))
      .filter((f) => f.endsWith('.js') && !f.endsWith(join('cli', 'main.js')))
      .map((f) => `./${relative(app, f)}`);
    expect(modules.length).toBeGreaterThan(20);
    const script = `for (const m of ${JSON.stringify(modules)}) await import(m); console.log('imported', ${modules.length});`;
    const out = await sh(process.execPath, ['--input-type=module', '-e', script], app);
    expect(out.trim()).toBe(`imported ${modules.length}`);
  });

  it('runs `autopilot run` with the chart args as uid 65532 on a read-only root filesystem', async () => {
    release = await installChart('autopilot-image', `${ns.name}-system`, {
      watchNamespaces: [ns.name],
      crds: { install: false },
      rbac: { aggregateToDefaultRoles: false },
      operator: { defaultMode: 'Autonomous', prometheusAddress: 'http://127.0.0.1:9' },
    });
    const { args, env } = await operatorCommand(release, 'autopilot-image-0');
    const kubeconfig = await serviceAccountKubeconfig(release, await serviceAccountOf(release));
    const [health, metrics] = [await freePort(), await freePort()];
    const node = process.execPath;
    const argv = [
      ...args,
      `--health-probe-bind-address=127.0.0.1:${health}`,
      `--metrics-bind-address=127.0.0.1:${metrics}`,
    ];
    // A private mount namespace whose root (and /tmp, if it is a mount of its own) is read-only, as
    // readOnlyRootFilesystem makes it; a user that cannot write even where root could; an empty HOME.
    const confined = [
      'mount -o remount,bind,ro / || exit 97',
      '! mountpoint -q /tmp || mount -o remount,bind,ro /tmp || exit 97',
      `for dir in / /tmp "$APP"; do if setpriv --reuid=${NONROOT} --regid=${NONROOT} --clear-groups touch "$dir/.w" 2>/dev/null; then echo "writable: $dir" >&2; exit 98; fi; done`,
      `exec setpriv --reuid=${NONROOT} --regid=${NONROOT} --clear-groups --inh-caps=-all "$@"`,
    ].join('\n');
    operator = spawn(
      'unshare',
      [
        '--mount',
        '--propagation',
        'private',
        'sh',
        '-c',
        confined,
        'confined',
        node,
        'dist/cli/main.js',
        ...argv,
      ],
      {
        cwd: app,
        env: { ...env, APP: app, PATH: process.env.PATH, HOME: '/nonexistent', KUBECONFIG: kubeconfig },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    operator.stdout!.on('data', (c: Buffer) => (output += c.toString()));
    operator.stderr!.on('data', (c: Buffer) => (output += c.toString()));
    const exited = new Promise<number | null>((done) => operator!.once('exit', done));

    await waitFor(
      '/readyz of the confined operator',
      async () => {
        const code = await Promise.race([
          exited.then((c) => `exited ${c}: ${output}`),
          Promise.resolve(undefined),
        ]);
        if (code) throw new Error(code);
        const response = await fetch(`http://127.0.0.1:${health}/readyz`).catch(() => undefined);
        return response?.status === 200 ? true : undefined;
      },
      { timeoutMs: 60_000 },
    ).catch((err: Error) => {
      throw new Error(`${err.message}\noperator output:\n${output}`);
    });
    const uid = /^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${operator.pid}/status`, 'utf8'))?.[1];
    expect(uid).toBe(NONROOT);
    // It acts: a venture in its namespace gets a status (its Prometheus is unreachable, said in a condition).
    await ventures.create('confined');
    const seen = await ventures.until('confined', 'a status from the confined operator', (v) =>
      (v.status?.conditions ?? []).some((c) => c.type === 'MetricsAvailable'),
    );
    expect(seen.status?.conditions?.find((c) => c.type === 'MetricsAvailable')?.reason).toBe(
      'PrometheusUnreachable',
    );
    expect(output).not.toMatch(/EROFS|EACCES|\b403\b|forbidden/i);
  });
});

describe('the npm package', () => {
  let tarball: string;

  beforeAll(async () => {
    // Packed from the same build, with the files package.json lists.
    cpSync(join(repoRoot, 'crds'), join(app, 'crds'), { recursive: true });
    tarball = join(
      work,
      (await sh('npm', ['pack', '--ignore-scripts', '--pack-destination', work], app)).trim(),
    );
  }, 120_000);

  it('holds dist, the CRDs and the bundled Kubernetes client, and no sources or tests', async () => {
    const listing = await sh('tar', ['-tzf', tarball]);
    const paths = listing.split('\n').filter(Boolean);
    expect(paths).toEqual(
      expect.arrayContaining([
        'package/package.json',
        'package/dist/cli/main.js',
        'package/crds/autopilot.ventures_ventures.yaml',
        // Bundled with the undici 7 it resolves here: package.json's overrides do not reach dependents,
        // who would otherwise get client-node's undici 8, which does not load on Node 20.
        'package/node_modules/@kubernetes/client-node/package.json',
        'package/node_modules/undici/package.json',
      ]),
    );
    expect(
      paths.filter((p) => /^package\/(src|test|hack|charts)\/|^package\/dist\/.*\.test\.js$/.test(p)),
    ).toEqual([]);
    const devOnly = devOnlyPackages().map((path) => `package/${path}/package.json`);
    expect(paths.filter((p) => devOnly.includes(p))).toEqual([]);
  });

  it('installs `autopilot` and the kubectl plugin `kubectl-autopilot`, which kubectl runs', async () => {
    const prefix = openDir('autopilot-npm-');
    // As a GitOps repository's CI installs it: the tarball, production dependencies only.
    await sh('npm', [
      'install',
      '--global',
      '--prefix',
      prefix,
      '--omit=dev',
      '--no-audit',
      '--no-fund',
      tarball,
    ]);
    expect(Object.keys(pkg.bin).map((name) => readdirSync(join(prefix, 'bin')).includes(name))).toEqual([
      true,
      true,
    ]);
    const PATH = `${join(prefix, 'bin')}:${await toolsBin()}:${process.env.PATH}`;
    const kubectlAs = (...args: string[]) =>
      run('kubectl', args, { cwd: repoRoot, env: { ...process.env, PATH } }).then(
        (r) => ({ code: 0, out: r.stdout + r.stderr }),
        (err: { code: number; stdout: string; stderr: string }) => ({
          code: err.code,
          out: err.stdout + err.stderr,
        }),
      );
    expect((await kubectlAs('plugin', 'list')).out).toContain(join(prefix, 'bin', 'kubectl-autopilot'));
    const valid = await kubectlAs('autopilot', 'validate', '-f', 'config/samples');
    expect(valid).toMatchObject({ code: 0 });
    const invalid = await kubectlAs(
      'autopilot',
      'validate',
      '-f',
      'test/fixtures/invalid/01-venture-min-above-max.yaml',
    );
    expect(invalid.code).toBe(1);
    expect(invalid.out).toContain('scaling.minReplicas must be less than or equal to scaling.maxReplicas');
    await ventures.create('planned', { mode: 'Observe' });
    const plan = await kubectlAs('autopilot', 'plan', '-n', ns.name);
    expect(plan).toMatchObject({ code: 0 });
    expect(plan.out).toContain('planned');
  });
});
