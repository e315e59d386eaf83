import assert from "node:assert/strict";
import {
  applyFixes,
  buildTable,
  cityMatchKey,
  clean,
  connectorBits,
  formatTable,
  Gazetteer,
  parseStations,
  type Place,
  type RawStation,
  STATION_FIXES,
  titleCase,
} from "./build_stations.ts";

const HEADER =
  "id,name,city,state,zip,latitude,longitude,level2_ports,dcfast_ports,network,connector_types,facility_type,open_date";

function place(name: string, state: string, population: number, lat: number, lon: number): Place {
  return {
    name,
    country: "US",
    featureCode: "PPL",
    adminCode: state,
    population,
    loc: { coordinates: [lon, lat] },
  };
}

function station(id: number, city: string, state: string, lat: number, lon: number): RawStation {
  return {
    id,
    name: `Station ${id}`,
    city,
    state,
    zip: "80302",
    latitude: lat,
    longitude: lon,
    l2: 2,
    dc: 0,
    network: "Non-Networked",
    connectorBits: 1,
    facility: "",
  };
}

const TOP = [{
  name: "Denver",
  state: "CO",
  latitude: 39.7392,
  longitude: -104.9903,
  population: 715522,
  timeZone: "America/Denver",
}];

Deno.test("city names are cleaned, compared loosely and title-cased", () => {
  assert.equal(clean("  St  Michaels "), "St Michaels");
  assert.equal(cityMatchKey("Saint Louis"), cityMatchKey("St. Louis"));
  assert.equal(cityMatchKey("Winston Salem"), cityMatchKey("Winston-Salem"));
  assert.equal(cityMatchKey("Mt. Vernon"), cityMatchKey("MOUNT VERNON"));
  assert.notEqual(cityMatchKey("Portland"), cityMatchKey("Portlands"));
  assert.equal(titleCase("MOUNT VERNON"), "Mount Vernon");
  assert.equal(titleCase("O'FALLON"), "O'Fallon");
  assert.equal(titleCase("port richey"), "Port Richey");
});

Deno.test("connectorBits() reads AFDC connector types, ignoring NEMA outlets", () => {
  assert.equal(connectorBits("J1772"), 1);
  assert.equal(connectorBits("CHADEMO J1772 J1772COMBO"), 7);
  assert.equal(connectorBits("J1772 TESLA"), 9);
  assert.equal(connectorBits("J1772 NEMA520"), 1);
  assert.equal(connectorBits("NEMA1450"), 0);
  assert.equal(connectorBits(""), 0);
});

Deno.test("parseStations() reads the snapshot's columns", () => {
  const csv = [
    HEADER,
    '1,"Main St, Lot 2", Boulder ,co,80302,40.01,-105.27,2,,ChargePoint Network,J1772,OFFICE_BLDG,2020-01-01',
    "2,Blank,Atlanta,GA,30301,,,1,1,Non-Networked,J1772COMBO,,2020-01-01",
    "3,Bad zip,Walla Walla,WA,G9N 0,46.08,-118.28,1,0,FLO,J1772,,2023-01-11",
  ].join("\n");
  const [a, b, c] = parseStations(csv);
  assert.deepEqual(a, {
    id: 1,
    name: "Main St, Lot 2",
    city: "Boulder",
    state: "CO",
    zip: "80302",
    latitude: 40.01,
    longitude: -105.27,
    l2: 2,
    dc: 0,
    network: "ChargePoint Network",
    connectorBits: 1,
    facility: "OFFICE_BLDG",
  });
  assert.equal(b.latitude, undefined);
  assert.equal(c.zip, "");
  assert.throws(() => parseStations("id,name\n1,x"), /missing column "city"/);
  assert.throws(() => parseStations(`${HEADER}\nx,a,b,CO,1,1,1,1,1,n,,,`), /line 2: column id/);
});

Deno.test("applyFixes() corrects known errors and fails when one no longer applies", () => {
  const honolulu = station(237731, "Honolulu", "OR", 21.30707, -157.86142);
  const stations = [honolulu];
  assert.equal(applyFixes(stations, STATION_FIXES.slice(0, 1)), 1);
  assert.equal(honolulu.state, "HI");
  assert.throws(() => applyFixes(stations, STATION_FIXES.slice(0, 1)), /station 237731/);
});

Deno.test("buildTable() gives each city its coordinates and population by the rules", () => {
  const gazetteer = new Gazetteer([
    place("Boulder", "CO", 105_000, 40.015, -105.27),
    place("Boulder", "CO", 5_000, 38.0, -108.0), // far from the stations
    place("Lafayette", "CO", 30_000, 39.99, -105.09),
    place("Brooklyn", "NY", 2_300_000, 40.65, -73.95),
  ]);
  const raw = [
    station(10, "Denver", "CO", 39.75, -104.99),
    station(11, "BOULDER", "CO", 40.02, -105.28),
    station(12, "Boulder", "CO", 40.03, -105.25),
    station(13, "boulder", "CO", 40.01, -105.26),
    station(14, "Louisville", "CO", 39.98, -105.13), // Lafayette is 3.5 km away
    station(15, "Nowhere", "CO", 38.5, -103.0),
    station(16, "Nowhere", "CO", 38.6, -103.2),
    station(17, "Brooklyn", "NY", 40.68, -73.97),
    station(18, "Denver", "CO", 39.7, -105.0),
    { ...station(19, "Atlanta", "GA", 0, 0), latitude: undefined, longitude: undefined },
  ];
  const top = [...TOP, {
    name: "New York",
    state: "NY",
    latitude: 40.7128,
    longitude: -74.006,
    population: 8804190,
    timeZone: "America/New_York",
  }];
  const { table, report } = buildTable(raw, { gazetteer, top, fixes: [] });
  assert.deepEqual(table.cities, [
    ["Boulder", "CO", 40.015, -105.27, 105_000, "America/Denver"],
    ["Denver", "CO", 39.7392, -104.9903, 715522, "America/Denver"],
    ["Louisville", "CO", 39.98, -105.13, 30_000, "America/Denver"],
    ["Nowhere", "CO", 38.55, -103.1, 1000, "America/Denver"],
    ["New York", "NY", 40.7128, -74.006, 8804190, "America/New_York"],
  ]);
  assert.deepEqual(table.top50, [1, 4]);
  assert.deepEqual(table.stations.map((s) => [s[0], s[2]]), [
    [10, 1],
    [11, 0],
    [12, 0],
    [13, 0],
    [14, 2],
    [15, 3],
    [16, 3],
    [17, 4],
    [18, 1],
  ]);
  assert.deepEqual(report.population, { census: 2, named: 1, nearest: 1, fallback: 1 });
  assert.deepEqual(report.coordinates, { census: 2, named: 1, mean: 2 });
  assert.deepEqual(report.dropped, { stations: 1, l2: 2, dc: 0, ids: [19] });
  assert.deepEqual(report.newYork.aliased, { stations: 1, ports: 2 });
});

Deno.test("formatTable() writes one row per line, the same bytes for the same input", () => {
  const gazetteer = new Gazetteer([]);
  const make = () =>
    buildTable(
      [station(2, "Denver", "CO", 39.7, -105), station(1, "Denver", "CO", 39.8, -105)],
      { gazetteer, top: TOP, fixes: [] },
    ).table;
  const text = formatTable(make());
  assert.equal(text, formatTable(make()));
  assert.deepEqual(JSON.parse(text), make());
  const lines = text.split("\n");
  assert.ok(lines.includes('  [1,"Station 1",0,"80302",39.8,-105,2,0,0,1,0],'));
  assert.ok(lines.includes('  [2,"Station 2",0,"80302",39.7,-105,2,0,0,1,0]'));
});
