// Runs Debian's Prometheus locally (for e2e tests and npm run dev): scrapes given targets every second;
// can be stopped and restarted on the same port and storage.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';

export const PROMETHEUS_BINARY = process.env.PROMETHEUS_BINARY ?? '/usr/bin/prometheus';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.once('error', reject);
  });
}

export class LocalPrometheus {
  private child: ChildProcess | undefined;
  private readonly dir = mkdtempSync(join(tmpdir(), 'prometheus-'));
  private constructor(readonly port: number) {}

  static async start(targets: string[], port?: number): Promise<LocalPrometheus> {
    const prometheus = new LocalPrometheus(port ?? (await freePort()));
    writeFileSync(
      join(prometheus.dir, 'prometheus.yml'),
      `global: { scrape_interval: 1s, evaluation_interval: 1s }\nscrape_configs:\n  - job_name: ventures\n    static_configs:\n      - targets: [${targets.map((t) => `'${t}'`).join(', ')}]\n`,
    );
    await prometheus.resume();
    return prometheus;
  }

  get address(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Starts (again) on the same port and storage, and waits until it answers. */
  async resume(): Promise<void> {
    this.child = spawn(
      PROMETHEUS_BINARY,
      [
        `--config.file=${join(this.dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(this.dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${this.port}`,
      ],
      { stdio: 'ignore' },
    );
    const child = this.child;
    const deadline = Date.now() + 30_000;
    for (;;) {
      const ready = await fetch(`${this.address}/-/ready`).then(
        (r) => r.ok,
        () => false,
      );
      if (ready) return;
      if (Date.now() > deadline || child.exitCode !== null) {
        throw new Error(`Prometheus (${PROMETHEUS_BINARY}) did not become ready on ${this.address}`);
      }
      await new Promise((done) => setTimeout(done, 200));
    }
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((done) => child.once('exit', done));
    child.kill('SIGTERM');
    await exited;
  }

  async close(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** The value of an instant query with one series, or undefined while it has none. */
  async value(query: string): Promise<number | undefined> {
    const response = await fetch(`${this.address}/api/v1/query?query=${encodeURIComponent(query)}`);
    const body = (await response.json()) as { data: { result: { value: [number, string] }[] } };
    const [first] = body.data.result;
    return first ? Number(first.value[1]) : undefined;
  }
}
