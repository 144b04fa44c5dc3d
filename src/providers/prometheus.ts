// Reads metrics with PromQL from the Prometheus a spec names (or the operator's): a Venture's business
// metrics (one instant query per metric; an empty result is missing data, not zero), one query answering
// one value (an AureaGoal's), or one query answering a series per object, such as each agent's score.
import {
  MetricNames,
  type MetricName,
  type MetricsObservation,
  type Sample,
} from '../engine/venture/metrics.js';
import type { Client } from '../runtime/client.js';
import { getJson, HttpFailure, ProviderError, redact } from './http.js';
import { secretValue, type SecretKeyRef } from './secrets.js';

/** Where a query comes from, so that an error says which field of which kind to fix. */
export interface QuerySource {
  /** The query in messages, e.g. "the revenue query". */
  name: string;
  /** The field holding the query, e.g. spec.metrics.prometheus.queries.revenue. */
  queryField: string;
  /** The field of the Prometheus settings (address, bearerTokenSecretRef), e.g. spec.metrics.prometheus. */
  settingsField: string;
  /** The kind whose object asked, e.g. Venture. */
  kind: string;
}

/** A spec's Prometheus: its own address (else the operator's) and a Secret key holding a bearer token. */
export interface PrometheusSettings {
  address?: string;
  bearerTokenSecretRef?: SecretKeyRef;
}

/**
 * Where to send a spec's queries: its `settings`' address, else the operator's --prometheus-address, and
 * the bearer token from the Secret they name. No address at all is a ProviderError that says to set one in
 * `settingsField` (e.g. spec.score.prometheus); a missing Secret or key is one too.
 */
export async function prometheusEndpoint(
  client: Client,
  namespace: string,
  settings: PrometheusSettings,
  settingsField: string,
  defaultAddress: string | undefined,
): Promise<{ address: string; bearerToken?: string }> {
  const address = settings.address ?? defaultAddress;
  if (!address) {
    throw new ProviderError(
      'NoPrometheusAddress',
      `set ${settingsField}.address or run the operator with --prometheus-address`,
    );
  }
  const ref = settings.bearerTokenSecretRef;
  if (!ref) return { address };
  return { address, bearerToken: await secretValue(client, namespace, ref) };
}

const ventureQuery = (metric: MetricName): QuerySource => ({
  name: `the ${metric} query`,
  queryField: `spec.metrics.prometheus.queries.${metric}`,
  settingsField: 'spec.metrics.prometheus',
  kind: 'Venture',
});

type Vector = { metric: Record<string, string>; value: [number, string] }[];

interface QueryResponse {
  status: 'success' | 'error';
  error?: string;
  data?: { resultType: string; result: Vector };
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
  options: { timeoutMs?: number } = {},
): Promise<MetricsObservation> {
  const metrics = MetricNames.filter((metric) => queries[metric] !== undefined);
  const answers = await Promise.all(
    metrics.map(async (metric) => {
      const source = ventureQuery(metric);
      try {
        return sampleOf(source, await instantQuery(address, source, queries[metric]!, bearerToken, options));
      } catch (err) {
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

/**
 * The instant vector `promql` answers at `address`; any failure is a ProviderError that says what to fix in
 * `source`'s fields: the one request, parse and failure path of every reader here.
 */
async function instantQuery(
  address: string,
  source: QuerySource,
  promql: string,
  bearerToken: string | undefined,
  { timeoutMs }: { timeoutMs?: number },
): Promise<Vector> {
  const url = `${address.replace(/\/$/, '')}/api/v1/query?query=${encodeURIComponent(promql)}`;
  const headers: Record<string, string> = bearerToken ? { authorization: `Bearer ${bearerToken}` } : {};
  let answer: QueryResponse;
  try {
    answer = (await getJson(url, { headers, timeoutMs })).body as QueryResponse;
  } catch (err) {
    throw err instanceof HttpFailure ? explain(err, source, address, bearerToken !== undefined) : err;
  }
  if (answer.status !== 'success' || !answer.data) {
    throw new ProviderError('PrometheusQueryFailed', `${source.name} failed: ${answer.error ?? 'no data'}`);
  }
  if (answer.data.resultType !== 'vector') {
    throw new ProviderError(
      'PrometheusQueryFailed',
      `${source.name} must return an instant vector, got ${answer.data.resultType}`,
    );
  }
  return answer.data.result;
}

function sampleOf(source: QuerySource, series: Vector): Sample | undefined {
  if (series.length > 1) {
    throw new ProviderError(
      'PrometheusQueryFailed',
      `${source.name} returned ${series.length} series; aggregate it to one, e.g. sum(...)`,
    );
  }
  const [sample] = series;
  return sample ? { value: Number(sample.value[1]), at: sample.value[0] * 1000 } : undefined;
}

/**
 * One instant query answering one value (an AureaGoal's metric, a FallbackProtocol target's error rate):
 * its sample, undefined when it has no series; a failure is a ProviderError that says what to fix in
 * `source`'s fields.
 */
export async function readPrometheusValue(
  address: string,
  source: QuerySource & { query: string },
  bearerToken?: string,
  options: { timeoutMs?: number } = {},
): Promise<Sample | undefined> {
  return sampleOf(source, await instantQuery(address, source, source.query, bearerToken, options));
}

/**
 * One query answering a series per object, keyed by the value of each series' `label` (e.g. pod). An
 * instant query stamps every value with the query's time, so `timestamp(query)` is asked alongside it:
 * a sample's time is when Prometheus scraped it, and a dead exporter's last value reads as old, not
 * fresh. Two series for one object, or series without the label, are errors to fix in the query.
 */
export async function readPrometheusSeries(
  address: string,
  source: QuerySource & { query: string; label: string },
  bearerToken?: string,
  options: { timeoutMs?: number } = {},
): Promise<Map<string, Sample>> {
  const [values, times] = await Promise.all(
    [source.query, `timestamp(${source.query})`].map((promql) =>
      instantQuery(address, source, promql, bearerToken, options),
    ),
  );
  const key = (series: Vector[number]) => series.metric[source.label];
  const unlabelled = values!.filter((series) => key(series) === undefined).length;
  if (unlabelled) {
    throw new ProviderError(
      'PrometheusQueryFailed',
      `${source.name} returned ${unlabelled} series without the label ${source.label}; keep it in the query (e.g. max by (${source.label}) (...)) or name the right label`,
    );
  }
  const scrapedAt = new Map(times!.map((series) => [key(series), Number(series.value[1]) * 1000]));
  const samples = new Map<string, Sample>();
  for (const series of values!) {
    const name = key(series)!;
    if (samples.has(name)) {
      throw new ProviderError(
        'PrometheusQueryFailed',
        `${source.name} returned more than one series with ${source.label}="${name}"; aggregate them, e.g. max by (${source.label}) (...)`,
      );
    }
    samples.set(name, { value: Number(series.value[1]), at: scrapedAt.get(name) ?? NaN });
  }
  return samples;
}

/**
 * The reason and advice for a failed query. 400 and 422 are Prometheus saying the query itself is wrong
 * (bad_data: it does not parse; execution: it cannot be evaluated); every other failure is Prometheus-wide.
 */
function explain(
  failure: HttpFailure,
  source: QuerySource,
  address: string,
  withToken: boolean,
): ProviderError {
  const settings = source.settingsField;
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
        `${at} ${failure.message}; Prometheus is overloaded or not ready, nothing to fix in the ${source.kind}`,
      );
    case 'clientError':
      if (failure.status === 400 || failure.status === 422) {
        return new ProviderError(
          'PrometheusQueryInvalid',
          `${source.name} is invalid: Prometheus ${failure.message}; fix ${source.queryField}`,
        );
      }
      if (failure.status === 401 || failure.status === 403) {
        return new ProviderError(
          'PrometheusUnauthorized',
          `${at} ${failure.message}; ${
            withToken
              ? `check the bearer token in the Secret ${settings}.bearerTokenSecretRef names`
              : `it wants a bearer token: set ${settings}.bearerTokenSecretRef`
          }`,
        );
      }
      return new ProviderError(
        'PrometheusRequestRejected',
        `${at} ${failure.message}; check that ${settings}.address (or --prometheus-address) is Prometheus’ base URL`,
      );
  }
}
