// Starts the sample apps (examples/*) on free ports for tests, benchmarks and the demo: the venture app here.
import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './prometheus.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export type Numbers = Partial<
  Record<'revenue' | 'costs' | 'satisfaction' | 'cash' | 'customers' | 'acquisitionSpend', number>
>;

export interface VentureApp {
  /** http://127.0.0.1:<port> */
  url: string;
  /** host:port, a Prometheus scrape target. */
  target: string;
  child: ChildProcess;
  /** Sets a venture's numbers (its gauges) in the app. */
  set(name: string, numbers: Numbers): Promise<void>;
}

/** Starts an example app (a script serving /metrics on PORT) and resolves once it answers; kill `child` to stop it. */
export async function startExampleApp(
  script: string,
  env: NodeJS.ProcessEnv = {},
): Promise<{ url: string; target: string; child: ChildProcess }> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, script)], {
    cwd: root,
    env: { ...process.env, ...env, PORT: String(port) },
    // stderr stays visible: an app that crashes or cannot reach the cluster says why.
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  for (let tries = 0; ; tries++) {
    const ok = await fetch(`${url}/metrics`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    if (tries > 300 || child.exitCode !== null) throw new Error(`${script} on ${url} did not start`);
    await new Promise((done) => setTimeout(done, 100));
  }
  return { url, target: `127.0.0.1:${port}`, child };
}

/** Resolves once the app answers /metrics; kill `child` to stop it. */
export async function startVentureApp(): Promise<VentureApp> {
  const { url, target, child } = await startExampleApp('examples/venture-app/server.ts');
  return {
    url,
    target,
    child,
    async set(name, numbers) {
      const response = await fetch(`${url}/ventures/${name}`, {
        method: 'POST',
        body: JSON.stringify(numbers),
      });
      if (response.status !== 204) throw new Error(`venture app answered ${response.status} for ${name}`);
    },
  };
}
