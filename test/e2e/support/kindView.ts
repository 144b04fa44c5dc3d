// One kind's objects in one test namespace, through the operator's own client: read one, wait until it
// holds something, annotate it, patch its spec, and the Events about it. The kinds' harnesses extend it.
import type { KubeObject, ResourceType } from '../../../src/api/meta.js';
import { EVENTS } from '../../../src/api/resources.js';
import { KubeClient, loadKubeConfig } from '../../../src/runtime/client.js';
import { waitFor, type WaitOptions } from './wait.js';

export interface TestEvent {
  reason: string;
  note: string;
  type: string;
}

export class KindView<T extends KubeObject> {
  readonly client = new KubeClient(loadKubeConfig());

  constructor(
    private readonly type: ResourceType,
    private readonly ns: { readonly name: string },
    private readonly poll: Required<WaitOptions>,
  ) {}

  get namespace(): string {
    return this.ns.name;
  }

  read(name: string): Promise<T> {
    return this.client.get<T>(this.type, this.namespace, name);
  }

  /** Polls the object until `test` holds, and returns it. */
  until(name: string, what: string, test: (object: T) => boolean, timeoutMs = this.poll.timeoutMs) {
    return waitFor(
      `${name}: ${what}`,
      async () => {
        const object = await this.read(name);
        return test(object) ? object : undefined;
      },
      { ...this.poll, timeoutMs },
    );
  }

  async annotate(name: string, annotations: Record<string, string | null>): Promise<void> {
    await this.client.mergePatch(this.type, this.namespace, name, { metadata: { annotations } });
  }

  async patchSpec(name: string, spec: Record<string, unknown>): Promise<void> {
    await this.client.mergePatch(this.type, this.namespace, name, { spec });
  }

  /** The Events about the object `name`, in the order the server lists them. */
  async events(name: string): Promise<TestEvent[]> {
    const { items } = await this.client.list<KubeObject & TestEvent & { regarding?: { name?: string } }>(
      EVENTS,
      this.namespace,
    );
    return items
      .filter((e) => e.regarding?.name === name)
      .map(({ reason, note, type }) => ({ reason: reason ?? '', note: note ?? '', type: type ?? '' }));
  }

  async eventReasons(name: string): Promise<string[]> {
    return (await this.events(name)).map((e) => e.reason);
  }
}
