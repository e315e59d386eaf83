import assert from "node:assert/strict";
import fc from "fast-check";
import { ConfigError } from "../core/errors.ts";
import { LogHistogram } from "./histogram.ts";
import { QUANTILE_LEVELS, quantiles } from "../core/reference_table.ts";
import {
  chooseReferences,
  defaultReferenceChoice,
  histogramCdf,
  ksDistance,
  quantileCdf,
  referenceSets,
  totalVariation,
  weekdayShareDifference,
} from "./reference.ts";

/** A histogram of `values`. */
function histogram(values: readonly number[]): LogHistogram {
  const h = new LogHistogram();
  for (const x of values) h.add(x);
  return h;
}

/** `n` evenly spaced values from `from` to `to`. */
const linspace = (from: number, to: number, n: number) =>
  Array.from({ length: n }, (_, i) => from + (to - from) * i / (n - 1));

const near = (actual: number | null, expected: number, tolerance: number) =>
  assert.ok(
    actual !== null && Math.abs(actual - expected) <= tolerance,
    `expected ${expected} ± ${tolerance}, got ${actual}`,
  );

Deno.test("ksDistance() of quantile tables", async (t) => {
  const uniform = quantileCdf(linspace(0, 1, QUANTILE_LEVELS));
  await t.step("is 0 for identical tables", () => {
    assert.equal(ksDistance(uniform, quantileCdf(linspace(0, 1, QUANTILE_LEVELS))), 0);
  });
  await t.step("is 1 for disjoint ones", () => {
    assert.equal(ksDistance(uniform, quantileCdf(linspace(2, 3, QUANTILE_LEVELS))), 1);
  });
  await t.step("is the size of a shift of a uniform distribution", () => {
    near(ksDistance(uniform, quantileCdf(linspace(0.3, 1.3, QUANTILE_LEVELS))), 0.3, 1e-12);
    near(ksDistance(uniform, quantileCdf(linspace(0, 2, QUANTILE_LEVELS))), 0.5, 1e-12);
  });
  await t.step("sees a jump where quantiles repeat", () => {
    // Half the mass at exactly 1, the rest uniform on 1–2, against uniform on 0–2.
    const jump = quantileCdf([1, 1, 1, 1.5, 2]);
    near(ksDistance(jump, quantileCdf([0, 0.5, 1, 1.5, 2])), 0.5, 1e-12);
    assert.equal(jump.before(1), 0);
    assert.equal(jump.at(1), 0.5);
  });
});

Deno.test("ksDistance() of a histogram against a quantile table", async (t) => {
  // 10,000 values evenly spread over 10–20.
  const sample = linspace(10, 20, 10_000);
  const sim = histogramCdf(histogram(sample))!;
  await t.step("is about 0 for the same distribution", () => {
    near(ksDistance(sim, quantileCdf(quantiles(sample))), 0, 0.003);
  });
  await t.step("finds a shift of a quarter of the range", () => {
    const shifted = sample.map((x) => x + 2.5);
    near(ksDistance(sim, quantileCdf(quantiles(shifted))), 0.25, 0.003);
  });
  await t.step("is 1 for disjoint samples, and exact for a single value", () => {
    assert.equal(ksDistance(sim, quantileCdf(quantiles([30, 40]))), 1);
    const five = histogramCdf(histogram([5, 5, 5]))!;
    assert.equal(ksDistance(five, quantileCdf(quantiles([5]))), 0);
    near(ksDistance(five, quantileCdf(quantiles([4, 6]))), 0.5, 1e-12);
  });
  await t.step("counts zeros exactly", () => {
    const half = histogramCdf(histogram([0, 0, 1, 1]))!;
    assert.equal(half.at(0), 0.5);
    assert.equal(half.before(0), 0);
  });
  await t.step("is null for an empty histogram", () => {
    assert.equal(histogramCdf(new LogHistogram()), null);
  });
});

Deno.test("ksDistance() lies in [0, 1], is symmetric and 0 for one sample (property)", () => {
  const sample = fc.array(fc.double({ min: 0, max: 1_000, noNaN: true }), {
    minLength: 1,
    maxLength: 60,
  });
  fc.assert(
    fc.property(sample, sample, (a, b) => {
      const sa = [...a].sort((x, y) => x - y);
      const sb = [...b].sort((x, y) => x - y);
      const qa = quantileCdf(quantiles(sa));
      const qb = quantileCdf(quantiles(sb));
      const ha = histogramCdf(histogram(a))!;
      const hb = histogramCdf(histogram(b))!;
      for (const [x, y] of [[qa, qb], [ha, qb], [ha, hb]]) {
        const d = ksDistance(x, y);
        assert.ok(d >= 0 && d <= 1, `${d}`);
        assert.equal(d, ksDistance(y, x));
      }
      assert.equal(ksDistance(qa, quantileCdf(quantiles(sa))), 0);
      assert.equal(ksDistance(ha, histogramCdf(histogram(a))!), 0);
    }),
  );
});

Deno.test("ksDistance() of a sample's histogram and its own table is within the documented error (property)", () => {
  // Values 1 % apart, so each has its own histogram bucket.
  const sample = fc.uniqueArray(fc.integer({ min: 0, max: 800 }), { minLength: 2, maxLength: 400 })
    .map((ks) => ks.map((k) => 1.01 ** k));
  fc.assert(
    fc.property(sample, (values) => {
      const sorted = [...values].sort((a, b) => a - b);
      const d = ksDistance(histogramCdf(histogram(values))!, quantileCdf(quantiles(sorted)));
      const bound = 1.2 / (values.length - 1) + 1 / (QUANTILE_LEVELS - 1) + 1e-9;
      assert.ok(d <= bound, `${d} > ${bound} for n = ${values.length}`);
    }),
  );
});

Deno.test("totalVariation() of hour histograms", () => {
  const flat = new Array(24).fill(1 / 24);
  assert.equal(totalVariation(flat, flat), 0);
  const morning = flat.map((_, h) => (h < 12 ? 1 : 0));
  const evening = flat.map((_, h) => (h < 12 ? 0 : 1));
  near(totalVariation(morning, evening), 1, 1e-12);
  near(totalVariation(morning, flat), 0.5, 1e-12);
  // Counts are normalized: [1, 1, 0] and [0, 2, 2] are 1/2, 1/2, 0 and 0, 1/2, 1/2.
  near(totalVariation([1, 1, 0], [0, 2, 2]), 0.5, 1e-12);
  assert.equal(totalVariation(new Array(24).fill(0), flat), null);
  assert.throws(() => totalVariation([1], [1, 2]), RangeError);
});

Deno.test("weekdayShareDifference() is simulated minus real", () => {
  near(weekdayShareDifference(0.8, 0.72), 0.08, 1e-12);
  assert.equal(weekdayShareDifference(null, 0.72), null);
});

Deno.test("the embedded references cover three site types, cleaned as documented", () => {
  const sets = referenceSets();
  assert.deepEqual(sets.map((s) => [s.name, s.siteType]), [
    ["boulder", "public"],
    ["acn", "workplace"],
    ["epfl", "dc_fast"],
  ]);
  for (const s of sets) {
    const { raw, underHalfKwh, under5Minutes, over48Hours, cleaned } = s.rows;
    assert.equal(raw - underHalfKwh - under5Minutes - over48Hours, cleaned, s.name);
    near(s.arrivalShareByHour.reduce((a, b) => a + b, 0), 1, 1e-5);
    assert.ok(s.citation.length > 20);
  }
  const boulder = sets[0];
  // The medians the data's README gives: connection 109 min, energy 7.6 kWh, 72 % on weekdays.
  near(boulder.metrics.connectionMinutes!.quantiles[100], 109, 1);
  near(boulder.metrics.energyKwh!.quantiles[100], 7.6, 0.05);
  near(boulder.weekdayShare, 0.72, 0.005);
  assert.deepEqual(Object.keys(sets[2].metrics), [
    "stayMinutes",
    "energyKwh",
    "socArrival",
    "socDeparture",
  ]);
});

Deno.test("chooseReferences() applies a set to its own site type or to the one named", async (t) => {
  await t.step("by default, each set to its own site type", () => {
    const choice = defaultReferenceChoice();
    assert.deepEqual(
      Object.fromEntries(Object.entries(choice).map(([site, set]) => [site, set.name])),
      { public: "boulder", workplace: "acn", dc_fast: "epfl" },
    );
    assert.deepEqual(chooseReferences([]), choice);
  });
  await t.step("NAME and SITE=NAME, the others keeping their default", () => {
    const names = (specs: string[]) =>
      Object.fromEntries(
        Object.entries(chooseReferences(specs)).map(([site, set]) => [site, set.name]),
      );
    assert.deepEqual(names(["boulder"]), { public: "boulder", workplace: "acn", dc_fast: "epfl" });
    assert.deepEqual(names(["workplace=boulder", "residential=acn"]), {
      public: "boulder",
      workplace: "boulder",
      dc_fast: "epfl",
      residential: "acn",
    });
  });
  await t.step("an unknown name or site type, with what is known", () => {
    assert.throws(
      () => chooseReferences(["nope"]),
      new ConfigError(
        'unknown reference "nope": expected NAME or SITE=NAME, NAME one of boulder (public), acn (workplace), epfl (dc_fast)',
      ),
    );
    assert.throws(() => chooseReferences(["garage=acn"]), /unknown site type "garage"/);
  });
});
