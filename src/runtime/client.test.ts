// KubeClient against a local HTTP server that answers as an API server would: URLs, verbs and content
// types, Status errors as ApiError, find on 404, watch streams read line by line and ended on abort.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { KubeConfig } from '@kubernetes/client-node';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CONFIG_MAPS, DEPLOYMENTS } from '../api/resources.js';
import { ApiError, KubeClient, RequestTimeout, resourcePath, type WatchEvent } from './client.js';

type Handler = (req: IncomingMessage, body: string, res: ServerResponse) => void;
let handler: Handler = (_req, _body, res) => res.writeHead(500).end();
const seen: { method?: string; url?: string; type?: string; body: string }[] = [];
let server: Server;
let client: KubeClient;
/** The same server, with a 300 ms request timeout. */
let impatient: KubeClient;

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      seen.push({ method: req.method, url: req.url, type: req.headers['content-type'], body });
      handler(req, body, res);
    });
  });
  await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromOptions({
    // client-node refuses plain HTTP unless TLS verification is off: this server is local and plain.
    clusters: [
      {
        name: 'c',
        server: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        skipTLSVerify: true,
      },
    ],
    users: [{ name: 'u' }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x',
  });
  client = new KubeClient(kubeConfig);
  impatient = new KubeClient(kubeConfig, () => {}, 300);
});
afterAll(() => new Promise((closed) => server.close(closed)));

const json = (res: ServerResponse, code: number, body: unknown) =>
  res.writeHead(code, { 'content-type': 'application/json' }).end(JSON.stringify(body));

describe('resourcePath', () => {
  it('builds core, group, namespaced and subresource paths', () => {
    expect(resourcePath(CONFIG_MAPS, 'ns', 'a b')).toBe('/api/v1/namespaces/ns/configmaps/a%20b');
    expect(resourcePath(DEPLOYMENTS, 'ns', 'web', 'scale')).toBe(
      '/apis/apps/v1/namespaces/ns/deployments/web/scale',
    );
    expect(resourcePath(DEPLOYMENTS)).toBe('/apis/apps/v1/deployments');
  });
});

describe('KubeClient', () => {
  it('answers a Status error as an ApiError with its code, reason and message, and find() as undefined on 404', async () => {
    handler = (_req, _body, res) =>
      json(res, 404, { kind: 'Status', reason: 'NotFound', message: 'configmaps "x" not found' });
    await expect(client.get(CONFIG_MAPS, 'ns', 'x')).rejects.toEqual(
      new ApiError(404, 'NotFound', 'configmaps "x" not found'),
    );
    expect(await client.find(CONFIG_MAPS, 'ns', 'x')).toBeUndefined();
    handler = (_req, _body, res) => res.writeHead(403).end('forbidden: no');
    await expect(client.find(CONFIG_MAPS, 'ns', 'x')).rejects.toMatchObject({
      code: 403,
      message: 'forbidden: no',
    });
  });

  it('applies server-side as the autopilot field manager, forcing, and merge-patches with the right content types', async () => {
    handler = (_req, body, res) => json(res, 200, JSON.parse(body || '{}'));
    seen.length = 0;
    await client.apply(CONFIG_MAPS, { metadata: { name: 'a', namespace: 'ns' } });
    await client.mergePatch(CONFIG_MAPS, 'ns', 'a', { data: { k: 'v' } }, 'status');
    expect(seen.map((r) => [r.method, r.url, r.type])).toEqual([
      [
        'PATCH',
        '/api/v1/namespaces/ns/configmaps/a?fieldManager=autopilot&force=true',
        'application/apply-patch+yaml',
      ],
      [
        'PATCH',
        '/api/v1/namespaces/ns/configmaps/a/status?fieldManager=autopilot',
        'application/merge-patch+json',
      ],
    ]);
    expect(JSON.parse(seen[0]!.body)).toEqual({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'a', namespace: 'ns' },
    });
  });

  it('streams watch events line by line until the server ends the watch', async () => {
    handler = (_req, _body, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write(JSON.stringify({ type: 'ADDED', object: { metadata: { name: 'a' } } }) + '\n');
      res.end(JSON.stringify({ type: 'BOOKMARK', object: { metadata: { resourceVersion: '7' } } }) + '\n');
    };
    const events: WatchEvent<unknown>[] = [];
    await client.watch(
      CONFIG_MAPS,
      'ns',
      { resourceVersion: '5' },
      (e) => events.push(e),
      new AbortController().signal,
    );
    expect(events.map((e) => e.type)).toEqual(['ADDED', 'BOOKMARK']);
    expect(seen.at(-1)?.url).toBe('/api/v1/namespaces/ns/configmaps?resourceVersion=5&watch=true');
  });

  it('ends a watch quietly when aborted, and fails it when the server answers an error', async () => {
    handler = (_req, _body, res) => void res.writeHead(200, { 'content-type': 'application/json' }).write('');
    const abort = new AbortController();
    const watching = client.watch(CONFIG_MAPS, 'ns', {}, () => undefined, abort.signal);
    setTimeout(() => abort.abort(), 50);
    await expect(watching).resolves.toBeUndefined();
    handler = (_req, _body, res) =>
      json(res, 410, { reason: 'Expired', message: 'too old resource version' });
    await expect(
      client.watch(CONFIG_MAPS, 'ns', {}, () => undefined, new AbortController().signal),
    ).rejects.toMatchObject({ code: 410 });
  });

  it('fails a request the server accepted and never answers after its timeout, and a watch whose headers never come', async () => {
    const held: ServerResponse[] = [];
    handler = (_req, _body, res) => void held.push(res);
    try {
      await expect(impatient.get(CONFIG_MAPS, 'ns', 'x')).rejects.toBeInstanceOf(RequestTimeout);
      await expect(
        impatient.watch(CONFIG_MAPS, 'ns', {}, () => undefined, new AbortController().signal),
      ).rejects.toThrow('no answer from the API server within 300 ms');
    } finally {
      for (const res of held) res.destroy();
    }
  });

  it('lets a watch that answered stream on past the request timeout', async () => {
    handler = (_req, _body, res) => {
      // As the API server does: the headers at once, the events as they come.
      res.writeHead(200, { 'content-type': 'application/json' }).flushHeaders();
      setTimeout(() => {
        res.end(JSON.stringify({ type: 'ADDED', object: { metadata: { name: 'late' } } }) + '\n');
      }, 600);
    };
    const events: WatchEvent<unknown>[] = [];
    await impatient.watch(CONFIG_MAPS, 'ns', {}, (e) => events.push(e), new AbortController().signal);
    expect(events.map((e) => e.type)).toEqual(['ADDED']);
  });
});
