import assert from "node:assert/strict";
import fc from "fast-check";
import { ChargeCurve, type CurvePoint } from "./charge_curve.ts";

/** A random DC curve: SoC 0..100 ascending, powers 5..350 kW. */
const curveArb = fc
  .tuple(
    fc.uniqueArray(fc.integer({ min: 1, max: 99 }), { maxLength: 6 }),
    fc.array(fc.double({ min: 5, max: 350, noNaN: true }), { minLength: 8, maxLength: 8 }),
  )
  .map(([inner, powers]) => {
    const socs = [0, ...inner.sort((a, b) => a - b), 100];
    return socs.map((s, i) => [s, powers[i % powers.length]] as CurvePoint);
  });

const setupArb = fc.record({
  capacity: fc.double({ min: 20, max: 200, noNaN: true }),
  limit: fc.double({ min: 3, max: 400, noNaN: true }),
  points: fc.option(curveArb, { nil: undefined }),
  from: fc.double({ min: 0, max: 95, noNaN: true }),
  span: fc.double({ min: 0.5, max: 100, noNaN: true }),
});

/** Linear interpolation of the raw curve, as the vehicle states it. */
function rawPower(points: readonly CurvePoint[] | undefined, soc: number): number {
  if (!points) return Infinity;
  for (let i = 0; i + 1 < points.length; i++) {
    const [s0, p0] = points[i];
    const [s1, p1] = points[i + 1];
    if (soc >= s0 && soc <= s1) return p0 + (p1 - p0) * (soc - s0) / (s1 - s0);
  }
  return points.at(-1)![1];
}

Deno.test("ChargeCurve energy is the integral of power over time", () => {
  fc.assert(
    fc.property(setupArb, ({ capacity, limit, points, from, span }) => {
      const curve = new ChargeCurve(capacity, limit, points);
      const to = Math.min(100, from + span);
      const total = curve.secondsBetween(from, to);
      // Simpson's rule over the time axis, on the SoC trajectory.
      const n = 4000;
      const h = total / n;
      let integral = 0;
      for (let i = 0; i <= n; i++) {
        const w = i === 0 || i === n ? 1 : i % 2 ? 4 : 2;
        integral += w * curve.powerAt(curve.socAfter(from, i * h));
      }
      const kwh = integral * h / 3 / 3600;
      const expected = curve.energyBetween(from, to);
      assert.ok(
        Math.abs(kwh - expected) <= 1e-3 * expected + 1e-6,
        `integral ${kwh} vs energy ${expected}`,
      );
    }),
  );
});

Deno.test("ChargeCurve power never exceeds the cap or the vehicle's curve", () => {
  fc.assert(
    fc.property(setupArb, fc.double({ min: 0, max: 100, noNaN: true }), (s, soc) => {
      const curve = new ChargeCurve(s.capacity, s.limit, s.points);
      const p = curve.powerAt(soc);
      assert.ok(p > 0);
      assert.ok(p <= s.limit * (1 + 1e-9), `power ${p} above limit ${s.limit}`);
      assert.ok(p <= rawPower(s.points, soc) * (1 + 1e-9) + 1e-9);
    }),
  );
});

Deno.test("ChargeCurve SoC only rises, stays in 0–100 and inverts the time to reach it", () => {
  fc.assert(
    fc.property(setupArb, fc.array(fc.double({ min: 0, max: 1e5, noNaN: true })), (s, times) => {
      const curve = new ChargeCurve(s.capacity, s.limit, s.points);
      let last = s.from;
      for (const t of times.sort((a, b) => a - b)) {
        const soc = curve.socAfter(s.from, t);
        assert.ok(soc >= last - 1e-9 && soc <= 100, `soc ${soc} after ${last}`);
        last = soc;
        if (soc < 100 - 1e-6) {
          assert.ok(Math.abs(curve.secondsBetween(s.from, soc) - t) <= 1e-6 * Math.max(1, t));
        }
      }
    }),
  );
});

Deno.test("ChargeCurve reproduces the Model 3 LR 20→80 % time (facts row 14)", () => {
  const model3: CurvePoint[] = [
    [0, 180],
    [10, 250],
    [18, 250],
    [28, 140],
    [40, 140],
    [
      80,
      50,
    ],
    [90, 36],
    [100, 10],
  ];
  const minutes = new ChargeCurve(75, 250, model3).secondsBetween(20, 80) / 60;
  assert.ok(minutes > 23 && minutes < 30, `${minutes} min`);
});

Deno.test("ChargeCurve rejects a zero capacity or limit", () => {
  assert.throws(() => new ChargeCurve(0, 7), /capacityKwh/);
  assert.throws(() => new ChargeCurve(60, 0), /limitKw/);
});
