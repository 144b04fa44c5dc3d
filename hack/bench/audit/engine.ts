// Part 1 of `npm run bench:audit`: audits per second of the pure engine (auditVenture + decideVenture).
import { SEED_POLICY, type VentureSpec } from '../../../src/api/v1alpha1/venture.js';
import { auditVenture, type AuditInput, type VentureAudit } from '../../../src/engine/venture/audit.js';
import { decideVenture, type DecisionInput } from '../../../src/engine/venture/decision.js';
import { MONTH_MS, type AuditSnapshot } from '../../../src/engine/venture/history.js';
import type { MetricsObservation } from '../../../src/engine/venture/metrics.js';
import { summarize, type Summary } from '../lib/stats.js';

export interface EngineOptions {
  /** Iterations per measured round. */
  iterations: number;
  /** Iterations run (and thrown away) before the first round. */
  warmup: number;
  /** Measured rounds; the median round is reported. */
  rounds: number;
}

export interface EngineRow {
  what: string;
  /** Calls per second in the median round. */
  perSecond: number;
  /** µs per call, one sample per round: p50 is the median round, min the fastest, max the slowest. */
  microseconds: Summary;
}

export interface EngineResult {
  options: EngineOptions;
  inputs: number;
  decisions: Record<string, number>;
  rows: EngineRow[];
}

const NOW = Date.UTC(2026, 5, 15, 12, 0, 0);
const MINUTE = 60_000;

/** The seed thresholds (the CRD's defaults), as an audit reads them from spec.policy. */
const POLICY: VentureSpec['policy'] = SEED_POLICY;

/** A small deterministic PRNG, so every run audits the same inputs. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Case {
  audit: AuditInput;
  decision: Omit<DecisionInput, 'audit'>;
}

/**
 * Inputs as the controller builds them: all six metrics fresh (a second old), and a 6-entry history as
 * status keeps it (five earlier monthly periods and an earlier audit of the current one, since audits
 * run every minute or so while a period is a month). Winners, flat ventures and losers are mixed, so
 * Scale, Hold, Optimize and the review path all run.
 */
function cases(count: number): Case[] {
  const next = random(42);
  const profiles = [
    { revenue: 50_000, margin: 0.6, growth: 0.25, satisfaction: 0.92 }, // scales
    { revenue: 20_000, margin: 0.1, growth: 0.0, satisfaction: 0.85 }, // holds
    { revenue: 15_000, margin: 0.2, growth: -0.05, satisfaction: 0.7 }, // optimizes (declining)
    { revenue: 4_000, margin: -0.4, growth: -0.1, satisfaction: 0.4 }, // under review
  ];
  return Array.from({ length: count }, (_, i) => {
    const p = profiles[i % profiles.length]!;
    const jitter = () => 1 + (next() - 0.5) * 0.1;
    const revenue = p.revenue * jitter();
    const costs = revenue * (1 - p.margin) * jitter();
    const customers = Math.round(500 * jitter());
    const fresh = (value: number) => ({ value, at: NOW - 1000 });
    const observation: MetricsObservation = {
      revenue: fresh(revenue),
      costs: fresh(costs),
      customers: fresh(customers),
      acquisitionSpend: fresh(3000 * jitter()),
      satisfaction: fresh(Math.min(1, p.satisfaction * jitter())),
      cash: fresh(60_000 * jitter()),
    };
    const history: AuditSnapshot[] = [5, 4, 3, 2, 1].map((ago) => {
      const r = revenue / (1 + p.growth) ** ago;
      const c = r * (1 - p.margin + ago * 0.01 * Math.sign(p.growth || 1));
      return {
        observedAt: new Date(NOW - 1000 - ago * MONTH_MS).toISOString(),
        revenue: r,
        costs: c,
        profitMargin: (r - c) / r,
        customers: customers - ago * 20,
        cac: 150 * jitter(),
        consecutiveLosses: r < c ? 5 - ago + 1 : 0,
      };
    });
    history.push({
      observedAt: new Date(NOW - 1000 - 10 * MINUTE).toISOString(),
      revenue: revenue * 0.99,
      costs,
      customers: customers - 2,
      consecutiveLosses: revenue < costs ? 6 : 0,
    });
    return {
      audit: {
        observation,
        history,
        policy: POLICY,
        maxSampleAge: 5 * MINUTE,
        periodMs: MONTH_MS,
        window: 6,
      },
      decision: {
        venture: {
          namespace: 'bench',
          name: `venture-${i}`,
          uid: `00000000-0000-0000-0000-${String(i).padStart(12, '0')}`,
        },
        policy: POLICY,
        scaling: { minReplicas: 1, maxReplicas: 10, factor: 2 },
        replicas: 1 + (i % 3),
        previous: { failingAudits: i % 3, auditedAt: new Date(NOW - 1000 - MINUTE).toISOString() },
      },
    };
  });
}

/** Runs `body(i)` for `iterations` and returns the elapsed ms. */
function time(iterations: number, body: (i: number) => unknown): number {
  const started = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) sink(body(i));
  return Number(process.hrtime.bigint() - started) / 1e6;
}

// Keeps results alive so the JIT cannot drop the calls.
let kept: unknown;
const sink = (value: unknown) => {
  kept = value;
};

function measure(what: string, options: EngineOptions, body: (i: number) => unknown): EngineRow {
  time(options.warmup, body);
  const rounds = Array.from({ length: options.rounds }, () => time(options.iterations, body));
  const microseconds = summarize(rounds.map((ms) => (ms * 1000) / options.iterations))!;
  return { what, perSecond: 1e6 / microseconds.p50, microseconds };
}

export function benchEngine(options: EngineOptions): EngineResult {
  const inputs = cases(64);
  const n = inputs.length;
  const audits: VentureAudit[] = inputs.map((c) => auditVenture(c.audit, NOW));
  const decisions: Record<string, number> = {};
  inputs.forEach((c, i) => {
    const { action } = decideVenture({ ...c.decision, audit: audits[i]! }, NOW).decision;
    decisions[action] = (decisions[action] ?? 0) + 1;
  });
  const rows = [
    measure('auditVenture + decideVenture', options, (i) => {
      const c = inputs[i % n]!;
      return decideVenture({ ...c.decision, audit: auditVenture(c.audit, NOW) }, NOW);
    }),
    measure('auditVenture alone', options, (i) => auditVenture(inputs[i % n]!.audit, NOW)),
    measure('decideVenture alone', options, (i) =>
      decideVenture({ ...inputs[i % n]!.decision, audit: audits[i % n]! }, NOW),
    ),
  ];
  if (kept === undefined) throw new Error('the engine benchmark produced no result');
  return { options, inputs: n, decisions, rows };
}
