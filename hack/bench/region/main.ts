// `npm run bench:region`: how fast a RegionPair moves a hostname to the backup region through real DNS.
// Over N injected outages of the primary's endpoint: the time from the break to CoreDNS answering with
// the backup's target, against the theoretical minimum measured in the same run (failureThreshold ×
// interval of probing, plus the DNS propagation floor: a DNSEndpoint write to CoreDNS's answer) and
// against the seed's 30 s objective. Between outages the pair fails back automatically.
import { createHash } from 'node:crypto';
import { awaitAnswer, propagationFloor } from '../../lib/dns.js';
import { DNS_NS, EAST, HOSTNAME, startRegionStack, TARGETS, WEST, ZONE } from '../../lib/regionStack.js';
import { benchmark } from '../lib/benchmark.js';
import { integer } from '../lib/flags.js';
import { repoRoot } from '../lib/proc.js';
import { ratio, summarize } from '../lib/stats.js';
import { fixed, printTable, times } from '../lib/table.js';
import { sleep } from '../lib/wait.js';

// Method and the reading of each figure: docs/bench/region.md.

const SEED_OBJECTIVE_S = 30;
const flags = {
  outages: integer(10, 'outages of the primary injected one after the other', { min: 1 }),
  floorWrites: integer(10, 'DNSEndpoint writes timed for the propagation floor', { min: 1 }),
  failureThreshold: integer(3, 'healthCheck.failureThreshold of the pair', { min: 1 }),
};

await benchmark(
  {
    name: 'region',
    summary:
      'RegionPair failover through real external-dns + CoreDNS on three local clusters: break → CoreDNS answering the backup, against failureThreshold × interval + the DNS floor and the seed’s 30 s.',
    flags,
    notes: 'Starts three local clusters, the DNS stack and one operator per region; removes them at the end.',
  },
  async (run) => {
    const { outages, floorWrites, failureThreshold } = run.flags;
    const intervalS = 1;
    run.log('starting three clusters, the DNS stack and two operators');
    const stack = await startRegionStack(
      `rpb-${createHash('sha256').update(repoRoot).digest('hex').slice(0, 6)}`,
    );
    run.defer(() => stack.stop());
    run.log(`operator logs in ${stack.logDir}`);

    const floorMs = await propagationFloor(stack.clients.dns, stack.dns.resolver, {
      namespace: DNS_NS,
      name: 'floor',
      hostname: `floor.${ZONE}`,
      writes: floorWrites,
    });
    const floor = summarize(floorMs)!;
    run.log(`DNS propagation floor p50 ${fixed(floor.p50, 0)} ms over ${floorWrites} writes`);

    await stack.applyPair('bench', {
      healthCheck: {
        interval: `${intervalS}s`,
        responseTimeMs: 1000,
        availability: 0.5,
        failureThreshold,
        window: 10,
      },
      failback: { automatic: true, healthyChecks: 3, minimumHold: '0s' },
    });
    await stack.startOperator(EAST);
    await stack.startOperator(WEST);
    const answers = (region: typeof EAST | typeof WEST, timeoutMs: number) =>
      awaitAnswer(stack.dns.resolver, HOSTNAME, (a) => a.join() === TARGETS[region], { timeoutMs });
    await answers(EAST, 180_000);
    run.log('us-east serves; injecting outages');

    const failoverMs: number[] = [];
    const failbackMs: number[] = [];
    for (let i = 0; i < outages; i++) {
      // A random phase of the probe interval, as a real outage has.
      await sleep(2000 + Math.random() * 1000);
      const broken = performance.now();
      stack.eastOutage(true);
      try {
        failoverMs.push((await answers(WEST, 120_000)).at - broken);
      } catch (err) {
        run.fail(`outage ${i + 1}: ${(err as Error).message}`);
        break;
      }
      stack.eastOutage(false);
      const restored = performance.now();
      try {
        failbackMs.push((await answers(EAST, 120_000)).at - restored);
      } catch (err) {
        run.fail(`failback ${i + 1}: ${(err as Error).message}`);
        break;
      }
      run.log(
        `outage ${i + 1}: failover ${fixed(failoverMs.at(-1)! / 1000, 2)} s, failback ${fixed(failbackMs.at(-1)! / 1000, 2)} s`,
      );
    }

    const failover = summarize(failoverMs);
    const failback = summarize(failbackMs);
    const minimumMs = failureThreshold * intervalS * 1000 + floor.p50;
    printTable(
      `Failover: primary endpoint broken → CoreDNS answers the backup (${failoverMs.length} outages)`,
      'percentile | seconds | × minimum | × seed 30 s',
      (['p50', 'p90', 'max'] as const).map((k) => [
        k,
        fixed(failover && failover[k] / 1000, 2),
        times(ratio(failover?.[k], minimumMs)),
        times(ratio(failover?.[k], SEED_OBJECTIVE_S * 1000)),
      ]),
    );
    printTable('The baseline, measured in this run', 'figure | seconds', [
      [`minimum: ${failureThreshold} failures × ${intervalS} s + DNS floor p50`, fixed(minimumMs / 1000, 2)],
      ['DNS floor p50 (DNSEndpoint write → CoreDNS answer)', fixed(floor.p50 / 1000, 2)],
      ['DNS floor max', fixed(floor.max / 1000, 2)],
      [
        'failback p50 (endpoint restored → CoreDNS answers the primary; 3 healthy checks)',
        fixed(failback && failback.p50 / 1000, 2),
      ],
    ]);
    return {
      settings: { outages, failureThreshold, intervalSeconds: intervalS, heartbeatTimeoutSeconds: 4 },
      floorMs,
      failoverMs,
      failbackMs,
      minimumMs,
      failover,
      failback,
      ratios: {
        p50ToMinimum: ratio(failover?.p50, minimumMs),
        p90ToMinimum: ratio(failover?.p90, minimumMs),
        maxToMinimum: ratio(failover?.max, minimumMs),
        p50ToSeed: ratio(failover?.p50, SEED_OBJECTIVE_S * 1000),
        maxToSeed: ratio(failover?.max, SEED_OBJECTIVE_S * 1000),
      },
    };
  },
);
