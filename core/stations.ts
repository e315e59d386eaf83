/**
 * The real US public charging network as a compact table (`data/stations.json`,
 * written by `data/build_stations.ts` from the AFDC station list), and its
 * expansion into the cities and chargers of a region.
 *
 * The table is arrays of arrays so that it parses fast: the whole file parses
 * and expands to about 130,000 chargers in well under a second. Its schema,
 * {@link StationTableSchema}, is checked by the build and the tests, not at
 * every load.
 *
 * @module
 */
import * as v from "valibot";
import { isTimeZone } from "./local_time.ts";
import type { Charger, City, Connector, Level, SiteType } from "./network.ts";
import { portPowerKw, type Ratings } from "./ratings.ts";
import { DEFAULT_REGION, formatRegion, parseRegion, type Region, regionMatcher } from "./region.ts";
import { ConfigError } from "./errors.ts";

// --- The table -------------------------------------------------------------

/** Connector bits of a station row: one bit per connector type AFDC lists. */
export const CONNECTOR_BITS = {
  /** `J1772` (Level 2). */
  J1772: 1,
  /** `J1772COMBO`: CCS1 (DC). */
  CCS1: 2,
  /** `CHADEMO` (DC). */
  CHAdeMO: 4,
  /** `TESLA`: Tesla's own connector (Level 2 or DC). */
  Tesla: 8,
} as const;

const Text = v.string();
const Index = v.pipe(v.number(), v.integer(), v.minValue(0));
const Count = v.pipe(v.number(), v.integer(), v.minValue(0));
const Latitude = v.pipe(v.number(), v.minValue(-90), v.maxValue(90));
const Longitude = v.pipe(v.number(), v.minValue(-180), v.maxValue(180));

/** `[name, state, latitude, longitude, population, timeZone]`. */
export const CityRowSchema = v.tuple([
  v.pipe(Text, v.minLength(1)),
  v.pipe(Text, v.regex(/^[A-Z]{2}$/, "expected a two-letter state code")),
  Latitude,
  Longitude,
  Count,
  v.pipe(Text, v.check(isTimeZone, (issue) => `unknown IANA time zone ${issue.input}`)),
]);
/** A city row: `[name, state, latitude, longitude, population, timeZone]`. */
export type CityRow = [
  name: string,
  state: string,
  latitude: number,
  longitude: number,
  population: number,
  timeZone: string,
];

/**
 * `[afdcId, name, cityIndex, zip, latitude, longitude, l2Ports, dcPorts,
 * networkIndex, connectorBits, facilityIndex]`; `zip` is "" when AFDC's is
 * not a US ZIP code.
 */
export const StationRowSchema = v.tuple([
  v.pipe(v.number(), v.integer(), v.minValue(1)),
  v.pipe(Text, v.minLength(1)),
  Index,
  v.pipe(Text, v.regex(/^(\d{5})?$/, 'expected a five-digit ZIP code or ""')),
  Latitude,
  Longitude,
  Count,
  Count,
  Index,
  v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(15)),
  Index,
]);
/** A station row (see {@link StationRowSchema}). */
export type StationRow = [
  afdcId: number,
  name: string,
  cityIndex: number,
  zip: string,
  latitude: number,
  longitude: number,
  l2Ports: number,
  dcPorts: number,
  networkIndex: number,
  connectorBits: number,
  facilityIndex: number,
];

/** The file shape of `data/stations.json`. */
export const StationTableSchema = v.pipe(
  v.strictObject({
    /** What the file is and how it was made. */
    $comment: v.optional(Text),
    /** The citation of the data. */
    source: v.pipe(Text, v.minLength(1)),
    /** The date of the AFDC snapshot, `YYYY-MM-DD`. */
    snapshot: v.pipe(Text, v.isoDate()),
    /** AFDC network names (`ChargePoint Network`, `Non-Networked`…), by index. */
    networks: v.array(Text),
    /** AFDC facility types (`HOTEL`…; "" for none given), by index. */
    facilities: v.array(Text),
    cities: v.array(CityRowSchema),
    /** Indices in `cities` of the 50 cities of `data/cities.json`, in its order. */
    top50: v.array(Index),
    /** One row per station, by AFDC ID. */
    stations: v.array(StationRowSchema),
  }),
  v.check((t) => {
    const cities = t.cities.length;
    return t.top50.every((i) => i < cities) &&
      t.stations.every((s) =>
        s[2] < cities && s[8] < t.networks.length && s[10] < t.facilities.length
      );
  }, "expected every index to point into its list"),
  v.check(
    (t) => t.stations.every((s, i) => i === 0 || s[0] > t.stations[i - 1][0]),
    "expected stations in ascending order of ID, each ID once",
  ),
  v.check((t) => t.stations.every((s) => s[6] + s[7] > 0), "expected every station to have a port"),
  v.check((t) => {
    const keys = t.cities.map((c) => `${c[0].toLowerCase()}, ${c[1]}`);
    return new Set(keys).size === keys.length;
  }, "expected each city name and state once"),
);

/** The station table (`data/stations.json`). */
export interface StationTable {
  $comment?: string;
  source: string;
  snapshot: string;
  networks: string[];
  facilities: string[];
  cities: CityRow[];
  top50: number[];
  stations: StationRow[];
}

// --- Site types and connectors ---------------------------------------------

/**
 * The site type of a Level 2 port by the station's AFDC facility type: the one
 * place that decides it. DC fast ports are always `dc_fast`.
 *
 * `workplace`: where most drivers are staff arriving on weekday mornings:
 * offices, campuses, schools, government and utility buildings, research
 * sites, factories, fleet and motor-pool garages, fire stations.
 * `residential`: apartment buildings (`MULTI_UNIT_DWELLING`).
 * `public`: every other type and none given (74 % of stations): shops,
 * parking, hotels, inns, dealers, restaurants, parks, hospitals, airports,
 * municipal buildings (city halls, piers and parks open to visitors), co-ops
 * (electric and grocery co-ops both), and the like. Hotels, dealers and
 * Tesla Destination sites have no per-session reference data of their own, so
 * they are public Level 2, not site types of their own.
 */
export const FACILITY_SITE_TYPES: Readonly<Record<string, SiteType>> = {
  OFFICE_BLDG: "workplace",
  WORKPLACE: "workplace",
  COLLEGE_CAMPUS: "workplace",
  SCHOOL: "workplace",
  RESEARCH_FACILITY: "workplace",
  FED_GOV: "workplace",
  STATE_GOV: "workplace",
  UTILITY: "workplace",
  FACTORY: "workplace",
  FLEET_GARAGE: "workplace",
  MOTOR_POOL: "workplace",
  FIRE_STATION: "workplace",
  MULTI_UNIT_DWELLING: "residential",
};

/** The site type of a port: `dc_fast` for DC, else by {@link FACILITY_SITE_TYPES}, else `public`. */
export function siteTypeFor(level: Level, facility: string): SiteType {
  if (level === "DCFC") return "dc_fast";
  return Object.hasOwn(FACILITY_SITE_TYPES, facility) ? FACILITY_SITE_TYPES[facility] : "public";
}

/**
 * The connectors of a port from its station's connector bits. Level 2:
 * `J1772` and/or `Tesla`, else `J1772` (a station listing only DC connectors
 * or none). DC: `CCS1`, `CHAdeMO` and/or `Tesla`, else `Tesla` on the Tesla
 * network and `CCS1` elsewhere. A station's Tesla bit counts for both levels.
 */
export function portConnectors(bits: number, level: Level, network: string): Connector[] {
  const out: Connector[] = [];
  if (level === "L2") {
    if (bits & CONNECTOR_BITS.J1772) out.push("J1772");
    if (bits & CONNECTOR_BITS.Tesla) out.push("Tesla");
    if (out.length === 0) out.push("J1772");
    return out;
  }
  if (bits & CONNECTOR_BITS.CCS1) out.push("CCS1");
  if (bits & CONNECTOR_BITS.CHAdeMO) out.push("CHAdeMO");
  if (bits & CONNECTOR_BITS.Tesla) out.push("Tesla");
  if (out.length === 0) out.push(network === "Tesla" ? "Tesla" : "CCS1");
  return out;
}

// --- Expansion -------------------------------------------------------------

/** The options of {@link stationChargers}. */
export interface StationChargersOptions {
  /** The stations to expand. @default {parseRegion("top50")} */
  region?: Region;
  /** What the region is, at the start of every error message. @default {"--region"} */
  where?: string;
}

/** The cities and chargers of a region. */
export interface StationNetwork {
  /** The cities of the region's stations, most populous first (then by state and name). */
  cities: City[];
  /** One charger per port, stations in ID order, Level 2 ports before DC ports. */
  chargers: Charger[];
}

/** The City of a table row. */
export function cityOfRow(row: CityRow): City {
  const [name, state, latitude, longitude, population, timeZone] = row;
  return { name, state, country: "US", latitude, longitude, population, timeZone };
}

/**
 * One charger per port of the stations of `options.region`, and the cities
 * they stand in. A Level 2 port is `AFDC-<id>-L2-<n>`, a DC port
 * `AFDC-<id>-DC-<n>` (`n` from 1), of station `AFDC-<id>`; its `name` is the
 * station's, `network` the AFDC network name as it is (`Non-Networked`
 * included), `postalCode` the ZIP code (left out when AFDC's is not one),
 * `connectors` by {@link portConnectors} (frozen lists, shared between ports), `siteType` by {@link siteTypeFor},
 * `powerKw` from `ratings` ({@link portPowerKw}). A port's charger is the
 * same whatever region it is expanded in. Throws a {@link ConfigError} when
 * the region has no station.
 */
export function stationChargers(
  table: StationTable,
  ratings: Ratings,
  options: StationChargersOptions = {},
): StationNetwork {
  const where = options.where ?? "--region";
  const region = options.region ?? parseRegion(DEFAULT_REGION);
  const cityRows = table.cities;
  const matches = regionMatcher(
    region,
    cityRows.map(([name, state]) => ({ name, state })),
    { top50: table.top50, where },
  );
  const used = new Uint8Array(cityRows.length);
  const l2Kw = table.networks.map((network) =>
    portPowerKw(ratings, { network, level: "L2", id: "" })
  );
  // One frozen connector list per connector bits, level and network: shared, not copied.
  const connectorLists = new Map<string, Connector[]>();
  const connectors = (bits: number, level: Level, network: string) => {
    const key = `${bits} ${level} ${network === "Tesla"}`;
    let list = connectorLists.get(key);
    if (list === undefined) {
      list = Object.freeze(portConnectors(bits, level, network)) as Connector[];
      connectorLists.set(key, list);
    }
    return list;
  };
  const chargers: Charger[] = [];
  for (const row of table.stations) {
    const [afdcId, name, ci, zip, latitude, longitude, l2, dc, ni, bits, fi] = row;
    if (!matches(ci, latitude, longitude)) continue;
    used[ci] = 1;
    const stationId = `AFDC-${afdcId}`;
    const network = table.networks[ni];
    const [city, state] = cityRows[ci];
    const port = (id: string, level: Level, powerKw: number, siteType: SiteType): Charger => {
      const charger: Charger = {
        id,
        name,
        stationId,
        network,
        postalCode: zip,
        city,
        state,
        latitude,
        longitude,
        level,
        powerKw,
        siteType,
        connectors: connectors(bits, level, network),
      };
      if (zip === "") delete charger.postalCode;
      return charger;
    };
    if (l2 > 0) {
      const kw = l2Kw[ni];
      const site = siteTypeFor("L2", table.facilities[fi]);
      for (let n = 1; n <= l2; n++) chargers.push(port(`${stationId}-L2-${n}`, "L2", kw, site));
    }
    for (let n = 1; n <= dc; n++) {
      const id = `${stationId}-DC-${n}`;
      const kw = portPowerKw(ratings, { network, level: "DCFC", id });
      chargers.push(port(id, "DCFC", kw, "dc_fast"));
    }
  }
  if (chargers.length === 0) {
    throw new ConfigError(`${where}: no station in the region "${formatRegion(region)}"`);
  }
  const cities: City[] = [];
  used.forEach((u, i) => {
    if (u === 1) cities.push(cityOfRow(cityRows[i]));
  });
  cities.sort((a, b) =>
    b.population - a.population || compare(a.state, b.state) || compare(a.name, b.name)
  );
  return { cities, chargers };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
