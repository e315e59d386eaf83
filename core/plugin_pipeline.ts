/**
 * Running plugins in order. Each hook receives what the plugins before it
 * produced and returns the new value; every result is validated with the same
 * schemas as data files, so a plugin that throws or returns invalid data stops
 * the run before any event, with a message naming it.
 *
 * Order: all `cities` hooks (in plugin order), then `chargers` (given the final
 * cities), `vehicles`, `model`, `demand`; sink types are collected, a later
 * plugin's type replacing an earlier one of the same name.
 *
 * @module
 */
import * as v from "valibot";
import type { DemandModel } from "./arrivals.ts";
import { formatIssues, PluginError, ProblemsError } from "./errors.ts";
import { type Model, ModelSchema } from "./model.ts";
import {
  ChargerSchema,
  checkNetwork,
  CitiesSchema,
  type Network,
  VehiclesSchema,
} from "./network.ts";
import type { Plugin, PluginContext } from "./plugin.ts";
import type { SinkType } from "./sink_type.ts";
import type { LoadedPlugin } from "./plugin_loader.ts";

/** Everything plugins shape: the network, the model, demand and sink types. */
export interface PluginOutput {
  network: Network;
  model: Model;
  demand: DemandModel;
  /** Sink types by name, with the plugin that provides each. */
  sinkTypes: Map<string, { type: SinkType; plugin: string }>;
}

/** What the host gives every hook. */
export type HostContext = Omit<PluginContext<unknown>, "options">;

const ChargerListSchema = v.array(ChargerSchema);

async function run<T>(
  entry: LoadedPlugin,
  hook: string,
  call: () => T | Promise<T>,
): Promise<T> {
  try {
    return await call();
  } catch (error) {
    // A data file's own error already names the file and the field.
    if (error instanceof ProblemsError) throw error;
    throw new PluginError(
      `${entry.where}: ${hook}() failed: ${error instanceof Error ? error.message : error}`,
      { cause: error },
    );
  }
}

function check<S extends v.GenericSchema>(
  entry: LoadedPlugin,
  hook: string,
  schema: S,
  value: unknown,
): v.InferOutput<S> {
  const result = v.safeParse(schema, value);
  if (!result.success) {
    throw new PluginError(formatIssues(`${entry.where}: ${hook}() returned`, result.issues, hook));
  }
  return result.output;
}

/** Applies `plugins` in order to `start` and checks the resulting network hangs together. */
export async function applyPlugins(
  plugins: readonly LoadedPlugin[],
  start: PluginOutput,
  host: HostContext,
): Promise<PluginOutput> {
  let { network, model, demand } = start;
  const sinkTypes = new Map(start.sinkTypes);
  const context = (entry: LoadedPlugin) => ({ ...host, options: entry.options });
  type Hook = keyof Plugin;
  const each = async (hook: Hook, step: (entry: LoadedPlugin) => Promise<void>) => {
    for (const entry of plugins) if (entry.plugin[hook]) await step(entry);
  };

  await each("cities", async (e) => {
    const cities = await run(
      e,
      "cities",
      () => e.plugin.cities!({ ...context(e), cities: network.cities }),
    );
    network = { ...network, cities: check(e, "cities", CitiesSchema, cities) };
  });
  await each("chargers", async (e) => {
    const chargers = await run(
      e,
      "chargers",
      () =>
        e.plugin.chargers!({ ...context(e), cities: network.cities, chargers: network.chargers }),
    );
    network = { ...network, chargers: check(e, "chargers", ChargerListSchema, chargers) };
  });
  await each("vehicles", async (e) => {
    const vehicles = await run(
      e,
      "vehicles",
      () => e.plugin.vehicles!({ ...context(e), vehicles: network.vehicles }),
    );
    network = { ...network, vehicles: check(e, "vehicles", VehiclesSchema, vehicles) };
  });
  await each("model", async (e) => {
    const next = await run(e, "model", () => e.plugin.model!({ ...context(e), model }));
    model = check(e, "model", ModelSchema, next);
  });
  await each("demand", async (e) => {
    const next = await run(e, "demand", () => e.plugin.demand!({ ...context(e), demand, model }));
    if (typeof next !== "function") {
      throw new PluginError(`${e.where}: demand() returned ${typeof next}, expected a function`);
    }
    demand = next;
  });
  for (const entry of plugins) {
    for (const [name, type] of Object.entries(entry.plugin.sinks ?? {})) {
      sinkTypes.set(name, { type, plugin: entry.plugin.name });
    }
  }

  const problems = checkNetwork(network);
  if (problems.length > 0) {
    const names = plugins.map((p) => p.plugin.name).join(", ");
    throw new PluginError(problems.map((p) => `network after plugins ${names}: ${p}`));
  }
  return { network, model, demand, sinkTypes };
}
