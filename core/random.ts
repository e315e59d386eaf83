/**
 * Seeded random streams. The engine never calls `Math.random`: every draw comes
 * from a {@link Random} made from the run's seed and a stream name (a charger ID),
 * so a charger behaves the same whether it is simulated alone or with the others.
 *
 * @module
 */
import { xoroshiro128plusFromState } from "pure-rand/generator/xoroshiro128plus";
import { uniformFloat64 } from "pure-rand/distribution/uniformFloat64";

/** The four 32-bit words of a stream's state; enough to resume it exactly. */
export type RandomState = readonly [number, number, number, number];

/** Mixes a 32-bit word (the finaliser of MurmurHash3). */
function mix32(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) | 0;
}

/**
 * Derives a 128-bit generator state from a seed and a stream name with four
 * independently salted FNV-1a passes, each finished by {@link mix32}.
 */
export function deriveState(seed: number, name: string): RandomState {
  const words = [0, 0, 0, 0].map((_, lane) => {
    let h = (0x811c9dc5 ^ Math.imul(lane + 1, 0x9e3779b9) ^ (seed | 0)) | 0;
    h = Math.imul(h ^ Math.floor(seed / 0x100000000), 0x01000193);
    for (let i = 0; i < name.length; i++) {
      h = Math.imul(h ^ name.charCodeAt(i), 0x01000193);
    }
    return mix32(h);
  }) as [number, number, number, number];
  // xoroshiro must not start from an all-zero state.
  if (words.every((w) => w === 0)) words[0] = 1;
  return words;
}

/** A seeded source of random numbers with the distributions the model needs. */
export class Random {
  #rng;

  /** Starts a stream from its state (see {@link deriveState}). */
  constructor(state: RandomState) {
    this.#rng = xoroshiro128plusFromState(state);
  }

  /** The stream named `name` of the run seeded with `seed`. */
  static stream(seed: number, name: string): Random {
    return new Random(deriveState(seed, name));
  }

  /** The current state, to save and resume the stream. */
  get state(): RandomState {
    return this.#rng.getState() as unknown as RandomState;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return uniformFloat64(this.#rng);
  }

  /** Uniform in [min, max). */
  uniform(min: number, max: number): number {
    return min + (max - min) * this.next();
  }

  /** Uniform integer in [min, max], both included. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  /** Exponential with the given rate (mean 1 / rate). */
  exponential(rate: number): number {
    return -Math.log(1 - this.next()) / rate;
  }

  /** Standard normal (Box–Muller). */
  normal(mean = 0, sd = 1): number {
    const u = 1 - this.next();
    const v = this.next();
    return mean + sd * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** Log-normal given its median and the sigma of the underlying normal. */
  logNormal(median: number, sigma: number): number {
    return median * Math.exp(this.normal(0, sigma));
  }

  /** An index drawn with probability proportional to `weights[i]`. */
  weighted(weights: readonly number[], total?: number): number {
    let x = this.next() * (total ?? weights.reduce((a, b) => a + b, 0));
    for (let i = 0; i < weights.length; i++) {
      x -= weights[i];
      if (x < 0) return i;
    }
    return weights.length - 1;
  }
}
