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

/** What the hooks shape, each in turn. */
type Shaped = Omit<PluginOutput, "sinkTypes">;

type HookName = "cities" | "chargers" | "vehicles" | "model" | "demand";

/** What hook `K` is given besides the plugin's context. */
type HookInput<K extends HookName> = Omit<
  Parameters<NonNullable<Plugin[K]>>[0],
  keyof PluginContext<unknown>
>;

/** One plugin hook: what it is given, and where its result goes once checked. */
interface Hook<K extends HookName = HookName> {
  name: K;
  input(shaped: Shaped): HookInput<K>;
  /** `shaped` with the result of `entry`'s hook in it; throws a {@link PluginError} if it is wrong. */
  apply(shaped: Shaped, result: unknown, entry: LoadedPlugin): Shaped;
}

/** Types `hook` against its plugin method, then lists it with the others. */
const hook = <K extends HookName>(hook: Hook<K>) => hook as unknown as Hook;

/** The hooks in the order they run, each for every plugin in turn. */
const HOOKS: readonly Hook[] = [
  hook({
    name: "cities",
    input: ({ network }) => ({ cities: network.cities }),
    apply: (s, result, e) => ({
      ...s,
      network: { ...s.network, cities: check(e, "cities", CitiesSchema, result) },
    }),
  }),
  hook({
    name: "chargers",
    input: ({ network }) => ({ cities: network.cities, chargers: network.chargers }),
    apply: (s, result, e) => ({
      ...s,
      network: { ...s.network, chargers: check(e, "chargers", ChargerListSchema, result) },
    }),
  }),
  hook({
    name: "vehicles",
    input: ({ network }) => ({ vehicles: network.vehicles }),
    apply: (s, result, e) => ({
      ...s,
      network: { ...s.network, vehicles: check(e, "vehicles", VehiclesSchema, result) },
    }),
  }),
  hook({
    name: "model",
    input: ({ model }) => ({ model }),
    apply: (s, result, e) => ({ ...s, model: check(e, "model", ModelSchema, result) }),
  }),
  hook({
    name: "demand",
    input: ({ demand, model }) => ({ demand, model }),
    apply: (s, result, e) => {
      if (typeof result !== "function") {
        throw new PluginError(
          `${e.where}: demand() returned ${typeof result}, expected a function`,
        );
      }
      return { ...s, demand: result as DemandModel };
    },
  }),
];

/** Applies `plugins` in order to `start` and checks the resulting network hangs together. */
export async function applyPlugins(
  plugins: readonly LoadedPlugin[],
  start: PluginOutput,
  host: HostContext,
): Promise<PluginOutput> {
  let shaped: Shaped = { network: start.network, model: start.model, demand: start.demand };
  const sinkTypes = new Map(start.sinkTypes);
  for (const h of HOOKS) {
    for (const entry of plugins) {
      const method = entry.plugin[h.name] as ((input: object) => unknown) | undefined;
      if (!method) continue;
      const input = { ...host, options: entry.options, ...h.input(shaped) };
      const result = await run(entry, h.name, () => method.call(entry.plugin, input));
      shaped = h.apply(shaped, result, entry);
    }
  }
  for (const entry of plugins) {
    for (const [name, type] of Object.entries(entry.plugin.sinks ?? {})) {
      sinkTypes.set(name, { type, plugin: entry.plugin.name });
    }
  }

  const { network, model, demand } = shaped;
  const problems = checkNetwork(network);
  if (problems.length > 0) {
    const names = plugins.map((p) => p.plugin.name).join(", ");
    throw new PluginError(problems.map((p) => `network after plugins ${names}: ${p}`));
  }
  return { network, model, demand, sinkTypes };
}
