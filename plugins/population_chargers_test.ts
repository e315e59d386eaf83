import assert from "node:assert/strict";
import * as v from "valibot";
import { ChargerSchema } from "../core/network.ts";
import { defaults } from "../data/mod.ts";
import { SPRINGFIELD } from "../tests/_events.ts";
import populationChargers, { generateChargers } from "./population_chargers.ts";

const cities = defaults.network.cities;
const context = { seed: 3, baseDir: "/", readTextFile: () => Promise.resolve("") };

Deno.test("generateChargers() is deterministic for a seed and differs across seeds", () => {
  assert.deepEqual(generateChargers(cities, { seed: 5 }), generateChargers(cities, { seed: 5 }));
  assert.notDeepEqual(generateChargers(cities, { seed: 5 }), generateChargers(cities, { seed: 6 }));
});

Deno.test("generateChargers() places counts proportional to population, with a floor", () => {
  const chargers = generateChargers(cities, { perHundredThousand: 5, minimumPerCity: 5 });
  const count = (name: string) => chargers.filter((c) => c.city === name).length;
  const ny = cities.find((c) => c.name === "New York")!;
  assert.equal(count("New York"), Math.round(ny.population / 1e5 * 5));
  assert.equal(generateChargers([{ ...SPRINGFIELD, population: 1000 }]).length, 5);
  assert.equal(new Set(chargers.map((c) => c.id)).size, chargers.length);
  for (const c of chargers) v.parse(ChargerSchema, c);
});

Deno.test("generateChargers() keeps the level and power mix close to its options", () => {
  const chargers = generateChargers(cities, { perHundredThousand: 40, dcFastShare: 0.3 });
  const dc = chargers.filter((c) => c.level === "DCFC");
  assert.ok(Math.abs(dc.length / chargers.length - 0.3) < 0.02);
  assert.ok(dc.every((c) => [50, 150, 350].includes(c.powerKw) && c.siteType === "dc_fast"));
  const l2 = chargers.filter((c) => c.level === "L2");
  assert.ok(l2.every((c) => [7.2, 11.5, 19.2].includes(c.powerKw)));
  const workplace = l2.filter((c) => c.siteType === "workplace").length / l2.length;
  assert.ok(Math.abs(workplace - 0.35) < 0.03, `${workplace}`);
});

Deno.test("generateChargers() places chargers around their city centre", () => {
  for (const c of generateChargers(cities)) {
    const city = cities.find((x) => x.name === c.city && x.state === c.state)!;
    assert.ok(Math.abs(c.latitude - city.latitude) < 0.6, `${c.id} far from ${city.name}`);
  }
});

Deno.test("population_chargers replaces or extends the chargers so far, seeded by the run", async () => {
  const hook = populationChargers.chargers!;
  const before = defaults.network.chargers;
  const options = v.parse(populationChargers.options!, {});
  const replaced = await hook({ ...context, options, cities: [SPRINGFIELD], chargers: before });
  assert.ok(replaced.every((c) => c.city === "Springfield"));
  assert.deepEqual(replaced, generateChargers([SPRINGFIELD], { seed: 3 }));
  const extended = await hook({
    ...context,
    options: v.parse(populationChargers.options!, { mode: "extend", seed: 9 }),
    cities: [SPRINGFIELD],
    chargers: before,
  });
  assert.equal(extended.length, before.length + replaced.length);
  assert.deepEqual(extended.slice(before.length), generateChargers([SPRINGFIELD], { seed: 9 }));
});

Deno.test("population_chargers refuses options of the wrong shape", () => {
  const schema = populationChargers.options!;
  assert.equal(v.safeParse(schema, { dcFastShare: 2 }).success, false);
  assert.equal(v.safeParse(schema, { l2Power: { fast: 1 } }).success, false);
  assert.equal(v.safeParse(schema, { mode: "merge" }).success, false);
});
