// How the metrics providers read and tell failures apart (network, timeout, 4xx, 5xx, a bad answer), each
// with its own reason and advice, against local HTTP servers answering as Prometheus and a JSON endpoint do;
// and where a spec's queries go (its Prometheus address and token).
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createServer, type RequestListener } from 'node:http';
import { ProviderError } from './http.js';
import { readHttpJson, readHttpJsonMap } from './httpJson.js';
import type { KubeObject } from '../api/meta.js';
import { SECRETS } from '../api/resources.js';
import { FakeClient } from '../runtime/testing/fakeClient.js';
import { prometheusEndpoint, readPrometheus, readPrometheusSeries } from './prometheus.js';

interface LocalServer {
  url: string;
  close: () => Promise<void>;
}

/** An HTTP server on a free local port. */
async function serve(handler: RequestListener): Promise<LocalServer> {
  const server = createServer(handler);
  await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => {
      server.closeAllConnections();
      return new Promise((closed) => server.close(() => closed()));
    },
  };
}

/** A base URL where nothing listens (a port that was free a moment ago). */
async function nothingListening(): Promise<string> {
  const server = await serve(() => undefined);
  await server.close();
  return server.url;
}

/** The ProviderError a read fails with. */
async function failureOf(read: Promise<unknown>): Promise<ProviderError> {
  const err = await read.then(
    () => new Error('the read succeeded'),
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ProviderError);
  return err as ProviderError;
}

const json =
  (status: number, body: unknown): RequestListener =>
  (_req, res) => {
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  };

describe('readPrometheus', () => {
  // Answers as Prometheus 2.x does: the query decides the answer.
  let prometheus: LocalServer;
  beforeAll(async () => {
    const answers: Record<string, RequestListener> = {
      'sum(revenue': json(400, {
        status: 'error',
        errorType: 'bad_data',
        error: 'invalid parameter "query": 1:12: parse error: unclosed left parenthesis',
      }),
      'a + on(x) b': json(422, {
        status: 'error',
        errorType: 'execution',
        error: 'found duplicate series for the match group {x="1"} on the right hand-side of the operation',
      }),
      overloaded: json(503, { status: 'error', errorType: 'unavailable', error: 'too many queries' }),
      teapot: json(418, { status: 'error', errorType: 'teapot', error: 'short and stout' }),
      secret: (req, res) =>
        req.headers.authorization === 'Bearer right'
          ? json(200, { status: 'success', data: { resultType: 'vector', result: [] } })(req, res)
          : void res.writeHead(401).end('Unauthorized'),
      slow: () => undefined, // never answers
    };
    const five = json(200, {
      status: 'success',
      data: { resultType: 'vector', result: [{ metric: {}, value: [1_800_000_000, '5'] }] },
    });
    prometheus = await serve((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      if (url.pathname !== '/api/v1/query') return void res.writeHead(404).end('404 page not found');
      (answers[url.searchParams.get('query') ?? ''] ?? five)(req, res);
    });
  });
  afterAll(() => prometheus.close());

  it('reads one sample per query', async () => {
    expect(await readPrometheus(prometheus.url, { revenue: 'ok', costs: 'ok' })).toEqual({
      revenue: { value: 5, at: 1_800_000_000_000 },
      costs: { value: 5, at: 1_800_000_000_000 },
    });
  });

  it('says PrometheusQueryInvalid for a query Prometheus cannot parse (400), naming the metric and its error', async () => {
    const { reason, message } = await failureOf(
      readPrometheus(prometheus.url, { revenue: 'sum(revenue', costs: 'ok' }),
    );
    expect(reason).toBe('PrometheusQueryInvalid');
    expect(message).toBe(
      'the revenue query is invalid: Prometheus answered HTTP 400: invalid parameter "query": 1:12: parse error: unclosed left parenthesis; fix spec.metrics.prometheus.queries.revenue',
    );
  });

  it('says PrometheusQueryInvalid for a query Prometheus cannot execute (422)', async () => {
    const { reason, message } = await failureOf(readPrometheus(prometheus.url, { costs: 'a + on(x) b' }));
    expect(reason).toBe('PrometheusQueryInvalid');
    expect(message).toMatch(
      /^the costs query is invalid: Prometheus answered HTTP 422: found duplicate series/,
    );
  });

  it('names every failed query once, with the reason of the first in metric order', async () => {
    const { reason, message } = await failureOf(
      readPrometheus(prometheus.url, {
        cash: 'a + on(x) b',
        costs: 'sum(revenue',
        revenue: 'overloaded',
        customers: 'overloaded',
      }),
    );
    expect(reason).toBe('PrometheusUnavailable');
    const order = ['HTTP 503', 'the costs query is invalid', 'the cash query is invalid'];
    expect(order.map((part) => message.indexOf(part))).toEqual(
      order.map((part) => message.indexOf(part)).sort((a, b) => a - b),
    );
    expect(order.every((part) => message.includes(part))).toBe(true);
    expect(message.match(/HTTP 503/g)).toHaveLength(1);
  });

  it('says PrometheusUnavailable when Prometheus answers 5xx', async () => {
    const { reason, message } = await failureOf(readPrometheus(prometheus.url, { revenue: 'overloaded' }));
    expect(reason).toBe('PrometheusUnavailable');
    expect(message).toBe(
      `Prometheus at ${prometheus.url} answered HTTP 503: too many queries; Prometheus is overloaded or not ready, nothing to fix in the Venture`,
    );
  });

  it('says PrometheusUnauthorized on 401, pointing at the bearer token', async () => {
    const wrong = await failureOf(readPrometheus(prometheus.url, { revenue: 'secret' }, 'wrong'));
    expect(wrong.reason).toBe('PrometheusUnauthorized');
    expect(wrong.message).toBe(
      `Prometheus at ${prometheus.url} answered HTTP 401: Unauthorized; check the bearer token in the Secret spec.metrics.prometheus.bearerTokenSecretRef names`,
    );
    const none = await failureOf(readPrometheus(prometheus.url, { revenue: 'secret' }));
    expect(none.message).toMatch(
      /it wants a bearer token: set spec\.metrics\.prometheus\.bearerTokenSecretRef$/,
    );
    await expect(readPrometheus(prometheus.url, { revenue: 'secret' }, 'right')).resolves.toEqual({});
  });

  it('says PrometheusRequestRejected on another 4xx, and that the address must be Prometheus’ base URL on 404', async () => {
    expect(await failureOf(readPrometheus(prometheus.url, { revenue: 'teapot' }))).toMatchObject({
      reason: 'PrometheusRequestRejected',
      message: expect.stringContaining('answered HTTP 418: short and stout'),
    });
    const notFound = await failureOf(readPrometheus(`${prometheus.url}/prom`, { revenue: 'ok' }));
    expect(notFound.reason).toBe('PrometheusRequestRejected');
    expect(notFound.message).toMatch(
      /answered HTTP 404: 404 page not found; check that spec\.metrics\.prometheus\.address \(or --prometheus-address\) is Prometheus’ base URL/,
    );
  });

  it('says PrometheusUnreachable when nothing listens, and when Prometheus does not answer in time', async () => {
    const address = await nothingListening();
    const refused = await failureOf(readPrometheus(address, { revenue: 'ok' }));
    expect(refused.reason).toBe('PrometheusUnreachable');
    expect(refused.message).toBe(`Prometheus at ${address} is unreachable: ECONNREFUSED`);

    const slow = await failureOf(
      readPrometheus(prometheus.url, { revenue: 'slow' }, undefined, { timeoutMs: 300 }),
    );
    expect(slow.reason).toBe('PrometheusUnreachable');
    expect(slow.message).toBe(`Prometheus at ${prometheus.url} did not answer within 300ms`);
  });
});

describe('readHttpJson', () => {
  let endpoint: LocalServer;
  beforeAll(async () => {
    endpoint = await serve((req, res) => {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      if (path === '/ok') return json(200, { revenue: 7, costs: 3, time: 1_800_000_000 })(req, res);
      if (path === '/private' && req.headers.authorization !== 'Bearer right')
        return void res.writeHead(401).end('missing or wrong Authorization header');
      if (path === '/private') return json(200, { revenue: 1, costs: 1, time: 1_800_000_000 })(req, res);
      if (path === '/forbidden') return void res.writeHead(403).end('forbidden');
      if (path === '/broken') return void res.writeHead(500).end('injected failure 500');
      if (path === '/gateway') return void res.writeHead(502).end('bad gateway');
      if (path === '/teapot') return void res.writeHead(418).end('short and stout');
      if (path === '/html') return void res.writeHead(200, { 'content-type': 'text/html' }).end('<html>');
      if (path === '/slow') return undefined;
      res.writeHead(404).end('no such venture');
    });
  });
  afterAll(() => endpoint.close());

  const read = (path: string, authorization?: string, timeoutMs?: number) =>
    readHttpJson(
      `${endpoint.url}${path}?token=hidden`,
      { revenue: 'revenue', costs: 'costs' },
      'time',
      authorization,
      {
        ...(timeoutMs && { timeoutMs }),
      },
    );

  it('reads the document', async () => {
    expect(await read('/ok')).toEqual({
      revenue: { value: 7, at: 1_800_000_000_000 },
      costs: { value: 3, at: 1_800_000_000_000 },
    });
  });

  it.each([
    [
      '/private',
      'Bearer wrong',
      'MetricsEndpointUnauthorized',
      /HTTP 401: missing or wrong Authorization header; check the Authorization header in the Secret spec\.metrics\.http\.headersSecretRef names$/,
    ],
    [
      '/private',
      undefined,
      'MetricsEndpointUnauthorized',
      /HTTP 401: .*; it wants an Authorization header: set spec\.metrics\.http\.headersSecretRef$/,
    ],
    [
      '/forbidden',
      'Bearer right',
      'MetricsEndpointUnauthorized',
      /HTTP 403: forbidden; check the Authorization header/,
    ],
    [
      '/nowhere',
      undefined,
      'MetricsEndpointNotFound',
      /HTTP 404: no such venture; check spec\.metrics\.http\.url$/,
    ],
    [
      '/teapot',
      undefined,
      'MetricsEndpointRejected',
      /HTTP 418: short and stout; the endpoint refused the request: check spec\.metrics\.http$/,
    ],
    [
      '/broken',
      undefined,
      'MetricsEndpointServerError',
      /HTTP 500: injected failure 500; the endpoint failed, nothing to fix in the Venture$/,
    ],
    ['/gateway', undefined, 'MetricsEndpointServerError', /HTTP 502: bad gateway/],
    ['/html', undefined, 'MetricsEndpointInvalidResponse', /did not answer JSON: <html>$/],
  ])('answers %s (Authorization %s) with %s', async (path, authorization, reason, message) => {
    const failure = await failureOf(read(path, authorization));
    expect(failure.reason).toBe(reason);
    expect(failure.message).toMatch(message);
    // The URL is named without its query, where tokens can hide.
    expect(failure.message).toContain(`the metrics endpoint ${endpoint.url}${path} `);
    expect(failure.message).not.toContain('hidden');
  });

  it('passes with the right Authorization header', async () => {
    await expect(read('/private', 'Bearer right')).resolves.toMatchObject({ revenue: { value: 1 } });
  });

  it('says MetricsEndpointUnreachable when nothing listens, and when the endpoint does not answer in time', async () => {
    const address = await nothingListening();
    const refused = await failureOf(readHttpJson(`${address}/ok`, { revenue: 'revenue' }, undefined));
    expect(refused.reason).toBe('MetricsEndpointUnreachable');
    expect(refused.message).toBe(`the metrics endpoint ${address}/ok is unreachable: ECONNREFUSED`);

    const slow = await failureOf(read('/slow', undefined, 300));
    expect(slow.reason).toBe('MetricsEndpointUnreachable');
    expect(slow.message).toBe(`the metrics endpoint ${endpoint.url}/slow did not answer within 300ms`);
  });
});

describe('readPrometheusSeries', () => {
  // Two agents scraped 40 s apart, queried at 1_800_000_100: the values carry the query time, the
  // timestamp() query the scrape times.
  const vector = (result: { metric: Record<string, string>; value: [number, string] }[]) =>
    json(200, { status: 'success', data: { resultType: 'vector', result } });
  const answers: Record<string, RequestListener> = {
    score: vector([
      { metric: { pod: 'a', job: 'agents' }, value: [1_800_000_100, '0.9'] },
      { metric: { pod: 'b', job: 'agents' }, value: [1_800_000_100, '0.4'] },
    ]),
    'timestamp(score)': vector([
      { metric: { pod: 'a', job: 'agents' }, value: [1_800_000_100, '1800000090'] },
      { metric: { pod: 'b', job: 'agents' }, value: [1_800_000_100, '1800000050'] },
    ]),
    twice: vector([
      { metric: { pod: 'a', job: 'x' }, value: [1_800_000_100, '0.9'] },
      { metric: { pod: 'a', job: 'y' }, value: [1_800_000_100, '0.8'] },
    ]),
    'timestamp(twice)': vector([]),
    unlabelled: vector([{ metric: {}, value: [1_800_000_100, '0.9'] }]),
    'timestamp(unlabelled)': vector([]),
    'bad(': json(400, { status: 'error', errorType: 'bad_data', error: 'parse error' }),
    'timestamp(bad()': json(400, { status: 'error', errorType: 'bad_data', error: 'parse error' }),
  };
  let prometheus: LocalServer;
  beforeAll(async () => {
    prometheus = await serve((req, res) => {
      const query = new URL(req.url ?? '/', 'http://x').searchParams.get('query') ?? '';
      (answers[query] ?? json(200, { status: 'success', data: { resultType: 'vector', result: [] } }))(
        req,
        res,
      );
    });
  });
  afterAll(() => prometheus.close());
  const source = (query: string) => ({
    name: 'the score query',
    queryField: 'spec.score.prometheus.query',
    settingsField: 'spec.score.prometheus',
    kind: 'AgentSpawn',
    query,
    label: 'pod',
  });

  it('reads a sample per pod, stamped with its scrape time rather than the query time', async () => {
    expect(await readPrometheusSeries(prometheus.url, source('score'))).toEqual(
      new Map([
        ['a', { value: 0.9, at: 1_800_000_090_000 }],
        ['b', { value: 0.4, at: 1_800_000_050_000 }],
      ]),
    );
  });

  it('refuses two series for one pod and series without the label, saying how to fix the query', async () => {
    const twice = await failureOf(readPrometheusSeries(prometheus.url, source('twice')));
    expect(twice).toMatchObject({
      reason: 'PrometheusQueryFailed',
      message: expect.stringContaining(
        'more than one series with pod="a"; aggregate them, e.g. max by (pod)',
      ),
    });
    const unlabelled = await failureOf(readPrometheusSeries(prometheus.url, source('unlabelled')));
    expect(unlabelled.message).toMatch(/^the score query returned 1 series without the label pod/);
  });

  it('names the AgentSpawn’s fields in its advice', async () => {
    const invalid = await failureOf(readPrometheusSeries(prometheus.url, source('bad(')));
    expect(invalid).toMatchObject({
      reason: 'PrometheusQueryInvalid',
      message: expect.stringMatching(/^the score query is invalid: .*; fix spec\.score\.prometheus\.query$/),
    });
    const refused = await failureOf(readPrometheusSeries(await nothingListening(), source('score')));
    expect(refused.reason).toBe('PrometheusUnreachable');
  });
});

describe('readHttpJsonMap', () => {
  let endpoint: LocalServer;
  beforeAll(async () => {
    endpoint = await serve((req, res) => {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      if (path === '/scores')
        return json(200, { scores: { a: 0.9, b: '0.4', c: null }, measuredAt: '2027-01-15T08:00:00Z' })(
          req,
          res,
        );
      if (path === '/list') return json(200, { scores: [0.9] })(req, res);
      res.writeHead(500).end('down');
    });
  });
  afterAll(() => endpoint.close());
  const source = { settingsField: 'spec.score.http', kind: 'AgentSpawn' };

  it('reads a value per name at the document’s time; what is not a number reads as NaN', async () => {
    const at = Date.parse('2027-01-15T08:00:00Z');
    expect(await readHttpJsonMap(`${endpoint.url}/scores`, 'scores', 'measuredAt', source)).toEqual(
      new Map([
        ['a', { value: 0.9, at }],
        ['b', { value: 0.4, at }],
        ['c', { value: NaN, at }],
      ]),
    );
  });

  it('says where the object is missing, and names the AgentSpawn in its advice', async () => {
    const list = await failureOf(readHttpJsonMap(`${endpoint.url}/list`, 'scores', undefined, source));
    expect(list).toMatchObject({
      reason: 'MetricsEndpointInvalidResponse',
      message: `the metrics endpoint ${endpoint.url}/list has no object at scores; check spec.score.http`,
    });
    const down = await failureOf(readHttpJsonMap(`${endpoint.url}/down`, 'scores', undefined, source));
    expect(down.message).toMatch(/HTTP 500: down; the endpoint failed, nothing to fix in the AgentSpawn$/);
  });
});

describe('prometheusEndpoint', () => {
  const secret: KubeObject & { data: Record<string, string> } = {
    metadata: { name: 'prom', namespace: 'ns' },
    data: { token: Buffer.from('s3cret\n').toString('base64') },
  };
  const client = new FakeClient([{ type: SECRETS, object: secret }]);
  const field = 'spec.score.prometheus';

  it('takes the spec’s address over the operator’s, and reads the bearer token, trimmed', async () => {
    const ref = { name: 'prom', key: 'token' };
    expect(
      await prometheusEndpoint(
        client,
        'ns',
        { address: 'http://own', bearerTokenSecretRef: ref },
        field,
        'http://op',
      ),
    ).toEqual({ address: 'http://own', bearerToken: 's3cret' });
    expect(await prometheusEndpoint(client, 'ns', {}, field, 'http://op')).toEqual({ address: 'http://op' });
  });

  it('says which field to set when neither names an address, and when the token’s Secret is missing', async () => {
    expect(await failureOf(prometheusEndpoint(client, 'ns', {}, field, undefined))).toMatchObject({
      reason: 'NoPrometheusAddress',
      message: 'set spec.score.prometheus.address or run the operator with --prometheus-address',
    });
    const missing = { name: 'gone', key: 'token' };
    expect(
      await failureOf(
        prometheusEndpoint(client, 'ns', { bearerTokenSecretRef: missing }, field, 'http://op'),
      ),
    ).toMatchObject({ reason: 'SecretNotFound', message: 'Secret ns/gone does not exist' });
  });
});
