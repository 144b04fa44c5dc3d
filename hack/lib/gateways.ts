// Local payment gateways for tests, `npm run dev` and benchmarks: HTTP(S) servers that answer health probes
// (GET/HEAD /healthz) and charges (any other request) as they are told: healthy, failing, hanging, slow or
// flapping, and count what they were asked. Steered in-process, or over HTTP by POST /_control.
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { freePort } from './prometheus.js';

export const HEALTH_PATH = '/healthz';
const CONTROL_PATH = '/_control';

/** How a gateway answers one kind of request. */
export interface Behaviour {
  /** HTTP status of each answer; 200 unless set. */
  status?: number;
  /** Wait this long before answering. */
  delayMs?: number;
  /** Never answer: the request stays open until the client gives up or the gateway closes. */
  hang?: boolean;
  /** Every n-th request of this kind answers 500 instead (3: the 3rd, 6th, …): a flapping gateway. */
  failEvery?: number;
  /** Requests without exactly these headers (names in lower case) get 401. */
  requireHeaders?: Record<string, string>;
}

export interface Counts {
  health: number;
  charges: number;
  /** Charges answered with a status of 400 or more. */
  failedCharges: number;
  /** Most requests open at once so far. */
  peakOpen: number;
}

export interface GatewayOptions {
  /** Listen address; other loopback addresses (127.0.0.2, …) give gateways hosts of their own. */
  host?: string;
  port?: number;
  /** Serve HTTPS with this key and certificate (PEM). */
  tls?: { key: string; cert: string };
}

export class Gateway {
  private behaviour: Record<'health' | 'charges', Behaviour> = { health: {}, charges: {} };
  private readonly seen: Counts = { health: 0, charges: 0, failedCharges: 0, peakOpen: 0 };
  private open = 0;
  private readonly server: Server;

  private constructor(
    readonly name: string,
    readonly url: string,
    options: GatewayOptions,
  ) {
    const serve = (req: IncomingMessage, res: ServerResponse) => this.serve(req, res);
    this.server = options.tls ? createHttpsServer(options.tls, serve) : createHttpServer(serve);
  }

  /** Starts a healthy gateway; `url` is its base URL (probe it at url + HEALTH_PATH). */
  static async start(name: string, options: GatewayOptions = {}): Promise<Gateway> {
    const host = options.host ?? '127.0.0.1';
    const port = options.port ?? (await freePort());
    const gateway = new Gateway(name, `${options.tls ? 'https' : 'http'}://${host}:${port}`, options);
    await new Promise<void>((listening, failed) => {
      gateway.server.once('error', failed);
      gateway.server.listen(port, host, () => listening());
    });
    return gateway;
  }

  /** How health probes are answered from now on. */
  health(behaviour: Behaviour): this {
    this.behaviour = { ...this.behaviour, health: behaviour };
    return this;
  }

  /** How charges (the real traffic) are answered from now on. */
  charges(behaviour: Behaviour): this {
    this.behaviour = { ...this.behaviour, charges: behaviour };
    return this;
  }

  /** Both: a gateway that is down (or back) for everyone. */
  behave(behaviour: Behaviour): this {
    this.behaviour = { health: behaviour, charges: behaviour };
    return this;
  }

  counts(): Counts {
    return { ...this.seen };
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((closed) => this.server.close(() => closed()));
  }

  private serve(req: IncomingMessage, res: ServerResponse): void {
    const path = (req.url ?? '/').split('?')[0];
    if (path === CONTROL_PATH) return this.control(req, res);
    const kind =
      path === HEALTH_PATH && (req.method === 'GET' || req.method === 'HEAD') ? 'health' : 'charges';
    const count = ++this.seen[kind];
    this.seen.peakOpen = Math.max(this.seen.peakOpen, ++this.open);
    res.once('close', () => this.open--);
    const { status = 200, delayMs = 0, hang = false, failEvery, requireHeaders = {} } = this.behaviour[kind];
    if (hang) return;
    const authorized = Object.entries(requireHeaders).every(([name, value]) => req.headers[name] === value);
    const answer = !authorized ? 401 : failEvery && count % failEvery === 0 ? 500 : status;
    if (kind === 'charges' && answer >= 400) this.seen.failedCharges++;
    const reply = () => {
      res.writeHead(answer, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ gateway: this.name, status: answer }));
    };
    // Drain the request first, so a charge's body never holds the connection.
    req.resume();
    req.on('end', () => (delayMs ? setTimeout(reply, delayMs) : reply()));
  }

  /** GET: the counts; POST {"health"?: Behaviour, "charges"?: Behaviour}: new behaviour, for other processes. */
  private control(req: IncomingMessage, res: ServerResponse): void {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      if (req.method === 'POST') {
        try {
          const next = JSON.parse(body || '{}') as Partial<Record<'health' | 'charges', Behaviour>>;
          this.behaviour = { ...this.behaviour, ...next };
        } catch {
          return void res.writeHead(400).end('body must be JSON: {"health": {...}, "charges": {...}}\n');
        }
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(this.counts()));
    });
  }
}

/** Starts one gateway per name; close them all with `closeGateways`. */
export async function startGateways(
  names: readonly string[],
  options: GatewayOptions = {},
): Promise<Gateway[]> {
  return Promise.all(names.map((name) => Gateway.start(name, options)));
}

export const closeGateways = (gateways: readonly Gateway[]): Promise<void[]> =>
  Promise.all(gateways.map((g) => g.close()));
