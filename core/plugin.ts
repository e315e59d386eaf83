/**
 * The plugin contract. A plugin is an ES module whose default export is a plain
 * object made with {@link definePlugin}. It may provide cities, chargers,
 * vehicles, model parameters, a demand model and new sink types; plugins run in
 * order, each receiving what the earlier ones produced, so a later plugin can
 * replace it (return its own) or extend it (return the input plus its own).
 *
 * The built-in network is itself a plugin (`plugins/default_model.ts`): read it
 * as the reference.
 *
 * @module
 */
import type * as v from "valibot";
import type { DemandModel } from "./arrivals.ts";
import type { Model } from "./model.ts";
import type { Charger, City, Vehicle } from "./network.ts";
import type { SinkType } from "./sink_type.ts";

/** What every hook receives besides its own input. */
export interface PluginContext<O> {
  /** The plugin's options from the config, validated by its `options` schema. */
  options: O;
  /** The run's seed: generators should draw from it to stay deterministic. */
  seed: number;
  /** The config file's folder: resolve file paths in options against it. */
  baseDir: string;
  /** Reads a text file (with the run's permissions). */
  readTextFile: (path: string) => Promise<string>;
}

/** A plugin. Every field but `name` is optional. */
export interface Plugin<O = unknown> {
  /** Names the plugin in every message about it. */
  name: string;
  /** Validates the plugin's `options` from the config. */
  // deno-lint-ignore no-explicit-any
  options?: v.GenericSchema<any, O>;
  /** The city list, given the list so far. */
  cities?(input: PluginContext<O> & { cities: City[] }): City[] | Promise<City[]>;
  /** The charger list for the final cities, given the chargers so far. */
  chargers?(
    input: PluginContext<O> & { cities: City[]; chargers: Charger[] },
  ): Charger[] | Promise<Charger[]>;
  /** The vehicle catalog, given the catalog so far. */
  vehicles?(input: PluginContext<O> & { vehicles: Vehicle[] }): Vehicle[] | Promise<Vehicle[]>;
  /** The model parameters, given the parameters so far. */
  model?(input: PluginContext<O> & { model: Model }): Model | Promise<Model>;
  /** The demand model (arrival rate and profile of each charger), given the one so far. */
  demand?(input: PluginContext<O> & { demand: DemandModel; model: Model }): DemandModel;
  /** New sink types, by the `type` name used in the config. */
  // deno-lint-ignore no-explicit-any
  sinks?: Record<string, SinkType<any>>;
}

/**
 * Declares a plugin. An identity function: it only gives the object its type,
 * so `options` in every hook is typed from the options schema.
 *
 * ```ts
 * import * as v from "valibot";
 * import { definePlugin } from "evsim/mod.ts";
 *
 * export default definePlugin({
 *   name: "my_fleet",
 *   options: v.object({ share: v.number() }),
 *   vehicles: ({ vehicles, options }) => [...vehicles, { name: "Van", ... }],
 * });
 * ```
 */
export function definePlugin<O = undefined>(plugin: Plugin<O>): Plugin<O> {
  return plugin;
}
