// A local business-metrics endpoint for the http provider (one JSON document per venture, steered by the test),
// and a describe's portfolio of ventures reading it.
import { afterAll, beforeAll } from '@jest/globals';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Numbers } from '../../../hack/lib/ventureApp.js';
import { useNamespace, waitFor } from './kube.js';
import { freePort, type OperatorProcess } from './operator.js';
import { startVentureOperator, VentureNamespace, type ManifestOptions } from './ventures.js';

interface Answer {
  numbers: Numbers;
  /** How old the document's "time" is when it is served. */
  ageMs: number;
  /** 200 serves the document; anything else answers that status with a text body. */
  status: number;
  /** When set, requests without exactly this Authorization header get 401. */
  authorization?: string;
}

interface Held {
  names: readonly string[];
  waiting: Map<string, () => void>;
  release: (met: boolean) => void;
}

/**
 * GET /ventures/<name> answers {"metrics": {revenue, costs, …}, "time": RFC 3339} for each venture the
 * test has set; unknown ventures get 404. It can also hold requests until several ventures' audits are in
 * flight at once, to make concurrent audits happen on purpose rather than by luck.
 */
export class MetricsEndpoint {
  private readonly answers = new Map<string, Answer>();
  private readonly seen = new Map<string, { count: number; authorization?: string }>();
  private held: Held | undefined;

  private readonly server = createServer((req, res) => this.serve(req, res));

  private constructor(readonly address: string) {}

  static async start(): Promise<MetricsEndpoint> {
    const port = await freePort();
    const endpoint = new MetricsEndpoint(`http://127.0.0.1:${port}`);
    await new Promise<void>((listening, failed) => {
      endpoint.server.once('error', failed);
      endpoint.server.listen(port, '127.0.0.1', () => listening());
    });
    return endpoint;
  }

  url(name: string): string {
    return `${this.address}/ventures/${name}`;
  }

  /** Serves `numbers` with a fresh timestamp and HTTP 200 (a healthy endpoint) from now on. */
  set(name: string, numbers: Numbers): void {
    const before = this.answers.get(name);
    this.answers.set(name, { ...before, numbers, ageMs: 0, status: 200 });
  }

  /** Serves the same numbers with a timestamp `ageMs` old. */
  age(name: string, ageMs: number): void {
    this.answers.set(name, { ...this.answer(name), ageMs });
  }

  /** Answers every request for `name` with this HTTP status; 200 serves the document again. */
  respond(name: string, status: number): void {
    this.answers.set(name, { ...this.answer(name), status });
  }

  requireAuthorization(name: string, authorization: string): void {
    this.answers.set(name, { ...this.answer(name), authorization });
  }

  /** How many requests for `name` arrived, and the Authorization header of the last one. */
  requests(name: string): { count: number; authorization?: string } {
    return this.seen.get(name) ?? { count: 0 };
  }

  /**
   * Holds the next request of each of `names` until all of them are waiting, then answers them together.
   * Resolves true then, or false if they never were all in flight within `timeoutMs` (the held ones are
   * answered anyway, before the provider's own 10 s deadline).
   */
  holdTogether(names: readonly string[], timeoutMs = 8_000): Promise<boolean> {
    return new Promise((resolve) => {
      const waiting = new Map<string, () => void>();
      const timer = setTimeout(() => release(false), timeoutMs);
      const release = (met: boolean) => {
        clearTimeout(timer);
        this.held = undefined;
        for (const answer of waiting.values()) answer();
        resolve(met);
      };
      this.held = { names, waiting, release };
    });
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((closed) => this.server.close(() => closed()));
  }

  private answer(name: string): Answer {
    const answer = this.answers.get(name);
    if (!answer) throw new Error(`set ${name}'s numbers first`);
    return answer;
  }

  private serve(req: IncomingMessage, res: ServerResponse): void {
    const name = /^\/ventures\/([^/?]+)/.exec(req.url ?? '')?.[1] ?? '';
    const { authorization } = req.headers;
    this.seen.set(name, { count: this.requests(name).count + 1, authorization });
    const held = this.held;
    if (held?.names.includes(name)) {
      held.waiting.set(name, () => this.reply(name, authorization, res));
      if (held.names.every((n) => held.waiting.has(n))) held.release(true);
      return;
    }
    this.reply(name, authorization, res);
  }

  private reply(name: string, authorization: string | undefined, res: ServerResponse): void {
    const send = (status: number, type: string, body: string) => {
      res.writeHead(status, { 'content-type': type }).end(body);
    };
    const answer = this.answers.get(name);
    if (!answer) send(404, 'text/plain', `no venture ${name}`);
    else if (answer.authorization !== undefined && authorization !== answer.authorization)
      send(401, 'text/plain', 'missing or wrong Authorization header');
    else if (answer.status !== 200) send(answer.status, 'text/plain', `injected failure ${answer.status}`);
    else {
      const time = new Date(Date.now() - answer.ageMs).toISOString();
      send(200, 'application/json', JSON.stringify({ metrics: answer.numbers, time }));
    }
  }
}

/** spec.metrics for the http provider reading `url`'s document (ventureManifest adds interval and max age). */
export function httpMetrics(url: string, http: Record<string, unknown> = {}) {
  return {
    provider: 'http',
    http: {
      url,
      timestampPath: 'time',
      paths: {
        revenue: 'metrics.revenue',
        costs: 'metrics.costs',
        satisfaction: 'metrics.satisfaction',
        cash: 'metrics.cash',
        customers: 'metrics.customers',
      },
      ...http,
    },
  };
}

/**
 * For one describe: its own namespace, metrics endpoint and operator (`autopilot run` with `flags`),
 * started before its tests and stopped after them. The CRDs must be installed first.
 */
export function httpPortfolio(prefix: string, flags: string[] = []) {
  const ns = useNamespace(prefix);
  const ventures = new VentureNamespace(ns);
  let endpoint: MetricsEndpoint | undefined;
  let operator: OperatorProcess | undefined;
  beforeAll(async () => {
    endpoint = await MetricsEndpoint.start();
    // Nothing listens there: these ventures read their endpoint, never Prometheus.
    const noPrometheus = `http://127.0.0.1:${await freePort()}`;
    const launched = await startVentureOperator(ns.name, `${prefix}-op`, noPrometheus, flags);
    operator = launched;
    await waitFor(`operator ${launched.name} to be ready (its caches synced)`, async () => {
      if (launched.child.exitCode !== null) throw new Error(`it exited with ${launched.child.exitCode}`);
      return (await fetch(`${launched.healthUrl}/readyz`)).ok ? true : undefined;
    });
  });
  afterAll(async () => {
    operator?.child.kill('SIGKILL');
    await endpoint?.close();
  });
  const started = <T>(what: string, value: T | undefined): T => {
    if (value === undefined) throw new Error(`the ${what} starts in beforeAll`);
    return value;
  };
  return {
    ns,
    ventures,
    get endpoint() {
      return started('metrics endpoint', endpoint);
    },
    get operator() {
      return started('operator', operator);
    },
    /** Serves `numbers` for `name` and creates a Venture reading them over HTTP. */
    create: async (name: string, numbers: Numbers, options: ManifestOptions = {}): Promise<void> => {
      const served = started('metrics endpoint', endpoint);
      served.set(name, numbers);
      await ventures.create(name, { metrics: httpMetrics(served.url(name)), ...options });
    },
  };
}
