// Bench variant (a): the Widget controller on AutoPilot's own runtime (src/runtime's Manager and informer).
import { KubeConfig } from '@kubernetes/client-node';
import { createLogger } from '../../../src/runtime/log.js';
import { Manager } from '../../../src/runtime/manager.js';
import { patchStatus } from '../../../src/runtime/objects.js';
import { WIDGETS, isConverged, signalReady, variantEnv, type Widget } from './widget.js';

const { namespace, workers } = variantEnv();
const kubeConfig = new KubeConfig();
kubeConfig.loadFromDefault();
const manager = new Manager({
  kubeConfig,
  logger: createLogger('warn'),
  namespace,
  workers,
  metricsAddress: '',
  healthAddress: '',
  leaderElection: { enabled: false, namespace, name: 'bench' },
});
const widgets = manager.informer<Widget>(WIDGETS);
manager.add({
  name: 'widget',
  for: WIDGETS,
  async reconcile({ namespace: ns, name }) {
    const widget = widgets.get(ns, name);
    if (!widget || isConverged(widget)) return;
    await patchStatus(manager.client, WIDGETS, widget, { ...widget.status, observed: widget.spec.value });
  },
});
for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => manager.stop());
const done = manager.start();
await widgets.waitForSync();
signalReady();
await done;
