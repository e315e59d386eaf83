import assert from "node:assert/strict";
import fc from "fast-check";
import { LogHistogram, RELATIVE_ACCURACY } from "./histogram.ts";

/** The exact `q` quantile of `values`, interpolated between the nearest ranks. */
function exactQuantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const rank = q * (sorted.length - 1);
  const below = Math.floor(rank);
  const fraction = rank - below;
  return fraction === 0
    ? sorted[below]
    : sorted[below] + (sorted[below + 1] - sorted[below]) * fraction;
}

/** Asserts `actual` is within the histogram's relative accuracy of `expected`. */
function assertClose(actual: number | null, expected: number, message?: string): void {
  assert.ok(actual !== null, message ?? "no value");
  const tolerance = RELATIVE_ACCURACY * Math.abs(expected) * (1 + 1e-9);
  assert.ok(
    Math.abs(actual - expected) <= tolerance,
    `${message ?? ""} expected ${expected} ± ${tolerance}, got ${actual}`,
  );
}

Deno.test("LogHistogram gives the median of 4, 6 and 20 kWh as 6 within 0.1 %", () => {
  const h = new LogHistogram();
  for (const v of [4, 20, 6]) h.add(v);
  assertClose(h.quantile(0.5), 6);
  assert.equal(h.count, 3);
  assert.equal(h.sum, 30);
  assert.equal(h.mean, 10);
  assert.equal(h.min, 4);
  assert.equal(h.max, 20);
  assert.equal(h.quantile(0), 4);
  assert.equal(h.quantile(1), 20);
});

Deno.test("LogHistogram interpolates between the two middle values of an even count", () => {
  const h = new LogHistogram();
  for (const v of [1, 2, 3, 4]) h.add(v);
  assertClose(h.quantile(0.5), 2.5);
  // p90 of 1..4: rank 2.7, between 3 and 4.
  assertClose(h.quantile(0.9), 3.7);
});

Deno.test("LogHistogram counts zero exactly", () => {
  const h = new LogHistogram();
  for (const v of [0, 0, 0, 5]) h.add(v);
  assert.equal(h.zeros, 3);
  assert.equal(h.quantile(0.5), 0);
  assert.equal(h.quantile(2 / 3), 0);
  assertClose(h.quantile(1), 5);
});

Deno.test("LogHistogram is empty until a value is added", () => {
  const h = new LogHistogram();
  assert.equal(h.count, 0);
  assert.equal(h.mean, null);
  assert.equal(h.quantile(0.5), null);
  assert.deepEqual(h.bins(0, 2, 3), { start: 0, width: 2, counts: [0, 0, 0] });
});

Deno.test("LogHistogram rejects negative and non-finite values and bad quantiles", () => {
  const h = new LogHistogram();
  assert.throws(() => h.add(-1), /expected a finite number ≥ 0, got -1/);
  assert.throws(() => h.add(NaN), /got NaN/);
  assert.throws(() => h.add(Infinity), /got Infinity/);
  assert.throws(() => h.quantile(1.5), /expected 0 ≤ q ≤ 1, got 1.5/);
  assert.throws(() => h.bins(0, 0, 3), /expected width > 0/);
  assert.equal(h.count, 0);
});

Deno.test("LogHistogram quantiles stay within 0.1 % of the exact ones", () => {
  fc.assert(
    fc.property(
      fc.array(
        fc.oneof(
          fc.constant(0),
          fc.double({ min: 1e-6, max: 1e6, noNaN: true }),
          fc.double({ min: 0.5, max: 200, noNaN: true }),
        ),
        { minLength: 1, maxLength: 300 },
      ),
      fc.double({ min: 0, max: 1, noNaN: true }),
      (values, q) => {
        const h = new LogHistogram();
        for (const v of values) h.add(v);
        assertClose(h.quantile(q), exactQuantile(values, q), `q=${q}`);
        assert.equal(h.count, values.length);
        assert.equal(h.min, Math.min(...values));
        assert.equal(h.max, Math.max(...values));
        assert.equal(h.quantile(0), h.min);
        assert.equal(h.quantile(1), h.max);
      },
    ),
    {
      examples: [
        // A subnormal q between the zeros and the first positive value (found with seed 1).
        [[6.303571428571429, 6.303571428571429, 0, 6.303571428571429, 6.303571428571429], 3.5e-323],
        [[0.5, 0, 0.49957365648543095, 0.5], 1.5e-323],
      ],
    },
  );
});

Deno.test("LogHistogram interpolates from the zeros to the exact smallest positive value", () => {
  const h = new LogHistogram();
  for (const v of [0, 6.694444444444445, 6.694444444444445]) h.add(v);
  // Rank 2 × 4.4e-323, a subnormal: the bucket's middle instead of 6.69… was one unit off.
  assert.equal(h.quantile(4.4e-323), 6.694444444444445 * (2 * 4.4e-323));
  assert.equal(h.quantile(0.25), 6.694444444444445 * 0.5);
});

Deno.test("LogHistogram keeps its buckets bounded however many and how spread the values", () => {
  const h = new LogHistogram();
  // Every power of ten from 1e-15 to 1e15, a million times over in total.
  for (let i = 0; i < 1_000_000; i++) h.add(10 ** ((i % 31) - 15));
  assert.equal(h.bins(0, 1, 1).counts[0], 1_000_000);
  // At most the tracked range, 1e-9 to 1e12: about 24,000 buckets.
  assert.ok(h.buckets <= 24_200, `${h.buckets} buckets`);
  assert.equal(h.min, 1e-15);
  assert.equal(h.max, 1e15);
  assert.equal(h.quantile(0), 1e-15);
  assert.equal(h.quantile(1), 1e15);
});

Deno.test("LogHistogram.bins() counts values in equal-width bins with an overflow bin", () => {
  const h = new LogHistogram();
  for (const v of [0, 0.5, 1.9, 3, 5.5, 7, 150]) h.add(v);
  // [0,2) [2,4) [4,6) [6,∞)
  assert.deepEqual(h.bins(0, 2, 4), { start: 0, width: 2, counts: [3, 1, 1, 2] });
  // Values below the start count in the first bin.
  assert.deepEqual(h.bins(1, 100, 2).counts, [6, 1]);
});

Deno.test("LogHistogram.bins() sums to the count", () => {
  fc.assert(
    fc.property(
      fc.array(fc.double({ min: 0, max: 1e4, noNaN: true }), { maxLength: 200 }),
      (values) => {
        const h = new LogHistogram();
        for (const v of values) h.add(v);
        const { counts } = h.bins(0, 15, 97);
        assert.equal(counts.reduce((a, b) => a + b, 0), values.length);
      },
    ),
  );
});

Deno.test("LogHistogram.bins() puts values on a bin edge in the bin that starts there", () => {
  const h = new LogHistogram();
  for (const v of [2, 4, 6, 8, 10, 15, 30, 45, 60, 90, 1440]) h.add(v);
  assert.deepEqual(h.bins(0, 2, 6).counts, [0, 1, 1, 1, 1, 7]);
  assert.deepEqual(h.bins(0, 15, 7).counts, [5, 1, 1, 1, 1, 0, 2]);
});

Deno.test("LogHistogram.steps() gives zeros at 0 and each bucket at its value, within 0.1 %", () => {
  const h = new LogHistogram();
  for (const x of [0, 0, 2, 2, 3, 100]) h.add(x);
  const { values, counts } = h.steps();
  assert.deepEqual(counts, [2, 2, 1, 1]);
  assert.equal(values[0], 0);
  for (const [i, x] of [[1, 2], [2, 3], [3, 100]]) {
    assert.ok(Math.abs(values[i] - x) <= x * RELATIVE_ACCURACY, `${values[i]} for ${x}`);
  }
  // The exact extremes bound the values.
  assert.ok(values[3] <= 100);
  assert.deepEqual(new LogHistogram().steps(), { values: [], counts: [] });
});
