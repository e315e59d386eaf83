import assert from "node:assert/strict";
import { configure, type LogRecord, reset } from "@logtape/logtape";
import * as v from "valibot";
import { ConfigError } from "../core/errors.ts";
import {
  type Charger,
  ChargerSchema,
  checkNetwork,
  CitiesSchema,
  type City,
} from "../core/network.ts";
import { defaults } from "../data/mod.ts";
import plugin, {
  type AfdcStation,
  type AfdcStationsOptionsInput,
  AfdcStationsOptionsSchema,
  chargerName,
  detectFormat,
  noSkips,
  parseAfdc,
  parseAfdcCsv,
  screenStations,
  stationChargers,
  stationCities,
} from "./afdc_stations.ts";

const TESTDATA = `${import.meta.dirname}/testdata`;
const CSV = "afdc_sample.csv";
const JSON_FILE = "afdc_sample.json";
const CITIES = defaults.network.cities;
const ChargerListSchema = v.array(ChargerSchema);

type Read = (path: string) => Promise<string>;
const readDisk: Read = (path) => Deno.readTextFile(path);

/** A file system of the given files, else NotFound. */
function memory(files: Record<string, string>): Read {
  return (path) =>
    path in files
      ? Promise.resolve(files[path])
      : Promise.reject(Object.assign(new Error(`No such file: ${path}`), { name: "NotFound" }));
}

function context(options: AfdcStationsOptionsInput, read: Read = readDisk) {
  return {
    options: v.parse(AfdcStationsOptionsSchema, options),
    seed: 1,
    baseDir: TESTDATA,
    readTextFile: read,
  };
}

/** The plugin's hooks in the host's order: cities, then chargers for the final cities. */
async function run(
  options: AfdcStationsOptionsInput,
  { cities = CITIES, chargers = [] as Charger[], read = readDisk } = {},
) {
  const finalCities = await plugin.cities!({ ...context(options, read), cities });
  const out = await plugin.chargers!({ ...context(options, read), cities: finalCities, chargers });
  return {
    cities: v.parse(CitiesSchema, finalCities),
    chargers: v.parse(ChargerListSchema, out),
  };
}

async function fails(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${error}`);
    return error.message;
  }
  assert.fail("expected an error");
}

async function sample(file: string): Promise<AfdcStation[]> {
  return parseAfdc(await Deno.readTextFile(`${TESTDATA}/${file}`), file);
}

function withoutWhere(stations: AfdcStation[]) {
  return stations.map(({ where: _, ...rest }) => rest);
}

function byLevel(chargers: Charger[]) {
  return {
    L2: chargers.filter((c) => c.level === "L2").length,
    DCFC: chargers.filter((c) => c.level === "DCFC").length,
  };
}

Deno.test("parseAfdc() reads the CSV export and the API's JSON alike", async () => {
  const csv = await sample(CSV);
  const json = await sample(JSON_FILE);
  assert.equal(csv.length, 14);
  assert.deepEqual(withoutWhere(csv), withoutWhere(json));
  assert.deepEqual(csv[0], {
    id: "100001",
    fuelType: "ELEC",
    name: "Boston City Hall Plaza",
    city: "Boston",
    state: "MA",
    country: "US",
    latitude: 42.360253,
    longitude: -71.058033,
    level2: 4,
    dcFast: 0,
    network: "ChargePoint Network",
    status: "E",
    where: "afdc_sample.csv:2",
  });
  assert.equal(csv.find((s) => s.id === "100014")?.status, "P");
  assert.equal(json[12].where, "afdc_sample.json: fuel_stations[12]");
  const pending = csv.find((s) => s.id === "100010");
  assert.equal(pending?.latitude, undefined, "a row without coordinates has none");
});

Deno.test("both formats give the same chargers", async () => {
  const fromCsv = await run({ file: CSV });
  const fromJson = await run({ file: JSON_FILE });
  assert.ok(fromCsv.chargers.length > 0);
  assert.deepEqual(fromJson.chargers, fromCsv.chargers);
});

Deno.test("each Level 2 and DC fast port becomes one charger", async () => {
  const { chargers } = await run({ file: CSV });
  assert.deepEqual(byLevel(chargers), { L2: 22, DCFC: 24 });
  const ids = (station: string) => chargers.filter((c) => c.id.startsWith(`AFDC-${station}-`));
  assert.deepEqual(ids("100001").map((c) => c.id), [
    "AFDC-100001-L2-1",
    "AFDC-100001-L2-2",
    "AFDC-100001-L2-3",
    "AFDC-100001-L2-4",
  ]);
  assert.deepEqual(byLevel(ids("100002")), { L2: 0, DCFC: 12 });
  assert.deepEqual(ids("100012").map((c) => c.id), [
    "AFDC-100012-L2-1",
    "AFDC-100012-L2-2",
    ...[1, 2, 3, 4, 5, 6].map((i) => `AFDC-100012-DC-${i}`),
  ]);
  assert.equal(new Set(chargers.map((c) => c.id)).size, chargers.length, "unique IDs");
  const dc = chargers.find((c) => c.id === "AFDC-100012-DC-1");
  assert.deepEqual(dc, {
    id: "AFDC-100012-DC-1",
    name: "Mission Bay Fast Charge (EVgo)",
    city: "San Francisco",
    state: "CA",
    latitude: 37.7706,
    longitude: -122.3893,
    level: "DCFC",
    powerKw: 150,
    siteType: "dc_fast",
  });
  const l2 = chargers.find((c) => c.id === "AFDC-100012-L2-1");
  assert.deepEqual([l2?.level, l2?.powerKw, l2?.siteType], ["L2", 7.2, "public"]);
});

Deno.test("l2PowerKw and dcPowerKw set the chargers' power", async () => {
  const { chargers } = await run({ file: CSV, l2PowerKw: 11.5, dcPowerKw: 350 });
  assert.deepEqual(
    [...new Set(chargers.map((c) => `${c.level} ${c.powerKw}`))].sort(),
    ["DCFC 350", "L2 11.5"],
  );
});

Deno.test("screenStations() skips rows and counts them by reason", async (t) => {
  const stations = await sample(CSV);
  await t.step("not electric, no coordinates, no Level 2 or DC fast port", () => {
    const { stations: kept, skipped } = screenStations(stations);
    assert.deepEqual(skipped, {
      ...noSkips(),
      notElectric: 1,
      planned: 1,
      noCoordinates: 1,
      noPorts: 1,
    });
    assert.equal(kept.length, 10);
    assert.ok(!kept.some((s) => ["100009", "100010", "100011"].includes(s.id)));
  });
  await t.step("a repeated station ID", () => {
    const { stations: kept, skipped } = screenStations([...stations, stations[0]]);
    assert.equal(skipped.duplicateId, 1);
    assert.equal(kept.length, 10);
  });
  await t.step("other states than those asked for", () => {
    const { stations: kept, skipped } = screenStations(stations, { states: ["ca"] });
    assert.deepEqual(skipped, { ...noSkips(), notElectric: 1, planned: 1, otherState: 9 });
    assert.deepEqual(kept.map((s) => s.id), ["100004", "100005", "100012"]);
  });
});

Deno.test("the chargers hook logs what it skipped, by reason", async () => {
  const records: LogRecord[] = [];
  await configure({
    sinks: { memory: (record) => records.push(record) },
    loggers: [
      { category: ["evsim", "plugin", "afdc_stations"], lowestLevel: "info", sinks: ["memory"] },
      { category: ["logtape", "meta"], lowestLevel: "warning", sinks: [] },
    ],
  });
  try {
    await run({ file: CSV });
  } finally {
    await reset();
  }
  const record = records.find((r) => r.properties.skipped);
  assert.ok(record, "a record with the skip counts");
  assert.equal(record.level, "info");
  assert.deepEqual(record.properties.skipped, {
    ...noSkips(),
    notElectric: 1,
    planned: 1,
    noCoordinates: 1,
    noPorts: 1,
    cityNotListed: 3,
  });
  assert.equal(record.properties.rows, 14);
  assert.equal(record.properties.chargers, 46);
  assert.equal(record.properties.file, `${TESTDATA}/${CSV}`);
});

Deno.test("the states option keeps the stations of those states", async () => {
  const { chargers } = await run({ file: JSON_FILE, states: ["CA"] });
  assert.ok(chargers.every((c) => c.state === "CA"));
  assert.deepEqual(byLevel(chargers), { L2: 8, DCFC: 10 });
});

Deno.test("cities match by name and state, any case, and take the city list's spelling", async () => {
  const { chargers } = await run({ file: CSV });
  const cityOf = (id: string) => chargers.find((c) => c.id === id);
  assert.deepEqual([cityOf("AFDC-100003-L2-1")?.city, cityOf("AFDC-100003-L2-1")?.state], [
    "Boston",
    "MA",
  ]);
  assert.equal(cityOf("AFDC-100012-L2-1")?.city, "San Francisco");
  assert.deepEqual([...new Set(chargers.map((c) => `${c.city}, ${c.state}`))].sort(), [
    "Boston, MA",
    "Phoenix, AZ",
    "San Francisco, CA",
  ]);
  const springfield: City = { ...CITIES[0], name: "Boston", state: "NY" };
  const { chargers: none, cityNotListed } = stationChargers(
    screenStations(await sample(CSV)).stations,
    [springfield],
  );
  assert.equal(none.length, 0, "the state must match too");
  assert.equal(cityNotListed, 10);
});

Deno.test("match mode leaves the cities as they are, without reading the file", async () => {
  const read: Read = () => Promise.reject(new Error("should not read"));
  const cities = await plugin.cities!({ ...context({ file: CSV }, read), cities: CITIES });
  assert.deepEqual(cities, CITIES);
});

Deno.test('cities: "add" adds a city for the stations of unlisted cities', async (t) => {
  await t.step("at the mean of its stations, with its time zone, population 0", async () => {
    const { cities, chargers } = await run({
      file: CSV,
      cities: "add",
      geonamesPopulation: false,
    });
    assert.deepEqual(cities.slice(0, CITIES.length), CITIES);
    assert.deepEqual(cities.slice(CITIES.length), [
      {
        name: "Somerville",
        state: "MA",
        country: "US",
        latitude: 42.39216,
        longitude: -71.11106,
        population: 0,
        timeZone: "America/New_York",
      },
      {
        name: "Bozeman",
        state: "MT",
        country: "US",
        latitude: 45.67954,
        longitude: -111.02766,
        population: 0,
        timeZone: "America/Denver",
      },
    ]);
    assert.deepEqual(byLevel(chargers), { L2: 27, DCFC: 25 });
    assert.ok(chargers.some((c) => c.city === "Bozeman" && c.state === "MT"));
    assert.deepEqual(checkNetwork({ cities, chargers, vehicles: defaults.network.vehicles }), []);
  });
  await t.step("with the GeoNames population when known", async () => {
    const { cities } = await run({ file: JSON_FILE, cities: "add" });
    const added = cities.slice(CITIES.length);
    assert.deepEqual(added.map((c) => c.name), ["Somerville", "Bozeman"]);
    assert.ok(added.every((c) => c.population > 40_000), JSON.stringify(added));
  });
  await t.step("under the most frequent spelling of the city", () => {
    const station = (id: string, city: string, latitude: number): AfdcStation => ({
      id,
      fuelType: "ELEC",
      name: `Lot ${id}`,
      city,
      state: "VT",
      country: "US",
      latitude,
      longitude: -73.2,
      level2: 1,
      dcFast: 0,
      network: "",
      status: "E",
      where: `test:${id}`,
    });
    const cities = stationCities(
      [
        station("1", "BURLINGTON", 44.4),
        station("2", "Burlington", 44.5),
        station("3", "Burlington ", 44.6),
      ],
      [],
      (name, state) => name === "Burlington" && state === "VT" ? 44_743 : undefined,
    );
    assert.deepEqual(cities, [{
      name: "Burlington",
      state: "VT",
      country: "US",
      latitude: 44.5,
      longitude: -73.2,
      population: 44_743,
      timeZone: "America/New_York",
    }]);
  });
});

Deno.test("replace mode drops the chargers so far; extend mode appends to them", async () => {
  const earlier = defaults.network.chargers.slice(0, 3);
  const replaced = await run({ file: CSV }, { chargers: earlier });
  assert.ok(!replaced.chargers.some((c) => earlier.some((e) => e.id === c.id)));
  const extended = await run({ file: CSV, mode: "extend" }, { chargers: earlier });
  assert.deepEqual(extended.chargers.slice(0, 3), earlier);
  assert.deepEqual(extended.chargers.slice(3), replaced.chargers);
});

Deno.test("chargerName() adds the network where it reads well", () => {
  assert.equal(chargerName("Ferry Building", "Blink Network"), "Ferry Building (Blink)");
  assert.equal(chargerName("City Hall", "ChargePoint Network"), "City Hall (ChargePoint)");
  assert.equal(
    chargerName("Davis Square Lot", "SHELL_RECHARGE"),
    "Davis Square Lot (Shell Recharge)",
  );
  assert.equal(chargerName("Depot", "ELECTRIC_ERA"), "Depot (ELECTRIC ERA)");
  assert.equal(chargerName("Library", "Non-Networked"), "Library");
  assert.equal(chargerName("Library", ""), "Library");
  assert.equal(chargerName("Mall - Tesla Supercharger", "Tesla"), "Mall - Tesla Supercharger");
  assert.equal(chargerName("Hotel", "Tesla Destination"), "Hotel (Tesla Destination)");
});

Deno.test("detectFormat() goes by the format, the extension, then the content", () => {
  assert.equal(detectFormat("x.CSV", "{"), "csv");
  assert.equal(detectFormat("x.json", "a,b"), "json");
  assert.equal(detectFormat("export", '\uFEFF  { "fuel_stations": [] }'), "json");
  assert.equal(detectFormat("export", "[]"), "json");
  assert.equal(detectFormat("export", "Fuel Type Code,Station Name"), "csv");
  assert.equal(detectFormat("x.json", "a,b", "csv"), "csv");
});

Deno.test("parseAfdcCsv() finds the columns by name, any case or order, with a BOM and CRLF", () => {
  const text = "\uFEFFid,LATITUDE,longitude,ev dc fast count,Ev Level2 Evse Num,state,city," +
    "station name,fuel type code\r\n" +
    '7,42.1,-71.2,2,,ma,"Boston, Downtown",Lot,elec\r\n';
  assert.deepEqual(parseAfdcCsv(text, "mine.csv"), [{
    id: "7",
    fuelType: "ELEC",
    name: "Lot",
    city: "Boston, Downtown",
    state: "MA",
    country: "US",
    latitude: 42.1,
    longitude: -71.2,
    level2: 0,
    dcFast: 2,
    network: "",
    status: "",
    where: "mine.csv:2",
  }]);
});

Deno.test("AfdcStationsOptionsSchema fills in the defaults and rejects unknown options", () => {
  assert.deepEqual(v.parse(AfdcStationsOptionsSchema, { file: "x.csv" }), {
    file: "x.csv",
    format: "auto",
    l2PowerKw: 7.2,
    dcPowerKw: 150,
    cities: "match",
    geonamesPopulation: true,
    mode: "replace",
  });
  assert.equal(v.safeParse(AfdcStationsOptionsSchema, {}).success, false, "file is required");
  assert.equal(v.safeParse(AfdcStationsOptionsSchema, { file: "x", l2PowerKw: 0 }).success, false);
  assert.equal(v.safeParse(AfdcStationsOptionsSchema, { file: "x", states: [] }).success, false);
  assert.equal(v.safeParse(AfdcStationsOptionsSchema, { file: "x", city: "add" }).success, false);
});

Deno.test("errors name the plugin and the file", async (t) => {
  const header = (await Deno.readTextFile(`${TESTDATA}/${CSV}`)).split("\n")[0];
  const row = (await Deno.readTextFile(`${TESTDATA}/${CSV}`)).split("\n")[1];
  const files = (content: Record<string, string>) =>
    memory(Object.fromEntries(Object.entries(content).map(([k, v]) => [`${TESTDATA}/${k}`, v])));

  await t.step("a file that does not exist", async () => {
    assert.equal(
      await fails(run({ file: "missing.csv" })),
      `plugin afdc_stations: ${TESTDATA}/missing.csv: file not found (option file)`,
    );
  });
  await t.step("a file that cannot be read", async () => {
    const read: Read = () => Promise.reject(new Error("Permission denied"));
    assert.equal(
      await fails(run({ file: "x.csv" }, { read })),
      `plugin afdc_stations: ${TESTDATA}/x.csv: cannot read the file: Permission denied`,
    );
  });
  await t.step("invalid JSON", async () => {
    const read = files({ "bad.json": '{ "fuel_stations": [\n  { "id": 1, }\n] }' });
    assert.match(
      await fails(run({ file: "bad.json" }, { read })),
      new RegExp(`^plugin afdc_stations: ${TESTDATA}/bad\\.json:2:\\d+: invalid JSON`),
    );
  });
  await t.step("JSON without the fields read", async () => {
    const stations = JSON.parse(await Deno.readTextFile(`${TESTDATA}/${JSON_FILE}`));
    delete stations.fuel_stations[3].ev_dc_fast_num;
    const read = files({ "x.json": JSON.stringify(stations), "list.json": "[{}]" });
    const message = await fails(run({ file: "x.json" }, { read }));
    assert.match(
      message,
      /^plugin afdc_stations: .*\/x\.json: fuel_stations\[3\]\.ev_dc_fast_num: /,
    );
    const list = await fails(run({ file: "list.json" }, { read }));
    assert.match(list, /^plugin afdc_stations: .*\/list\.json: \[0\]\.id: /);
    const other = await fails(run({ file: "x.json" }, { read: files({ "x.json": '{"a": 1}' }) }));
    assert.match(other, /^plugin afdc_stations: .*\/x\.json: fuel_stations: /);
  });
  await t.step("a CSV without the columns read", async () => {
    const cut = header.replace(",EV DC Fast Count", "").replace(",Latitude", "");
    const read = files({ "cut.csv": `${cut}\n` });
    assert.equal(
      await fails(run({ file: "cut.csv" }, { read })),
      `plugin afdc_stations: ${TESTDATA}/cut.csv: missing columns "EV DC Fast Count", ` +
        '"Latitude" (expected an AFDC alt_fuel_stations export)',
    );
  });
  await t.step("a CSV with a bad value or a broken row", async () => {
    const badCount = row.replace(",,4,,,ChargePoint", ",,four,,,ChargePoint");
    const read = files({
      "count.csv": `${header}\n${row}\n${badCount}\n`,
      "broken.csv": `${header}\n${row}\nELEC,"unclosed\n`,
      "empty.csv": "",
    });
    assert.equal(
      await fails(run({ file: "count.csv" }, { read })),
      `plugin afdc_stations: ${TESTDATA}/count.csv:3: column "EV Level2 EVSE Num": ` +
        'expected a whole number, got "four"',
    );
    assert.match(
      await fails(run({ file: "broken.csv" }, { read })),
      new RegExp(`^plugin afdc_stations: ${TESTDATA}/broken\\.csv: invalid CSV: `),
    );
    assert.match(
      await fails(run({ file: "empty.csv" }, { read })),
      /^plugin afdc_stations: .*\/empty\.csv: empty file/,
    );
  });
  await t.step("no charger left", async () => {
    const far: City[] = [{ ...CITIES[0], name: "Nowhere", state: "ZZ" }];
    assert.equal(
      await fails(run({ file: CSV }, { cities: far })),
      `plugin afdc_stations: ${TESTDATA}/${CSV}: no charger left of 14 rows (skipped: ` +
        '1 notElectric, 1 planned, 1 noCoordinates, 1 noPorts, 10 cityNotListed); set cities: "add" to add ' +
        "the stations' cities",
    );
  });
});
