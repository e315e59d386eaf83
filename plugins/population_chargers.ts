/**
 * Generates chargers for any list of cities, in numbers proportional to
 * population, placed around each city centre. Deterministic from the seed:
 * the embedded `data/chargers.json` is made with it (`deno task data`).
 *
 * @module
 */
import * as v from "valibot";
import type { Charger, City, Level, SiteType } from "../core/network.ts";
import { definePlugin } from "../core/plugin.ts";
import { Random } from "../core/random.ts";

/** Options of {@link generateChargers}. */
export interface PopulationChargersOptions {
  /** Seed of the placement. @default {1} */
  seed?: number;
  /** Chargers per 100,000 residents. @default {5} */
  perHundredThousand?: number;
  /** Fewest chargers in any city. @default {5} */
  minimumPerCity?: number;
  /**
   * Share of DC fast chargers: 21.5 % of US public ports were DC fast in Q1 2023
   * (charging-facts row 12, energy.gov FOTW #1300). @default {0.215}
   */
  dcFastShare?: number;
  /** Share of Level 2 chargers at workplaces (the rest are public). @default {0.35} */
  workplaceShare?: number;
  /** Level 2 ratings and their weights (facts row 11). @default {{ 7.2: 0.6, 11.5: 0.25, 19.2: 0.15 }} */
  l2Power?: Record<string, number>;
  /** DC fast ratings and their weights (facts row 12). @default {{ 50: 0.25, 150: 0.5, 350: 0.25 }} */
  dcPower?: Record<string, number>;
}

const PLACES = [
  "Main Street",
  "Civic Center",
  "Medical Center",
  "Library",
  "Transit Center",
  "Market",
  "University",
  "Riverside",
  "Airport",
  "Mall",
  "Stadium",
  "Park",
  "Old Town",
  "Business Park",
  "Convention Center",
  "Harbor",
];
const KINDS: Record<SiteType, string[]> = {
  workplace: ["Office Garage", "Corporate Campus", "Tech Park Lot", "Employee Garage"],
  public: ["Garage", "Curbside", "Plaza", "Parking Lot", "Shopping Center"],
  dc_fast: ["Fast Charge Hub", "Travel Center", "Supercharge Plaza", "Express Station"],
  residential: ["Apartments", "Residences"],
};

/** A short code for a city: initials of a multi-word name, else its first three letters. */
function cityCode(city: City): string {
  const words = city.name.toUpperCase().replace(/[^A-Z ]/g, "").split(/\s+/).filter(Boolean);
  const code = words.length > 1 ? words.map((w) => w[0]).join("") : (words[0] ?? "X").slice(0, 3);
  return `${city.state.toUpperCase().replace(/[^A-Z0-9]/g, "")}-${code}`;
}

function pick(random: Random, weights: Record<string, number>): number {
  const keys = Object.keys(weights);
  return Number(keys[random.weighted(keys.map((k) => weights[k]))]);
}

/** Chargers for `cities`, counts growing with population. */
export function generateChargers(
  cities: readonly City[],
  options: PopulationChargersOptions = {},
): Charger[] {
  const {
    seed = 1,
    perHundredThousand = 5,
    minimumPerCity = 5,
    dcFastShare = 0.215,
    workplaceShare = 0.35,
    l2Power = { 7.2: 0.6, 11.5: 0.25, 19.2: 0.15 },
    dcPower = { 50: 0.25, 150: 0.5, 350: 0.25 },
  } = options;
  const codes = new Map<string, number>();
  return cities.flatMap((city) => {
    const random = Random.stream(seed, `chargers:${city.name}, ${city.state}`);
    let code = cityCode(city);
    const seen = codes.get(code) ?? 0;
    codes.set(code, seen + 1);
    if (seen > 0) code += seen + 1;
    const count = Math.max(minimumPerCity, Math.round(city.population / 1e5 * perHundredThousand));
    // Spread grows with city size: about 4 km for 1 million residents.
    const spread = 0.04 * Math.pow(Math.max(city.population, 1e4) / 1e6, 0.35);
    const cosLat = Math.cos(city.latitude * Math.PI / 180);
    return Array.from({ length: count }, (_, i): Charger => {
      const level: Level = random.chance(dcFastShare) ? "DCFC" : "L2";
      const siteType: SiteType = level === "DCFC"
        ? "dc_fast"
        : random.chance(workplaceShare)
        ? "workplace"
        : "public";
      const place = PLACES[random.int(0, PLACES.length - 1)];
      const kind = KINDS[siteType][random.int(0, KINDS[siteType].length - 1)];
      const lat = city.latitude + random.normal(0, spread);
      const lon = city.longitude + random.normal(0, spread) / cosLat;
      return {
        id: `${code}-${String(i + 1).padStart(4, "0")}`,
        name: `${place} ${kind}`,
        city: city.name,
        state: city.state,
        latitude: Math.round(Math.min(90, Math.max(-90, lat)) * 1e5) / 1e5,
        longitude: Math.round(Math.min(180, Math.max(-180, lon)) * 1e5) / 1e5,
        level,
        powerKw: pick(random, level === "DCFC" ? dcPower : l2Power),
        siteType,
      };
    });
  });
}

const Share = v.pipe(v.number(), v.minValue(0), v.maxValue(1));
const PowerMix = v.record(
  v.pipe(v.string(), v.check((k) => Number(k) > 0, "expected a power rating in kW")),
  v.pipe(v.number(), v.minValue(0)),
);

/**
 * Chargers for whatever cities the plugins before it provided, in numbers
 * proportional to population: `{ "module": "population_chargers", "options": { … } }`.
 */
export default definePlugin({
  name: "population_chargers",
  options: v.strictObject({
    /** Replace the chargers so far (default) or add to them. */
    mode: v.optional(v.picklist(["replace", "extend"]), "replace"),
    /** Seed of the placement; the run's seed when absent. */
    seed: v.optional(v.pipe(v.number(), v.integer())),
    perHundredThousand: v.optional(v.pipe(v.number(), v.minValue(0))),
    minimumPerCity: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0))),
    dcFastShare: v.optional(Share),
    workplaceShare: v.optional(Share),
    l2Power: v.optional(PowerMix),
    dcPower: v.optional(PowerMix),
  }),
  chargers: ({ cities, chargers, options, seed }) => {
    const { mode, ...generator } = options;
    const made = generateChargers(cities, { ...generator, seed: generator.seed ?? seed });
    return mode === "extend" ? [...chargers, ...made] : made;
  },
});
