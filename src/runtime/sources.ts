// Event sources beyond informers (probers, timers, webhooks): they run while the controller runs, i.e.
// on the leader, and enqueue the keys of objects to reconcile. channelSource is controller-runtime's
// source.Channel: whoever holds it sends keys, which reach the controller's queue while it runs.

export type Enqueue = (key: string) => void;

export interface Source {
  name: string;
  /** Starts the source; it enqueues keys until `signal` aborts (this process stopped leading). */
  start(enqueue: Enqueue, signal: AbortSignal): void;
}

export interface Channel extends Source {
  /** Queues `key` for a reconcile; dropped while no controller runs (a follower, or shut down). */
  send(key: string): void;
}

export function channelSource(name: string): Channel {
  let target: Enqueue | undefined;
  return {
    name,
    start(enqueue, signal) {
      target = enqueue;
      signal.addEventListener(
        'abort',
        () => {
          if (target === enqueue) target = undefined;
        },
        { once: true },
      );
    },
    send: (key) => target?.(key),
  };
}
