/**
 * The built-in model, expressed as a plugin: the real US public network (the
 * AFDC stations of the config's `region`, by default those of the 50 most
 * populous US cities), the vehicle catalog and the model parameters (or the
 * data files the config's `data` section names instead), and the demand model
 * with the config's peak hours. evsim runs it first, and every other plugin
 * builds on what it provides. Read it as the reference for writing your own.
 *
 * @module
 */
import * as v from "valibot";
import { defaultDemand } from "../core/arrivals.ts";
import { DataFilesSchema, PeakHoursSchema } from "../core/config.ts";
import { type DataFileContents, readDataFile, resolvePath } from "../core/load.ts";
import { cityKey } from "../core/network.ts";
import { definePlugin, type PluginContext } from "../core/plugin.ts";
import { parseRegion, type Region } from "../core/region.ts";
import { stationChargers, type StationNetwork } from "../core/stations.ts";
import { defaults, ratings, stationTable } from "../data/mod.ts";

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

/** The last region expanded: the cities and the chargers hooks both read it. */
let last: { region: string; network: StationNetwork } | undefined;

/** The stations of `region`, expanded; `where` names it in errors (`region` or `--region`). */
function stations(region: string, where: string): StationNetwork {
  if (last?.region !== region) {
    const parsed = parseRegion(region, { where });
    last = { region, network: stationChargers(stationTable(), ratings, { region: parsed, where }) };
  }
  return last.network;
}

const US: Region = { terms: [{ kind: "us" }] };

export default definePlugin({
  name: "default_model",
  options: v.strictObject({
    /** Local hours that arrivals crowd into (the config's `peakHours`). */
    peakHours: v.optional(v.array(PeakHoursSchema), []),
    /** How much denser arrivals are in the peak hours (the config's `peakMultiplier`). */
    peakMultiplier: v.optional(v.pipe(v.number(), v.gtValue(0)), 1),
    /** Data files replacing the embedded data (the config's `data`), relative to `baseDir`. */
    data: v.optional(DataFilesSchema, {}),
    /**
     * The stations simulated (the config's `region` or `--region`): their cities
     * become the city list. @default {the stations of the city list's cities}
     */
    region: v.optional(v.string()),
    /** Where the region was given, for messages: the config's `region` or `--region`. */
    regionFrom: v.optional(v.string(), "region"),
  }),
  // This plugin runs first: each hook provides the base and ignores its input.
  cities: (input) =>
    input.options.data.cities === undefined && input.options.region !== undefined
      ? stations(input.options.region, input.options.regionFrom).cities
      : dataOr("cities", defaults.network.cities)(input),
  // The real stations of the final city list's cities (and of the region, if one is set).
  chargers: (input) => {
    const { options, cities } = input;
    if (options.data.chargers !== undefined) {
      return dataOr("chargers", defaults.network.chargers)(input);
    }
    if (options.region !== undefined) return stations(options.region, options.regionFrom).chargers;
    const keys = new Set(cities.map(cityKey));
    const top = defaults.network.cities;
    if (top.length === keys.size && top.every((c) => keys.has(cityKey(c)))) {
      return defaults.network.chargers;
    }
    return stationChargers(stationTable(), ratings, { region: US }).chargers
      .filter((c) => keys.has(`${c.city}, ${c.state}`));
  },
  vehicles: dataOr("vehicles", defaults.network.vehicles),
  model: dataOr("model", defaults.model),
  // Demand follows the final model, after every plugin's `model` hook.
  demand: ({ model, options }) => defaultDemand(model, options),
});
