// The five CRDs on a real API server: established, samples accepted with defaults, bad input rejected
// with the same message `autopilot validate` gives (or, for a validate-only fixture, accepted by the server
// and rejected by validate), YAML read as kubectl reads it, and kubectl's columns, categories and explain.
import { beforeAll, describe, expect, it } from '@jest/globals';
import { ApiException, CustomObjectsApi } from '@kubernetes/client-node';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { ManifestValidator } from '../../../src/api/validation.js';
import { readManifests } from '../../../src/cli/validate.js';
import { GROUP, VERSION, kinds } from '../../../src/api/v1alpha1/index.js';
import { installCrds, repoRoot } from '../support/crds.js';
import { kubeConfigFrom, useNamespace, waitFor } from '../support/kube.js';
import { kubectl } from '../support/kubectl.js';

type Manifest = { kind: string; metadata: { name: string }; spec: Record<string, unknown> };

const kc = kubeConfigFrom();
const custom = kc.makeApiClient(CustomObjectsApi);
const ns = useNamespace('api');
const validator = new ManifestValidator();
const pluralOf = (kind: string) => kinds.find((k) => k.kind === kind)!.plural;

function create(doc: Manifest, dryRun?: 'All') {
  return custom.createNamespacedCustomObject({
    group: GROUP,
    version: VERSION,
    namespace: ns.name,
    plural: pluralOf(doc.kind),
    body: doc,
    fieldValidation: 'Strict', // what kubectl apply does by default
    ...(dryRun && { dryRun }),
  });
}

const samplesDir = join(repoRoot, 'config', 'samples');
const samples = readdirSync(samplesDir).map((file) => ({
  file,
  doc: parse(readFileSync(join(samplesDir, file), 'utf8')) as Manifest,
}));

/**
 * Each fixture's header says what `autopilot validate` reports (`# expect-path:`, `# expect:`), what the API
 * server says when its words differ (`# expect-server:`, e.g. a value it cannot decode), or that the server
 * accepts it (`# validate-only:` and why: PromQL is beyond the server's reach).
 */
const invalidDir = join(repoRoot, 'test', 'fixtures', 'invalid');
const invalid = readdirSync(invalidDir).map((file) => {
  const text = readFileSync(join(invalidDir, file), 'utf8');
  const header = (name: string) => new RegExp(`^# ${name}: (.+)$`, 'm').exec(text)?.[1];
  const [path, message] = [header('expect-path'), header('expect')];
  if (!path || !message) throw new Error(`${file} lacks its # expect-path: and # expect: lines`);
  // Read as kubectl reads it, so the server sees what kubectl would send.
  const doc = readManifests(text)[0]!.value as Manifest;
  return { file, path, message, server: header('expect-server'), validateOnly: header('validate-only'), doc };
});

beforeAll(async () => {
  await installCrds();
}, 60_000);

describe('the AutoPilot CRDs', () => {
  it('are all Established with short names and the autopilot category', async () => {
    const out = await kubectl('api-resources', '--api-group', GROUP, '--no-headers');
    for (const kind of kinds) {
      expect(out).toMatch(
        new RegExp(
          `^${kind.plural}\\s+${kind.shortNames[0]}\\s+${GROUP}/${VERSION}\\s+true\\s+${kind.kind}\\s*$`,
          'm',
        ),
      );
    }
    const categories = await kubectl('api-resources', '--categories', 'autopilot', '-o', 'name');
    expect(categories.trim().split('\n').sort()).toEqual(kinds.map((k) => `${k.plural}.${GROUP}`).sort());
  });

  it('accept every sample, filling in the seed defaults', async () => {
    expect(samples).toHaveLength(5);
    // A just-established CRD can take a moment to be served; the first create polls.
    await waitFor('the first sample to be accepted', () => create(samples[0]!.doc));
    for (const { doc } of samples.slice(1)) await create(doc);

    const venture = (await custom.getNamespacedCustomObject({
      group: GROUP,
      version: VERSION,
      namespace: ns.name,
      plural: 'ventures',
      name: 'saas-analytics',
    })) as Manifest & {
      spec: { policy: { terminate: Record<string, number>; scale: Record<string, number> } };
    };
    expect(venture.spec.policy.terminate).toEqual({
      profitMargin: -0.2,
      roi: -0.5,
      burnRate: 1000,
      runwayMonths: 3,
      consecutiveLosses: 3,
    });
    expect(venture.spec.policy.scale).toEqual({
      profitMargin: 0.3,
      roi: 1,
      growthRate: 0.2,
      customerSatisfaction: 0.8,
    });
  });

  it('pass `autopilot validate` on every sample', () => {
    for (const { file, doc } of samples) expect([file, validator.validate(doc)]).toEqual([file, []]);
  });

  it.each(invalid.filter((c) => !c.validateOnly).map((c) => [c.file, c] as const))(
    'rejects %s on the API server and in autopilot validate, with the same message',
    async (_file, { path, message, server, doc }) => {
      const rejection = await create(doc, 'All').then(
        () => undefined,
        (err: unknown) => err,
      );
      expect(rejection).toBeInstanceOf(ApiException);
      const { code, body } = rejection as ApiException<string>;
      expect([400, 422]).toContain(code); // 400: decoding (unknown field, wrong type); 422: schema and CEL
      const serverMessage = (JSON.parse(body) as { message: string }).message;
      if (server) expect(serverMessage).toContain(server);
      else {
        expect(serverMessage).toContain(path);
        expect(serverMessage).toContain(message);
      }

      const offline = validator.validate(doc);
      expect(offline).toContainEqual(
        expect.objectContaining({ path, message: expect.stringContaining(message) }),
      );
    },
  );

  it.each(invalid.filter((c) => c.validateOnly).map((c) => [c.file, c] as const))(
    'accepts %s on the API server, and autopilot validate rejects it',
    async (_file, { path, message, doc }) => {
      await create(doc, 'All');
      expect(validator.validate(doc)).toContainEqual({ path, message: expect.stringContaining(message) });
    },
  );

  it('reads YAML as kubectl does', async () => {
    const file = join(repoRoot, 'test', 'fixtures', 'yaml', 'spellings.yaml');
    const read = JSON.parse(
      await kubectl('create', '--dry-run=client', '-o', 'json', '-n', ns.name, '-f', file),
    ) as Manifest;
    expect(read.spec).toHaveProperty('oct', 493); // kubectl itself read YAML 1.1
    expect((readManifests(readFileSync(file, 'utf8'))[0]!.value as Manifest).spec).toEqual(read.spec);
  });

  it('shows the columns of `kubectl get ventures` and `kubectl get ag` and lists all kinds under `kubectl get autopilot`', async () => {
    const ventures = await kubectl('get', 'vt', '-n', ns.name);
    expect(ventures.split('\n')[0]).toMatch(
      /^NAME\s+PHASE\s+HEALTH\s+MARGIN\s+ROI\s+REPLICAS\s+DECISION\s+AGE$/,
    );
    expect(ventures).toMatch(/^saas-analytics\s/m);

    const goals = await kubectl('get', 'ag', '-n', ns.name);
    expect(goals.split('\n')[0]).toMatch(
      /^NAME\s+METRIC\s+CURRENT\s+TARGET\s+PROGRESS\s+PHASE\s+FORECAST\s+AGE$/,
    );
    expect(goals).toMatch(/^decision-success-rate\s+decision_success_rate\s+0.9\s/m);

    const all = await kubectl('get', 'autopilot', '-n', ns.name);
    for (const line of [
      'venture.autopilot.ventures/saas-analytics',
      'fallbackprotocol.autopilot.ventures/payments',
      'regionpair.autopilot.ventures/storefront',
      'agentspawn.autopilot.ventures/marketing-agents',
      'aureagoal.autopilot.ventures/decision-success-rate',
    ]) {
      expect(all).toContain(line);
    }
  });

  it('teaches through `kubectl explain`', async () => {
    const explained = await waitFor('kubectl explain to know the Venture schema', () =>
      kubectl('explain', 'venture.spec.policy.terminate'),
    );
    expect(explained).toContain('Termination thresholds: an audit fails when any is crossed.');
    expect(explained).toMatch(/profitMargin\s+<number>/);
    // Every duration states its minimum (or what 0s means).
    expect(await kubectl('explain', 'venture.spec.metrics.interval')).toMatch(/At least\s+1s\./);
    expect(await kubectl('explain', 'venture.spec.policy.gracePeriod')).toMatch(/0s\s+deletes\s+it/);
  });

  it('scales a Venture through the scale subresource, within its bounds', async () => {
    await kubectl('scale', 'venture', 'saas-analytics', '-n', ns.name, '--replicas', '4');
    const scaled = (await custom.getNamespacedCustomObject({
      group: GROUP,
      version: VERSION,
      namespace: ns.name,
      plural: 'ventures',
      name: 'saas-analytics',
    })) as Manifest;
    expect(scaled.spec.replicas).toBe(4);
    await expect(
      kubectl('scale', 'venture', 'saas-analytics', '-n', ns.name, '--replicas', '50'),
    ).rejects.toThrow('replicas must not exceed scaling.maxReplicas');
  });
});
