/**
 * `evsim validate` as a library: everything a run would load, checked, with
 * every problem reported at once where it can be.
 *
 * @module
 */
import type { Config } from "../core/config.ts";
import { loadInputs } from "../core/load.ts";
import { defaults } from "../data/mod.ts";
import { configBaseDir, loadRunInputs, type RunInputs, type RunInputsOptions } from "./inputs.ts";
import { resolveRunSinks } from "./sinks.ts";

/** Options of {@link validateConfig}. */
export interface ValidateOptions extends RunInputsOptions {
  /** `--sink` values, checked as a run would read them. @default {[]} */
  sinks?: readonly string[];
}

/**
 * Checks `config`: every data file it names (all problems at once), then its
 * plugins, then every problem of its sinks. Throws a `ProblemsError` (a
 * `ConfigError` or `PluginError`) listing them; returns what a run would simulate.
 */
export async function validateConfig(
  config: Config,
  options: ValidateOptions = {},
): Promise<RunInputs> {
  const read = options.readTextFile ?? ((path: string) => Deno.readTextFile(path));
  await loadInputs(config, { read, baseDir: configBaseDir(options.configFile), defaults });
  const inputs = await loadRunInputs(config, options);
  resolveRunSinks(config, inputs.sinkTypes, options);
  return inputs;
}
