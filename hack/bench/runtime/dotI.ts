// Bench variant (b): the same Widget controller written on @dot-i/k8s-operator 1.3 (client-node 0.20 inside).
import operatorModule, { ResourceEventType, type ResourceEvent } from '@dot-i/k8s-operator';
import { GROUP, PLURAL, VERSION, isConverged, signalReady, variantEnv, type Widget } from './widget.js';

const { namespace } = variantEnv();

// The package is CommonJS with `exports.default`: from ESM its default import is module.exports.
class WidgetOperator extends operatorModule.default {
  protected async init(): Promise<void> {
    await this.watchResource(GROUP, VERSION, PLURAL, (event) => this.reconcile(event), namespace);
  }

  private async reconcile(event: ResourceEvent): Promise<void> {
    if (event.type !== ResourceEventType.Added && event.type !== ResourceEventType.Modified) return;
    const widget = event.object as unknown as Widget;
    if (isConverged(widget)) return;
    await this.patchResourceStatus(event.meta, { observed: widget.spec.value });
  }
}

const log = (level: string) => (message: string) => console.error(`${level}: ${message}`);
const operator = new WidgetOperator({
  debug: () => {},
  info: log('info'),
  warn: log('warn'),
  error: log('error'),
});
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    operator.stop();
    process.exit(0);
  });
}
await operator.start(); // resolves once the watch request is sent
signalReady();
