// Starts and stops the real DNS stack of the region tests on free loopback ports: an etcd, CoreDNS serving
// a zone from it (etcd plugin), and external-dns turning DNSEndpoint objects of a cluster into etcd records.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import type { Resolver } from 'node:dns/promises';
import { mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { buildTools, toolVersion } from './localCluster.js';
import { freePort } from './prometheus.js';
import { lookup, resolverFor } from '../../src/providers/dnsAnswer.js';
import { DNS_ENDPOINTS, type DnsEndpointObject } from '../../src/providers/dnsRecord.js';
import type { Client } from '../../src/runtime/client.js';

export { lookup };

const run = promisify(execFile);

export const DNS_ENDPOINT_CRD = 'dnsendpoints.externaldns.k8s.io';

export interface DnsStackOptions {
  /** The cluster whose DNSEndpoint objects external-dns publishes (the DNS cluster). */
  kubeconfig: string;
  /** The zone CoreDNS serves and external-dns manages, e.g. `region.test`. */
  zone: string;
  /** external-dns's sync interval; it checks once a second at most (its loop ticks every 1 s). */
  interval?: string;
}

export interface DnsStack {
  zone: string;
  /** CoreDNS's UDP (and TCP) port on 127.0.0.1. */
  port: number;
  /** The etcd CoreDNS and external-dns share. */
  etcdUrl: string;
  /** A resolver that asks this CoreDNS and nothing else. */
  resolver: Resolver;
  /** Where the three processes write their logs. */
  logDir: string;
  stop(): Promise<void>;
}

/** The DNSEndpoint CRD file of the pinned external-dns module, from the Go module cache (never copied). */
export async function dnsEndpointCrdPath(): Promise<string> {
  const { stdout } = await run('go', [
    'mod',
    'download',
    '-json',
    `sigs.k8s.io/external-dns@${toolVersion('EXTERNAL_DNS_VERSION')}`,
  ]);
  const { Dir } = JSON.parse(stdout) as { Dir: string };
  return join(Dir, 'config', 'crd', 'standard', `${DNS_ENDPOINT_CRD}.yaml`);
}

/** Installs the DNSEndpoint CRD into the cluster and waits until it is served. */
export async function installDnsEndpointCrd(bin: string, kubeconfig: string): Promise<void> {
  const kubectl = (...args: string[]) => run(join(bin, 'kubectl'), ['--kubeconfig', kubeconfig, ...args]);
  await kubectl('apply', '--server-side', '-f', await dnsEndpointCrdPath());
  await kubectl('wait', '--for=condition=Established', '--timeout=60s', `crd/${DNS_ENDPOINT_CRD}`);
}

/** A port free on 127.0.0.1 for both TCP and UDP (CoreDNS listens on both). */
async function freeDnsPort(): Promise<number> {
  for (;;) {
    const port = await freePort();
    const socket = createSocket('udp4');
    const free = await new Promise<boolean>((done) => {
      socket.once('error', () => done(false));
      socket.bind(port, '127.0.0.1', () => done(true));
    });
    await new Promise<void>((done) => (free ? socket.close(() => done()) : done()));
    if (free) return port;
  }
}

/** Polls `ready` every 100 ms until it holds; fails when the process exits or the timeout passes. */
async function waitReady(name: string, child: ChildProcess, logFile: string, ready: () => Promise<boolean>) {
  const deadline = Date.now() + 60_000;
  while (!(await ready().catch(() => false))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      throw new Error(`${name} did not become ready (exit code ${child.exitCode}); see ${logFile}`);
    }
    await new Promise((done) => setTimeout(done, 100));
  }
}

/** A resolver asking only the CoreDNS on 127.0.0.1:port. */
export const resolverOn = (port: number): Resolver => resolverFor([`127.0.0.1:${port}`]);

export async function startDnsStack(options: DnsStackOptions): Promise<DnsStack> {
  const bin = await buildTools();
  const logDir = mkdtempSync(join(tmpdir(), 'autopilot-dns-'));
  const children: ChildProcess[] = [];
  const start = (name: string, args: string[], env: NodeJS.ProcessEnv = {}) => {
    const logFile = join(logDir, `${name}.log`);
    const log = openSync(logFile, 'a');
    const child = spawn(join(bin, name), args, {
      env: { ...process.env, ...env },
      stdio: ['ignore', log, log],
    });
    children.push(child);
    return { child, logFile };
  };
  const stop = async () => {
    await Promise.all(
      children.reverse().map(async (child) => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const exited = new Promise((done) => child.once('exit', done));
        child.kill('SIGTERM');
        await exited;
      }),
    );
    rmSync(logDir, { recursive: true, force: true });
  };

  try {
    const [clientPort, peerPort, metricsPort, dnsPort] = [
      await freePort(),
      await freePort(),
      await freePort(),
      await freeDnsPort(),
    ];
    const etcdUrl = `http://127.0.0.1:${clientPort}`;
    const peerUrl = `http://127.0.0.1:${peerPort}`;
    const etcd = start('etcd', [
      '--name=dns',
      `--data-dir=${join(logDir, 'etcd-data')}`,
      `--listen-client-urls=${etcdUrl}`,
      `--advertise-client-urls=${etcdUrl}`,
      `--listen-peer-urls=${peerUrl}`,
      `--initial-advertise-peer-urls=${peerUrl}`,
      `--initial-cluster=dns=${peerUrl}`,
    ]);
    await waitReady('etcd', etcd.child, etcd.logFile, async () => (await fetch(`${etcdUrl}/health`)).ok);

    const corefile = join(logDir, 'Corefile');
    writeFileSync(
      corefile,
      `${options.zone}:${dnsPort} {\n  bind 127.0.0.1\n  errors\n  etcd ${options.zone} {\n    endpoint ${etcdUrl}\n    path /skydns\n  }\n}\n`,
    );
    const coredns = start('coredns', ['-conf', corefile]);
    const resolver = resolverOn(dnsPort);
    // Any answer (NXDOMAIN included) means CoreDNS is serving the zone.
    await waitReady('coredns', coredns.child, coredns.logFile, () =>
      resolver.resolve4(`ready.${options.zone}`).then(
        () => true,
        (err: NodeJS.ErrnoException) => err.code === 'ENOTFOUND' || err.code === 'ENODATA',
      ),
    );

    await installDnsEndpointCrd(bin, options.kubeconfig);
    const externalDns = start(
      'external-dns',
      [
        `--kubeconfig=${options.kubeconfig}`,
        '--source=crd',
        '--crd-source-apiversion=externaldns.k8s.io/v1alpha1',
        '--crd-source-kind=DNSEndpoint',
        '--provider=coredns',
        `--domain-filter=${options.zone}`,
        '--policy=sync',
        '--txt-owner-id=autopilot-e2e',
        `--interval=${options.interval ?? '500ms'}`,
        `--metrics-address=127.0.0.1:${metricsPort}`,
      ],
      { ETCD_URLS: etcdUrl },
    );
    await waitReady(
      'external-dns',
      externalDns.child,
      externalDns.logFile,
      async () => (await fetch(`http://127.0.0.1:${metricsPort}/healthz`)).ok,
    );
    return { zone: options.zone, port: dnsPort, etcdUrl, resolver, logDir, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

export interface AnswerChange {
  /** The answer that satisfied the wait. */
  answer: string[];
  /** performance.now() of the first poll that saw it. */
  at: number;
}

/**
 * Polls the A records (or CNAME) of `hostname` every `intervalMs` until `accept` takes the answer, and
 * says when it first did. NXDOMAIN and an empty answer count as [], timeouts as no answer yet.
 */
export async function awaitAnswer(
  resolver: Resolver,
  hostname: string,
  accept: (answer: string[]) => boolean,
  { recordType = 'A', timeoutMs = 60_000, intervalMs = 20 }: AnswerWait = {},
): Promise<AnswerChange> {
  const deadline = performance.now() + timeoutMs;
  let last: string[] | string = 'no answer yet';
  for (;;) {
    const at = performance.now();
    const answer = await lookup(resolver, hostname, recordType).catch((err: Error) => err.message);
    if (typeof answer !== 'string' && accept(answer)) return { answer, at };
    last = answer;
    if (at > deadline) {
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for the ${recordType} answer of ${hostname} to change (last: ${JSON.stringify(last)})`,
      );
    }
    await new Promise((done) => setTimeout(done, intervalMs));
  }
}

export interface AnswerWait {
  recordType?: 'A' | 'CNAME';
  timeoutMs?: number;
  intervalMs?: number;
}

/**
 * The DNS propagation floor: from a DNSEndpoint write returning to CoreDNS's first answer with the new
 * target, `writes` times, in ms. external-dns syncs on a 1 s tick, so each write first waits a random
 * part of a second and lands at a random phase of it, as a failover's write does (right after an answer,
 * every write would wait about 1 s). Writes the DNSEndpoint `name` in `namespace` with `hostname`.
 */
export async function propagationFloor(
  client: Client,
  resolver: Resolver,
  {
    namespace,
    name,
    hostname,
    writes,
  }: { namespace: string; name: string; hostname: string; writes: number },
): Promise<number[]> {
  const record = (target: string): DnsEndpointObject => ({
    metadata: { name, namespace },
    spec: { endpoints: [{ dnsName: hostname, recordType: 'A', targets: [target], recordTTL: 5 }] },
  });
  await client.apply(DNS_ENDPOINTS, record('10.255.0.1'));
  await awaitAnswer(resolver, hostname, (a) => a.join() === '10.255.0.1', { timeoutMs: 60_000 });
  const floorsMs: number[] = [];
  for (let i = 0; i < writes; i++) {
    const target = i % 2 ? '10.255.0.1' : '10.255.0.2';
    await new Promise((done) => setTimeout(done, Math.random() * 1000));
    await client.apply(DNS_ENDPOINTS, record(target));
    const written = performance.now();
    const { at } = await awaitAnswer(resolver, hostname, (a) => a.join() === target, { timeoutMs: 30_000 });
    floorsMs.push(at - written);
  }
  return floorsMs;
}
