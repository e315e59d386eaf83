/**
 * When sessions arrive: a time-varying Poisson process per charger, sampled by
 * thinning (Lewis–Shedler). The rate is the charger's daily mean, shaped by an
 * hour-of-day profile evaluated in the city's local time.
 *
 * @module
 */
import type { LocalTime } from "./local_time.ts";
import type { Random } from "./random.ts";

/** Local hours `[from, to)` when demand peaks; `to` may be 24. */
export interface PeakHours {
  from: number;
  to: number;
}

/**
 * Weights for the 24 local hours, with mean 1: `multiplier` inside the peak
 * hours, 1 outside. A daily mean rate times these weights keeps its daily mean.
 */
export function hourWeights(peaks: readonly PeakHours[], multiplier: number): Float64Array {
  const w = new Float64Array(24).fill(1);
  for (const { from, to } of peaks) {
    for (let h = from; h < to; h++) w[h] = multiplier;
  }
  const mean = w.reduce((a, b) => a + b, 0) / 24;
  return w.map((x) => x / mean);
}

/** How a city's population scales demand: `(population / reference) ^ exponent`. */
export function populationFactor(population: number, reference: number, exponent: number): number {
  return Math.pow(Math.max(population, 1) / reference, exponent);
}

/** A time-varying Poisson arrival process for one charger. */
export class ArrivalProcess {
  readonly #perMs: number;
  readonly #weights: Float64Array;
  readonly #max: number;
  readonly #local: (ms: number) => LocalTime;

  /**
   * @param perDay mean arrivals per day
   * @param weights hour-of-day weights (see {@link hourWeights})
   * @param local the charger's local clock
   */
  constructor(perDay: number, weights: Float64Array, local: (ms: number) => LocalTime) {
    this.#perMs = perDay / 86_400_000;
    this.#weights = weights;
    this.#max = Math.max(...weights);
    this.#local = local;
  }

  /** Arrivals per millisecond at `ms`. */
  rateAt(ms: number): number {
    return this.#perMs * this.#weights[this.#local(ms).hour];
  }

  /** The next candidate time after `ms` at the peak rate (whole milliseconds). */
  nextCandidate(ms: number, random: Random): number {
    return ms + Math.max(1, Math.ceil(random.exponential(this.#perMs * this.#max)));
  }

  /** Whether a candidate at `ms` is a real arrival (accepted with rate / peak rate). */
  accept(ms: number, random: Random): boolean {
    return random.next() * this.#max < this.#weights[this.#local(ms).hour];
  }
}
