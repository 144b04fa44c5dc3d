// Reads a Venture's business metrics through its provider; a provider failure becomes a reason, not a crash.
import type { VentureResource } from '../../api/v1alpha1/index.js';
import type { MetricName } from '../../engine/venture/metrics.js';
import type { MetricsRead } from '../../engine/venture/plan.js';
import { ProviderError } from '../../providers/http.js';
import { readHttpJson } from '../../providers/httpJson.js';
import { prometheusEndpoint, readPrometheus } from '../../providers/prometheus.js';
import type { Client } from '../../runtime/client.js';
import { secretValue } from '../../providers/secrets.js';

const defined = (record: Partial<Record<MetricName, string | undefined>>) =>
  Object.fromEntries(Object.entries(record).filter(([, v]) => v !== undefined)) as Partial<
    Record<MetricName, string>
  >;

export async function readVentureMetrics(
  client: Client,
  venture: VentureResource,
  defaultPrometheus: string | undefined,
): Promise<MetricsRead> {
  const { namespace } = venture.metadata;
  const { metrics } = venture.spec;
  try {
    if (metrics.provider === 'prometheus' && metrics.prometheus) {
      const { address, bearerToken } = await prometheusEndpoint(
        client,
        namespace,
        metrics.prometheus,
        'spec.metrics.prometheus',
        defaultPrometheus,
      );
      return { observation: await readPrometheus(address, defined(metrics.prometheus.queries), bearerToken) };
    }
    if (metrics.provider === 'http' && metrics.http) {
      const ref = metrics.http.headersSecretRef;
      const authorization = ref ? await secretValue(client, namespace, ref) : undefined;
      return {
        observation: await readHttpJson(
          metrics.http.url,
          defined(metrics.http.paths),
          metrics.http.timestampPath,
          authorization,
        ),
      };
    }
    throw new ProviderError(
      'NoProvider',
      `spec.metrics.provider is ${metrics.provider} but its settings are missing`,
    );
  } catch (err) {
    if (err instanceof ProviderError) return { observation: {}, problem: err };
    throw err;
  }
}
