// What name servers answer for a hostname now: how a RegionPair times when its DNS change is live
// (status.lastFailover.dnsAnsweringAt), and how the tests and the benchmark read CoreDNS.
import { Resolver } from 'node:dns/promises';

export type RecordType = 'A' | 'CNAME';

/** A resolver asking only `servers` (host:port), one try with a short timeout: callers poll, nothing retries for them. */
export function resolverFor(servers: readonly string[], timeoutMs = 1000): Resolver {
  const resolver = new Resolver({ timeout: timeoutMs, tries: 1 });
  resolver.setServers([...servers]);
  return resolver;
}

/** The sorted answer, without trailing dots; NXDOMAIN and no data are the empty answer. */
export async function lookup(
  resolver: Resolver,
  hostname: string,
  recordType: RecordType,
): Promise<string[]> {
  try {
    const answer =
      recordType === 'A' ? await resolver.resolve4(hostname) : await resolver.resolveCname(hostname);
    return answer.map((name) => name.replace(/\.$/, '')).sort();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOTFOUND' || code === 'ENODATA') return [];
    throw err;
  }
}

/**
 * Asks every `resolver` until each answers exactly `target` or `timeoutMs` passes, every `intervalMs`;
 * the epoch ms of the poll that first saw all of them agree, or undefined.
 */
export async function awaitTarget(
  resolvers: readonly Resolver[],
  hostname: string,
  recordType: RecordType,
  target: string,
  {
    timeoutMs,
    intervalMs = 50,
    now = Date.now,
  }: { timeoutMs: number; intervalMs?: number; now?: () => number },
): Promise<number | undefined> {
  const want = target.replace(/\.$/, '');
  const deadline = now() + timeoutMs;
  for (;;) {
    const at = now();
    const answers = await Promise.all(
      resolvers.map((r) => lookup(r, hostname, recordType).catch(() => undefined)),
    );
    if (answers.every((a) => a?.length === 1 && a[0] === want)) return at;
    if (at >= deadline) return undefined;
    await new Promise((done) => setTimeout(done, intervalMs));
  }
}
