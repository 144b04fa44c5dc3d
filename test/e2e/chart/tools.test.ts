// The chart and the Argo CD health scripts checked by the real tools: helm lint, the helm-unittest suites
// (templates and values.schema.json), argocd-health (gopher-lua, as Argo CD runs health.lua) and promtool
// (the alert rules and the dashboard's queries parse as Prometheus parses them).
import { describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { stringify } from 'yaml';
import { GROUP, kinds } from '../../../src/api/v1alpha1/index.js';
import { repoRoot } from '../support/crds.js';
import { CHART, helm, render, tool } from './harness.js';

const run = promisify(execFile);
const ARGOCD = join(repoRoot, 'argocd');

async function promtool(...args: string[]): Promise<string> {
  try {
    const { stdout } = await run(process.env.PROMTOOL_BINARY ?? '/usr/bin/promtool', args);
    return stdout;
  } catch (err) {
    const { stdout, stderr } = err as { stdout?: string; stderr?: string };
    throw new Error(`promtool ${args.join(' ')} failed:\n${stdout ?? ''}${stderr ?? String(err)}`);
  }
}

const release = { name: 'ap', namespace: 'autopilot-system', chart: CHART, values: {} };

describe('the Helm chart', () => {
  it('passes helm lint --strict, with and without every optional part', async () => {
    expect(await helm('lint', '--strict', CHART)).toMatch(/1 chart\(s\) linted, 0 chart\(s\) failed/);
    const everything = [
      ...['metrics.serviceMonitor.enabled', 'metrics.prometheusRule.enabled', 'grafanaDashboard.enabled'].map(
        (v) => `--set=${v}=true`,
      ),
      '--set=watchNamespaces={shop}',
    ];
    expect(await helm('lint', '--strict', CHART, ...everything)).toMatch(/0 chart\(s\) failed/);
  });

  it('passes its helm-unittest suites', async () => {
    const out = await tool('helm-unittest', '--color=false', CHART);
    expect(out).toMatch(/Test Suites:\s+\d+ passed, \d+ total/);
    expect(out).not.toMatch(/failed/);
  });

  it('grants no wildcard and nothing that escalates (bind, escalate, impersonate)', async () => {
    const docs = await render(release, '--set=rbac.aggregateToDefaultRoles=false');
    const rules = docs
      .filter((d) => ['ClusterRole', 'Role'].includes(d.kind as string))
      .flatMap((d) => d.rules as { apiGroups: string[]; resources: string[]; verbs: string[] }[]);
    expect(rules.length).toBeGreaterThan(0);
    for (const rule of rules) {
      expect([...rule.apiGroups, ...rule.resources, ...rule.verbs]).not.toContain('*');
      expect(rule.verbs).not.toEqual(expect.arrayContaining(['bind']));
      expect(rule.verbs).not.toEqual(expect.arrayContaining(['escalate']));
      expect(rule.verbs).not.toEqual(expect.arrayContaining(['impersonate']));
    }
  });

  it('has alert rules and dashboard queries that Prometheus parses', async () => {
    const docs = await render(
      release,
      '--set=metrics.prometheusRule.enabled=true',
      '--set=grafanaDashboard.enabled=true',
    );
    const rule = docs.find((d) => d.kind === 'PrometheusRule') as { spec: object };
    const dashboard = docs.find((d) => d.kind === 'ConfigMap') as { data: Record<string, string> };
    const panels = (
      JSON.parse(dashboard.data['autopilot.json']!) as { panels: { targets: { expr: string }[] }[] }
    ).panels;
    // Each dashboard query as a recording rule, Grafana's interval variable replaced by a duration.
    const queries = panels
      .flatMap((p) => p.targets)
      .map((t, i) => ({
        record: `autopilot:dashboard_query_${i}`,
        expr: t.expr.replaceAll('$__rate_interval', '5m'),
      }));
    const dir = mkdtempSync(join(tmpdir(), 'autopilot-rules-'));
    writeFileSync(join(dir, 'alerts.yaml'), stringify(rule.spec));
    writeFileSync(
      join(dir, 'dashboard.yaml'),
      stringify({ groups: [{ name: 'dashboard', rules: queries }] }),
    );
    const out = await promtool('check', 'rules', join(dir, 'alerts.yaml'), join(dir, 'dashboard.yaml'));
    expect(out).toMatch(/SUCCESS: 6 rules found/);
    expect(out).toMatch(new RegExp(`SUCCESS: ${queries.length} rules found`));
  });
});

describe('the Argo CD health scripts', () => {
  it('exist for every kind, in the resource_customizations layout', () => {
    for (const { kind } of kinds) {
      for (const file of ['health.lua', 'health_test.yaml']) {
        expect(
          existsSync(join(ARGOCD, GROUP, kind, file)) ? `${kind}/${file}` : `missing ${kind}/${file}`,
        ).toBe(`${kind}/${file}`);
      }
    }
  });

  it('give the health their health_test.yaml expects, run in gopher-lua as Argo CD runs them', async () => {
    const out = await tool('argocd-health', ARGOCD);
    const summary = /argocd-health: (\d+) scripts, (\d+) cases, (\d+) failed/.exec(out);
    expect(summary?.slice(1).map(Number)).toEqual([kinds.length, expect.any(Number), 0]);
    expect(Number(summary![2])).toBeGreaterThanOrEqual(kinds.length * 5);
  });

  it('are what the argocd-cm example installs', () => {
    const configMap = readFileSync(join(repoRoot, 'examples', 'argocd', 'argocd-cm.yaml'), 'utf8');
    for (const { kind } of kinds)
      expect(configMap).toContain(`resource.customizations.health.${GROUP}_${kind}: |`);
  });
});
