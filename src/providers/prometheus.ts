// Reads business metrics with PromQL: one instant query per metric; an empty result is missing data, not zero.
import type { MetricName, MetricsObservation } from '../engine/venture/metrics.js';
import { getJson, ProviderError } from './http.js';

interface QueryResponse {
  status: 'success' | 'error';
  error?: string;
  data?: { resultType: string; result: { metric: Record<string, string>; value: [number, string] }[] };
}

/**
 * Runs each query at `address`. A query with no series yields no sample (Prometheus drops series it has
 * not scraped for 5 minutes, so a dead exporter reads as missing); more than one series is an error to fix.
 */
export async function readPrometheus(
  address: string,
  queries: Partial<Record<MetricName, string>>,
  bearerToken?: string,
): Promise<MetricsObservation> {
  const headers: Record<string, string> = bearerToken ? { authorization: `Bearer ${bearerToken}` } : {};
  const observation: MetricsObservation = {};
  await Promise.all(
    Object.entries(queries).map(async ([metric, query]) => {
      const url = `${address.replace(/\/$/, '')}/api/v1/query?query=${encodeURIComponent(query)}`;
      const { body } = await getJson(url, { headers, reason: 'PrometheusUnreachable' });
      const answer = body as QueryResponse;
      if (answer.status !== 'success' || !answer.data) {
        throw new ProviderError(
          'PrometheusQueryFailed',
          `query for ${metric} failed: ${answer.error ?? 'no data'}`,
        );
      }
      const series = answer.data.result;
      if (answer.data.resultType !== 'vector') {
        throw new ProviderError(
          'PrometheusQueryFailed',
          `query for ${metric} must return an instant vector, got ${answer.data.resultType}`,
        );
      }
      if (series.length > 1) {
        throw new ProviderError(
          'PrometheusQueryFailed',
          `query for ${metric} returned ${series.length} series; aggregate it to one, e.g. sum(...)`,
        );
      }
      const [sample] = series;
      if (sample)
        observation[metric as MetricName] = { value: Number(sample.value[1]), at: sample.value[0] * 1000 };
    }),
  );
  return observation;
}
