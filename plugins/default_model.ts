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
import { DataFilesSchema, PeakHoursSchema } from "../core/config.ts";
import { type DataFileContents, readDataFile, resolvePath } from "../core/load.ts";
import { definePlugin, type PluginContext } from "../core/plugin.ts";
import { defaults } from "../data/mod.ts";

/** The config's data file of `kind`, read and validated, or the embedded data. */
function dataOr<K extends keyof DataFileContents>(
  kind: K,
  embedded: DataFileContents[K],
): (input: PluginContext<{ data: Partial<Record<K, string>> }>) => Promise<DataFileContents[K]> {
  return ({ options, baseDir, readTextFile }) => {
    const path = options.data[kind];
    return path === undefined
      ? Promise.resolve(embedded)
      : readDataFile(kind, readTextFile, resolvePath(baseDir, path));
  };
}

export default definePlugin({
  name: "default_model",
  options: v.strictObject({
    /** Local hours of peak demand (the config's `peakHours`). */
    peakHours: v.optional(v.array(PeakHoursSchema), []),
    /** Arrival rate in peak hours relative to off-peak (the config's `peakMultiplier`). */
    peakMultiplier: v.optional(v.pipe(v.number(), v.gtValue(0)), 1),
    /** Data files replacing the embedded data (the config's `data`), relative to `baseDir`. */
    data: v.optional(DataFilesSchema, {}),
  }),
  // This plugin runs first: each hook provides the base and ignores its input.
  cities: dataOr("cities", defaults.network.cities),
  chargers: dataOr("chargers", defaults.network.chargers),
  vehicles: dataOr("vehicles", defaults.network.vehicles),
  model: dataOr("model", defaults.model),
  // Demand follows the final model, after every plugin's `model` hook.
  demand: ({ model, options }) => defaultDemand(model, options),
});
