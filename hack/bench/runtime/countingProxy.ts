// A counting reverse proxy (node:http) in front of `kubectl proxy`: tallies every request a variant makes.
import { Agent, createServer, request, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

// A watch counts once; requests are tallied by kind, by answers of 400 and above, and TCP connections.

export type RequestKind = 'list' | 'watch' | 'get' | 'patch' | 'other';

export interface RequestCounts {
  total: number;
  byKind: Record<RequestKind, number>;
  /** Answers with an HTTP code of 400 or more (e.g. 409 Conflict), and failed proxying. */
  failed: number;
  /** TCP connections the client opened to the proxy (one per request without keep-alive). */
  connections: number;
}

export interface CountingProxy {
  /** The URL to put in the variant's kubeconfig. */
  url: string;
  counts: RequestCounts;
  close(): Promise<void>;
}

export function classify(req: IncomingMessage): RequestKind {
  const url = new URL(req.url ?? '/', 'http://proxy');
  switch (req.method) {
    case 'GET': {
      const watch = url.searchParams.get('watch');
      if (watch === 'true' || watch === '1' || url.pathname.includes('/watch/')) return 'watch';
      // A collection path ends in the plural: /apis/g/v/namespaces/ns/widgets, /api/v1/namespaces.
      const parts = url.pathname.split('/').filter(Boolean);
      const collection =
        (parts[0] === 'apis' && (parts.length === 4 || (parts[3] === 'namespaces' && parts.length === 6))) ||
        (parts[0] === 'api' && (parts.length === 3 || (parts[2] === 'namespaces' && parts.length === 5)));
      return collection ? 'list' : 'get';
    }
    case 'PATCH':
      return 'patch';
    default:
      return 'other';
  }
}

/** Listens on 127.0.0.1 (a free port) and forwards everything to 127.0.0.1:`upstreamPort`. */
export async function startCountingProxy(upstreamPort: number): Promise<CountingProxy> {
  const counts: RequestCounts = {
    total: 0,
    byKind: { list: 0, watch: 0, get: 0, patch: 0, other: 0 },
    failed: 0,
    connections: 0,
  };
  const agent = new Agent({ keepAlive: true, maxSockets: 256 });
  const server = createServer((req, res) => {
    counts.total++;
    counts.byKind[classify(req)]++;
    const upstream = request(
      {
        host: '127.0.0.1',
        port: upstreamPort,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: `127.0.0.1:${upstreamPort}` },
        agent,
      },
      (answer) => {
        if ((answer.statusCode ?? 502) >= 400) counts.failed++;
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
        answer.on('error', () => res.destroy());
      },
    );
    upstream.on('error', (err) => {
      counts.failed++;
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' }).end(String(err));
      else res.destroy();
    });
    // A client that goes away (a watch ended, a killed process) ends the upstream request too.
    res.on('close', () => {
      if (!res.writableFinished) upstream.destroy();
    });
    req.pipe(upstream);
  });
  server.on('connection', () => counts.connections++);
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((listening, failed) =>
    server.once('error', failed).listen(0, '127.0.0.1', listening),
  );
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    counts,
    close: () =>
      new Promise<void>((closed) => {
        server.close(() => closed());
        server.closeAllConnections();
        agent.destroy();
      }),
  };
}
