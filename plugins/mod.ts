/**
 * The plugins shipped with evsim, loaded by name from the config's `plugins`
 * (`{ "module": "geonames_cities", "options": { … } }`) or with `--plugin NAME`.
 * They are imported only when used.
 *
 * @module
 */
import type { ShippedPlugins } from "../core/plugin_loader.ts";

/** Shipped plugins by name. */
export const shippedPlugins: ShippedPlugins = {
  default_model: () => import("./default_model.ts"),
  population_chargers: () => import("./population_chargers.ts"),
  geonames_cities: () => import("./geonames_cities.ts"),
  afdc_stations: () => import("./afdc_stations.ts"),
  mqtt: () => import("./mqtt.ts"),
};

export { generateChargers } from "./population_chargers.ts";
export type { PopulationChargersOptions } from "./population_chargers.ts";
