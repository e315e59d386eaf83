/**
 * The built-in model, expressed as a plugin: the embedded 50-city network, the
 * vehicle catalog and the model parameters (or the data files the config's
 * `data` section names instead), and the demand model with the config's peak
 * hours. evsim runs it first, and every other plugin builds on what it
 * provides. Read it as the reference for writing your own.
 *
 * @module
 */
import * as v from "valibot";
import { defaultDemand } from "../core/arrivals.ts";
import { PeakHoursSchema } from "../core/config.ts";
import { readDataFile, resolvePath } from "../core/load.ts";
import { definePlugin } from "../core/plugin.ts";
import { defaults } from "../data/mod.ts";

const Path = v.pipe(v.string(), v.minLength(1));

export default definePlugin({
  name: "default_model",
  options: v.strictObject({
    /** Local hours of peak demand (the config's `peakHours`). */
    peakHours: v.optional(v.array(PeakHoursSchema), []),
    /** Arrival rate in peak hours relative to off-peak (the config's `peakMultiplier`). */
    peakMultiplier: v.optional(v.pipe(v.number(), v.gtValue(0)), 1),
    /** Data files replacing the embedded data (the config's `data`), relative to `baseDir`. */
    data: v.optional(
      v.strictObject({
        cities: v.optional(Path),
        chargers: v.optional(Path),
        vehicles: v.optional(Path),
        model: v.optional(Path),
      }),
      {},
    ),
  }),
  // This plugin runs first: each hook provides the base and ignores its input.
  cities: ({ options, baseDir, readTextFile }) =>
    options.data.cities
      ? readDataFile("cities", readTextFile, resolvePath(baseDir, options.data.cities))
      : defaults.network.cities,
  chargers: ({ options, baseDir, readTextFile }) =>
    options.data.chargers
      ? readDataFile("chargers", readTextFile, resolvePath(baseDir, options.data.chargers))
      : defaults.network.chargers,
  vehicles: ({ options, baseDir, readTextFile }) =>
    options.data.vehicles
      ? readDataFile("vehicles", readTextFile, resolvePath(baseDir, options.data.vehicles))
      : defaults.network.vehicles,
  model: ({ options, baseDir, readTextFile }) =>
    options.data.model
      ? readDataFile("model", readTextFile, resolvePath(baseDir, options.data.model))
      : defaults.model,
  // Demand follows the final model, after every plugin's `model` hook.
  demand: ({ model, options }) => defaultDemand(model, options),
});
