/**
 * Loading plugins: resolving each module (a shipped plugin's name, a path
 * relative to the config file, an `npm:` specifier or a URL), checking the
 * shape of its default export and validating its options with its own schema.
 * Every failure is a {@link PluginError} naming the plugin.
 *
 * @module
 */
import * as v from "valibot";
import { formatIssues, PluginError } from "./errors.ts";
import type { Plugin } from "./plugin.ts";

/** A plugin to load, as the config lists it. */
export interface PluginSpec {
  module: string;
  options?: unknown;
}

/** A loaded plugin with its validated options. */
export interface LoadedPlugin {
  plugin: Plugin;
  options: unknown;
  /** How messages name it: `plugin mqtt (plugins[1])`. */
  where: string;
}

/** Imports a shipped plugin by name. */
export type ShippedPlugins = Record<string, () => Promise<{ default: unknown }>>;

/** Options of {@link loadPlugins}. */
export interface LoadPluginsOptions {
  /** Absolute folder that relative module paths resolve against (the config file's). */
  baseDir: string;
  /** Plugins shipped with evsim, by name. @default {{}} */
  shipped?: ShippedPlugins;
  /** Imports a module by URL or specifier. @default {(url) => import(url)} */
  importModule?: (specifier: string) => Promise<{ default?: unknown }>;
  /** What the list is called in messages. @default {"plugins"} */
  listName?: string;
}

const isFunction = (x: unknown) => typeof x === "function";
const Fn = v.custom<(...args: never[]) => unknown>(isFunction, "expected a function");
const ValibotSchema = v.custom<v.GenericSchema>(
  (x) => typeof x === "object" && x !== null && (x as { kind?: unknown }).kind === "schema",
  "expected a valibot schema",
);

/** The shape a plugin's default export must have. */
const PluginShape = v.strictObject({
  name: v.pipe(v.string(), v.minLength(1, "expected a non-empty name")),
  options: v.optional(ValibotSchema),
  cities: v.optional(Fn),
  chargers: v.optional(Fn),
  vehicles: v.optional(Fn),
  model: v.optional(Fn),
  demand: v.optional(Fn),
  sinks: v.optional(
    v.record(
      v.pipe(v.string(), v.regex(/^[a-z][a-z0-9_-]*$/, "expected a lower-case sink type name")),
      v.strictObject({
        schema: ValibotSchema,
        shorthand: v.optional(v.strictObject({ usage: v.string(), parse: Fn })),
        needs: v.optional(Fn),
        create: Fn,
      }),
    ),
  ),
});

/** The module specifier to import for `module`, or the shipped plugin's name. */
export function resolveModule(module: string, baseDir: string, shipped: ShippedPlugins): string {
  if (Object.hasOwn(shipped, module)) return module;
  if (/^(npm|jsr|node|https?|file|data):/.test(module)) return module;
  const absolute = module.startsWith("/") || /^[A-Za-z]:[\\/]/.test(module)
    ? module
    : `${baseDir.replace(/[\\/]+$/, "")}/${module}`;
  const url = new URL("file:///");
  url.pathname = absolute.replaceAll("\\", "/");
  return url.href;
}

/**
 * Loads every plugin in `specs`, in order. Stops at the first that fails, with
 * a {@link PluginError} naming it and saying what was wrong.
 */
export async function loadPlugins(
  specs: readonly PluginSpec[],
  options: LoadPluginsOptions,
): Promise<LoadedPlugin[]> {
  const shipped = options.shipped ?? {};
  const importModule = options.importModule ?? ((url: string) => import(url));
  const list = options.listName ?? "plugins";
  const loaded: LoadedPlugin[] = [];
  for (const [i, spec] of specs.entries()) {
    const place = `${list}[${i}] (${spec.module})`;
    let exported: unknown;
    try {
      const module = Object.hasOwn(shipped, spec.module)
        ? await shipped[spec.module]()
        : await importModule(resolveModule(spec.module, options.baseDir, shipped));
      exported = module.default;
    } catch (error) {
      throw new PluginError(
        `${place}: cannot load the module: ${error instanceof Error ? error.message : error}`,
        { cause: error },
      );
    }
    if (exported === undefined) {
      throw new PluginError(
        `${place}: the module has no default export; export default definePlugin({ name, ... })`,
      );
    }
    const shape = v.safeParse(PluginShape, exported);
    if (!shape.success) throw new PluginError(formatIssues(place, shape.issues, "default export"));
    const plugin = exported as Plugin;
    const where = `plugin ${plugin.name} (${list}[${i}])`;
    let pluginOptions: unknown = spec.options;
    if (plugin.options) {
      const parsed = v.safeParse(plugin.options, spec.options ?? {});
      if (!parsed.success) throw new PluginError(formatIssues(where, parsed.issues, "options"));
      pluginOptions = parsed.output;
    } else if (spec.options !== undefined) {
      throw new PluginError(`${where}: options: this plugin takes no options`);
    }
    loaded.push({ plugin, options: pluginOptions, where });
  }
  return loaded;
}
