// HTTP with a deadline, JSON in or out: the one way providers reach the outside world.
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

interface Exchange {
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  timeoutMs?: number;
  /** Gives up at once when it aborts (shutdown, a lost lease), as a timeout does. */
  signal?: AbortSignal;
}

/** One request with a deadline; a 2xx answer's text, else an HttpFailure of the class that went wrong. */
async function exchange(
  url: string,
  { method = 'GET', headers = {}, body, timeoutMs = PROVIDER_TIMEOUT_MS, signal: stop }: Exchange,
): Promise<{ text: string; date: string | null }> {
  const deadline = AbortSignal.timeout(timeoutMs);
  const signal = stop ? AbortSignal.any([stop, deadline]) : deadline;
  const unanswered = (err: unknown) => {
    if (deadline.aborted) return new HttpFailure('timeout', `did not answer within ${duration(timeoutMs)}`);
    if (stop?.aborted) return new HttpFailure('unreachable', 'was not waited for: the operator is stopping');
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    return new HttpFailure('unreachable', `is unreachable: ${cause?.code ?? cause?.message ?? String(err)}`);
  };
  let response;
  let text;
  try {
    response = await fetch(url, { method, headers, body, signal });
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
  return { text, date: response.headers.get('date') };
}

export async function getJson(
  url: string,
  { headers = {}, timeoutMs }: { headers?: Record<string, string>; timeoutMs?: number },
): Promise<{ body: unknown; date: number | undefined }> {
  const { text, date } = await exchange(url, {
    headers: { accept: 'application/json', ...headers },
    timeoutMs,
  });
  try {
    return { body: JSON.parse(text) as unknown, date: date ? Date.parse(date) : undefined };
  } catch {
    throw new HttpFailure('notJson', `did not answer JSON: ${text.slice(0, 200)}`);
  }
}

/** POSTs `body` as JSON; resolves once the server answered 2xx. */
export async function postJson(
  url: string,
  body: unknown,
  options: { headers?: Record<string, string>; timeoutMs?: number; signal?: AbortSignal } = {},
): Promise<void> {
  await exchange(url, {
    ...options,
    method: 'POST',
    headers: { 'content-type': 'application/json', ...options.headers },
    body: JSON.stringify(body),
  });
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
