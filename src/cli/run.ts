// `autopilot run`: the operator process. Flags override AUTOPILOT_* environment variables.
import { parseArgs } from 'node:util';
import { parseDuration } from '../api/duration.js';
import type { VentureSettings } from '../controllers/venture/plan.js';
import type { Mode } from '../engine/mode.js';
import type { ControllerSpec } from '../runtime/controller.js';
import { loadKubeConfig } from '../runtime/client.js';
import { createLogger } from '../runtime/log.js';
import { Manager } from '../runtime/manager.js';

export const runUsage = `usage: autopilot run [flags]

  --namespace NS                   act in one namespace only (default: all)        AUTOPILOT_NAMESPACE
  --workers N                      concurrent reconciles per controller (default 2) AUTOPILOT_WORKERS
  --metrics-bind-address ADDR      /metrics listener, "" to disable (default :8080) AUTOPILOT_METRICS_BIND_ADDRESS
  --health-probe-bind-address ADDR /healthz and /readyz (default :8081)            AUTOPILOT_HEALTH_PROBE_BIND_ADDRESS
  --leader-elect BOOL              elect one active replica (default true)         AUTOPILOT_LEADER_ELECT
  --leader-election-namespace NS   namespace of the Lease (default: POD_NAMESPACE, else the --namespace, else default)
  --leader-election-id NAME        name of the Lease (default autopilot-leader)
  --lease-duration D               (default 15s)  --renew-deadline D (default 10s)  --retry-period D (default 2s)
  --shutdown-timeout D             how long in-flight reconciles may finish on SIGTERM (default 30s)
  --log-level LEVEL                trace|debug|info|warn|error (default info)      AUTOPILOT_LOG_LEVEL
  --default-mode MODE              Observe|Supervised|Autonomous for objects without spec.mode (default Observe)
  --prometheus-address URL         Prometheus for Ventures without their own address  AUTOPILOT_PROMETHEUS_ADDRESS
  --terminations-per-hour N        Venture terminations allowed per namespace per hour (default 1)
  --circuit-breaker-share F        block all terminations when more than this share of a namespace's
                                   ventures would be terminated at once (default 0.5)
  --portfolio-max-replicas N       replicas a namespace's ventures may reach through redistribution
                                   when it has no ResourceQuota on pods (default: unlimited)
  --kubeconfig PATH                (default: KUBECONFIG, else in-cluster)`;

const flags = {
  namespace: 'AUTOPILOT_NAMESPACE',
  workers: 'AUTOPILOT_WORKERS',
  'metrics-bind-address': 'AUTOPILOT_METRICS_BIND_ADDRESS',
  'health-probe-bind-address': 'AUTOPILOT_HEALTH_PROBE_BIND_ADDRESS',
  'leader-elect': 'AUTOPILOT_LEADER_ELECT',
  'leader-election-namespace': 'AUTOPILOT_LEADER_ELECTION_NAMESPACE',
  'leader-election-id': 'AUTOPILOT_LEADER_ELECTION_ID',
  'lease-duration': 'AUTOPILOT_LEASE_DURATION',
  'renew-deadline': 'AUTOPILOT_RENEW_DEADLINE',
  'retry-period': 'AUTOPILOT_RETRY_PERIOD',
  'shutdown-timeout': 'AUTOPILOT_SHUTDOWN_TIMEOUT',
  'log-level': 'AUTOPILOT_LOG_LEVEL',
  'default-mode': 'AUTOPILOT_DEFAULT_MODE',
  'prometheus-address': 'AUTOPILOT_PROMETHEUS_ADDRESS',
  'terminations-per-hour': 'AUTOPILOT_TERMINATIONS_PER_HOUR',
  'circuit-breaker-share': 'AUTOPILOT_CIRCUIT_BREAKER_SHARE',
  'portfolio-max-replicas': 'AUTOPILOT_PORTFOLIO_MAX_REPLICAS',
  kubeconfig: 'KUBECONFIG',
} as const;

type Flag = keyof typeof flags;

/** Bad flags or environment: the command prints the message and its usage, and exits 2. */
export class UsageError extends Error {}

/** The settings of `autopilot run`, from flags, then environment, then defaults; bad ones throw UsageError. */
export function runSettings(argv: string[], env: NodeJS.ProcessEnv = process.env) {
  try {
    return settingsFrom(argv, env);
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
}

const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];

function settingsFrom(argv: string[], env: NodeJS.ProcessEnv) {
  const { values } = parseArgs({
    args: argv,
    options: Object.fromEntries(Object.keys(flags).map((f) => [f, { type: 'string' as const }])),
  });
  const get = (flag: Flag, fallback: string) => values[flag] ?? env[flags[flag]] ?? fallback;
  const workers = Number(get('workers', '2'));
  if (!Number.isInteger(workers) || workers < 1) throw new Error('--workers must be a positive integer');
  const leaderElect = get('leader-elect', 'true');
  if (!['true', 'false'].includes(leaderElect)) throw new Error('--leader-elect must be true or false');
  const namespace = get('namespace', '') || undefined;
  const defaultMode = get('default-mode', 'Observe');
  if (!['Observe', 'Supervised', 'Autonomous'].includes(defaultMode)) {
    throw new Error('--default-mode must be Observe, Supervised or Autonomous');
  }
  const terminationsPerHour = Number(get('terminations-per-hour', '1'));
  if (!Number.isInteger(terminationsPerHour) || terminationsPerHour < 0) {
    throw new Error('--terminations-per-hour must be a whole number');
  }
  const circuitBreakerShare = Number(get('circuit-breaker-share', '0.5'));
  if (!(circuitBreakerShare > 0 && circuitBreakerShare <= 1))
    throw new Error('--circuit-breaker-share must be in (0, 1]');
  const portfolioMaxReplicas = Number(get('portfolio-max-replicas', 'Infinity'));
  if (!(portfolioMaxReplicas >= 0)) throw new Error('--portfolio-max-replicas must be a number of replicas');
  const logLevel = get('log-level', 'info');
  if (!LOG_LEVELS.includes(logLevel)) throw new Error(`--log-level must be one of ${LOG_LEVELS.join(', ')}`);
  const ventures: VentureSettings = {
    defaultMode: defaultMode as Mode,
    prometheusAddress: get('prometheus-address', '') || undefined,
    terminationsPerHour,
    circuitBreakerShare,
    portfolioMaxReplicas,
  };
  return {
    ventures,
    namespace,
    workers,
    metricsAddress: get('metrics-bind-address', ':8080'),
    healthAddress: get('health-probe-bind-address', ':8081'),
    logLevel,
    kubeconfig: get('kubeconfig', ''),
    shutdownTimeoutMs: parseDuration(get('shutdown-timeout', '30s')),
    leaderElection: {
      enabled: leaderElect === 'true',
      namespace: get('leader-election-namespace', env.POD_NAMESPACE ?? namespace ?? 'default'),
      name: get('leader-election-id', 'autopilot-leader'),
      identity: env.POD_NAME ? `${env.POD_NAME}_${process.pid}` : undefined,
      leaseDurationMs: parseDuration(get('lease-duration', '15s')),
      renewDeadlineMs: parseDuration(get('renew-deadline', '10s')),
      retryPeriodMs: parseDuration(get('retry-period', '2s')),
    },
  };
}

export type OperatorSettings = ReturnType<typeof runSettings>;
export type ControllerFactory = (manager: Manager, settings: OperatorSettings) => ControllerSpec;

/** Runs the operator with these controllers until SIGTERM/SIGINT (exit 0) or lost leadership (exit 1). */
export async function runOperator(argv: string[], controllers: ControllerFactory[]): Promise<number> {
  const settings = runSettings(argv);
  const logger = createLogger(settings.logLevel);
  const kubeConfig = loadKubeConfig(settings.kubeconfig);
  const manager = new Manager({ ...settings, kubeConfig, logger });
  for (const factory of controllers) manager.add(factory(manager, settings));
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      logger.info({ signal }, 'shutting down');
      manager.stop();
    });
  }
  logger.info(
    { namespace: settings.namespace ?? '(all)', workers: settings.workers, identity: manager.identity },
    'starting',
  );
  const outcome = await manager.start();
  return outcome === 'lost-leadership' ? 1 : 0;
}
