// The one Kubernetes client: JSON REST calls and watch streams over client-node's auth and TLS,
// each request counted. Objects travel as the API server's JSON, never through generated models.
import { HttpMethod, KubeConfig, RequestContext } from '@kubernetes/client-node';
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import { fetch } from 'undici';
import { apiVersionOf, type KubeObject, type ResourceType } from '../api/meta.js';

export interface ObjectList<T> {
  items: T[];
  metadata: { resourceVersion?: string; continue?: string };
}

export interface WatchEvent<T> {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: T;
}

/** An error answer of the API server, with its HTTP code and Status reason. */
export class ApiError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export const isNotFound = (err: unknown) => err instanceof ApiError && err.code === 404;

/** The kubeconfig at `path`, or the default one (KUBECONFIG, ~/.kube/config, in-cluster) without a path. */
export function loadKubeConfig(path?: string): KubeConfig {
  const kubeConfig = new KubeConfig();
  if (path) kubeConfig.loadFromFile(path);
  else kubeConfig.loadFromDefault();
  return kubeConfig;
}
export const isConflict = (err: unknown): err is ApiError => err instanceof ApiError && err.code === 409;
export const isGone = (err: unknown) => err instanceof ApiError && err.code === 410;

/** Told of every request: its verb, resource, HTTP code and how long the answer took (a watch: its headers). */
export type RequestObserver = (verb: string, resource: string, code: number, seconds: number) => void;

export const FIELD_MANAGER = 'autopilot';

export type Query = Record<string, string | number | boolean | undefined>;

/**
 * The API server's REST verbs as controllers, informers and the runtime use them; KubeClient talks to a
 * real API server, src/runtime/testing/fakeClient.ts to an in-memory one in unit tests.
 */
export interface Client {
  get<T>(type: ResourceType, namespace: string | undefined, name: string): Promise<T>;
  /** The object, or undefined when it does not exist. */
  find<T>(type: ResourceType, namespace: string | undefined, name: string): Promise<T | undefined>;
  list<T>(type: ResourceType, namespace?: string, query?: Query): Promise<ObjectList<T>>;
  create<T>(type: ResourceType, namespace: string | undefined, body: unknown): Promise<T>;
  /** PUT: fails with 409 when body.metadata.resourceVersion is not the current one. */
  update<T>(type: ResourceType, namespace: string | undefined, name: string, body: unknown): Promise<T>;
  /** Server-side apply as field manager `autopilot`, taking over fields other managers set. */
  apply<T>(type: ResourceType, object: KubeObject, subresource?: string): Promise<T>;
  mergePatch<T>(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
    patch: unknown,
    subresource?: string,
  ): Promise<T>;
  delete(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
    propagationPolicy?: string,
  ): Promise<unknown>;
  /** Streams watch events until the server ends the watch (resolve) or it fails (reject). */
  watch<T>(
    type: ResourceType,
    namespace: string | undefined,
    query: Query,
    onEvent: (event: WatchEvent<T>) => void,
    signal: AbortSignal,
  ): Promise<void>;
}

/** How long a request waits for its answer unless told otherwise (fetch's own limit is 5 minutes). */
export const REQUEST_TIMEOUT_MS = 30_000;

/** A request the server accepted but did not answer in time. */
export class RequestTimeout extends Error {
  constructor(ms: number) {
    super(`no answer from the API server within ${ms} ms`);
    this.name = 'RequestTimeout';
  }
}

/** A signal that aborts with RequestTimeout after `ms`, and `clear` to stop its clock once answered. */
function deadline(ms: number): { signal: AbortSignal; clear: () => void } {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new RequestTimeout(ms)), ms);
  return { signal: controller.signal, clear: () => clearTimeout(timer) };
}

export class KubeClient implements Client {
  private dispatcher: ReturnType<RequestContext['getDispatcher']>;

  /**
   * `requestTimeoutMs` bounds every request's answer (a watch's headers): a server that accepted the
   * connection and never answers (one restarting, one frozen) must not hold a worker, an informer or the
   * lease renewal for ever; the request fails and its caller retries as for any other failure.
   */
  constructor(
    readonly config: KubeConfig,
    private readonly observe: RequestObserver = () => {},
    private readonly requestTimeoutMs = REQUEST_TIMEOUT_MS,
  ) {}

  path(type: ResourceType, namespace?: string, name?: string, subresource?: string): string {
    return resourcePath(type, namespace, name, subresource);
  }

  get<T>(type: ResourceType, namespace: string | undefined, name: string): Promise<T> {
    return this.request<T>('GET', 'get', type, this.path(type, namespace, name));
  }

  /** The object, or undefined when it does not exist. */
  async find<T>(type: ResourceType, namespace: string | undefined, name: string): Promise<T | undefined> {
    try {
      return await this.get<T>(type, namespace, name);
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  list<T>(type: ResourceType, namespace?: string, query: Query = {}): Promise<ObjectList<T>> {
    return this.request<ObjectList<T>>('GET', 'list', type, this.path(type, namespace), { query });
  }

  create<T>(type: ResourceType, namespace: string | undefined, body: unknown): Promise<T> {
    return this.request<T>('POST', 'create', type, this.path(type, namespace), { body });
  }

  /** PUT: fails with 409 when body.metadata.resourceVersion is not the current one. */
  update<T>(type: ResourceType, namespace: string | undefined, name: string, body: unknown): Promise<T> {
    return this.request<T>('PUT', 'update', type, this.path(type, namespace, name), { body });
  }

  /** Server-side apply as field manager `autopilot`, taking over fields other managers set. */
  apply<T>(type: ResourceType, object: KubeObject, subresource?: string): Promise<T> {
    const { name, namespace } = object.metadata;
    return this.request<T>('PATCH', 'apply', type, this.path(type, namespace, name, subresource), {
      body: { apiVersion: apiVersionOf(type), kind: type.kind, ...object },
      contentType: 'application/apply-patch+yaml',
      query: { fieldManager: FIELD_MANAGER, force: true },
    });
  }

  mergePatch<T>(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
    patch: unknown,
    subresource?: string,
  ): Promise<T> {
    return this.request<T>('PATCH', 'patch', type, this.path(type, namespace, name, subresource), {
      body: patch,
      contentType: 'application/merge-patch+json',
      query: { fieldManager: FIELD_MANAGER },
    });
  }

  delete(type: ResourceType, namespace: string | undefined, name: string, propagationPolicy = 'Background') {
    return this.request<unknown>('DELETE', 'delete', type, this.path(type, namespace, name), {
      body: { propagationPolicy },
    });
  }

  /**
   * Streams watch events until the server ends the watch (resolve) or it fails (reject); `signal`
   * aborts it. The server closes it after `timeoutSeconds`, so callers loop.
   */
  async watch<T>(
    type: ResourceType,
    namespace: string | undefined,
    query: Query,
    onEvent: (event: WatchEvent<T>) => void,
    signal: AbortSignal,
  ): Promise<void> {
    const started = performance.now();
    // The stream may last minutes, but its headers come at once from a server that works.
    const answer = deadline(this.requestTimeoutMs);
    const response = await this.send('GET', this.path(type, namespace), {
      query: { ...query, watch: true },
      signal: AbortSignal.any([signal, answer.signal]),
    }).finally(answer.clear);
    this.observe('watch', type.plural, response.status, (performance.now() - started) / 1000);
    if (response.status !== 200) throw await apiError(response);
    const input = Readable.fromWeb(response.body as never);
    const lines = createInterface({ input, crlfDelay: Infinity });
    // readline does not pass its input's errors on: keep the first one and end the loop with it.
    let failure: unknown;
    input.on('error', (err) => {
      failure ??= err;
      lines.close();
    });
    signal.addEventListener('abort', () => lines.close(), { once: true });
    try {
      for await (const line of lines) {
        if (line) onEvent(JSON.parse(line) as WatchEvent<T>);
      }
    } catch (err) {
      failure ??= err;
    } finally {
      input.destroy();
    }
    if (failure !== undefined && !signal.aborted) {
      throw failure instanceof Error ? failure : new Error(`watch stream failed: ${JSON.stringify(failure)}`);
    }
  }

  private async request<T>(
    method: string,
    verb: string,
    type: ResourceType,
    path: string,
    options: { query?: Query; body?: unknown; contentType?: string } = {},
  ): Promise<T> {
    const started = performance.now();
    const answer = deadline(this.requestTimeoutMs);
    try {
      const response = await this.send(method, path, { ...options, signal: answer.signal });
      this.observe(verb, type.plural, response.status, (performance.now() - started) / 1000);
      if (response.status >= 400) throw await apiError(response);
      return (await response.json()) as T;
    } finally {
      answer.clear();
    }
  }

  private async send(
    method: string,
    path: string,
    {
      query = {},
      body,
      contentType,
      signal,
    }: { query?: Query; body?: unknown; contentType?: string; signal?: AbortSignal },
  ) {
    const cluster = this.config.getCurrentCluster();
    if (!cluster) throw new Error('the kubeconfig has no current cluster');
    const url = new URL(cluster.server.replace(/\/$/, '') + path);
    for (const [key, value] of Object.entries(query))
      if (value !== undefined) url.searchParams.set(key, String(value));
    const context = new RequestContext(url.toString(), method as HttpMethod);
    await this.config.applySecurityAuthentication(context);
    // client-node 2.0.1 builds a new undici Agent on every call, i.e. a new TLS connection per
    // request; the first one, kept, pools connections (its TLS settings do not change per request).
    this.dispatcher ??= context.getDispatcher();
    const headers: Record<string, string> = { ...context.getHeaders(), accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = contentType ?? 'application/json';
    return fetch(url, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      dispatcher: this.dispatcher,
      signal,
    });
  }
}

/** The REST path of a resource type, a namespace's collection, an object or its subresource. */
export function resourcePath(
  type: ResourceType,
  namespace?: string,
  name?: string,
  subresource?: string,
): string {
  const base = type.group ? `/apis/${type.group}/${type.version}` : `/api/${type.version}`;
  const ns = type.namespaced && namespace ? `/namespaces/${encodeURIComponent(namespace)}` : '';
  const tail = name ? `/${encodeURIComponent(name)}${subresource ? `/${subresource}` : ''}` : '';
  return `${base}${ns}/${type.plural}${tail}`;
}

/** An error response as an ApiError, with the reason and message of its Status body when it has one. */
export async function apiError(response: { status: number; text(): Promise<string> }): Promise<ApiError> {
  const text = await response.text();
  try {
    const status = JSON.parse(text) as { reason?: string; message?: string };
    return new ApiError(response.status, status.reason ?? '', status.message ?? text);
  } catch {
    return new ApiError(response.status, '', text);
  }
}
