/**
 * What a run simulates: the network, model and demand the plugins make, and
 * the sink types they add. The built-in `default_model` plugin runs first
 * (with the config's data files, peak hours and region), then the config's
 * `plugins`, then the extra ones (`--plugin`).
 *
 * @module
 */
import { getLogger } from "@logtape/logtape";
import { defaultDemand, type DemandModel } from "../core/arrivals.ts";
import type { Config } from "../core/config.ts";
import { dirname, type ReadTextFile } from "../core/load.ts";
import type { Model } from "../core/model.ts";
import type { Network } from "../core/network.ts";
import { loadPlugins } from "../core/plugin_loader.ts";
import { applyPlugins } from "../core/plugin_pipeline.ts";
import { parseRegion } from "../core/region.ts";
import { defaults } from "../data/mod.ts";
import { shippedPlugins } from "../plugins/mod.ts";
import { type SinkTypes, sinkTypesWith } from "../sinks/registry.ts";

const logger = getLogger(["evsim"]);

/** Options of {@link loadRunInputs}. */
export interface RunInputsOptions {
  /**
   * The config file, if any: relative data and plugin paths resolve against
   * its folder, and messages name it. @default {undefined}
   */
  configFile?: string;
  /** Plugin modules loaded after the config's (`--plugin`). @default {[]} */
  plugins?: readonly string[];
  /** Region terms that replace the config's `region` (`--region`); named `--region` in messages. */
  region?: readonly string[];
  /** The seed the plugins are given. @default {config.seed} */
  seed?: number;
  /** Reads the files plugins ask for. @default {Deno.readTextFile} */
  readTextFile?: ReadTextFile;
}

/** What a run simulates, and where its events can go. */
export interface RunInputs {
  network: Network;
  model: Model;
  demand: DemandModel;
  /** The built-in sink types and those the plugins add. */
  sinkTypes: SinkTypes;
  /** The names of the plugins that ran, in order. */
  plugins: string[];
}

/** The folder of `configFile` as an absolute path: plugin and data paths resolve against it. */
export function configBaseDir(configFile?: string): string {
  const dir = configFile ? dirname(configFile) : ".";
  if (dir.startsWith("/") || /^[A-Za-z]:[\\/]/.test(dir)) return dir;
  return dir === "." ? Deno.cwd() : `${Deno.cwd()}/${dir}`;
}

/** The region to simulate: `region` terms (checked) over the config's `region`. */
function regionOf(config: Config, region: readonly string[] | undefined): string | undefined {
  if (!region) return config.region;
  const joined = region.join("; ");
  parseRegion(joined); // a ConfigError naming --region
  return joined;
}

/**
 * Runs the plugins for `config` and returns what they made. Every failure is
 * a `ConfigError` or `PluginError` naming the file, field or plugin.
 */
export async function loadRunInputs(
  config: Config,
  options: RunInputsOptions = {},
): Promise<RunInputs> {
  const { configFile } = options;
  const readTextFile = options.readTextFile ?? ((path: string) => Deno.readTextFile(path));
  const baseDir = configBaseDir(configFile);
  const load = { baseDir, shipped: shippedPlugins };
  const defaultModel = {
    module: "default_model",
    options: {
      peakHours: config.peakHours,
      peakMultiplier: config.peakMultiplier,
      data: config.data,
      region: regionOf(config, options.region),
      regionFrom: options.region ? "--region" : `${configFile ?? "config"}: region`,
    },
  };
  const loaded = [
    ...await loadPlugins([defaultModel], { ...load, listName: "built-in" }),
    ...await loadPlugins(config.plugins, { ...load, listName: "plugins" }),
    ...await loadPlugins((options.plugins ?? []).map((module) => ({ module })), {
      ...load,
      listName: "--plugin",
    }),
  ];
  const empty = { cities: [], chargers: [], vehicles: [] };
  const out = await applyPlugins(loaded, {
    network: empty,
    model: defaults.model,
    demand: defaultDemand(defaults.model),
    sinkTypes: new Map(),
  }, { seed: options.seed ?? config.seed, baseDir, readTextFile });
  const plugins = loaded.map((l) => l.plugin.name);
  logger.info(
    "Plugins {plugins}: {cities} cities, {chargers} chargers, {vehicles} vehicle models",
    {
      plugins: plugins.join(", "),
      cities: out.network.cities.length,
      chargers: out.network.chargers.length,
      vehicles: out.network.vehicles.length,
    },
  );
  const { network, model, demand } = out;
  return { network, model, demand, sinkTypes: sinkTypesWith(out.sinkTypes), plugins };
}
