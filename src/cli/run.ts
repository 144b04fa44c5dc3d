// `autopilot run`: the operator process, with the flags of the manager, of every kind and of each kind's module.
import { sharedFlags, type SharedSettings } from '../controllers/shared.js';
import { loadKubeConfig } from '../runtime/client.js';
import {
  boolFlag,
  durationFlag,
  enumFlag,
  flagHelp,
  intFlag,
  numberFlag,
  optionalFlag,
  parseFlags,
  stringFlag,
  type FlagSet,
  type FlagValues,
} from '../runtime/flags.js';
import { createLogger } from '../runtime/log.js';
import { Manager, type ManagerOptions } from '../runtime/manager.js';
import type { ControllerModule } from '../runtime/module.js';

const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;

/** The manager's flags: where it acts, how it elects a leader, serves probes and metrics, shuts down. */
export const operatorFlags = {
  namespace: optionalFlag({
    help: 'act in one namespace only (default: all)',
    default: '',
    placeholder: 'NS',
  }),
  workers: intFlag({ help: 'concurrent reconciles per controller', default: '2', min: 1 }),
  kubeApiQps: numberFlag({
    help: "API requests per second each controller may make, 0 for no limit; AUREA lowers a controller's rate while its calls keep timing out",
    default: '0',
    check: (n) => (n >= 0 ? undefined : 'must be a number ≥ 0'),
  }),
  metricsBindAddress: stringFlag({
    help: '/metrics listener, "" to disable',
    default: ':8080',
    placeholder: 'ADDR',
  }),
  healthProbeBindAddress: stringFlag({
    help: '/healthz and /readyz listener',
    default: ':8081',
    placeholder: 'ADDR',
  }),
  leaderElect: boolFlag({ help: 'elect one active replica', default: 'true' }),
  leaderElectionNamespace: optionalFlag({
    help: 'namespace of the Lease (default: POD_NAMESPACE, else --namespace, else default)',
    default: '',
    placeholder: 'NS',
  }),
  leaderElectionId: stringFlag({
    help: 'name of the Lease',
    default: 'autopilot-leader',
    placeholder: 'NAME',
  }),
  leaseDuration: durationFlag({ help: 'how long a lease lasts unrenewed', default: '15s' }),
  renewDeadline: durationFlag({
    help: 'how long the leader tries to renew before it stops leading',
    default: '10s',
  }),
  retryPeriod: durationFlag({ help: 'time between lease attempts', default: '2s' }),
  shutdownTimeout: durationFlag({
    help: 'how long in-flight reconciles may finish on SIGTERM',
    default: '30s',
  }),
  logLevel: enumFlag(LOG_LEVELS, { help: 'log level', default: 'info', placeholder: 'LEVEL' }),
  kubeconfig: optionalFlag({
    help: 'kubeconfig (default: KUBECONFIG, else in-cluster)',
    default: '',
    env: 'KUBECONFIG',
    placeholder: 'PATH',
  }),
};

type Modules = readonly ControllerModule<FlagSet, SharedSettings>[];

export function runUsage(modules: Modules): string {
  return [
    'usage: autopilot run [flags]',
    '',
    'Operator:',
    ...flagHelp(operatorFlags),
    '',
    'Every kind:',
    ...flagHelp(sharedFlags),
    ...modules.flatMap((m) => (Object.keys(m.flags).length ? ['', `${m.kind}:`, ...flagHelp(m.flags)] : [])),
  ].join('\n');
}

/** The settings of `autopilot run` from flags, then AUTOPILOT_* variables, then defaults; bad ones throw UsageError. */
export function runSettings(argv: string[], env: NodeJS.ProcessEnv, modules: Modules) {
  const { values } = parseFlags([operatorFlags, sharedFlags, ...modules.map((m) => m.flags)], argv, env);
  const [operator, shared, ...perModule] = values as [
    FlagValues<typeof operatorFlags>,
    SharedSettings,
    ...Record<string, unknown>[],
  ];
  const { leaseDuration, renewDeadline, retryPeriod } = operator;
  if (renewDeadline >= leaseDuration) {
    throw new UsageError('--renew-deadline must be shorter than --lease-duration');
  }
  const manager: Omit<ManagerOptions, 'kubeConfig' | 'logger'> = {
    namespace: operator.namespace,
    workers: operator.workers,
    requestsPerSecond: operator.kubeApiQps,
    metricsAddress: operator.metricsBindAddress,
    healthAddress: operator.healthProbeBindAddress,
    shutdownTimeoutMs: operator.shutdownTimeout,
    leaderElection: {
      enabled: operator.leaderElect,
      namespace: operator.leaderElectionNamespace ?? env.POD_NAMESPACE ?? operator.namespace ?? 'default',
      name: operator.leaderElectionId,
      identity: env.POD_NAME ? `${env.POD_NAME}_${process.pid}` : undefined,
      leaseDurationMs: leaseDuration,
      renewDeadlineMs: renewDeadline,
      retryPeriodMs: retryPeriod,
    },
  };
  return {
    manager,
    logLevel: operator.logLevel,
    kubeconfig: operator.kubeconfig,
    shared,
    modules: Object.fromEntries(modules.map((m, i) => [m.name, { ...shared, ...perModule[i] }])),
  };
}

/** Runs the operator with these modules until SIGTERM/SIGINT (exit 0) or lost leadership (exit 1). */
export async function runOperator(argv: string[], modules: Modules, env = process.env): Promise<number> {
  const settings = runSettings(argv, env, modules);
  const logger = createLogger(settings.logLevel);
  const kubeConfig = loadKubeConfig(settings.kubeconfig);
  const manager = new Manager({ ...settings.manager, kubeConfig, logger });
  for (const module of modules) module.setup(manager, settings.modules[module.name]!);
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      logger.info({ signal }, 'shutting down');
      manager.stop();
    });
  }
  logger.info(
    {
      namespace: settings.manager.namespace ?? '(all)',
      workers: settings.manager.workers,
      controllers: modules.map((m) => m.name),
      identity: manager.identity,
    },
    'starting',
  );
  const outcome = await manager.start();
  return outcome === 'lost-leadership' ? 1 : 0;
}

export { UsageError } from '../runtime/flags.js';
import { UsageError } from '../runtime/flags.js';
