// A sample venture app: exports business numbers as Prometheus gauges, labelled by venture, that a
// test or a demo steers with `POST /ventures/<name>` and a JSON body such as {"revenue": 12000}.
import { createServer } from 'node:http';
import { Gauge, Registry } from 'prom-client';

const registry = new Registry();
const gauge = (name: string, help: string) =>
  new Gauge({ name, help, labelNames: ['venture'] as const, registers: [registry] });

const metrics = {
  revenue: gauge('venture_revenue_dollars_monthly', 'Revenue per month.'),
  costs: gauge('venture_costs_dollars_monthly', 'Costs per month.'),
  customers: gauge('venture_customers', 'Paying customers.'),
  acquisitionSpend: gauge(
    'venture_acquisition_spend_dollars_monthly',
    'Spend on acquiring customers per month.',
  ),
  satisfaction: gauge('venture_customer_satisfaction_ratio', 'Customer satisfaction, 0–1.'),
  cash: gauge('venture_cash_dollars', 'Cash in the bank.'),
};
type Metric = keyof typeof metrics;

const port = Number(process.env.PORT ?? 9464);
createServer((req, res) => {
  const venture = /^\/ventures\/([a-z0-9-]+)$/.exec(req.url ?? '')?.[1];
  if (req.method === 'GET' && req.url === '/metrics') {
    void registry
      .metrics()
      .then((text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text));
  } else if (req.method === 'POST' && venture) {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      const values = JSON.parse(body || '{}') as Partial<Record<Metric, number | null>>;
      for (const [name, value] of Object.entries(values)) {
        const g = metrics[name as Metric];
        if (!g) return void res.writeHead(400).end(`unknown metric ${name}\n`);
        if (value === null) g.remove({ venture });
        else g.set({ venture }, value);
      }
      res.writeHead(204).end();
    });
  } else {
    res.writeHead(404).end('GET /metrics or POST /ventures/<name>\n');
  }
}).listen(port, process.env.HOST ?? '127.0.0.1', () => console.log(`venture app on :${port}`));
