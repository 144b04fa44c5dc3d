// Bounded concurrency for a benchmark's requests: `fn` over `items`, at most `concurrency` at a time (p-map).
import pMap from 'p-map';

/** Resolves with the results in the order of `items`; the first failure rejects (the rest stop starting). */
export function pool<T, R>(
  items: Iterable<T>,
  concurrency: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  return pMap(items, fn, { concurrency });
}
