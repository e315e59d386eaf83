import assert from "node:assert/strict";
import fc from "fast-check";
import * as v from "valibot";
import { ConfigError } from "./errors.ts";
import { isTimeZone } from "./local_time.ts";
import { type Charger, checkNetwork, siteTypeOf } from "./network.ts";
import { RatingsSchema } from "./ratings.ts";
import { NEW_YORK_CITY_BBOX, parseRegion } from "./region.ts";
import {
  CONNECTOR_BITS,
  portConnectors,
  siteTypeFor,
  stationChargers,
  type StationTable,
  StationTableSchema,
} from "./stations.ts";

const read = (path: string) => Deno.readTextFile(new URL(path, import.meta.url));
const table: StationTable = JSON.parse(await read("../data/stations.json"));
const ratings = v.parse(RatingsSchema, JSON.parse(await read("../data/networks.json")));
const top50: { name: string; state: string; population: number }[] = JSON.parse(
  await read("../data/cities.json"),
);
const us = stationChargers(table, ratings, { region: parseRegion("us") });

/** The reference README's counts, and the ports of the 25 stations without coordinates. */
const README = { stations: 50_243, l2: 101_579, dc: 28_255 };
const DROPPED = { stations: 25, l2: 52, dc: 6 };

const count = (chargers: Charger[], level: "L2" | "DCFC") =>
  chargers.filter((c) => c.level === level).length;

Deno.test("data/stations.json matches its schema", () => {
  const result = v.safeParse(StationTableSchema, table);
  assert.ok(result.success, JSON.stringify(result.issues?.slice(0, 3)));
  assert.equal(table.stations.length, README.stations - DROPPED.stations);
});

Deno.test("stationChargers() gives one charger per port of the whole US", () => {
  assert.equal(count(us.chargers, "L2"), README.l2 - DROPPED.l2);
  assert.equal(count(us.chargers, "DCFC"), README.dc - DROPPED.dc);
  assert.equal(new Set(us.chargers.map((c) => c.stationId)).size, table.stations.length);
});

Deno.test("stationChargers() gives every port a unique ID of its station", () => {
  const ids = new Set(us.chargers.map((c) => c.id));
  assert.equal(ids.size, us.chargers.length);
  for (const c of us.chargers) {
    assert.match(c.id, /^AFDC-\d+-(L2|DC)-[1-9]\d*$/);
    assert.ok(c.id.startsWith(`${c.stationId}-${c.level === "L2" ? "L2" : "DC"}-`), c.id);
  }
});

Deno.test("stationChargers() makes a station's ports as the AFDC row says", () => {
  // 1523,Los Angeles Convention Center,Los Angeles,CA,90015,34.040539,-118.271387,7,0,
  // Non-Networked,J1772,PARKING_GARAGE
  const ports = us.chargers.filter((c) => c.stationId === "AFDC-1523");
  assert.deepEqual(ports.map((c) => c.id), [1, 2, 3, 4, 5, 6, 7].map((n) => `AFDC-1523-L2-${n}`));
  assert.deepEqual(ports[0], {
    id: "AFDC-1523-L2-1",
    name: "Los Angeles Convention Center",
    stationId: "AFDC-1523",
    network: "Non-Networked",
    postalCode: "90015",
    city: "Los Angeles",
    state: "CA",
    latitude: 34.04054,
    longitude: -118.27139,
    level: "L2",
    powerKw: 7.2,
    siteType: "public",
    connectors: ["J1772"],
  });
  // 225622,8601 Balboa Blvd,Los Angeles,CA,G9N 0: no ZIP code.
  const balboa = us.chargers.find((c) => c.stationId === "AFDC-225622")!;
  assert.ok(!("postalCode" in balboa));
  assert.ok(Object.isFrozen(balboa.connectors));
  // 238569,Harris Ranch - Tesla Supercharger: 80 DC ports.
  const harris = us.chargers.filter((c) => c.stationId === "AFDC-238569");
  assert.equal(harris.length, 80);
  assert.ok(harris.every((c) => c.level === "DCFC" && c.siteType === "dc_fast"));
  assert.ok(harris.every((c) => c.network === "Tesla" && c.connectors?.join() === "Tesla"));
  assert.deepEqual(new Set(harris.map((c) => c.powerKw)), new Set([150, 250]));
});

Deno.test("stationChargers() rates each port from the networks table", () => {
  const byNetwork = (network: string, level: "L2" | "DCFC") =>
    us.chargers.filter((c) => c.network === network && c.level === level).map((c) => c.powerKw);
  const ea = byNetwork("Electrify America", "DCFC");
  assert.equal(ea.length, 3591);
  assert.deepEqual(new Set(ea), new Set([150, 350]));
  const share150 = ea.filter((k) => k === 150).length / ea.length;
  assert.ok(Math.abs(share150 - 0.7) < 0.03, `Electrify America 150 kW share ${share150}`);
  assert.ok(byNetwork("ChargePoint Network", "DCFC").every((k) => k === 62.5));
  assert.ok(byNetwork("Tesla Destination", "L2").every((k) => k === 11.5));
  assert.ok(byNetwork("SemaCharge Network", "L2").every((k) => k === 7.2));
  assert.ok(byNetwork("FCN", "DCFC").every((k) => k === 50));
});

Deno.test("stationChargers() gives a port the same charger in every region", () => {
  const again = stationChargers(table, ratings, { region: parseRegion("us") });
  assert.deepEqual(again.chargers, us.chargers);
  const inBox = (c: Charger, [w, s, e, n]: number[]) =>
    c.longitude >= w && c.longitude <= e && c.latitude >= s && c.latitude <= n;
  const states = ["CO", "HI", "DC", "VT", "WY", "AK", "ME", "NM"];
  fc.assert(
    fc.property(
      fc.option(fc.constantFrom(...states), { nil: undefined }),
      fc.double({ min: -125, max: -67, noNaN: true }),
      fc.double({ min: 24, max: 49, noNaN: true }),
      fc.double({ min: 0.05, max: 2, noNaN: true }),
      (state, west, south, size) => {
        const box = [west, south, west + size, south + size];
        const text = [state, `bbox:${box.join(",")}`].filter(Boolean).join("; ");
        const expected = us.chargers.filter((c) => c.state === state || inBox(c, box));
        if (expected.length === 0) {
          assert.throws(() => stationChargers(table, ratings, { region: parseRegion(text) }));
          return;
        }
        const region = stationChargers(table, ratings, { region: parseRegion(text) });
        assert.deepEqual(region.chargers, expected);
        const cities = new Set(expected.map((c) => `${c.city}, ${c.state}`));
        assert.deepEqual(new Set(region.cities.map((c) => `${c.name}, ${c.state}`)), cities);
      },
    ),
    { numRuns: 20 },
  );
});

Deno.test("stationChargers() gives the connectors of each level", () => {
  const { J1772, CCS1, CHAdeMO, Tesla } = CONNECTOR_BITS;
  assert.deepEqual(portConnectors(J1772 | Tesla, "L2", "x"), ["J1772", "Tesla"]);
  assert.deepEqual(portConnectors(Tesla, "L2", "Tesla"), ["Tesla"]);
  assert.deepEqual(portConnectors(CCS1 | CHAdeMO, "L2", "x"), ["J1772"]);
  assert.deepEqual(portConnectors(0, "L2", "x"), ["J1772"]);
  assert.deepEqual(portConnectors(J1772 | CCS1 | CHAdeMO, "DCFC", "x"), ["CCS1", "CHAdeMO"]);
  assert.deepEqual(portConnectors(CHAdeMO | Tesla, "DCFC", "x"), ["CHAdeMO", "Tesla"]);
  assert.deepEqual(portConnectors(J1772, "DCFC", "x"), ["CCS1"]);
  assert.deepEqual(portConnectors(0, "DCFC", "Tesla"), ["Tesla"]);
  // 1583, California Air Resources Board: J1772 only.
  const carb = us.chargers.find((c) => c.stationId === "AFDC-1583")!;
  assert.deepEqual(carb.connectors, ["J1772"]);
  const dc = us.chargers.filter((c) => c.level === "DCFC");
  assert.ok(dc.every((c) => !c.connectors!.includes("J1772")));
});

Deno.test("stationChargers() infers the site type from the level and facility", () => {
  assert.equal(siteTypeFor("DCFC", "OFFICE_BLDG"), "dc_fast");
  assert.equal(siteTypeFor("L2", "OFFICE_BLDG"), "workplace");
  assert.equal(siteTypeFor("L2", "COLLEGE_CAMPUS"), "workplace");
  assert.equal(siteTypeFor("L2", "MULTI_UNIT_DWELLING"), "residential");
  assert.equal(siteTypeFor("L2", "HOTEL"), "public");
  assert.equal(siteTypeFor("L2", ""), "public");
  assert.equal(siteTypeFor("L2", "toString"), "public");
  const facility = new Map(
    table.stations.map((s) => [`AFDC-${s[0]}`, table.facilities[s[10]]]),
  );
  for (const c of us.chargers) {
    assert.equal(c.siteType, siteTypeFor(c.level, facility.get(c.stationId!)!));
    assert.equal(siteTypeOf(c), c.siteType);
  }
  const sites = new Set(us.chargers.map((c) => c.siteType));
  assert.deepEqual(sites, new Set(["public", "workplace", "residential", "dc_fast"]));
});

Deno.test("stationChargers() gives cities that hang together with their chargers", () => {
  assert.deepEqual(checkNetwork({ ...us, vehicles: [] }), []);
  assert.equal(us.cities.length, table.cities.length);
  for (const city of us.cities) {
    assert.ok(isTimeZone(city.timeZone), `${city.name}: ${city.timeZone}`);
    assert.ok(city.population > 0, `${city.name}, ${city.state}: population ${city.population}`);
  }
  for (let i = 1; i < us.cities.length; i++) {
    assert.ok(us.cities[i - 1].population >= us.cities[i].population);
  }
});

Deno.test("stationChargers() gives the 50 cities of data/cities.json by default", () => {
  const network = stationChargers(table, ratings);
  assert.deepEqual(
    network.cities.map((c) => [c.name, c.state, c.population]),
    top50.map((c) => [c.name, c.state, c.population]),
  );
  const names = new Set(top50.map((c) => `${c.name}, ${c.state}`));
  assert.ok(network.chargers.every((c) => names.has(`${c.city}, ${c.state}`)));
});

Deno.test("stationChargers() counts New York City's boroughs as New York", () => {
  const ny = stationChargers(table, ratings, { region: parseRegion("New York, NY") });
  assert.deepEqual(ny.cities.map((c) => c.name), ["New York"]);
  // 998 ports AFDC lists in "New York", 967 in a borough or neighbourhood.
  assert.equal(ny.chargers.length, 998 + 967);
  const [w, s, e, n] = NEW_YORK_CITY_BBOX;
  const stations = new Set(ny.chargers.map((c) => c.stationId));
  // 102341, JFK Airport Travel Plaza - Tesla Supercharger, "Queens".
  assert.ok(stations.has("AFDC-102341"));
  const outside = ny.chargers.filter((c) =>
    c.longitude < w || c.longitude > e || c.latitude < s || c.latitude > n
  );
  // Two stations AFDC itself lists in "New York" lie upstate.
  assert.deepEqual([...new Set(outside.map((c) => c.stationId))].sort(), [
    "AFDC-225418",
    "AFDC-235134",
  ]);
});

Deno.test("stationChargers() throws for a region without a station", () => {
  assert.throws(
    () => stationChargers(table, ratings, { region: parseRegion("bbox:-40,10,-30,20") }),
    (error) => {
      assert.ok(error instanceof ConfigError);
      assert.equal(error.message, '--region: no station in the region "bbox:-40,10,-30,20"');
      return true;
    },
  );
});
