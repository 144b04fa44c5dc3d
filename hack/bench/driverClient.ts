// The bench driver's own API client: JSON REST over one keep-alive undici Agent (no TLS handshake per request).
import type { KubeConfig } from '@kubernetes/client-node';
import type { RequestOptions } from 'node:https';
import { Agent, fetch } from 'undici';
import { ApiError, type ObjectList, type ResourceType } from '../../src/runtime/client.js';

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

  path(type: ResourceType, namespace?: string, name?: string): string {
    const base = type.group ? `/apis/${type.group}/${type.version}` : `/api/${type.version}`;
    const ns = type.namespaced && namespace ? `/namespaces/${encodeURIComponent(namespace)}` : '';
    return `${base}${ns}/${type.plural}${name ? `/${encodeURIComponent(name)}` : ''}`;
  }

  get<T>(type: ResourceType, namespace: string | undefined, name: string): Promise<T> {
    return this.request<T>('GET', this.path(type, namespace, name));
  }

  list<T>(type: ResourceType, namespace?: string): Promise<ObjectList<T>> {
    return this.request<ObjectList<T>>('GET', this.path(type, namespace));
  }

  create<T>(type: ResourceType, namespace: string | undefined, body: unknown): Promise<T> {
    return this.request<T>('POST', this.path(type, namespace), body, 'application/json');
  }

  mergePatch<T>(type: ResourceType, namespace: string | undefined, name: string, patch: unknown): Promise<T> {
    return this.request<T>('PATCH', this.path(type, namespace, name), patch, 'application/merge-patch+json');
  }

  delete(type: ResourceType, namespace: string | undefined, name: string): Promise<unknown> {
    return this.request('DELETE', this.path(type, namespace, name));
  }

  close(): Promise<void> {
    return this.agent.close();
  }

  private async request<T>(method: string, path: string, body?: unknown, contentType?: string): Promise<T> {
    const response = await fetch(this.server + path, {
      method,
      headers: contentType ? { ...this.headers, 'content-type': contentType } : this.headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      dispatcher: this.agent,
    });
    const text = await response.text();
    if (response.status >= 400) {
      let status: { reason?: string; message?: string } = {};
      try {
        status = JSON.parse(text) as typeof status;
      } catch {
        // not a Status object: keep the raw text
      }
      throw new ApiError(response.status, status.reason ?? '', status.message ?? text);
    }
    return JSON.parse(text) as T;
  }
}
