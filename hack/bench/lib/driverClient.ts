// The benchmarks' own API client (not the operator's): JSON REST over one keep-alive undici Agent, no TLS
// handshake per request, so the driver costs the API server as little as a client can.
import type { KubeConfig } from '@kubernetes/client-node';
import type { RequestOptions } from 'node:https';
import { Agent, fetch } from 'undici';
import { ApiError, apiError, resourcePath, type ObjectList } from '../../../src/runtime/client.js';
import { type ResourceType } from '../../../src/api/meta.js';
import { sleep } from './wait.js';

/** A server hiccup (429, 5xx) or a dropped connection is tried again, this many times in all. */
const TRIES = 5;

export class DriverClient {
  private constructor(
    private readonly server: string,
    private readonly headers: Record<string, string>,
    private readonly agent: Agent,
  ) {}

  static async from(config: KubeConfig, connections: number): Promise<DriverClient> {
    const cluster = config.getCurrentCluster();
    if (!cluster) throw new Error('the kubeconfig has no current cluster');
    const options: RequestOptions = {};
    await config.applyToHTTPSOptions(options);
    const headers: Record<string, string> = { accept: 'application/json' };
    for (const [key, value] of Object.entries(options.headers ?? {})) headers[key] = String(value);
    if (options.auth) headers.authorization = `Basic ${Buffer.from(options.auth).toString('base64')}`;
    const agent = new Agent({
      connections,
      connect: {
        ca: options.ca,
        cert: options.cert,
        key: options.key,
        rejectUnauthorized: options.rejectUnauthorized,
        servername: options.servername ?? undefined,
      },
    });
    return new DriverClient(cluster.server.replace(/\/$/, ''), headers, agent);
  }

  get<T>(type: ResourceType, namespace: string | undefined, name: string): Promise<T> {
    return this.request<T>('GET', resourcePath(type, namespace, name));
  }

  list<T>(type: ResourceType, namespace?: string): Promise<ObjectList<T>> {
    return this.request<ObjectList<T>>('GET', resourcePath(type, namespace));
  }

  create<T>(type: ResourceType, namespace: string | undefined, body: unknown): Promise<T> {
    return this.request<T>('POST', resourcePath(type, namespace), body, 'application/json');
  }

  mergePatch<T>(type: ResourceType, namespace: string | undefined, name: string, patch: unknown): Promise<T> {
    return this.request<T>(
      'PATCH',
      resourcePath(type, namespace, name),
      patch,
      'application/merge-patch+json',
    );
  }

  delete(type: ResourceType, namespace: string | undefined, name: string): Promise<unknown> {
    return this.request('DELETE', resourcePath(type, namespace, name));
  }

  close(): Promise<void> {
    return this.agent.close();
  }

  /** One request to `path` (from resourcePath, or written out), its JSON answer or an ApiError. */
  async request<T>(
    method: string,
    path: string,
    body?: unknown,
    contentType = 'application/json',
  ): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.once<T>(method, path, body, contentType);
      } catch (err) {
        const retriable = !(err instanceof ApiError) || err.code === 429 || err.code >= 500;
        if (!retriable) throw err;
        if (attempt >= TRIES) {
          if (err instanceof ApiError) throw err;
          throw new Error(`${method} ${path}: ${err instanceof Error ? err.message : String(err)}`, {
            cause: err,
          });
        }
        await sleep(250 * attempt);
      }
    }
  }

  private async once<T>(method: string, path: string, body: unknown, contentType: string): Promise<T> {
    const response = await fetch(this.server + path, {
      method,
      headers: body === undefined ? this.headers : { ...this.headers, 'content-type': contentType },
      body: body === undefined ? undefined : JSON.stringify(body),
      dispatcher: this.agent,
    });
    if (response.status >= 400) throw await apiError(response);
    return (await response.json()) as T;
  }
}
