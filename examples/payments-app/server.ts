// A sample payments app: sends charges to each payment gateway named in GATEWAYS ({"stripe": "http://…"})
// at RATE charges per second each, and exports what they met as Prometheus counters labelled by gateway
// (payments_gateway_requests_total, payments_gateway_errors_total): the real traffic a FallbackProtocol's
// trigger.traffic reads. A charge that fails (5xx, no answer within 2 s, refused) is an error.
import { createServer } from 'node:http';
import { Counter, Registry } from 'prom-client';

const registry = new Registry();
const requests = new Counter({
  name: 'payments_gateway_requests_total',
  help: 'Charges sent, per gateway.',
  labelNames: ['gateway'] as const,
  registers: [registry],
});
const errors = new Counter({
  name: 'payments_gateway_errors_total',
  help: 'Charges that failed (5xx, timeout, connection refused), per gateway.',
  labelNames: ['gateway'] as const,
  registers: [registry],
});

const gateways = JSON.parse(process.env.GATEWAYS ?? '{}') as Record<string, string>;
const rate = Number(process.env.RATE ?? 10);

async function charge(gateway: string, url: string): Promise<void> {
  requests.inc({ gateway });
  try {
    const response = await fetch(`${url}/charges`, {
      method: 'POST',
      body: JSON.stringify({ amount: 1999, currency: 'usd' }),
      signal: AbortSignal.timeout(2_000),
    });
    await response.arrayBuffer();
    if (response.status >= 500) errors.inc({ gateway });
  } catch {
    errors.inc({ gateway });
  }
}

for (const [gateway, url] of Object.entries(gateways)) {
  requests.inc({ gateway }, 0);
  errors.inc({ gateway }, 0);
  setInterval(() => void charge(gateway, url), 1000 / rate);
}

const port = Number(process.env.PORT ?? 9465);
createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/metrics') {
    void registry
      .metrics()
      .then((text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text));
  } else res.writeHead(404).end();
}).listen(port, '127.0.0.1');
