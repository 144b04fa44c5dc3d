// `npm run bench:population`: does a population under AgentSpawn get better faster than one left alone or
// one joined by random new agents (the seed claims 40 % faster skill development and 60 % better new
// agents)? And the engine's cycle time for large populations. No cluster needed.
import { benchmark } from '../lib/benchmark.js';
import { integer, integers } from '../lib/flags.js';
import { ratio } from '../lib/stats.js';
import { fixed, MISSING, printTable, times } from '../lib/table.js';
import { benchCycle } from './engine.js';
import { benchSpec, Policies, simulate, type Policy, type SimulationResult } from './simulate.js';

// Method and the reading of each figure: docs/bench/population.md.

const flags = {
  seeds: integer(10, 'seeded runs per policy (seeds 1..N)'),
  agents: integer(10, 'agents at the start (maxPopulation is twice this)'),
  cycles: integer(40, 'cycles (AgentSpawn intervals) per run'),
  episodes: integer(2, 'episodes each agent plays per cycle'),
  maxPerCycle: integer(2, 'spawn.maxPerCycle'),
  sessions: integer(3, 'training.maxConcurrentSessions'),
  cycleAgents: integers('100,1000', 'population sizes the engine’s cycle time is measured for ("" for none)'),
  rounds: integer(30, 'measured cycles per size'),
  warmup: integer(5, 'cycles run before measuring', { min: 0 }),
};

const mean = (values: readonly number[]) =>
  values.length ? values.reduce((a, b) => a + b, 0) / values.length : undefined;
const median = (values: readonly number[]) => {
  if (!values.length) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length / 2;
  return Number.isInteger(mid) ? (sorted[mid - 1]! + sorted[mid]!) / 2 : sorted[Math.floor(mid)];
};
const defined = <T>(values: readonly (T | undefined)[]) => values.filter((v): v is T => v !== undefined);

/** One policy's figures over all seeds. */
function summarizePolicy(runs: SimulationResult[], cycles: number) {
  const toGood = runs.flatMap((r) => r.toGood);
  const reached = defined(toGood);
  // An agent that never reached Good counts as reaching it one cycle after the run: the median stays honest.
  const censored = toGood.map((t) => t ?? cycles);
  const newcomers = runs.flatMap((r) => r.newcomers);
  return {
    finalMean: mean(runs.map((r) => r.meanByCycle.at(-1)!)),
    startersFinalMean: mean(runs.map((r) => r.startersByCycle.at(-1)!)),
    startersMean: mean(runs.map((r) => mean(r.startersByCycle)!)),
    runMean: mean(runs.map((r) => mean(r.meanByCycle)!)),
    meanReachesGood: median(runs.map((r) => r.meanReachesGood ?? cycles)),
    runsWhoseMeanReachedGood: runs.filter((r) => r.meanReachesGood !== undefined).length,
    weakStarters: toGood.length,
    weakReachedGood: reached.length,
    medianCyclesToGood: median(censored),
    meanCyclesToGoodOfThoseWhoDid: mean(reached),
    newcomers: newcomers.length,
    newcomerFirst: mean(newcomers.map((n) => n.first)),
    newcomerFifth: mean(defined(newcomers.map((n) => n.fifth))),
    population: mean(runs.map((r) => r.population)),
    sessions: {
      started: runs.reduce((s, r) => s + r.sessions.started, 0),
      succeeded: runs.reduce((s, r) => s + r.sessions.succeeded, 0),
      failed: runs.reduce((s, r) => s + r.sessions.failed, 0),
      abandoned: runs.reduce((s, r) => s + r.sessions.abandoned, 0),
    },
  };
}
type PolicyFigures = ReturnType<typeof summarizePolicy>;

await benchmark(
  {
    name: 'population',
    summary: 'Seeded sample agents under AgentSpawn vs alone vs random newcomers; the engine’s cycle time.',
    flags,
    notes: 'Runs in this process; needs no cluster.',
  },
  (run) => {
    const f = run.flags;
    const spec = benchSpec(f.agents, f.maxPerCycle, f.sessions);
    const runs: Record<Policy, SimulationResult[]> = { autopilot: [], alone: [], random: [] };
    for (let seed = 1; seed <= f.seeds; seed++) {
      const options = { seed, agents: f.agents, cycles: f.cycles, episodesPerCycle: f.episodes, spec };
      const autopilot = simulate('autopilot', options);
      runs.autopilot.push(autopilot);
      runs.alone.push(simulate('alone', options));
      runs.random.push(simulate('random', { ...options, arrivals: autopilot.arrivals }));
    }
    run.log(`simulated ${f.seeds} seeds × ${Policies.length} policies × ${f.cycles} cycles`);
    const figures = Object.fromEntries(
      Policies.map((p) => [p, summarizePolicy(runs[p], f.cycles)]),
    ) as Record<Policy, PolicyFigures>;
    const { autopilot, alone, random } = figures;

    printTable(
      `Populations of ${f.agents} over ${f.cycles} cycles, ${f.seeds} seeds (Good = 0.7):`,
      'policy | final mean | mean over the run | starters’ final mean | starters’ mean over the run | cycles until the mean is Good (median) | weak starters reaching Good | their cycles to Good (median, never = run length) | newcomers | newcomer score, 1st cycle | 5th cycle | population at the end',
      Policies.map((p) => {
        const x = figures[p];
        return [
          p,
          fixed(x.finalMean, 3),
          fixed(x.runMean, 3),
          fixed(x.startersFinalMean, 3),
          fixed(x.startersMean, 3),
          `${fixed(x.meanReachesGood, 1)} (${x.runsWhoseMeanReachedGood}/${f.seeds} runs)`,
          `${x.weakReachedGood}/${x.weakStarters}`,
          fixed(x.medianCyclesToGood, 1),
          x.newcomers,
          x.newcomers ? fixed(x.newcomerFirst, 3) : MISSING,
          x.newcomers ? fixed(x.newcomerFifth, 3) : MISSING,
          fixed(x.population, 1),
        ];
      }),
    );
    const ratios = {
      /** > 1: weak agents reach Good faster under AgentSpawn (the seed claims 40 % faster: time × 0.6, i.e. 1.67×). */
      skillSpeedup: ratio(alone.medianCyclesToGood, autopilot.medianCyclesToGood),
      meanSpeedup: ratio(alone.meanReachesGood, autopilot.meanReachesGood),
      finalMeanVsAlone: ratio(autopilot.finalMean, alone.finalMean),
      startersRunMeanVsAlone: ratio(autopilot.startersMean, alone.startersMean),
      finalMeanVsRandom: ratio(autopilot.finalMean, random.finalMean),
      /** > 1: AutoPilot's children start better than random newcomers (the seed claims 60 %: 1.6×). */
      newcomerFirst: ratio(autopilot.newcomerFirst, random.newcomerFirst),
      newcomerFifth: ratio(autopilot.newcomerFifth, random.newcomerFifth),
    };
    printTable(
      'AgentSpawn against the baselines, as ratios (the seed’s claims beside them):',
      'figure | measured | seed claims',
      [
        [
          'weak starters’ time to Good: alone / AgentSpawn',
          times(ratios.skillSpeedup),
          '1.67× (40 % faster)',
        ],
        ['population mean’s time to Good: alone / AgentSpawn', times(ratios.meanSpeedup), ''],
        ['final mean score: AgentSpawn / alone', times(ratios.finalMeanVsAlone), ''],
        [
          'starters’ mean over the run (training alone): AgentSpawn / alone',
          times(ratios.startersRunMeanVsAlone),
          '',
        ],
        ['final mean score: AgentSpawn / random newcomers', times(ratios.finalMeanVsRandom), ''],
        [
          'new agents’ first score: children / random newcomers',
          times(ratios.newcomerFirst),
          '1.60× (60 % better)',
        ],
        ['new agents after 5 cycles: children / random newcomers', times(ratios.newcomerFifth), ''],
      ],
    );
    const s = autopilot.sessions;
    printTable(
      'AgentSpawn’s training sessions, all seeds:',
      'started | succeeded | failed | abandoned | success share of measured',
      [[s.started, s.succeeded, s.failed, s.abandoned, fixed(ratio(s.succeeded, s.succeeded + s.failed), 2)]],
    );

    const cycleTimes = f.cycleAgents.filter((n) => n > 0).map((n) => benchCycle(spec, n, f.rounds, f.warmup));
    if (cycleTimes.length) {
      printTable(
        'Engine cycle time (decidePopulation: rank, measure sessions, validate knowledge, pair, spawn), ms:',
        'agents | cycle p50 | p90 | max | ranking alone p50 | cycle / ranking | decisions',
        cycleTimes.map((c) => [
          c.agents,
          fixed(c.cycleMs.p50, 2),
          fixed(c.cycleMs.p90, 2),
          fixed(c.cycleMs.max, 2),
          fixed(c.rankingMs.p50, 2),
          times(ratio(c.cycleMs.p50, c.rankingMs.p50), 1),
          c.decisions.join(', '),
        ]),
      );
    }
    // Nothing here waits: the simulation and the timing run synchronously in this process.
    return Promise.resolve({
      spec,
      figures,
      ratios,
      cycleTimes,
      meanByCycle: Object.fromEntries(
        Policies.map((p) => [p, runs[p].map((r) => r.meanByCycle.map((m) => Number(m.toFixed(4))))]),
      ),
    });
  },
);
