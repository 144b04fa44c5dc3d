// Seeded random draws for the simulator: one independent xoroshiro128+ stream per named process, so a
// draw never depends on which policy ran first or on how many draws another process took.
import { createHash } from 'node:crypto';
import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { xoroshiro128plusFromState } from 'pure-rand/generator/xoroshiro128plus';
import type { RandomGenerator } from 'pure-rand/types/RandomGenerator';

export interface Random {
  /** Uniform in [0, 1). */
  uniform(): number;
  /** Standard normal (Box–Muller). */
  normal(): number;
  /** Exponential with the given rate (mean 1 / rate). */
  exponential(rate: number): number;
}

/**
 * The stream for `key` under `seed`, e.g. stream(1, 'steady-mix', 'run 3', 'winner-2', 'demand'). The
 * key's SHA-256 is the generator's 128-bit state, so streams of different keys are unrelated.
 */
export function stream(seed: number, ...key: (string | number)[]): Random {
  const digest = createHash('sha256')
    .update([seed, ...key].join('\u0000'))
    .digest();
  const state = [0, 4, 8, 12].map((offset) => digest.readInt32BE(offset));
  // xoroshiro's all-zero state never leaves zero; a SHA-256 prefix of zeros will not happen, but is cheap to rule out.
  if (!state.some((word) => word !== 0)) state[3] = 1;
  return fromGenerator(xoroshiro128plusFromState(state));
}

function fromGenerator(rng: RandomGenerator): Random {
  let spare: number | undefined;
  const uniform = () => uniformFloat64(rng);
  return {
    uniform,
    normal() {
      if (spare !== undefined) {
        const value = spare;
        spare = undefined;
        return value;
      }
      // 1 − u is in (0, 1], so the logarithm is finite.
      const radius = Math.sqrt(-2 * Math.log(1 - uniform()));
      const angle = 2 * Math.PI * uniform();
      spare = radius * Math.sin(angle);
      return radius * Math.cos(angle);
    },
    exponential(rate: number) {
      return -Math.log(1 - uniform()) / rate;
    },
  };
}
