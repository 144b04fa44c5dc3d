// HTTP GET of a JSON document with a deadline: the one way providers reach the outside world.
import { fetch } from 'undici';
import { duration } from '../engine/format.js';

/** How long a provider waits for an answer, body included, unless told otherwise. */
export const PROVIDER_TIMEOUT_MS = 10_000;

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

/**
 * Why a GET failed, in the classes a provider gives their own reasons: nothing answered (network, TLS,
 * deadline), the server refused the request (4xx: fix the request), it failed (5xx: wait), or it answered
 * something that is not JSON. The message says what happened and quotes the answer's error, without the
 * URL or advice: the provider adds those.
 */
export class HttpFailure extends Error {
  constructor(
    readonly kind: 'unreachable' | 'timeout' | 'clientError' | 'serverError' | 'notJson',
    message: string,
    /** The HTTP status of a clientError or serverError. */
    readonly status?: number,
  ) {
    super(message);
    this.name = 'HttpFailure';
  }
}

export async function getJson(
  url: string,
  { headers = {}, timeoutMs = PROVIDER_TIMEOUT_MS }: { headers?: Record<string, string>; timeoutMs?: number },
): Promise<{ body: unknown; date: number | undefined }> {
  const signal = AbortSignal.timeout(timeoutMs);
  const unanswered = (err: unknown) => {
    if (signal.aborted) return new HttpFailure('timeout', `did not answer within ${duration(timeoutMs)}`);
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    return new HttpFailure('unreachable', `is unreachable: ${cause?.code ?? cause?.message ?? String(err)}`);
  };
  let response;
  let text;
  try {
    response = await fetch(url, { headers: { accept: 'application/json', ...headers }, signal });
    text = await response.text();
  } catch (err) {
    throw unanswered(err);
  }
  if (!response.ok) {
    const said = errorText(text);
    throw new HttpFailure(
      response.status < 500 ? 'clientError' : 'serverError',
      `answered HTTP ${response.status}${said ? `: ${said}` : ''}`,
      response.status,
    );
  }
  const date = response.headers.get('date');
  try {
    return { body: JSON.parse(text) as unknown, date: date ? Date.parse(date) : undefined };
  } catch {
    throw new HttpFailure('notJson', `did not answer JSON: ${text.slice(0, 200)}`);
  }
}

/** The error an answer states: the `error` of a JSON body (Prometheus and many APIs), else its first line. */
function errorText(body: string): string {
  try {
    const { error } = JSON.parse(body) as { error?: unknown };
    if (typeof error === 'string') return error;
  } catch {
    // not JSON: quote the text
  }
  return body.trim().split('\n')[0]!.slice(0, 200);
}

/** URLs are logged and shown in conditions without their query and credentials (PromQL can be long, tokens can hide there). */
export function redact(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.username = '';
    parsed.password = '';
    return `${parsed.origin}${parsed.pathname}`.replace(/\/$/, '');
  } catch {
    return url.split('?')[0]!;
  }
}
