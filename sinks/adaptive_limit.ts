/**
 * How many requests a sink keeps in flight when told `"concurrency":
 * "adaptive"`: as many as keep the receiver busy without queueing in it. By
 * Little's law a receiver `W` seconds away takes `λ` requests a second only
 * with `λ·W` in flight, so a fixed limit that keeps a receiver on loopback
 * busy leaves one across a network mostly idle. The limit starts at
 * `initial`; each window it grows by a quarter while requests wait for a
 * slot and their latency stays near the lowest seen, and shrinks by a
 * quarter when latency passes twice that (the receiver is queueing). The
 * lowest is the lowest ever seen, so that queueing never becomes the norm;
 * only latency above twice it for `memory` windows at the smallest limit
 * (the receiver moved further away) makes it the new lowest. Errors
 * do not move it (retries back off on their own): a receiver failing fast
 * gets no more load for it than one that succeeds.
 *
 * @module
 */

/** Options of {@link AdaptiveLimit}. */
export interface AdaptiveLimitOptions {
  /** @default {4} */
  initial?: number;
  /** @default {1} */
  min?: number;
  /** @default {64} */
  max?: number;
  /** How long each window of measurement lasts, ms. @default {100} */
  windowMs?: number;
  /** Windows at the smallest limit, latency still high, before the lowest is measured again. @default {20} */
  memory?: number;
  /** The clock, ms. @default {performance.now} */
  now?: () => number;
}

/** A concurrency limit that follows the latency of the requests (see the module). */
export class AdaptiveLimit {
  #limit: number;
  readonly #min: number;
  readonly #max: number;
  readonly #windowMs: number;
  readonly #memory: number;
  readonly #now: () => number;
  #windowStart: number;
  #sum = 0;
  #count = 0;
  #waited = false;
  /** The lowest mean latency of a window, ms. */
  #lowest = Infinity;
  /** Windows in a row at the smallest limit with latency still above twice the lowest. */
  #stuck = 0;

  constructor(options: AdaptiveLimitOptions = {}) {
    this.#min = options.min ?? 1;
    this.#max = options.max ?? 64;
    this.#limit = Math.min(this.#max, Math.max(this.#min, options.initial ?? 4));
    this.#windowMs = options.windowMs ?? 100;
    this.#memory = options.memory ?? 20;
    this.#now = options.now ?? (() => performance.now());
    this.#windowStart = this.#now();
  }

  /** The requests to keep in flight now. */
  get limit(): number {
    return this.#limit;
  }

  /**
   * A request that took `ms` ended; `waiting`: requests were waiting for a
   * slot then (the limit is what holds the sink back).
   */
  observe(ms: number, waiting: boolean): void {
    this.#sum += ms;
    this.#count++;
    this.#waited ||= waiting;
    const now = this.#now();
    if (now - this.#windowStart < this.#windowMs || this.#count < this.#limit) return;
    const mean = this.#sum / this.#count;
    this.#lowest = Math.min(this.#lowest, mean);
    const lowest = this.#lowest;
    if (mean > 2 * lowest) {
      if (this.#limit === this.#min && ++this.#stuck >= this.#memory) {
        this.#lowest = mean;
        this.#stuck = 0;
      }
      this.#limit = Math.max(this.#min, Math.floor(this.#limit * 0.75));
    } else if (this.#waited && mean <= 1.5 * lowest) {
      this.#stuck = 0;
      this.#limit = Math.min(this.#max, this.#limit + Math.max(1, Math.floor(this.#limit / 4)));
    }
    this.#windowStart = now;
    this.#sum = 0;
    this.#count = 0;
    this.#waited = false;
  }
}
