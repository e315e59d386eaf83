/**
 * Loading the config file and the data files it names. File access is passed
 * in (`read`), so this runs anywhere and tests can use memory.
 *
 * @module
 */
import { type Config, ConfigSchema } from "./config.ts";
import { ConfigError, parseJson, parseWith } from "./errors.ts";
import { type Model, ModelSchema } from "./model.ts";
import {
  ChargersSchema,
  checkNetwork,
  CitiesSchema,
  flattenChargers,
  type Network,
  VehiclesSchema,
} from "./network.ts";

/** Reads a text file; throws an error named `NotFound` when it is missing. */
export type ReadTextFile = (path: string) => Promise<string>;

/** What runs when no file says otherwise. */
export interface Defaults {
  network: Network;
  model: Model;
}

/** `path` resolved against the folder `base` (unless it is absolute). */
export function resolvePath(base: string, path: string): string {
  if (path.startsWith("/") || /^[A-Za-z]:[\\/]/.test(path) || base === "" || base === ".") {
    return path;
  }
  return `${base.replace(/[\\/]+$/, "")}/${path}`;
}

/** The folder of a file path (`.` for a bare name). */
export function dirname(path: string): string {
  const i = Math.max(path.lastIndexOf("/"), path.lastIndexOf("\\"));
  return i < 0 ? "." : i === 0 ? "/" : path.slice(0, i);
}

/** Reads and parses a JSON file, naming the path in every error. */
export async function readJson(read: ReadTextFile, path: string, what: string): Promise<unknown> {
  let text: string;
  try {
    text = await read(path);
  } catch (error) {
    const missing = error instanceof Error && error.name === "NotFound";
    throw new ConfigError(
      missing
        ? `${path}: ${what} not found`
        : `${path}: cannot read ${what}: ${error instanceof Error ? error.message : error}`,
      { cause: error },
    );
  }
  return parseJson(text, path);
}

/** The config at `path`, validated; the embedded defaults when `path` is undefined. */
export async function loadConfig(read: ReadTextFile, path?: string): Promise<Config> {
  if (path === undefined) return parseWith(ConfigSchema, {}, "config");
  return parseWith(ConfigSchema, await readJson(read, path, "config file"), path);
}

/**
 * The network and model a config asks for: each data file it names (resolved
 * against `baseDir`) replaces the embedded one. Collects every problem it can
 * before throwing one {@link ConfigError}.
 */
export async function loadInputs(
  config: Config,
  options: { read: ReadTextFile; baseDir: string; defaults: Defaults },
): Promise<{ network: Network; model: Model }> {
  const { read, baseDir, defaults } = options;
  const problems: string[] = [];
  async function load<T>(
    path: string | undefined,
    what: string,
    parse: (input: unknown, where: string) => T,
    fallback: T,
  ): Promise<T> {
    if (path === undefined) return fallback;
    const full = resolvePath(baseDir, path);
    try {
      return parse(await readJson(read, full, what), full);
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      problems.push(...error.problems);
      return fallback;
    }
  }
  const files = config.data;
  const [cities, chargers, vehicles, model] = await Promise.all([
    load(
      files.cities,
      "cities file",
      (x, w) => parseWith(CitiesSchema, x, w),
      defaults.network.cities,
    ),
    load(
      files.chargers,
      "chargers file",
      (x, w) => flattenChargers(parseWith(ChargersSchema, x, w)),
      defaults.network.chargers,
    ),
    load(
      files.vehicles,
      "vehicles file",
      (x, w) => parseWith(VehiclesSchema, x, w),
      defaults.network.vehicles,
    ),
    load(files.model, "model file", (x, w) => parseWith(ModelSchema, x, w), defaults.model),
  ]);
  const network = { cities, chargers, vehicles };
  if (problems.length === 0) {
    const where = files.chargers ? resolvePath(baseDir, files.chargers) : "chargers";
    problems.push(...checkNetwork(network).map((p) => `${where}: ${p}`));
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return { network, model };
}
