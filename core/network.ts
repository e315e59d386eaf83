/**
 * The network being simulated: cities, their chargers and the vehicle fleet.
 * The schemas validate every data file and plugin result; the types follow
 * from them.
 *
 * @module
 */
import * as v from "valibot";
import type { CurvePoint } from "./charge_curve.ts";
import { isTimeZone } from "./local_time.ts";

const Name = v.pipe(v.string(), v.trim(), v.minLength(1, "expected a non-empty string"));
const Latitude = v.pipe(v.number(), v.minValue(-90), v.maxValue(90));
const Longitude = v.pipe(v.number(), v.minValue(-180), v.maxValue(180));
const Positive = v.pipe(v.number(), v.gtValue(0));

/** A city: real facts, one time zone. */
export const CitySchema = v.strictObject({
  name: Name,
  /** State or region code, such as `NY`. */
  state: Name,
  /** ISO 3166-1 alpha-2 code, such as `US`. */
  country: v.pipe(v.string(), v.regex(/^[A-Z]{2}$/, "expected a two-letter country code")),
  latitude: Latitude,
  longitude: Longitude,
  population: v.pipe(v.number(), v.integer(), v.minValue(0)),
  timeZone: v.pipe(
    v.string(),
    v.check(isTimeZone, (issue) => `unknown IANA time zone ${JSON.stringify(issue.input)}`),
  ),
});
export type City = v.InferOutput<typeof CitySchema>;

/** The file shape for cities: a list. */
export const CitiesSchema = v.pipe(
  v.array(CitySchema),
  v.minLength(1, "expected at least one city"),
);

/** Charging level: Level 2 AC or DC fast. */
export const LevelSchema = v.picklist(["L2", "DCFC"]);
export type Level = v.InferOutput<typeof LevelSchema>;

/** Where a charger stands, which sets who uses it and when. */
export const SiteTypeSchema = v.picklist(["workplace", "public", "dc_fast", "residential"]);
export type SiteType = v.InferOutput<typeof SiteTypeSchema>;

/**
 * A connector type: `J1772` (Level 2), `CCS1` and `CHAdeMO` (DC fast), `Tesla`
 * (Tesla's own connector, Level 2 and DC).
 */
export const ConnectorSchema = v.picklist(["J1772", "CCS1", "CHAdeMO", "Tesla"]);
export type Connector = v.InferOutput<typeof ConnectorSchema>;

const ChargerFields = {
  id: Name,
  /** Location name, such as `Midtown Garage 3`. */
  name: Name,
  /** The station (site) this charger is a port of. @default {the charger's `id`} */
  stationId: v.optional(Name),
  /** The operator's network, such as `ChargePoint Network`. @default {none} */
  network: v.optional(Name),
  /** The postal code of the station. @default {none} */
  postalCode: v.optional(Name),
  latitude: Latitude,
  longitude: Longitude,
  level: LevelSchema,
  /** Rated power in kW (L2 7.2/11.5/19.2, DCFC 50/150/350). */
  powerKw: Positive,
  siteType: v.optional(SiteTypeSchema),
  /**
   * The connector types on this port (a DC port often has a CCS1 and a
   * CHAdeMO cable). @default {["J1772"] for L2, ["CCS1"] for DCFC}
   */
  connectors: v.optional(
    v.pipe(v.array(ConnectorSchema), v.minLength(1, "expected at least one connector")),
  ),
};

/** A charger inside a city group (the city is the group's key). */
export const GroupedChargerSchema = v.strictObject(ChargerFields);

/** A charger in a flat list names its city (and state, if city names repeat). */
export const ChargerSchema = v.strictObject({
  ...ChargerFields,
  city: Name,
  state: v.optional(Name),
});
export type Charger = v.InferOutput<typeof ChargerSchema>;

const ChargerListSchema = v.array(ChargerSchema);
const ChargerGroupsSchema = v.record(v.string(), v.array(GroupedChargerSchema));

/**
 * The file shape for chargers: a flat list, or an object grouping them by
 * city (`"New York"` or `"Portland, OR"`).
 */
export const ChargersSchema = v.lazy((input) =>
  // Picked by shape rather than with `v.union`, so that a bad field is reported with its path.
  Array.isArray(input) ? ChargerListSchema : ChargerGroupsSchema
);

/** Chargers in either file shape, as a flat list. */
export function flattenChargers(input: v.InferOutput<typeof ChargersSchema>): Charger[] {
  if (Array.isArray(input)) return input;
  return Object.entries(input).flatMap(([key, list]) => {
    const [city, state] = key.split(",").map((s) => s.trim());
    return list.map((c) => ({ ...c, city, ...(state ? { state } : {}) }));
  });
}

const CurvePointSchema = v.pipe(
  v.tuple([v.pipe(v.number(), v.minValue(0), v.maxValue(100)), Positive]),
  v.transform((p) => p as CurvePoint),
);

/**
 * A vehicle's charging inlet: `CCS1` (J1772 for AC, CCS1 for DC), `CHAdeMO`
 * (J1772 and CHAdeMO), `Tesla` (Tesla's connector; J1772 through the adapter
 * that comes with the car), or `J1772` alone (AC only: most plug-in hybrids).
 */
export const InletSchema = v.picklist(["CCS1", "CHAdeMO", "Tesla", "J1772"]);
export type Inlet = v.InferOutput<typeof InletSchema>;

/** DC power the vehicle accepts by SoC: [[soc %, kW], …] from 0 to 100 %. */
const DcCurveSchema = v.pipe(
  v.array(CurvePointSchema),
  v.minLength(2),
  v.check(
    (pts) => pts[0][0] === 0 && pts.at(-1)![0] === 100,
    "expected the curve to start at 0 % and end at 100 %",
  ),
  v.check(
    (pts) => pts.every((p, i) => i === 0 || p[0] > pts[i - 1][0]),
    "expected SoC values in ascending order",
  ),
);

/** A vehicle model of the fleet. */
export const VehicleSchema = v.pipe(
  v.strictObject({
    name: Name,
    /** Usable battery capacity, kWh. */
    batteryKwh: Positive,
    /** Onboard (AC) charger limit, kW. */
    maxAcKw: Positive,
    /** Its charging inlet. @default {"CCS1"} */
    inlet: v.optional(InletSchema, "CCS1"),
    /** DC fast charging limit, kW (not for a `J1772` inlet). */
    maxDcKw: v.optional(Positive),
    /** DC power the vehicle accepts by SoC (not for a `J1772` inlet). */
    dcCurve: v.optional(DcCurveSchema),
    /** Share of the fleet, relative to the other models. */
    share: v.pipe(v.number(), v.minValue(0)),
    /** Where the figures come from. */
    source: v.optional(v.string()),
  }),
  v.check(
    (x) => x.inlet === "J1772" || (x.maxDcKw !== undefined && x.dcCurve !== undefined),
    "expected maxDcKw and dcCurve for a vehicle that charges at DC (inlet other than J1772)",
  ),
);
export type Vehicle = v.InferOutput<typeof VehicleSchema>;

/**
 * How far a vehicle can use a charger: 1 if its inlet fits one of the
 * charger's connectors, 0 if none fits, and for a Tesla at a CCS1-only DC
 * charger the share of Tesla drivers who carry a CCS1 adapter. Every vehicle
 * charges at J1772 (Teslas with the adapter that comes with the car); only
 * Teslas at a Tesla-only Level 2 charger.
 */
export function compatibility(
  vehicle: Vehicle,
  level: Level,
  connectors: readonly Connector[],
  teslaCcsAdapterShare: number,
): number {
  if (level === "L2") {
    return connectors.includes("J1772") ||
        (vehicle.inlet === "Tesla" && connectors.includes("Tesla"))
      ? 1
      : 0;
  }
  if (vehicle.inlet === "J1772") return 0;
  if (connectors.includes(vehicle.inlet)) return 1;
  return vehicle.inlet === "Tesla" && connectors.includes("CCS1") ? teslaCcsAdapterShare : 0;
}

/** A charger's connectors: as its data says, else J1772 for L2 and CCS1 for DCFC. */
export function connectorsOf(charger: { connectors?: Connector[]; level: Level }): Connector[] {
  return charger.connectors ?? (charger.level === "DCFC" ? ["CCS1"] : ["J1772"]);
}

/** The file shape for vehicles: a list. */
export const VehiclesSchema = v.pipe(
  v.array(VehicleSchema),
  v.minLength(1, "expected at least one vehicle"),
  v.check((list) => list.some((x) => x.share > 0), "expected a vehicle with share > 0"),
);

/** Everything the engine simulates. */
export interface Network {
  cities: City[];
  chargers: Charger[];
  vehicles: Vehicle[];
}

/** A charger's site type: as its data says, else DC fast for DCFC and public for L2. */
export function siteTypeOf(charger: { siteType?: SiteType; level: Level }): SiteType {
  return charger.siteType ?? (charger.level === "DCFC" ? "dc_fast" : "public");
}

/** The key that ties a charger to its city: `Portland, OR`. */
export function cityKey(city: { name: string; state: string }): string {
  return `${city.name}, ${city.state}`;
}

/**
 * Finds each charger's city and checks the network hangs together: unique
 * charger IDs, every charger's city known. Returns the problems found.
 */
export function checkNetwork(network: Network): string[] {
  const problems: string[] = [];
  const byName = new Map<string, City[]>();
  for (const city of network.cities) {
    byName.set(city.name, [...byName.get(city.name) ?? [], city]);
  }
  const ids = new Set<string>();
  network.chargers.forEach((charger, i) => {
    if (ids.has(charger.id)) problems.push(`chargers[${i}].id: duplicate ID "${charger.id}"`);
    ids.add(charger.id);
    const candidates = (byName.get(charger.city) ?? []).filter((c) =>
      charger.state === undefined || c.state === charger.state
    );
    if (candidates.length === 0) {
      problems.push(
        `chargers[${i}].city: no city "${
          charger.state ? `${charger.city}, ${charger.state}` : charger.city
        }" in the city list`,
      );
    } else if (candidates.length > 1) {
      problems.push(`chargers[${i}].state: city "${charger.city}" is ambiguous; give its state`);
    }
  });
  return problems;
}

/** The city of each charger (call after {@link checkNetwork} found no problem). */
export function cityOf(network: Network): (charger: Charger) => City {
  const map = new Map<string, City>();
  for (const city of network.cities) {
    map.set(cityKey(city), city);
    if (!map.has(city.name)) map.set(city.name, city);
  }
  return (charger) => map.get(charger.state ? `${charger.city}, ${charger.state}` : charger.city)!;
}
