/**
 * The embedded default data: the 50 most populous US cities, their chargers,
 * the vehicle catalog and the model parameters. Compiled into the binary, so
 * no file is needed at run time.
 *
 * @module
 */
import * as v from "valibot";
import { ModelSchema } from "../core/model.ts";
import type { Defaults } from "../core/load.ts";
import { ChargersSchema, CitiesSchema, flattenChargers, VehiclesSchema } from "../core/network.ts";
import cities from "./cities.json" with { type: "json" };
import chargers from "./chargers.json" with { type: "json" };
import vehicles from "./vehicles.json" with { type: "json" };
import model from "./model.json" with { type: "json" };

/** The embedded network and model, validated by the same schemas as user files. */
export const defaults: Defaults = {
  network: {
    cities: v.parse(CitiesSchema, cities),
    chargers: flattenChargers(v.parse(ChargersSchema, chargers)),
    vehicles: v.parse(VehiclesSchema, vehicles),
  },
  model: v.parse(ModelSchema, model),
};
