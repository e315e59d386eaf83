import assert from "node:assert/strict";
import { ConfigError } from "./errors.ts";
import { dropReason, parseReferenceFile, QUANTILE_LEVELS, quantiles } from "./reference_table.ts";

/** `n` evenly spaced values from `from` to `to`. */
const linspace = (from: number, to: number, n: number) =>
  Array.from({ length: n }, (_, i) => from + (to - from) * i / (n - 1));

Deno.test("quantiles() interpolates between the nearest ranks", () => {
  assert.deepEqual(quantiles([1, 2, 3, 4], 3), [1, 2.5, 4]);
  assert.deepEqual(quantiles([7], 3), [7, 7, 7]);
  assert.equal(quantiles(linspace(0, 1, 11)).length, QUANTILE_LEVELS);
  assert.throws(() => quantiles([]), RangeError);
});

Deno.test("dropReason() drops under 0.5 kWh, then under 5 min, then over 48 h", () => {
  assert.equal(dropReason(0.49, 1), "underHalfKwh");
  assert.equal(dropReason(0.5, 4.99), "under5Minutes");
  assert.equal(dropReason(10, 48 * 60 + 0.01), "over48Hours");
  assert.equal(dropReason(0.5, 5), null);
  assert.equal(dropReason(30, 48 * 60), null);
  assert.equal(dropReason(NaN, 30), "underHalfKwh");
});

Deno.test("parseReferenceFile() names the place of every problem", () => {
  assert.throws(
    () => parseReferenceFile({ $comment: [], quantileLevels: 201, references: [{ name: "X" }] }),
    (error: ConfigError) => {
      assert.ok(error instanceof ConfigError);
      assert.match(error.problems[0], /^reference\.json: references\[0\]\.name: /);
      return true;
    },
  );
});
