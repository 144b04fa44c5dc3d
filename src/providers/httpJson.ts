// Reads metrics from a JSON endpoint: a Venture's business metrics, one dot path per metric (like Argo
// Rollouts' web provider), or one object mapping each name to its value, such as each agent's score.
import type { MetricName, MetricsObservation, Sample } from '../engine/venture/metrics.js';
import { getJson, HttpFailure, ProviderError, redact } from './http.js';

/** `a.b.0.c` → document.a.b[0].c, or undefined when any step is missing. */
export function atPath(document: unknown, path: string): unknown {
  return path
    .split('.')
    .filter(Boolean)
    .reduce<unknown>(
      (node, key) =>
        node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined,
      document,
    );
}

/** RFC 3339 text or Unix seconds → epoch ms; anything else → NaN (the engine then refuses the sample). */
function sampleTime(value: unknown): number {
  if (typeof value === 'number') return value * 1000;
  if (typeof value === 'string')
    return /^\d+(\.\d+)?$/.test(value) ? Number(value) * 1000 : Date.parse(value);
  return NaN;
}

/** Where the endpoint is configured, so that an error says which field of which kind to fix. */
export interface EndpointSource {
  /** The field of the endpoint settings (url, headersSecretRef), e.g. spec.metrics.http. */
  settingsField: string;
  /** The kind whose object asked, e.g. Venture. */
  kind: string;
}

const VENTURE_ENDPOINT: EndpointSource = { settingsField: 'spec.metrics.http', kind: 'Venture' };

/** The document and when its figures were measured: at `timestampPath`, else the answer's Date header. */
async function readDocument(
  url: string,
  timestampPath: string | undefined,
  authorization: string | undefined,
  source: EndpointSource,
  timeoutMs: number | undefined,
): Promise<{ body: unknown; at: number }> {
  let answer;
  try {
    answer = await getJson(url, { headers: authorization ? { authorization } : {}, timeoutMs });
  } catch (err) {
    throw err instanceof HttpFailure ? explain(err, url, authorization !== undefined, source) : err;
  }
  const { body, date } = answer;
  return { body, at: timestampPath ? sampleTime(atPath(body, timestampPath)) : (date ?? NaN) };
}

export async function readHttpJson(
  url: string,
  paths: Partial<Record<MetricName, string>>,
  timestampPath: string | undefined,
  authorization?: string,
  { timeoutMs }: { timeoutMs?: number } = {},
): Promise<MetricsObservation> {
  const { body, at } = await readDocument(url, timestampPath, authorization, VENTURE_ENDPOINT, timeoutMs);
  const observation: MetricsObservation = {};
  for (const [metric, path] of Object.entries(paths)) {
    const value = atPath(body, path);
    // Strings such as "12.5" are numbers to the engine only if they parse; null and absent are missing.
    if (value !== undefined && value !== null)
      observation[metric as MetricName] = { value: Number(value), at };
  }
  return observation;
}

/**
 * The object at `mapPath` of the document, as a value per name (e.g. each Pod's score), all measured at
 * the document's time. A value that is not a number reads as NaN, which the engine refuses.
 */
export async function readHttpJsonMap(
  url: string,
  mapPath: string,
  timestampPath: string | undefined,
  source: EndpointSource,
  authorization?: string,
  { timeoutMs }: { timeoutMs?: number } = {},
): Promise<Map<string, Sample>> {
  const { body, at } = await readDocument(url, timestampPath, authorization, source, timeoutMs);
  const map = atPath(body, mapPath);
  if (map === null || typeof map !== 'object' || Array.isArray(map)) {
    throw new ProviderError(
      'MetricsEndpointInvalidResponse',
      `the metrics endpoint ${redact(url)} has no object at ${mapPath}; check ${source.settingsField}`,
    );
  }
  return new Map(
    Object.entries(map as Record<string, unknown>).map(([name, value]) => [
      name,
      { value: value === null ? NaN : Number(value), at },
    ]),
  );
}

/** The reason and what to fix: 401/403 the Authorization header, 404 the URL, 5xx nothing of ours. */
function explain(
  failure: HttpFailure,
  url: string,
  withAuthorization: boolean,
  { settingsField: settings, kind }: EndpointSource,
): ProviderError {
  const what = `the metrics endpoint ${redact(url)} ${failure.message}`;
  switch (failure.kind) {
    case 'unreachable':
    case 'timeout':
      return new ProviderError('MetricsEndpointUnreachable', what);
    case 'notJson':
      return new ProviderError('MetricsEndpointInvalidResponse', what);
    case 'serverError':
      return new ProviderError(
        'MetricsEndpointServerError',
        `${what}; the endpoint failed, nothing to fix in the ${kind}`,
      );
    case 'clientError':
      if (failure.status === 401 || failure.status === 403) {
        return new ProviderError(
          'MetricsEndpointUnauthorized',
          `${what}; ${
            withAuthorization
              ? `check the Authorization header in the Secret ${settings}.headersSecretRef names`
              : `it wants an Authorization header: set ${settings}.headersSecretRef`
          }`,
        );
      }
      if (failure.status === 404) {
        return new ProviderError('MetricsEndpointNotFound', `${what}; check ${settings}.url`);
      }
      return new ProviderError(
        'MetricsEndpointRejected',
        `${what}; the endpoint refused the request: check ${settings}`,
      );
  }
}
