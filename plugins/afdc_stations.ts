/**
 * Real charger locations from the US Department of Energy's Alternative Fuels
 * Data Center (AFDC) station locator, in the CSV export
 * (`alt_fuel_stations (<date>).csv`) or the JSON shape of its API
 * (`{ "fuel_stations": [...] }`), which users download themselves.
 *
 * ```json
 * { "module": "afdc_stations", "options": { "file": "alt_fuel_stations.csv" } }
 * ```
 *
 * Each Level 2 port and each DC fast port of an electric station becomes one
 * charger (`AFDC-<station id>-L2-1`, `AFDC-<station id>-DC-1`, …) in the
 * station's city, which must be in the city list (`cities: "match"`) or is
 * added to it (`cities: "add"`). Rows that are not electric, have no
 * coordinates or no Level 2 or DC fast port are skipped and counted by reason.
 *
 * @module
 */
import { getLogger } from "@logtape/logtape";
import tzLookup from "@photostructure/tz-lookup";
import { parse as parseCsv } from "csv-parse/sync";
import * as v from "valibot";
import { ConfigError, formatIssues, parseJson } from "../core/errors.ts";
import { resolvePath } from "../core/load.ts";
import type { Charger, City } from "../core/network.ts";
import { definePlugin } from "../core/plugin.ts";
import {
  DEFAULT_EXCLUDED_FEATURE_CODES,
  type GeonamesRecord,
  loadGeonames,
} from "./geonames_cities.ts";

const PLUGIN = "afdc_stations";

const Positive = v.pipe(v.number(), v.gtValue(0));

/** The options of the `afdc_stations` plugin. */
export const AfdcStationsOptionsSchema = v.strictObject({
  /** The AFDC export, resolved against the config file's folder. Required. */
  file: v.pipe(v.string(), v.trim(), v.minLength(1, "expected a file path")),
  /**
   * `csv`, `json`, or `auto`: by the extension (`.csv`, `.json`), else by the
   * content (JSON starts with `{` or `[`).
   * @default {"auto"}
   */
  format: v.optional(v.picklist(["csv", "json", "auto"]), "auto"),
  /** Rated power of each Level 2 charger, kW. @default {7.2} */
  l2PowerKw: v.optional(Positive, 7.2),
  /** Rated power of each DC fast charger, kW. @default {150} */
  dcPowerKw: v.optional(Positive, 150),
  /**
   * Keep only stations in these states (`MA`, any case).
   * @default {undefined} every state
   */
  states: v.optional(
    v.pipe(
      v.array(v.pipe(v.string(), v.trim(), v.toUpperCase(), v.minLength(1))),
      v.minLength(1, "expected at least one state"),
    ),
  ),
  /**
   * `match`: keep the stations whose city and state (case-insensitive) are in
   * the city list; skip the others. `add`: also add a city for the other
   * stations, at the mean of their coordinates, its time zone from them.
   * @default {"match"}
   */
  cities: v.optional(v.picklist(["match", "add"]), "match"),
  /**
   * With `cities: "add"`, give each added city its GeoNames population (the
   * most populous place of that name in that state and country), else 0.
   * Loads the GeoNames data (about 0.2 s) only when a city is added.
   * @default {true}
   */
  geonamesPopulation: v.optional(v.boolean(), true),
  /**
   * `replace`: the chargers so far are dropped. `extend`: the AFDC chargers are
   * appended to them.
   * @default {"replace"}
   */
  mode: v.optional(v.picklist(["replace", "extend"]), "replace"),
});

/** The options as written in the config. */
export type AfdcStationsOptionsInput = v.InferInput<typeof AfdcStationsOptionsSchema>;
/** The options with their defaults filled in. */
export type AfdcStationsOptions = v.InferOutput<typeof AfdcStationsOptionsSchema>;

/** One row of an AFDC export, in either format. */
export interface AfdcStation {
  /** AFDC station ID. */
  id: string;
  /** `ELEC` for electric; `CNG`, `E85`, `LPG`… for other fuels. */
  fuelType: string;
  name: string;
  city: string;
  state: string;
  /** `US` or `CA`. @default {"US"} when the export has no country */
  country: string;
  /** Undefined when the row has none (or 0, 0). */
  latitude?: number;
  longitude?: number;
  /** Level 2 ports (EVSE). */
  level2: number;
  /** DC fast ports. */
  dcFast: number;
  /** `EV Network`, such as `ChargePoint Network` or `SHELL_RECHARGE`; "" if none. */
  network: string;
  /** `Status Code`: E available, P planned, T temporarily unavailable; "" if absent. */
  status: string;
  /** Where the row is, for messages: `file:12` (CSV line) or `file: fuel_stations[3]`. */
  where: string;
}

/** Why a row gave no charger. */
export type SkipReason =
  | "notElectric"
  | "planned"
  | "otherState"
  | "noCoordinates"
  | "noPorts"
  | "duplicateId"
  | "cityNotListed";

/** Rows skipped, by reason. */
export type SkipCounts = Record<SkipReason, number>;

/** Zero for every reason. */
export function noSkips(): SkipCounts {
  return {
    notElectric: 0,
    planned: 0,
    otherState: 0,
    noCoordinates: 0,
    noPorts: 0,
    duplicateId: 0,
    cityNotListed: 0,
  };
}

const logger = getLogger(["evsim", "plugin", PLUGIN]);

// --- Reading ---------------------------------------------------------------

/** The CSV columns read, by field: matched to the header case-insensitively. */
const CSV_COLUMNS = {
  fuelType: "Fuel Type Code",
  name: "Station Name",
  city: "City",
  state: "State",
  level2: "EV Level2 EVSE Num",
  dcFast: "EV DC Fast Count",
  latitude: "Latitude",
  longitude: "Longitude",
  id: "ID",
} as const;
const CSV_OPTIONAL_COLUMNS = {
  network: "EV Network",
  country: "Country",
  status: "Status Code",
} as const;

/** Lower case, single spaces: how headers and city names are compared. */
function fold(text: string): string {
  return text.trim().replace(/\s+/g, " ").toLowerCase();
}

function problem(where: string, what: string, options?: ErrorOptions): ConfigError {
  return new ConfigError(`plugin ${PLUGIN}: ${where}: ${what}`, options);
}

/** A port count: "" is 0. */
function count(text: string, where: string, column: string): number {
  const t = text.trim();
  if (t === "") return 0;
  if (!/^\d+$/.test(t)) {
    throw problem(
      where,
      `column "${column}": expected a whole number, got ${JSON.stringify(text)}`,
    );
  }
  return Number(t);
}

/** A coordinate: "" is undefined. */
function coordinate(
  text: string,
  where: string,
  column: string,
  limit: number,
): number | undefined {
  const t = text.trim();
  if (t === "") return undefined;
  const x = Number(t);
  if (!Number.isFinite(x) || Math.abs(x) > limit) {
    const got = JSON.stringify(text);
    throw problem(
      where,
      `column "${column}": expected a number from -${limit} to ${limit}, got ${got}`,
    );
  }
  return x;
}

/** 0, 0 is the placeholder of a missing location. */
function located(latitude?: number, longitude?: number): { latitude?: number; longitude?: number } {
  if (latitude === undefined || longitude === undefined) return {};
  if (latitude === 0 && longitude === 0) return {};
  return { latitude, longitude };
}

/**
 * The rows of an AFDC CSV export (`file` names it in messages). Columns are
 * found by header name, case-insensitively, wherever they stand.
 */
export function parseAfdcCsv(text: string, file: string): AfdcStation[] {
  let rows: { record: string[]; info: { lines: number } }[];
  try {
    rows = parseCsv(text, {
      bom: true,
      info: true,
      skip_empty_lines: true,
    }) as unknown as typeof rows;
  } catch (error) {
    throw problem(file, `invalid CSV: ${error instanceof Error ? error.message : error}`, {
      cause: error,
    });
  }
  if (rows.length === 0) throw problem(file, "empty file: expected a header row");
  const header = rows[0].record.map(fold);
  const index = (name: string) => header.indexOf(fold(name));
  const missing = Object.values(CSV_COLUMNS).filter((name) => index(name) < 0);
  if (missing.length > 0) {
    const names = missing.map((m) => JSON.stringify(m)).join(", ");
    const s = missing.length > 1 ? "s" : "";
    throw problem(file, `missing column${s} ${names} (expected an AFDC alt_fuel_stations export)`);
  }
  const columns = { ...CSV_COLUMNS, ...CSV_OPTIONAL_COLUMNS };
  const at = {} as Record<keyof typeof columns, number>;
  for (const [field, name] of Object.entries(columns)) {
    at[field as keyof typeof columns] = index(name);
  }
  return rows.slice(1).map(({ record, info }) => {
    const where = `${file}:${info.lines}`;
    const cell = (i: number) => (i < 0 ? "" : record[i] ?? "");
    const id = cell(at.id).trim();
    if (id === "") {
      throw problem(where, `column "${CSV_COLUMNS.id}": expected the station ID, got ""`);
    }
    return {
      id,
      fuelType: cell(at.fuelType).trim().toUpperCase(),
      name: cell(at.name).trim(),
      city: cell(at.city).trim(),
      state: cell(at.state).trim().toUpperCase(),
      country: cell(at.country).trim().toUpperCase() || "US",
      ...located(
        coordinate(cell(at.latitude), where, CSV_COLUMNS.latitude, 90),
        coordinate(cell(at.longitude), where, CSV_COLUMNS.longitude, 180),
      ),
      level2: count(cell(at.level2), where, CSV_COLUMNS.level2),
      dcFast: count(cell(at.dcFast), where, CSV_COLUMNS.dcFast),
      network: cell(at.network).trim(),
      status: cell(at.status).trim().toUpperCase(),
      where,
    };
  });
}

const Count = v.nullable(v.pipe(v.number(), v.integer(), v.minValue(0)));
const Text = v.nullable(v.string());

/** One station of the API's JSON: the fields read must be present (null allowed). */
const JsonStationSchema = v.looseObject({
  id: v.union([v.number(), v.pipe(v.string(), v.minLength(1))]),
  fuel_type_code: v.string(),
  station_name: Text,
  city: Text,
  state: Text,
  country: v.nullish(v.string()),
  latitude: v.nullable(v.pipe(v.number(), v.minValue(-90), v.maxValue(90))),
  longitude: v.nullable(v.pipe(v.number(), v.minValue(-180), v.maxValue(180))),
  ev_level2_evse_num: Count,
  ev_dc_fast_num: Count,
  ev_network: v.nullish(v.string()),
  status_code: v.nullish(v.string()),
});
const JsonExportSchema = v.looseObject({ fuel_stations: v.array(JsonStationSchema) });

/** The most problems one error lists. */
const MAX_PROBLEMS = 10;

/** The stations of an AFDC JSON file: `{ "fuel_stations": [...] }`, or a bare list of stations. */
export function parseAfdcJson(text: string, file: string): AfdcStation[] {
  const data = parseJson(text, `plugin ${PLUGIN}: ${file}`);
  const bare = Array.isArray(data);
  const result = v.safeParse(JsonExportSchema, bare ? { fuel_stations: data } : data);
  if (!result.success) {
    const lines = formatIssues(`plugin ${PLUGIN}: ${file}`, result.issues)
      .map((line) => (bare ? line.replace(": fuel_stations[", ": [") : line));
    const more = lines.length - MAX_PROBLEMS;
    throw new ConfigError(
      more > 0 ? [...lines.slice(0, MAX_PROBLEMS), `… and ${more} more problems`] : lines,
    );
  }
  return result.output.fuel_stations.map((s, i) => ({
    id: String(s.id).trim(),
    fuelType: s.fuel_type_code.trim().toUpperCase(),
    name: (s.station_name ?? "").trim(),
    city: (s.city ?? "").trim(),
    state: (s.state ?? "").trim().toUpperCase(),
    country: (s.country ?? "").trim().toUpperCase() || "US",
    ...located(s.latitude ?? undefined, s.longitude ?? undefined),
    level2: s.ev_level2_evse_num ?? 0,
    dcFast: s.ev_dc_fast_num ?? 0,
    network: (s.ev_network ?? "").trim(),
    status: (s.status_code ?? "").trim().toUpperCase(),
    where: `${file}: ${bare ? "" : "fuel_stations"}[${i}]`,
  }));
}

/** `csv` or `json`: `format` unless `auto`, else by the extension, else by the content. */
export function detectFormat(file: string, text: string, format: "csv" | "json" | "auto" = "auto") {
  if (format !== "auto") return format;
  const extension = /\.([^./\\]+)$/.exec(file)?.[1]?.toLowerCase();
  if (extension === "csv" || extension === "json") return extension;
  return /^\uFEFF?\s*[[{]/.test(text) ? "json" : "csv";
}

/** The stations of an AFDC export in either format (`file` names it in messages). */
export function parseAfdc(
  text: string,
  file: string,
  format: "csv" | "json" | "auto" = "auto",
): AfdcStation[] {
  return detectFormat(file, text, format) === "json"
    ? parseAfdcJson(text, file)
    : parseAfdcCsv(text, file);
}

// --- Stations to chargers and cities -------------------------------------

/**
 * The stations that can give chargers: electric, not merely planned, in `states` (if given),
 * located, with a Level 2 or DC fast port, first of their ID. Counts the
 * others by reason.
 */
export function screenStations(
  stations: readonly AfdcStation[],
  options: { states?: readonly string[] } = {},
): { stations: AfdcStation[]; skipped: SkipCounts } {
  const skipped = noSkips();
  const states = options.states && new Set(options.states.map((s) => s.trim().toUpperCase()));
  const ids = new Set<string>();
  const kept = stations.filter((s) => {
    const reason: SkipReason | undefined = s.fuelType !== "ELEC"
      ? "notElectric"
      : s.status === "P"
      ? "planned"
      : states && !states.has(s.state)
      ? "otherState"
      : s.latitude === undefined || s.longitude === undefined
      ? "noCoordinates"
      : s.level2 + s.dcFast === 0
      ? "noPorts"
      : ids.has(s.id)
      ? "duplicateId"
      : undefined;
    if (reason) {
      skipped[reason]++;
      return false;
    }
    ids.add(s.id);
    return true;
  });
  return { stations: kept, skipped };
}

/** How a station's city is matched to a City: `boston, ma`. */
function cityKey(name: string, state: string): string {
  return `${fold(name)}, ${fold(state)}`;
}

/** Display names of `EV Network` codes that do not read well as they are. */
const NETWORK_NAMES: Record<string, string> = {
  AMPUP: "AmpUp",
  BP_PULSE: "bp pulse",
  CHARGELAB: "ChargeLab",
  CIRCLE_K: "Circle K",
  FLO: "FLO",
  LOOP: "Loop",
  NOODOE: "Noodoe",
  POWERFLEX: "PowerFlex",
  RIVIAN_ADVENTURE: "Rivian Adventure",
  RIVIAN_WAYPOINTS: "Rivian Waypoints",
  SHELL_RECHARGE: "Shell Recharge",
};

/**
 * A charger name from the station name and network: `Ferry Building (Blink)`.
 * The network is left out when there is none (`Non-Networked`) or the
 * station name already says it (`Prudential Center - Tesla Supercharger`).
 */
export function chargerName(station: string, network: string): string {
  const code = network.trim();
  const brand = (NETWORK_NAMES[code.toUpperCase()] ?? code.replace(/_/g, " "))
    .replace(/\s+network$/i, "").trim();
  if (brand === "" || /^non[- ]?networked$/i.test(brand)) return station;
  if (station.toLowerCase().includes(brand.toLowerCase())) return station;
  return `${station} (${brand})`;
}

/**
 * One charger per Level 2 port and per DC fast port of each station whose
 * city and state are in `cities` (case-insensitive; the charger takes the
 * City's spelling). Counts the stations of other cities.
 */
export function stationChargers(
  stations: readonly AfdcStation[],
  cities: readonly City[],
  options: { l2PowerKw?: number; dcPowerKw?: number } = {},
): { chargers: Charger[]; cityNotListed: number } {
  const { l2PowerKw = 7.2, dcPowerKw = 150 } = options;
  const byKey = new Map<string, City>();
  for (const city of cities) {
    const key = cityKey(city.name, city.state);
    if (!byKey.has(key)) byKey.set(key, city);
  }
  let cityNotListed = 0;
  const chargers: Charger[] = [];
  for (const s of stations) {
    const city = byKey.get(cityKey(s.city, s.state));
    if (!city) {
      cityNotListed++;
      continue;
    }
    const base = {
      name: chargerName(s.name || `AFDC station ${s.id}`, s.network),
      city: city.name,
      state: city.state,
      latitude: s.latitude!,
      longitude: s.longitude!,
    };
    for (let i = 1; i <= s.level2; i++) {
      chargers.push({
        id: `AFDC-${s.id}-L2-${i}`,
        ...base,
        level: "L2",
        powerKw: l2PowerKw,
        siteType: "public",
      });
    }
    for (let i = 1; i <= s.dcFast; i++) {
      chargers.push({
        id: `AFDC-${s.id}-DC-${i}`,
        ...base,
        level: "DCFC",
        powerKw: dcPowerKw,
        siteType: "dc_fast",
      });
    }
  }
  return { chargers, cityNotListed };
}

/** A city's population by name, state and country, or undefined. */
export type PopulationOf = (name: string, state: string, country: string) => number | undefined;

/**
 * A city for each city of `stations` not in `cities`: its most frequent
 * spelling, the mean of its stations' coordinates, the time zone there and
 * `populationOf` (else 0). Most populous first, then by state and name.
 */
export function stationCities(
  stations: readonly AfdcStation[],
  cities: readonly City[],
  populationOf: PopulationOf = () => undefined,
): City[] {
  const known = new Set(cities.map((c) => cityKey(c.name, c.state)));
  const groups = new Map<string, AfdcStation[]>();
  for (const s of stations) {
    const key = cityKey(s.city, s.state);
    if (known.has(key) || fold(s.city) === "" || s.state === "") continue;
    const group = groups.get(key);
    if (group) group.push(s);
    else groups.set(key, [s]);
  }
  const added = [...groups.values()].map((group): City => {
    const spellings = new Map<string, number>();
    for (const s of group) {
      const name = s.city.trim().replace(/\s+/g, " ");
      spellings.set(name, (spellings.get(name) ?? 0) + 1);
    }
    const [name] = [...spellings].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0];
    const { state } = group[0];
    const country = /^[A-Z]{2}$/.test(group[0].country) ? group[0].country : "US";
    const mean = (pick: (s: AfdcStation) => number) =>
      Math.round(group.reduce((sum, s) => sum + pick(s), 0) / group.length * 1e5) / 1e5;
    const latitude = mean((s) => s.latitude!);
    const longitude = mean((s) => s.longitude!);
    return {
      name,
      state,
      country,
      latitude,
      longitude,
      population: populationOf(name, state, country) ?? 0,
      timeZone: tzLookup(latitude, longitude),
    };
  });
  return added.sort((a, b) =>
    b.population - a.population || (a.state < b.state ? -1 : a.state > b.state ? 1 : 0) ||
    (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)
  );
}

/** Population by name, state and country from GeoNames records (the most populous place). */
export function geonamesPopulation(records: readonly GeonamesRecord[]): PopulationOf {
  const gone = new Set(DEFAULT_EXCLUDED_FEATURE_CODES.filter((code) => code !== "PPLX"));
  const map = new Map<string, number>();
  for (const r of records) {
    if (gone.has(r.featureCode)) continue;
    const key = `${cityKey(r.name, r.adminCode)}, ${r.country.toLowerCase()}`;
    map.set(key, Math.max(map.get(key) ?? 0, r.population));
  }
  return (name, state, country) => map.get(`${cityKey(name, state)}, ${country.toLowerCase()}`);
}

// --- The plugin ------------------------------------------------------------

let cache: { path: string; format: string; text: string; stations: AfdcStation[] } | undefined;

/**
 * Reads and parses the export named by `options`. The `cities` hook keeps the
 * result for the `chargers` hook of the same run, which drops it (when the
 * file has not changed in between).
 */
async function readStations(
  options: AfdcStationsOptions,
  baseDir: string,
  readTextFile: (path: string) => Promise<string>,
): Promise<{ path: string; stations: AfdcStation[] }> {
  const path = resolvePath(baseDir, options.file);
  let text: string;
  try {
    text = await readTextFile(path);
  } catch (error) {
    const missing = error instanceof Error && error.name === "NotFound";
    throw problem(
      path,
      missing
        ? "file not found (option file)"
        : `cannot read the file: ${error instanceof Error ? error.message : error}`,
      { cause: error },
    );
  }
  if (cache && cache.path === path && cache.format === options.format && cache.text === text) {
    return { path, stations: cache.stations };
  }
  const stations = parseAfdc(text, path, options.format);
  cache = { path, format: options.format, text, stations };
  return { path, stations };
}

function summary(skipped: SkipCounts): string {
  const parts = Object.entries(skipped).filter(([, n]) => n > 0).map(([reason, n]) =>
    `${n} ${reason}`
  );
  return parts.length > 0 ? parts.join(", ") : "none";
}

/**
 * The `afdc_stations` plugin. Its `cities` hook adds the stations' other
 * cities (with `cities: "add"`); its `chargers` hook replaces (or, with
 * `mode: "extend"`, extends) the chargers with the stations' ports.
 */
export default definePlugin<AfdcStationsOptions>({
  name: PLUGIN,
  options: AfdcStationsOptionsSchema,
  async cities({ cities, options, baseDir, readTextFile }) {
    if (options.cities !== "add") return cities;
    const { path, stations } = await readStations(options, baseDir, readTextFile);
    const usable = screenStations(stations, options).stations;
    let added = stationCities(usable, cities);
    if (added.length > 0 && options.geonamesPopulation) {
      added = stationCities(usable, cities, geonamesPopulation(await loadGeonames()));
    }
    logger.info("{file}: added {count} cities of AFDC stations", {
      file: path,
      count: added.length,
    });
    return [...cities, ...added];
  },
  async chargers({ cities, chargers, options, baseDir, readTextFile }) {
    const { path, stations } = await readStations(options, baseDir, readTextFile);
    cache = undefined;
    const screened = screenStations(stations, options);
    const made = stationChargers(screened.stations, cities, options);
    const skipped = { ...screened.skipped, cityNotListed: made.cityNotListed };
    const l2 = made.chargers.filter((c) => c.level === "L2").length;
    logger.info(
      "{file}: {chargers} chargers ({l2} Level 2, {dc} DC fast) from {used} of {rows} rows; skipped: {summary}",
      {
        file: path,
        rows: stations.length,
        used: screened.stations.length - made.cityNotListed,
        chargers: made.chargers.length,
        l2,
        dc: made.chargers.length - l2,
        skipped,
        summary: summary(skipped),
      },
    );
    if (made.chargers.length === 0 && options.mode === "replace") {
      throw problem(
        path,
        `no charger left of ${stations.length} rows (skipped: ${summary(skipped)})` +
          (skipped.cityNotListed > 0 ? '; set cities: "add" to add the stations\' cities' : ""),
      );
    }
    return options.mode === "extend" ? [...chargers, ...made.chargers] : made.chargers;
  },
});
