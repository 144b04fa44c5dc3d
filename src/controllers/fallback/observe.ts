// What a FallbackProtocol's spec points at, read for its reconcile: the probe targets (headers and CA from
// Secrets), the real traffic's error rate per target (Prometheus), and the webhook. A missing Secret or an
// unusable Prometheus is a ProviderError with a reason that says what to fix.
import { parseDuration } from '../../api/duration.js';
import type { FallbackProtocolResource } from '../../api/v1alpha1/index.js';
import { probeRules, type TrafficReading } from '../../engine/fallback/health.js';
import { ProviderError } from '../../providers/http.js';
import { prometheusEndpoint, readPrometheusValue } from '../../providers/prometheus.js';
import type { ProbeTarget } from '../../providers/prober.js';
import type { Webhook } from '../../providers/webhook.js';
import type { Client } from '../../runtime/client.js';
import { secretData, secretValue } from '../../providers/secrets.js';

/** The prober's view of each target: the URL plus the probe path, the trigger's timeout, Secrets read. */
export async function probeTargetsOf(
  client: Client,
  protocol: FallbackProtocolResource,
): Promise<ProbeTarget[]> {
  const { namespace } = protocol.metadata;
  const { probe } = protocol.spec;
  const headers = probe.headersSecretRef
    ? await secretData(client, namespace, probe.headersSecretRef.name)
    : undefined;
  const caBundle = probe.caBundleSecretRef
    ? await secretValue(client, namespace, probe.caBundleSecretRef)
    : undefined;
  const rules = probeRules(protocol.spec);
  return protocol.spec.targets.map((target) => ({
    name: target.name,
    url: `${target.url.replace(/\/$/, '')}${probe.path ?? ''}`,
    method: probe.method,
    expectedStatus: probe.expectedStatus,
    ...(headers && { headers: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, v.trim()])) }),
    ...(caBundle && { caBundle }),
    intervalMs: parseDuration(probe.interval),
    rules,
  }));
}

const trafficQuery = (field: 'errorRateQuery' | 'requestCountQuery', target: string, query: string) => ({
  name: `the ${field} of ${target}`,
  queryField: `spec.trigger.traffic.${field}`,
  settingsField: 'spec.trigger.traffic',
  kind: 'FallbackProtocol',
  query: query.replaceAll('{{target}}', target),
});

/**
 * Each target's traffic error rate and request count, by name; none without trigger.traffic. A failure
 * is the reading's error for every target (nothing is judged), never an exception.
 */
export async function readTraffic(
  client: Client,
  protocol: FallbackProtocolResource,
  defaultPrometheus: string | undefined,
): Promise<Record<string, TrafficReading> | undefined> {
  const traffic = protocol.spec.trigger.traffic;
  if (!traffic) return undefined;
  const names = protocol.spec.targets.map((t) => t.name);
  const failed = (error: string) => Object.fromEntries(names.map((name) => [name, { error }]));
  try {
    const { address, bearerToken } = await prometheusEndpoint(
      client,
      protocol.metadata.namespace ?? '',
      traffic,
      'spec.trigger.traffic',
      defaultPrometheus,
    );
    const readings = await Promise.all(
      names.map(async (name) => {
        const read = (field: 'errorRateQuery' | 'requestCountQuery') =>
          readPrometheusValue(address, trafficQuery(field, name, traffic[field]), bearerToken, {
            timeoutMs: 5_000,
          });
        try {
          const [errorRate, requests] = await Promise.all([
            read('errorRateQuery'),
            read('requestCountQuery'),
          ]);
          return { ...(errorRate && { errorRate }), ...(requests && { requests }) };
        } catch (err) {
          if (err instanceof ProviderError) return { error: err.message };
          throw err;
        }
      }),
    );
    return Object.fromEntries(names.map((name, i) => [name, readings[i]!]));
  } catch (err) {
    if (err instanceof ProviderError) return failed(err.message);
    throw err;
  }
}

/** The webhook spec.notify names, Secrets read; none when notify is not set. */
export async function webhookOf(
  client: Client,
  protocol: FallbackProtocolResource,
): Promise<Webhook | undefined> {
  const notify = protocol.spec.notify;
  if (!notify) return undefined;
  const { namespace } = protocol.metadata;
  const url = notify.webhookUrl ?? (await secretValue(client, namespace, notify.webhookUrlSecretRef!));
  const authorization = notify.authorizationSecretRef
    ? await secretValue(client, namespace, notify.authorizationSecretRef)
    : undefined;
  return { url, retries: notify.retries, ...(authorization !== undefined && { authorization }) };
}
