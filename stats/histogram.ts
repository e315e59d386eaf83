/**
 * A constant-memory histogram of non-negative values: exact count, sum, mean,
 * minimum and maximum, and quantiles within 0.1 % of the exact ones, from
 * log-spaced buckets (the DDSketch layout) plus an exact bucket for zero and
 * the exact smallest positive value.
 *
 * @module
 */
import type { Bins } from "./report.ts";

/** Largest relative error of a quantile: 0.1 %. */
export const RELATIVE_ACCURACY = 0.001;

/** Ratio between the bounds of a bucket, chosen so its middle is within {@link RELATIVE_ACCURACY} of any value in it. */
const GAMMA = (1 + RELATIVE_ACCURACY) / (1 - RELATIVE_ACCURACY);
const LOG_GAMMA = Math.log(GAMMA);

/**
 * Positive values are kept in buckets between these bounds: smaller ones count
 * as `MIN_TRACKED`, larger ones as `MAX_TRACKED` (quantiles stay clamped to the
 * exact minimum and maximum). The bounds cap the bucket array at about 24,000
 * entries (190 kB) however values spread; a stream of kWh, minutes or percent
 * touches a few thousand.
 */
const MIN_TRACKED = 1e-9;
const MAX_TRACKED = 1e12;
const MIN_INDEX = bucketIndex(MIN_TRACKED);
const MAX_INDEX = bucketIndex(MAX_TRACKED);

/** The bucket of positive `value`: bucket `i` holds (γ^(i−1), γ^i]. */
function bucketIndex(value: number): number {
  return Math.ceil(Math.log(value) / LOG_GAMMA);
}

/** The value that stands for bucket `i`: within {@link RELATIVE_ACCURACY} of everything in it. */
function bucketValue(i: number): number {
  return (2 * Math.pow(GAMMA, i)) / (GAMMA + 1);
}

/**
 * Non-negative values in bounded memory. `count`, `sum`, `mean`, `min` and
 * `max` are exact; `quantile(q)` is within 0.1 % of the exact quantile for
 * values from 10⁻⁹ to 10¹²; zero is counted exactly.
 *
 * ```ts
 * const h = new LogHistogram();
 * for (const kwh of [4, 6, 20]) h.add(kwh);
 * h.quantile(0.5); // 6, within 0.1 %
 * ```
 */
export class LogHistogram {
  /** Values added. */
  count = 0;
  /** Their exact sum. */
  sum = 0;
  /** The smallest value added; `Infinity` while empty. */
  min = Infinity;
  /** The largest value added; `-Infinity` while empty. */
  max = -Infinity;
  /** Values that were exactly zero. */
  zeros = 0;
  /**
   * The smallest positive value added, kept exactly, so that a quantile between
   * the last zero and the first positive value interpolates between exact ends.
   * From 0 nothing masks a bucket's error, and a result below 2⁻¹⁰²² (a
   * subnormal double, as `q` of 10⁻³²³ gives) has too few bits for anything
   * but the exact product to be within 0.1 %.
   */
  #minPositive = Infinity;
  /** `counts[j]` is the count of bucket `offset + j`; grows to cover the buckets used. */
  #counts = new Float64Array(0);
  #offset = 0;

  /** Adds `value`, a finite number ≥ 0. */
  add(value: number): void {
    if (!(value >= 0) || value === Infinity) {
      throw new RangeError(`LogHistogram.add: expected a finite number ≥ 0, got ${value}`);
    }
    this.count++;
    this.sum += value;
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
    if (value === 0) {
      this.zeros++;
      return;
    }
    if (value < this.#minPositive) this.#minPositive = value;
    const clamped = Math.min(Math.max(value, MIN_TRACKED), MAX_TRACKED);
    const i = Math.min(Math.max(bucketIndex(clamped), MIN_INDEX), MAX_INDEX);
    let j = i - this.#offset;
    if (j < 0 || j >= this.#counts.length) {
      this.#grow(i);
      j = i - this.#offset;
    }
    this.#counts[j]++;
  }

  /** The exact mean; null while empty. */
  get mean(): number | null {
    return this.count === 0 ? null : this.sum / this.count;
  }

  /**
   * The `q` quantile (0 ≤ q ≤ 1), interpolated between the two nearest ranks
   * like a spreadsheet's `PERCENTILE.INC`: of 1, 2, 3, 4 the median is 2.5.
   * Within 0.1 % of the exact value, and never outside [min, max]. Null while empty.
   */
  quantile(q: number): number | null {
    if (!(q >= 0 && q <= 1)) {
      throw new RangeError(`LogHistogram.quantile: expected 0 ≤ q ≤ 1, got ${q}`);
    }
    if (this.count === 0) return null;
    const rank = q * (this.count - 1);
    const below = Math.floor(rank);
    const fraction = rank - below;
    const low = this.#valueAtRank(below);
    const value = fraction === 0 ? low : low + (this.#valueAtRank(below + 1) - low) * fraction;
    return Math.min(Math.max(value, this.min), this.max);
  }

  /**
   * Equal-width bins for a chart: `counts[i]` holds the values in
   * `[start + i·width, start + (i+1)·width)`; values below `start` count in
   * the first bin and values from `start + (n−1)·width` up in the last. A
   * bucket holding a bin edge counts in the bin that starts there, so values on
   * an edge (whole minutes, whole kWh) land in the right bin, and values less
   * than 0.2 % below an edge land in the bin above it.
   */
  bins(start: number, width: number, n: number): Bins {
    if (!(width > 0) || !Number.isInteger(n) || n < 1) {
      throw new RangeError(
        `LogHistogram.bins: expected width > 0 and a whole n ≥ 1, got width ${width}, n ${n}`,
      );
    }
    const counts = new Array<number>(n).fill(0);
    const binOf = (value: number) =>
      Math.min(n - 1, Math.max(0, Math.floor((value - start) / width)));
    if (this.zeros > 0) counts[binOf(0)] += this.zeros;
    for (let j = 0; j < this.#counts.length; j++) {
      const c = this.#counts[j];
      if (c > 0) {
        // The bucket's upper bound (nudged past rounding), or the exact maximum if lower.
        const upper = Math.min(Math.pow(GAMMA, this.#offset + j) * (1 + 1e-12), this.max);
        counts[binOf(upper)] += c;
      }
    }
    return { start, width, counts };
  }

  /**
   * The distribution as steps: `counts[i]` values stand at `values[i]`
   * (ascending): zeros at 0, each non-empty bucket at its representative value
   * (within 0.1 % of every value in it), clamped to the exact minimum and maximum.
   */
  steps(): { values: number[]; counts: number[] } {
    const values: number[] = [];
    const counts: number[] = [];
    if (this.zeros > 0) {
      values.push(0);
      counts.push(this.zeros);
    }
    for (let j = 0; j < this.#counts.length; j++) {
      const c = this.#counts[j];
      if (c === 0) continue;
      const value = Math.min(Math.max(bucketValue(this.#offset + j), this.min), this.max);
      if (values.length > 0 && values[values.length - 1] === value) counts[counts.length - 1] += c;
      else {
        values.push(value);
        counts.push(c);
      }
    }
    return { values, counts };
  }

  /** Buckets held in memory: bounded by the tracked range, whatever was added. */
  get buckets(): number {
    return this.#counts.length;
  }

  /**
   * The value of 0-based rank `rank` in sorted order: its bucket's middle, or
   * the exact extremes, or the exact smallest positive value.
   */
  #valueAtRank(rank: number): number {
    if (rank <= 0) return this.min;
    if (rank >= this.count - 1) return this.max;
    let seen = this.zeros;
    if (rank < seen) return 0;
    if (rank === seen) return this.#minPositive;
    for (let j = 0; j < this.#counts.length; j++) {
      seen += this.#counts[j];
      if (rank < seen) return bucketValue(this.#offset + j);
    }
    return this.max;
  }

  /** Widens the bucket array to hold bucket `i`, at least doubling it so growth is amortized. */
  #grow(i: number): void {
    const old = this.#counts;
    if (old.length === 0) {
      this.#counts = new Float64Array(64);
      this.#offset = Math.max(MIN_INDEX, Math.min(i - 32, MAX_INDEX - 63));
      return;
    }
    const from = Math.min(i, this.#offset);
    const to = Math.max(i, this.#offset + old.length - 1);
    const length = Math.min(Math.max(to - from + 1, 2 * old.length), MAX_INDEX - MIN_INDEX + 1);
    // Keep the new room on the side that grew, within the tracked bounds.
    let offset = i < this.#offset ? to - length + 1 : from;
    offset = Math.max(MIN_INDEX, Math.min(offset, MAX_INDEX - length + 1));
    const counts = new Float64Array(length);
    counts.set(old, this.#offset - offset);
    this.#counts = counts;
    this.#offset = offset;
  }
}
