// Reads business metrics with PromQL: one instant query per metric; an empty result is missing data, not zero.
import { MetricNames, type MetricName, type MetricsObservation } from '../engine/venture/metrics.js';
import { getJson, HttpFailure, ProviderError, redact } from './http.js';

interface QueryResponse {
  status: 'success' | 'error';
  error?: string;
  data?: { resultType: string; result: { metric: Record<string, string>; value: [number, string] }[] };
}

/**
 * Runs each query at `address`. A query with no series yields no sample (Prometheus drops series it has
 * not scraped for 5 minutes, so a dead exporter reads as missing); more than one series is an error to fix.
 * When queries fail, the error names each failure (once, if they all failed alike) and carries the reason
 * of the first in metric order, so the same failure always reads the same.
 */
export async function readPrometheus(
  address: string,
  queries: Partial<Record<MetricName, string>>,
  bearerToken?: string,
  { timeoutMs }: { timeoutMs?: number } = {},
): Promise<MetricsObservation> {
  const headers: Record<string, string> = bearerToken ? { authorization: `Bearer ${bearerToken}` } : {};
  const base = address.replace(/\/$/, '');
  const metrics = MetricNames.filter((metric) => queries[metric] !== undefined);
  const answers = await Promise.all(
    metrics.map(async (metric) => {
      const url = `${base}/api/v1/query?query=${encodeURIComponent(queries[metric]!)}`;
      try {
        return sampleOf(metric, (await getJson(url, { headers, timeoutMs })).body as QueryResponse);
      } catch (err) {
        if (err instanceof HttpFailure) return explain(err, metric, address, bearerToken !== undefined);
        if (err instanceof ProviderError) return err;
        throw err;
      }
    }),
  );
  const failures = answers.filter((answer) => answer instanceof ProviderError);
  if (failures.length) {
    const messages = new Set(failures.map((failure) => failure.message));
    throw new ProviderError(failures[0]!.reason, [...messages].join('; '));
  }
  const observation: MetricsObservation = {};
  metrics.forEach((metric, i) => {
    const sample = answers[i];
    if (sample && !(sample instanceof ProviderError)) observation[metric] = sample;
  });
  return observation;
}

function sampleOf(metric: MetricName, answer: QueryResponse) {
  if (answer.status !== 'success' || !answer.data) {
    throw new ProviderError(
      'PrometheusQueryFailed',
      `the ${metric} query failed: ${answer.error ?? 'no data'}`,
    );
  }
  const series = answer.data.result;
  if (answer.data.resultType !== 'vector') {
    throw new ProviderError(
      'PrometheusQueryFailed',
      `the ${metric} query must return an instant vector, got ${answer.data.resultType}`,
    );
  }
  if (series.length > 1) {
    throw new ProviderError(
      'PrometheusQueryFailed',
      `the ${metric} query returned ${series.length} series; aggregate it to one, e.g. sum(...)`,
    );
  }
  const [sample] = series;
  return sample ? { value: Number(sample.value[1]), at: sample.value[0] * 1000 } : undefined;
}

/**
 * The reason and advice for a failed query. 400 and 422 are Prometheus saying the query itself is wrong
 * (bad_data: it does not parse; execution: it cannot be evaluated); every other failure is Prometheus-wide.
 */
function explain(
  failure: HttpFailure,
  metric: MetricName,
  address: string,
  withToken: boolean,
): ProviderError {
  const at = `Prometheus at ${redact(address)}`;
  switch (failure.kind) {
    case 'unreachable':
    case 'timeout':
      return new ProviderError('PrometheusUnreachable', `${at} ${failure.message}`);
    case 'notJson':
      return new ProviderError('PrometheusQueryFailed', `${at} ${failure.message}`);
    case 'serverError':
      return new ProviderError(
        'PrometheusUnavailable',
        `${at} ${failure.message}; Prometheus is overloaded or not ready, nothing to fix in the Venture`,
      );
    case 'clientError':
      if (failure.status === 400 || failure.status === 422) {
        return new ProviderError(
          'PrometheusQueryInvalid',
          `the ${metric} query is invalid: Prometheus ${failure.message}; fix spec.metrics.prometheus.queries.${metric}`,
        );
      }
      if (failure.status === 401 || failure.status === 403) {
        return new ProviderError(
          'PrometheusUnauthorized',
          `${at} ${failure.message}; ${
            withToken
              ? 'check the bearer token in the Secret spec.metrics.prometheus.bearerTokenSecretRef names'
              : 'it wants a bearer token: set spec.metrics.prometheus.bearerTokenSecretRef'
          }`,
        );
      }
      return new ProviderError(
        'PrometheusRequestRejected',
        `${at} ${failure.message}; check that spec.metrics.prometheus.address (or --prometheus-address) is Prometheus’ base URL`,
      );
  }
}
