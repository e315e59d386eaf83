import assert from "node:assert/strict";
import fc from "fast-check";
import { electricalOf, voltageOf, wiringOf } from "./electrical.ts";

const port = (level: "L2" | "DCFC", siteType = "public", country = "US", ratedKw = 7.2) => ({
  level,
  siteType,
  country,
  ratedKw,
});

Deno.test("wiringOf() and voltageOf() follow the documented rule", () => {
  assert.equal(voltageOf(port("L2", "residential"), "", 0), 240);
  assert.equal(voltageOf(port("L2", "public"), "", 0), 208);
  assert.deepEqual(wiringOf(port("L2")).voltagePhases, ["L1-L2"]);
  assert.equal(voltageOf(port("L2", "public", "DE"), "", 0), 230);
  assert.equal(wiringOf(port("L2", "public", "DE", 7.4)).phases, 1);
  assert.equal(wiringOf(port("L2", "public", "DE", 11)).phases, 3);
  assert.equal(voltageOf(port("DCFC"), "Chevrolet Bolt EV", 0), 320);
  assert.equal(voltageOf(port("DCFC"), "Chevrolet Bolt EV", 100), 400);
  assert.equal(voltageOf(port("DCFC"), "Hyundai Ioniq 5", 100), 800);
});

Deno.test("electricalOf(): V·I on every phase adds up to the power", () => {
  const ports = [
    port("L2", "residential"),
    port("L2", "workplace"),
    port("L2", "public", "FR", 22),
    port("L2", "public", "FR", 3.7),
    port("DCFC", "dc_fast"),
  ];
  fc.assert(fc.property(
    fc.constantFrom(...ports),
    fc.constantFrom("Hyundai Ioniq 5", "Tesla Model Y RWD"),
    fc.double({ min: 0, max: 100, noNaN: true }),
    fc.integer({ min: 0, max: 350_000 }),
    (p, vehicle, soc, watts) => {
      const e = electricalOf(p, vehicle, soc, watts);
      const vi = e.wiring.phases * e.volts * e.amps;
      assert.ok(
        Math.abs(vi - watts) <= e.wiring.phases * e.volts * 0.005 + 1e-6,
        `${vi} vs ${watts}`,
      );
      if (p.level === "DCFC") assert.ok(e.volts >= 320 && e.volts <= 800);
    },
  ));
});
