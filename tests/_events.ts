/**
 * Real events for tests: the first `n` events of a default simulation (seed 1,
 * from 2026-01-05), optionally of one city's chargers only.
 */
import { defaults } from "../data/mod.ts";
import type { SimEvent } from "../core/event.ts";
import type { Charger, City, Network } from "../core/network.ts";
import { generateChargers } from "../plugins/population_chargers.ts";
import { inShard } from "../core/shard.ts";
import { Simulation } from "../core/simulation.ts";

/**
 * A tenth of the default network, for tests: one shard of it (about 2,900 of
 * its real chargers, in all 50 cities), so each charger behaves exactly as in
 * the whole network.
 */
let tenth: Charger[] | undefined;
export const testNetwork: Network = {
  cities: defaults.network.cities,
  get chargers(): Charger[] {
    return tenth ??= defaults.network.chargers.filter((c) =>
      inShard(c.id, { index: 0, count: 10 })
    );
  },
  vehicles: defaults.network.vehicles,
};

/** The ID of the test network's first charger in `city` (of `siteType`, if given). */
export function chargerIn(city: string, siteType?: string): string {
  const c = testNetwork.chargers.find((c) =>
    c.city === city && (siteType === undefined || c.siteType === siteType)
  );
  if (!c) throw new Error(`no ${siteType ?? ""} charger in ${city}`);
  return c.id;
}

/** The first `n` events of the test network (or of `city`'s chargers). */
export function simEvents(n: number, options: { seed?: number; city?: string } = {}): SimEvent[] {
  const network = options.city
    ? {
      ...testNetwork,
      chargers: testNetwork.chargers.filter((c) => c.city === options.city),
    }
    : testNetwork;
  const sim = new Simulation({
    seed: options.seed ?? 1,
    start: Date.UTC(2026, 0, 5),
    network,
    model: defaults.model,
  });
  const out: SimEvent[] = [];
  while (out.length < n) sim.step(out);
  return out.slice(0, n);
}

/** A real city outside the embedded 50, for tests that add one. */
export const SPRINGFIELD: City = {
  name: "Springfield",
  state: "IL",
  country: "US",
  latitude: 39.8,
  longitude: -89.65,
  population: 114394,
  timeZone: "America/Chicago",
};

/** The default cities with about `count` chargers spread over them by population. */
export function networkOfAbout(count: number): Network {
  const population = defaults.network.cities.reduce((a, c) => a + c.population, 0);
  const chargers = generateChargers(defaults.network.cities, {
    perHundredThousand: count / population * 1e5,
    minimumPerCity: 1,
  });
  return { cities: defaults.network.cities, chargers, vehicles: defaults.network.vehicles };
}
