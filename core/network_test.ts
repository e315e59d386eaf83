import assert from "node:assert/strict";
import { compatibility, type Connector, connectorsOf, type Vehicle } from "./network.ts";

const car = (inlet: Vehicle["inlet"]): Vehicle => ({
  name: inlet,
  batteryKwh: 60,
  maxAcKw: 7.2,
  inlet,
  ...(inlet === "J1772" ? {} : { maxDcKw: 100, dcCurve: [[0, 100], [100, 10]] }),
  share: 1,
});

Deno.test("compatibility() lets a vehicle plug in only where its inlet fits", async (t) => {
  const fit = (inlet: Vehicle["inlet"], level: "L2" | "DCFC", connectors: Connector[]) =>
    compatibility(car(inlet), level, connectors, 0.25);
  await t.step("every vehicle charges at J1772, only Teslas at Tesla-only Level 2", () => {
    for (const inlet of ["CCS1", "CHAdeMO", "Tesla", "J1772"] as const) {
      assert.equal(fit(inlet, "L2", ["J1772"]), 1);
      assert.equal(fit(inlet, "L2", ["Tesla"]), inlet === "Tesla" ? 1 : 0);
    }
  });
  await t.step("at DC: the matching connector, a Tesla's adapter at CCS1, never a hybrid", () => {
    assert.equal(fit("CCS1", "DCFC", ["CCS1", "CHAdeMO"]), 1);
    assert.equal(fit("CHAdeMO", "DCFC", ["CCS1", "CHAdeMO"]), 1);
    assert.equal(fit("CHAdeMO", "DCFC", ["CCS1"]), 0);
    assert.equal(fit("CCS1", "DCFC", ["Tesla"]), 0);
    assert.equal(fit("Tesla", "DCFC", ["Tesla"]), 1);
    assert.equal(fit("Tesla", "DCFC", ["CCS1"]), 0.25);
    assert.equal(fit("Tesla", "DCFC", ["CHAdeMO"]), 0);
    assert.equal(fit("J1772", "DCFC", ["CCS1", "CHAdeMO", "Tesla"]), 0);
  });
});

Deno.test("connectorsOf() defaults to J1772 for Level 2 and CCS1 for DC", () => {
  assert.deepEqual(connectorsOf({ level: "L2" }), ["J1772"]);
  assert.deepEqual(connectorsOf({ level: "DCFC" }), ["CCS1"]);
  assert.deepEqual(connectorsOf({ level: "DCFC", connectors: ["Tesla"] }), ["Tesla"]);
});
