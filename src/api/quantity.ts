// Kubernetes resource quantities ("250m", "1.5", "128Mi", "2e3"): parsed to numbers, written back in the
// units people use for them (millicores for CPU, Mi for memory).

const SUFFIX: Record<string, number> = {
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

/** The quantity grammar of k8s.io/apimachinery (non-negative), as a JSON-schema pattern. */
export const QUANTITY_PATTERN =
  '^\\+?([0-9]+(\\.[0-9]*)?|\\.[0-9]+)([eE][-+]?[0-9]+|[numkMGTPE]|[KMGTPE]i)?$';
const QUANTITY = new RegExp(QUANTITY_PATTERN);

/** The quantity's value in base units (cores, bytes); throws on text that is not a quantity. */
export function parseQuantity(text: string): number {
  if (!QUANTITY.test(text)) throw new Error(`"${text}" is not a quantity like 250m, 1.5, 128Mi or 2Gi`);
  const suffix = /([numkMGTPE]|[KMGTPE]i)$/.exec(text)?.[0] ?? '';
  return Number(text.slice(0, text.length - suffix.length)) * SUFFIX[suffix]!;
}

/** Cores as Kubernetes writes them back: whole cores, or millicores rounded up ("375m"). */
export function formatCpu(cores: number): string {
  const millis = Math.ceil(cores * 1000 - 1e-6);
  return millis % 1000 === 0 ? String(millis / 1000) : `${millis}m`;
}

/** Bytes in the largest binary unit that keeps them whole, rounded up to a whole Mi from 1 Mi on. */
export function formatMemory(bytes: number): string {
  const whole = Math.ceil(bytes - 1e-6);
  if (whole < 2 ** 20) return String(whole);
  const mi = Math.ceil(whole / 2 ** 20);
  return mi % 1024 === 0 ? `${mi / 1024}Gi` : `${mi}Mi`;
}
