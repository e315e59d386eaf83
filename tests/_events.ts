/**
 * Real events for tests: the first `n` events of a default simulation (seed 1,
 * from 2026-01-05), optionally of one city's chargers only.
 */
import { defaults } from "../data/mod.ts";
import type { SimEvent } from "../core/event.ts";
import type { City, Network } from "../core/network.ts";
import { generateChargers } from "../plugins/population_chargers.ts";
import { Simulation } from "../core/simulation.ts";

/** The first `n` events of the default network (or of `city`'s chargers). */
export function simEvents(n: number, options: { seed?: number; city?: string } = {}): SimEvent[] {
  const network = options.city
    ? {
      ...defaults.network,
      chargers: defaults.network.chargers.filter((c) => c.city === options.city),
    }
    : defaults.network;
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
  return { ...defaults.network, chargers };
}
