// HTTP GET of a JSON document with a deadline: the one way providers reach the outside world.
import { fetch } from 'undici';

export class ProviderError extends Error {
  /** CamelCase reason for conditions and events, e.g. PrometheusUnreachable. */
  constructor(
    readonly reason: string,
    message: string,
  ) {
    super(message);
    this.name = 'ProviderError';
  }
}

export async function getJson(
  url: string,
  {
    headers = {},
    timeoutMs = 10_000,
    reason,
  }: { headers?: Record<string, string>; timeoutMs?: number; reason: string },
): Promise<{ body: unknown; date: number | undefined }> {
  let response;
  try {
    response = await fetch(url, {
      headers: { accept: 'application/json', ...headers },
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    throw new ProviderError(
      reason,
      `GET ${redact(url)} failed: ${cause?.code ?? cause?.message ?? String(err)}`,
    );
  }
  if (!response.ok) {
    throw new ProviderError(
      reason,
      `GET ${redact(url)} answered HTTP ${response.status}: ${(await response.text()).slice(0, 200)}`,
    );
  }
  const date = response.headers.get('date');
  try {
    return { body: await response.json(), date: date ? Date.parse(date) : undefined };
  } catch {
    throw new ProviderError(reason, `GET ${redact(url)} did not answer JSON`);
  }
}

/** URLs are logged and shown in conditions without their query (PromQL can be long, tokens can hide there). */
const redact = (url: string) => url.split('?')[0];
