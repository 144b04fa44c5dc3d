// `npm run bench:aurea`: CPU per AUREA cycle (runCycle, and saving its memory) over the journal of N ventures.
import { performance } from 'node:perf_hooks';
import {
  DEFAULT_AUREA_SETTINGS,
  emptyAureaState,
  runCycle,
  type AureaState,
} from '../../../src/engine/aurea/cycle.js';
import {
  summarizeCycle,
  type FailureCause,
  type JournalEntry,
  type RuntimeSignals,
} from '../../../src/engine/aurea/journal.js';
import { decodeMemory, encodeMemory, MEMORY_KEY } from '../../../src/engine/aurea/memory.js';
import { benchmark } from '../lib/benchmark.js';
import { integer, integers } from '../lib/flags.js';
import { ratio, summarize, type Summary } from '../lib/stats.js';
import { count, fixed, printTable, times } from '../lib/table.js';

const CYCLE_MS = 30_000;
const T0 = Date.UTC(2026, 10, 1);
const CAUSES: FailureCause[] = ['Timeout', 'Conflict', 'Permission', 'Invalid'];

interface Options {
  cycles: number;
  warmup: number;
}

/**
 * One cycle's journal from N ventures, as the Venture controller would report it: every venture audited
 * (health and profit), 5 % deciding a Scale and 0.5 % a Terminate, carried out at once; one in ten of
 * those fails, by a rotating cause. Scale windows are two cycles, so judgements run every cycle.
 */
function journal(ventures: number, cycle: number): JournalEntry[] {
  const at = T0 + cycle * CYCLE_MS;
  const entries: JournalEntry[] = [];
  for (let v = 0; v < ventures; v++) {
    const object = { kind: 'Venture', namespace: `ns-${v % 50}`, name: `venture-${v}` };
    const wave = Math.sin((cycle + v) / 7);
    entries.push({ type: 'Measured', at, object, measure: 'health', value: Math.round(70 + 20 * wave) });
    entries.push({ type: 'Measured', at, object, measure: 'profit', value: 1000 * wave });
    const roll = (v * 7919 + cycle * 104_729) % 1000;
    const action = roll < 50 ? 'Scale' : roll < 55 ? 'Terminate' : undefined;
    if (!action) continue;
    const id = `${action.toLowerCase()}-${cycle}-${v}`;
    entries.push({ type: 'Decided', at, id, object, action, reason: 'bench', judgeAfterMs: 2 * CYCLE_MS });
    entries.push({ type: 'Started', at, id });
    entries.push(
      roll % 10 === 0
        ? { type: 'Failed', at, id, cause: CAUSES[cycle % CAUSES.length]!, message: 'bench failure' }
        : { type: 'Succeeded', at, id },
    );
  }
  return entries;
}

const signals = (ventures: number): RuntimeSignals => ({
  reconciles: ventures,
  reconcileErrors: 0,
  queueDepth: 3,
  apiCalls: 2 * ventures,
  apiLatencyMs: 15,
  controllers: [
    {
      name: 'venture',
      apiCalls: 2 * ventures,
      apiTimeouts: 0,
      requestsPerSecond: 50,
      configuredRequestsPerSecond: 50,
    },
  ],
  watches: [{ resource: 'ventures.autopilot.ventures', consecutiveFailures: 0 }],
});

/** CPU ms (user + system) and wall ms of `work`. */
function measure(work: () => void): { cpuMs: number; wallMs: number } {
  const cpu = process.cpuUsage();
  const wall = performance.now();
  work();
  const used = process.cpuUsage(cpu);
  return { cpuMs: (used.user + used.system) / 1000, wallMs: performance.now() - wall };
}

export interface VenturesResult {
  ventures: number;
  entriesPerCycle: number;
  /** runCycle, CPU ms per cycle. */
  cycleCpuMs: Summary;
  /** summarizeCycle over the same entries (one counting pass): the floor. */
  floorCpuMs: Summary;
  cycleToFloor?: number;
  /** encodeMemory + decodeMemory of the state after the cycle, CPU ms. */
  memoryCpuMs: Summary;
  memoryBytes: number;
  /** Decisions waiting for their window at the end. */
  pending: number;
}

function benchVentures(ventures: number, options: Options): VenturesResult {
  let state: AureaState = emptyAureaState();
  const settings = { ...DEFAULT_AUREA_SETTINGS, autonomy: 'Autonomous' as const };
  const cycleCpu: number[] = [];
  const floorCpu: number[] = [];
  const memoryCpu: number[] = [];
  let memoryBytes = 0;
  let entryCount = 0;
  for (let c = 0; c < options.warmup + options.cycles; c++) {
    const entries = journal(ventures, c);
    const now = T0 + c * CYCLE_MS + 50;
    const input = { startedAt: now - 50, entries, signals: signals(ventures), goals: [] };
    const floor = measure(() =>
      summarizeCycle(entries, input.signals, { number: c, startedAt: now - 50, now }),
    );
    const cycle = measure(() => {
      state = runCycle(state, input, settings, now).state;
    });
    let text = '';
    const memory = measure(() => {
      text = encodeMemory(state, now)[MEMORY_KEY]!;
      decodeMemory({ [MEMORY_KEY]: text });
    });
    if (c < options.warmup) continue;
    entryCount += entries.length;
    cycleCpu.push(cycle.cpuMs);
    floorCpu.push(floor.cpuMs);
    memoryCpu.push(memory.cpuMs);
    memoryBytes = Math.max(memoryBytes, Buffer.byteLength(text));
  }
  const cycleCpuMs = summarize(cycleCpu)!;
  const floorCpuMs = summarize(floorCpu)!;
  const cycleToFloor = ratio(cycleCpuMs.mean, floorCpuMs.mean);
  return {
    ventures,
    entriesPerCycle: Math.round(entryCount / options.cycles),
    cycleCpuMs,
    floorCpuMs,
    ...(cycleToFloor === undefined ? {} : { cycleToFloor }),
    memoryCpuMs: summarize(memoryCpu)!,
    memoryBytes,
    pending: state.outcomes.pending.size,
  };
}

await benchmark(
  {
    name: 'aurea',
    summary:
      'CPU per AUREA cycle (runCycle: outcomes, patterns, goal rules, learning, heal) over the journal N ventures report in one 30 s cycle, against one counting pass over the same entries.',
    flags: {
      ventures: integers('100,1000,5000', 'ventures reporting to the journal, one measurement each'),
      cycles: integer(200, 'measured cycles per N'),
      warmup: integer(50, 'cycles run first and not measured', { min: 0 }),
    },
  },
  (run) => {
    const results: VenturesResult[] = [];
    for (const ventures of run.flags.ventures) {
      run.log(`${ventures} ventures: ${run.flags.warmup} warm-up and ${run.flags.cycles} measured cycles`);
      results.push(benchVentures(ventures, run.flags));
    }
    printTable(
      'One AUREA cycle, CPU ms (user + system):',
      'ventures | entries/cycle | runCycle mean | p50 | p99 | share of 30 s | floor mean | runCycle / floor | memory encode+decode | memory bytes | pending',
      results.map((r) => [
        count(r.ventures),
        count(r.entriesPerCycle),
        fixed(r.cycleCpuMs.mean, 2),
        fixed(r.cycleCpuMs.p50, 2),
        fixed(r.cycleCpuMs.p99, 2),
        `${fixed((100 * r.cycleCpuMs.mean) / CYCLE_MS, 3)} %`,
        fixed(r.floorCpuMs.mean, 3),
        times(r.cycleToFloor, 0),
        fixed(r.memoryCpuMs.mean, 2),
        count(r.memoryBytes),
        count(r.pending),
      ]),
    );
    return Promise.resolve({ cycleIntervalMs: CYCLE_MS, ventures: results });
  },
);
