/**
 * The embedded default data: the real US public charging network (the DOE
 * AFDC station list of January 2023, `stations.json`, with the ratings of
 * `networks.json`), the 50 most populous US cities, the vehicle catalog and
 * the model parameters. Compiled into the binary, so no file is needed at run
 * time. The station table is parsed when first used.
 *
 * @module
 */
import * as v from "valibot";
import { ModelSchema } from "../core/model.ts";
import type { Defaults } from "../core/load.ts";
import { type Charger, CitiesSchema, type Network, VehiclesSchema } from "../core/network.ts";
import { type Ratings, RatingsSchema } from "../core/ratings.ts";
import { parseRegion } from "../core/region.ts";
import { stationChargers, type StationTable } from "../core/stations.ts";
import cities from "./cities.json" with { type: "json" };
import vehicles from "./vehicles.json" with { type: "json" };
import model from "./model.json" with { type: "json" };
import networks from "./networks.json" with { type: "json" };
// Text, not JSON: the table is large, and parsed once when needed (`deno task data` builds it).
import stationsText from "./stations.json" with { type: "text" };

/**
 * The US public station table (built and checked by `data/build_stations.ts`),
 * parsed anew at each call (about 20 ms), so that it is not kept once its
 * chargers are made.
 */
export function stationTable(): StationTable {
  return JSON.parse(stationsText) as StationTable;
}

/** Power ratings of the stations' ports, by network. */
export const ratings: Ratings = v.parse(RatingsSchema, networks);

let chargers: Charger[] | undefined;

/**
 * The embedded network and model, validated by the same schemas as user files.
 * The network is the real public stations of the 50 most populous US cities;
 * its chargers are made when first used.
 */
export const defaults: Defaults = {
  network: {
    cities: v.parse(CitiesSchema, cities),
    get chargers(): Charger[] {
      return chargers ??= stationChargers(stationTable(), ratings).chargers;
    },
    vehicles: v.parse(VehiclesSchema, vehicles),
  },
  model: v.parse(ModelSchema, model),
};

/**
 * The network of a region of the real stations (`"CO"`, `"Boulder, CO"`,
 * `"bbox:…"`, `"us"`; see `core/region.ts`), with the embedded vehicles.
 */
export function regionNetwork(region: string): Network {
  const { cities, chargers } = stationChargers(stationTable(), ratings, {
    region: parseRegion(region),
  });
  return { cities, chargers, vehicles: defaults.network.vehicles };
}
