// An in-memory API server (a FakeClient) served over HTTP on 127.0.0.1 at the REST paths of the types it is
// told to serve, with a kubeconfig for it: code that reaches another cluster through a kubeconfig (a
// region's peer, the DNS cluster) meets a fake cluster in unit tests, exactly as it would meet a real one.
// A type it does not serve answers 404, as a cluster without that CRD does. Watches are not served.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { KubeObject, ResourceType } from '../../api/meta.js';
import { ApiError, type Query } from '../client.js';
import { FakeClient } from './fakeClient.js';

interface Route {
  type: ResourceType;
  namespace?: string;
  name?: string;
  subresource?: string;
}

export class FakeApiServer {
  private constructor(
    readonly client: FakeClient,
    readonly url: string,
    private readonly server: Server,
  ) {}

  /** Serves `client`'s objects of `types` on a free port of 127.0.0.1. */
  static async start(client: FakeClient, types: readonly ResourceType[]): Promise<FakeApiServer> {
    const server = createServer((req, res) => void serve(client, types, req, res));
    await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
    const { port } = server.address() as AddressInfo;
    return new FakeApiServer(client, `http://127.0.0.1:${port}`, server);
  }

  /** A kubeconfig naming this server (JSON, which is YAML), as a kubeconfig Secret holds one. */
  kubeconfig(): string {
    return JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'fake', cluster: { server: this.url, 'insecure-skip-tls-verify': true } }],
      users: [{ name: 'fake', user: { token: 'fake' } }],
      contexts: [{ name: 'fake', context: { cluster: 'fake', user: 'fake' } }],
      'current-context': 'fake',
    });
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((closed) => this.server.close(() => closed()));
  }
}

async function serve(
  client: FakeClient,
  types: readonly ResourceType[],
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const answer = (code: number, body: unknown) =>
    res.writeHead(code, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  try {
    const url = new URL(req.url ?? '/', 'http://fake');
    const route = routeOf(url.pathname, types);
    if (!route) throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');
    const query: Query = Object.fromEntries(url.searchParams);
    if (query.watch) throw new ApiError(405, 'MethodNotAllowed', 'the fake API server serves no watches');
    const body = await readBody(req);
    answer(200, await call(client, route, req, query, body));
  } catch (err) {
    const { code, reason, message } =
      err instanceof ApiError ? err : new ApiError(500, 'InternalError', String(err));
    answer(code, { kind: 'Status', apiVersion: 'v1', status: 'Failure', code, reason, message });
  }
}

function call(client: FakeClient, route: Route, req: IncomingMessage, query: Query, body: unknown) {
  const { type, namespace, name, subresource } = route;
  switch (req.method) {
    case 'GET':
      return name ? client.get(type, namespace, name) : client.list(type, namespace, query);
    case 'POST':
      return client.create(type, namespace, body);
    case 'PUT':
      return client.update(type, namespace, name!, body);
    case 'PATCH':
      return req.headers['content-type'] === 'application/apply-patch+yaml'
        ? client.apply(type, body as KubeObject, subresource)
        : client.mergePatch(type, namespace, name!, body, subresource);
    case 'DELETE':
      return client.delete(type, namespace, name!);
    default:
      throw new ApiError(405, 'MethodNotAllowed', `${req.method} is not served`);
  }
}

/** `/api/v1/namespaces/NS/PLURAL/NAME/SUB` or `/apis/GROUP/VERSION/…` to a served type; undefined if none. */
function routeOf(path: string, types: readonly ResourceType[]): Route | undefined {
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  const [group, version, rest] =
    parts[0] === 'api' ? ['', parts[1], parts.slice(2)] : [parts[1], parts[2], parts.slice(3)];
  const served = (plural: string | undefined) =>
    types.find((t) => t.group === group && t.version === version && t.plural === plural);
  if (rest[0] === 'namespaces' && served(rest[2])?.namespaced) {
    const [, namespace, plural, name, subresource] = rest;
    return { type: served(plural)!, namespace, name, subresource };
  }
  const [plural, name, subresource] = rest;
  const type = served(plural);
  return type && { type, name, subresource };
}

async function readBody(req: IncomingMessage): Promise<unknown> {
  let text = '';
  for await (const chunk of req) text += (chunk as Buffer).toString();
  return text ? JSON.parse(text) : undefined;
}
