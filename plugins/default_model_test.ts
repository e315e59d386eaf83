import assert from "node:assert/strict";
import * as v from "valibot";
import { ConfigError } from "../core/errors.ts";
import { defaults } from "../data/mod.ts";
import { SPRINGFIELD } from "../tests/_events.ts";
import defaultModel from "./default_model.ts";

const files: Record<string, string> = {
  "/cfg/cities.json": JSON.stringify([SPRINGFIELD]),
  "/cfg/bad.json": JSON.stringify([{ ...SPRINGFIELD, population: "lots" }]),
};
const context = (options: unknown) => ({
  seed: 1,
  baseDir: "/cfg",
  readTextFile: (path: string) =>
    path in files
      ? Promise.resolve(files[path])
      : Promise.reject(Object.assign(new Error("missing"), { name: "NotFound" })),
  options: v.parse(defaultModel.options!, options),
});

Deno.test("default_model provides the embedded network and model", async () => {
  const c = context({});
  assert.equal(await defaultModel.cities!({ ...c, cities: [] }), defaults.network.cities);
  assert.equal(await defaultModel.vehicles!({ ...c, vehicles: [] }), defaults.network.vehicles);
  assert.equal(await defaultModel.model!({ ...c, model: defaults.model }), defaults.model);
});

Deno.test("default_model reads the config's data files instead, naming a bad one", async () => {
  const good = context({ data: { cities: "cities.json" } });
  assert.deepEqual(await defaultModel.cities!({ ...good, cities: [] }), [SPRINGFIELD]);
  const bad = context({ data: { cities: "bad.json" } });
  await assert.rejects(
    async () => await defaultModel.cities!({ ...bad, cities: [] }),
    (e) => e instanceof ConfigError && /^\/cfg\/bad\.json: \[0\]\.population/.test(e.message),
  );
});

Deno.test("default_model's demand follows the final model and the peak hours", () => {
  const model = { ...defaults.model, sessionsPerChargerPerDay: { L2: 2, DCFC: 10 } };
  const demand = defaultModel.demand!({
    ...context({ peakHours: [{ from: 17, to: 19 }], peakMultiplier: 3 }),
    demand: () => ({ perDay: 0, weights: [] }),
    model,
  });
  const charger = defaults.network.chargers.find((c) => c.level === "DCFC")!;
  const city = { ...SPRINGFIELD, population: model.population.reference };
  const { perDay, weights } = demand(charger, city);
  assert.equal(perDay, 10);
  assert.equal(weights.length, 168);
  // Monday 18 h is in the peak, Monday 12 h is not: the multiplier rides on the profile.
  const { weekday } = model.arrivalProfiles.dc_fast;
  const ratio = (weights[24 + 18] / weights[24 + 12]) / (weekday[18] / weekday[12]);
  assert.ok(Math.abs(ratio - 3) < 1e-9, `${ratio}`);
});

Deno.test("default_model gives the real stations of the region, or of the city list", async (t) => {
  const chargersFor = async (options: unknown, cities = defaults.network.cities) =>
    await defaultModel.chargers!({ ...context(options), cities, chargers: [] });
  await t.step("by default, the 50 cities' stations", async () => {
    const chargers = await chargersFor({});
    assert.equal(chargers, defaults.network.chargers);
    const keys = new Set(defaults.network.cities.map((c) => `${c.name}, ${c.state}`));
    assert.ok(chargers.every((c) => keys.has(`${c.city}, ${c.state}`)));
    assert.equal(new Set(chargers.map((c) => c.city)).size, 50);
  });
  await t.step("a region: its cities and their stations only", async () => {
    const c = context({ region: "CO" });
    const cities = await defaultModel.cities!({ ...c, cities: [] });
    assert.ok(cities.length > 100 && cities.every((x) => x.state === "CO"));
    const chargers = await defaultModel.chargers!({ ...c, cities, chargers: [] });
    assert.ok(chargers.length > 1000 && chargers.every((x) => x.state === "CO"));
    assert.ok(chargers.every((x) => x.id.startsWith(`${x.stationId}-`)));
  });
  await t.step("another city list: the stations of those cities", async () => {
    const chargers = await chargersFor({}, [SPRINGFIELD]);
    assert.ok(chargers.length > 0);
    assert.ok(chargers.every((c) => c.city === "Springfield" && c.state === "IL"));
  });
  await t.step("a region without stations names where it came from", async () => {
    await assert.rejects(
      () => chargersFor({ region: "Springfeld, IL", regionFrom: "--region" }),
      (e) => e instanceof ConfigError && e.message === '--region: no station in "Springfeld, IL"',
    );
  });
});
