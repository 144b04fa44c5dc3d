// Bench variant (c), the floor: on each "go", one list, then one /status patch per Widget that needs it.
import { Agent, request } from 'node:http';
import { readFileSync } from 'node:fs';
import { pool } from '../lib/pool.js';
import {
  PLURAL,
  GROUP,
  VERSION,
  isConverged,
  signalReady,
  variantEnv,
  type GoMessage,
  type Widget,
} from './widget.js';

// No watch, no cache, no client library; a few patches at a time.

const { namespace, workers } = variantEnv();
// The driver writes this process's kubeconfig as JSON: one plain-http cluster (its counting proxy).
const kubeconfig = JSON.parse(readFileSync(process.env.KUBECONFIG ?? '', 'utf8')) as {
  clusters: { cluster: { server: string } }[];
};
const server = new URL(kubeconfig.clusters[0]!.cluster.server);
const agent = new Agent({ keepAlive: true, maxSockets: workers });
const base = `/apis/${GROUP}/${VERSION}/namespaces/${namespace}/${PLURAL}`;

function call(method: string, path: string, body?: unknown): Promise<unknown> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: server.hostname,
        port: server.port,
        method,
        path,
        agent,
        headers: {
          accept: 'application/json',
          ...(payload ? { 'content-type': 'application/merge-patch+json' } : {}),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString();
          if ((res.statusCode ?? 500) >= 300)
            reject(new Error(`${method} ${path}: ${res.statusCode} ${text}`));
          else resolve(JSON.parse(text));
        });
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

async function once(): Promise<void> {
  const list = (await call('GET', base)) as { items: Widget[] };
  await pool(
    list.items.filter((w) => !isConverged(w)),
    workers,
    (widget) =>
      call('PATCH', `${base}/${encodeURIComponent(widget.metadata.name)}/status`, {
        status: { observed: widget.spec.value },
      }),
  );
}

// One pass at a time, in order; a failed pass ends the process (the driver reports it).
let passes = Promise.resolve();
process.on('message', (message: GoMessage) => {
  if (message.type !== 'go') return;
  passes = passes.then(once).catch((err: unknown) => {
    console.error(`floor: ${message.phase} pass failed: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  });
});
process.once('SIGTERM', () => process.exit(0));
signalReady();
