/**
 * Regions of the US station table: which stations a run simulates.
 *
 * A region is one or more terms separated by `;` (a city term holds a comma,
 * so the comma cannot separate terms); a station is in the region when any
 * term matches it. Terms, case-insensitive:
 *
 * - `us`: the whole country (the 50 states and DC);
 * - a state code, `CO` (the 50 states and `DC`);
 * - a city, `Boulder, CO`: the stations AFDC lists in that city and state;
 * - a bounding box, `bbox:WEST,SOUTH,EAST,NORTH` in decimal degrees;
 * - `top50`, the default: the 50 most populous US cities (`data/cities.json`).
 *
 * ```ts
 * parseRegion("Boulder, CO; Denver, CO; bbox:-105.3,39.5,-104.6,40.1");
 * ```
 *
 * New York City: AFDC lists many of its stations under a borough or a Queens
 * neighbourhood. The stations whose city is in {@link NEW_YORK_CITY_ALIASES}
 * and which lie inside {@link NEW_YORK_CITY_BBOX} are listed under
 * "New York, NY" by `data/build_stations.ts`, so they count for `New York, NY`
 * and `top50` (the Census population of New York covers the five boroughs).
 * No other city has aliases.
 *
 * @module
 */
import { ConfigError } from "./errors.ts";

/** The two-letter codes of the 50 states and the District of Columbia. */
export const US_STATES: readonly string[] = (
  "AK AL AR AZ CA CO CT DC DE FL GA HI IA ID IL IN KS KY LA MA MD ME MI MN MO MS MT NC ND NE " +
  "NH NJ NM NV NY OH OK OR PA RI SC SD TN TX UT VA VT WA WI WV WY"
).split(" ");

/**
 * City names AFDC uses for parts of New York City (NY): the boroughs, and the
 * neighbourhoods that appear as the city of a station inside the city's box.
 * Left out on purpose: names shared with places of Long Island or Westchester
 * (`Inwood`, `Long Island`, `New Hyde Park`, `Valley Stream`, `New Rochelle`).
 */
export const NEW_YORK_CITY_ALIASES: readonly string[] = [
  // The city and its boroughs.
  "New York City",
  "Manhattan",
  "Brooklyn",
  "Bronx",
  "The Bronx",
  "Queens",
  "Staten Island",
  // Manhattan and the Bronx.
  "Washington Heights",
  "Riverdale",
  // Brooklyn.
  "Borough Park",
  "Sunset Park",
  // Queens.
  "Long Island City",
  "LIC",
  "Astoria",
  "Flushing",
  "Jamaica",
  "Forest Hills",
  "East Elmhurst",
  "Elmhurst",
  "Woodside",
  "Jackson Heights",
  "Middle Village",
  "Kew Gardens",
  "Rego Park",
  "Bayside",
  "Ozone Park",
  "Glendale",
  "Maspeth",
  "Corona",
  "Hollis",
  "Rockaway Park",
  // Staten Island.
  "Midland Beach",
  "South Beach",
];

/**
 * The box around New York City's five boroughs, `[west, south, east, north]`:
 * an alias counts only for a station inside it (AFDC also has a "Queens, NY"
 * station near Glens Falls and a "Forest Hills, NY" one on Long Island).
 */
export const NEW_YORK_CITY_BBOX: readonly [number, number, number, number] = [
  -74.26,
  40.49,
  -73.7,
  40.92,
];

/** The region used when none is given. */
export const DEFAULT_REGION = "top50";

/** One term of a region. */
export type RegionTerm =
  | { kind: "us" }
  | { kind: "top50" }
  | { kind: "state"; state: string }
  | { kind: "city"; name: string; state: string }
  | { kind: "bbox"; west: number; south: number; east: number; north: number };

/** A parsed region: a station is in it when any term matches. */
export interface Region {
  terms: RegionTerm[];
}

/** The options of {@link parseRegion}. */
export interface ParseRegionOptions {
  /** What the text is, at the start of every error message. @default {"--region"} */
  where?: string;
}

const FORMS = 'expected us, a state code such as CO, "City, ST", bbox:W,S,E,N or top50';

const STATES = new Set(US_STATES);

/** A term written back in its canonical form: `us`, `CO`, `Boulder, CO`, `bbox:-105.3,…`. */
export function formatTerm(term: RegionTerm): string {
  switch (term.kind) {
    case "us":
    case "top50":
      return term.kind;
    case "state":
      return term.state;
    case "city":
      return `${term.name}, ${term.state}`;
    case "bbox":
      return `bbox:${term.west},${term.south},${term.east},${term.north}`;
  }
}

/** A region written back in its canonical form, terms joined by `; `. */
export function formatRegion(region: Region): string {
  return region.terms.map(formatTerm).join("; ");
}

function parseBbox(body: string, fail: (what: string) => never): RegionTerm {
  const parts = body.split(",").map((s) => s.trim());
  const numbers = parts.map((s) => (/^[-+]?(\d+\.?\d*|\.\d+)$/.test(s) ? Number(s) : NaN));
  if (parts.length !== 4 || numbers.some((x) => !Number.isFinite(x))) {
    fail(`bbox:${body}: expected four numbers, bbox:WEST,SOUTH,EAST,NORTH in decimal degrees`);
  }
  const [west, south, east, north] = numbers;
  if ([west, east].some((x) => Math.abs(x) > 180) || [south, north].some((y) => Math.abs(y) > 90)) {
    fail(`bbox:${body}: expected longitudes from -180 to 180 and latitudes from -90 to 90`);
  }
  if (west >= east || south >= north) {
    fail(`bbox:${body}: expected WEST < EAST and SOUTH < NORTH`);
  }
  return { kind: "bbox", west, south, east, north };
}

function parseTerm(text: string, fail: (what: string) => never): RegionTerm {
  const lower = text.toLowerCase();
  if (lower === "us" || lower === "top50") return { kind: lower };
  if (lower.startsWith("bbox:")) return parseBbox(text.slice(5), fail);
  const comma = text.lastIndexOf(",");
  if (comma >= 0) {
    const name = text.slice(0, comma).trim().replace(/\s+/g, " ");
    const state = text.slice(comma + 1).trim().toUpperCase();
    if (name === "") fail(`"${text}": expected a city name before the comma`);
    if (!STATES.has(state)) fail(`"${text}": unknown state "${state}"`);
    return { kind: "city", name, state };
  }
  if (/^[a-z]{2}$/.test(lower)) {
    const state = text.toUpperCase();
    if (!STATES.has(state)) fail(`unknown state "${state}"`);
    return { kind: "state", state };
  }
  fail(`unknown term "${text}" (a city needs its state: "${text}, ST")`);
}

/**
 * The region written `text` (see the module doc). Throws a
 * {@link ConfigError}, such as `--region: unknown state "XX" (expected us, a
 * state code such as CO, "City, ST", bbox:W,S,E,N or top50)`, for an empty
 * region or a term it cannot read.
 */
export function parseRegion(text: string, options: ParseRegionOptions = {}): Region {
  const where = options.where ?? "--region";
  const fail = (what: string): never => {
    throw new ConfigError(`${where}: ${what} (${FORMS})`);
  };
  const terms = text.split(";").map((s) => s.trim()).filter((s) => s !== "")
    .map((s) => parseTerm(s, fail));
  if (terms.length === 0) fail("expected at least one term");
  return { terms };
}

/** A city of the station table as the matcher sees it. */
export interface RegionCity {
  name: string;
  state: string;
}

/** The options of {@link regionMatcher}. */
export interface RegionMatcherOptions {
  /** Indices in `cities` of the `top50` cities. @default {[]} */
  top50?: readonly number[];
  /** What the region is, at the start of every error message. @default {"--region"} */
  where?: string;
}

/** Case-folded `name, ST`: how city terms are compared. */
function cityKey(name: string, state: string): string {
  return `${name.trim().replace(/\s+/g, " ").toLowerCase()}, ${state.toUpperCase()}`;
}

/**
 * A test of whether a station (by its city's index in `cities` and its
 * coordinates) is in `region`. Throws a {@link ConfigError} for a city term
 * naming no city of the table, saying where that name does have stations.
 */
export function regionMatcher(
  region: Region,
  cities: readonly RegionCity[],
  options: RegionMatcherOptions = {},
): (cityIndex: number, latitude: number, longitude: number) => boolean {
  const where = options.where ?? "--region";
  const inRegion = new Uint8Array(cities.length);
  const boxes: Extract<RegionTerm, { kind: "bbox" }>[] = [];
  const byKey = new Map<string, number>();
  cities.forEach((c, i) => byKey.set(cityKey(c.name, c.state), i));
  for (const term of region.terms) {
    switch (term.kind) {
      case "us":
        inRegion.fill(1);
        break;
      case "top50":
        for (const i of options.top50 ?? []) inRegion[i] = 1;
        break;
      case "state":
        cities.forEach((c, i) => {
          if (c.state === term.state) inRegion[i] = 1;
        });
        break;
      case "city": {
        const i = byKey.get(cityKey(term.name, term.state));
        if (i === undefined) throw unknownCity(term, cities, where);
        inRegion[i] = 1;
        break;
      }
      case "bbox":
        boxes.push(term);
        break;
    }
  }
  return (cityIndex, latitude, longitude) =>
    inRegion[cityIndex] === 1 ||
    boxes.some((b) =>
      longitude >= b.west && longitude <= b.east && latitude >= b.south && latitude <= b.north
    );
}

function unknownCity(
  term: Extract<RegionTerm, { kind: "city" }>,
  cities: readonly RegionCity[],
  where: string,
): ConfigError {
  const name = term.name.toLowerCase();
  let hint = "";
  if (term.state === "NY" && NEW_YORK_CITY_ALIASES.some((a) => a.toLowerCase() === name)) {
    hint = '; its stations are listed under "New York, NY"';
  } else {
    const elsewhere = cities.filter((c) => c.name.toLowerCase() === name)
      .map((c) => `"${c.name}, ${c.state}"`);
    if (elsewhere.length > 0) {
      const list = elsewhere.length > 5
        ? `${elsewhere.slice(0, 5).join(", ")} and ${elsewhere.length - 5} more`
        : elsewhere.join(", ");
      hint = `; there are stations in ${list}`;
    }
  }
  return new ConfigError(`${where}: no station in "${formatTerm(term)}"${hint}`);
}
