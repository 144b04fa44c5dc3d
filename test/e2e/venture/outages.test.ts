// Outages of a venture's metrics are told, each once, with how long they lasted: every unusable audit
// counts in its Warning's series, a new cause or a new outage is a new Warning.
import { beforeAll, describe, expect, it } from '@jest/globals';
import { EventsV1Api } from '@kubernetes/client-node';
import { installCrds } from '../support/crds.js';
import { kubeConfigFrom, waitFor } from '../support/kube.js';
import { httpPortfolio } from '../support/metricsEndpoint.js';
import { WINNING } from '../support/ventures.js';

beforeAll(async () => {
  await installCrds();
}, 120_000);

describe('metrics outages', () => {
  const portfolio = httpPortfolio('outages');
  const { ventures, create } = portfolio;
  const events = kubeConfigFrom().makeApiClient(EventsV1Api);

  /** The MetricsUnavailable Warnings about `name`, oldest first, with their series counts. */
  async function warnings(name: string) {
    const list = await events.listNamespacedEvent({ namespace: portfolio.ns.name });
    return list.items
      .filter((e) => e.regarding?.name === name && e.reason === 'MetricsUnavailable')
      .sort((a, b) => Date.parse(String(a.eventTime)) - Date.parse(String(b.eventTime)))
      .map((e) => ({ note: e.note ?? '', count: e.series?.count ?? 1 }));
  }

  /** Waits until `name` was audited `audits` more times (2 s apart). */
  const audits = async (name: string, audits: number) =>
    ventures.auditedAfter(name, await ventures.read(name), audits * 2000 - 500);

  it('gives each outage and each new cause its own Warning, and counts its audits in the series', async () => {
    await create('flaky', WINNING, { mode: 'Observe' });
    await ventures.until('flaky', 'an audit on its numbers', (v) => v.status?.metrics !== undefined);

    portfolio.endpoint.respond('flaky', 503);
    await audits('flaky', 4);
    const first = await waitFor('one Warning counting the outage', async () => {
      const found = await warnings('flaky');
      return found.length === 1 && found[0]!.count >= 3 ? found : undefined;
    });
    expect(first[0]!.note).toMatch(/HTTP 503/);

    // The endpoint answers again, then fails the same way: a new outage is news.
    portfolio.endpoint.respond('flaky', 200);
    await ventures.until(
      'flaky',
      'metrics available again',
      (v) => v.status?.conditions?.some((c) => c.type === 'MetricsAvailable' && c.status === 'True') ?? false,
    );
    portfolio.endpoint.respond('flaky', 503);
    await audits('flaky', 2);
    // Within that outage the cause changes: its samples are now served, but an hour old.
    portfolio.endpoint.respond('flaky', 200);
    portfolio.endpoint.age('flaky', 3_600_000);
    await audits('flaky', 2);

    const all = await waitFor('three Warnings: two outages, one of them with a second cause', async () => {
      const found = await warnings('flaky');
      return found.length >= 3 ? found : undefined;
    });
    expect(all).toHaveLength(3);
    expect(all[1]!.note).toMatch(/HTTP 503/);
    expect(all[2]!.note).toMatch(/stale/);
  });
});
