// Runs Debian's Prometheus for e2e tests: scrapes given targets every second; can be stopped and restarted.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './operator.js';
import { waitFor } from './wait.js';

export const PROMETHEUS_BINARY = process.env.PROMETHEUS_BINARY ?? '/usr/bin/prometheus';

export class TestPrometheus {
  private child: ChildProcess | undefined;
  private readonly dir = mkdtempSync(join(tmpdir(), 'prometheus-'));
  private constructor(readonly port: number) {}

  static async start(targets: string[]): Promise<TestPrometheus> {
    const prometheus = new TestPrometheus(await freePort());
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
    await waitFor(
      'Prometheus to be ready',
      async () => ((await fetch(`${this.address}/-/ready`)).ok ? true : undefined),
      {
        timeoutMs: 30_000,
      },
    );
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
