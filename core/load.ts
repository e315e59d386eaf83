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
  type Charger,
  ChargersSchema,
  checkNetwork,
  CitiesSchema,
  type City,
  flattenChargers,
  type Network,
  type Vehicle,
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

/** Reads a text file, naming the path and `what` it is in every error. */
export async function readText(read: ReadTextFile, path: string, what: string): Promise<string> {
  try {
    return await read(path);
  } catch (error) {
    const missing = error instanceof Error && error.name === "NotFound";
    throw new ConfigError(
      missing
        ? `${path}: ${what} not found`
        : `${path}: cannot read ${what}: ${error instanceof Error ? error.message : error}`,
      { cause: error },
    );
  }
}

/** Reads and parses a JSON file, naming the path in every error. */
export async function readJson(read: ReadTextFile, path: string, what: string): Promise<unknown> {
  return parseJson(await readText(read, path, what), path);
}

/** The config at `path`, validated; the embedded defaults when `path` is undefined. */
export async function loadConfig(read: ReadTextFile, path?: string): Promise<Config> {
  if (path === undefined) return parseWith(ConfigSchema, {}, "config");
  return parseWith(ConfigSchema, await readJson(read, path, "config file"), path);
}

/** The data files a config can name, with how each is read. */
const DATA_FILES = {
  cities: { what: "cities file", parse: (x: unknown, w: string) => parseWith(CitiesSchema, x, w) },
  chargers: {
    what: "chargers file",
    parse: (x: unknown, w: string) => flattenChargers(parseWith(ChargersSchema, x, w)),
  },
  vehicles: {
    what: "vehicles file",
    parse: (x: unknown, w: string) => parseWith(VehiclesSchema, x, w),
  },
  model: { what: "model file", parse: (x: unknown, w: string) => parseWith(ModelSchema, x, w) },
};

/** What each kind of data file holds. */
export interface DataFileContents {
  cities: City[];
  chargers: Charger[];
  vehicles: Vehicle[];
  model: Model;
}

/** Reads and validates one data file; a {@link ConfigError} names the path and field. */
export async function readDataFile<K extends keyof DataFileContents>(
  kind: K,
  read: ReadTextFile,
  path: string,
): Promise<DataFileContents[K]> {
  const { what, parse } = DATA_FILES[kind];
  return parse(await readJson(read, path, what), path) as DataFileContents[K];
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
  async function load<K extends keyof DataFileContents>(
    kind: K,
    fallback: DataFileContents[K],
  ): Promise<DataFileContents[K]> {
    const path = config.data[kind];
    if (path === undefined) return fallback;
    try {
      return await readDataFile(kind, read, resolvePath(baseDir, path));
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      problems.push(...error.problems);
      return fallback;
    }
  }
  const [cities, chargers, vehicles, model] = await Promise.all([
    load("cities", defaults.network.cities),
    load("chargers", defaults.network.chargers),
    load("vehicles", defaults.network.vehicles),
    load("model", defaults.model),
  ]);
  const network = { cities, chargers, vehicles };
  if (problems.length === 0) {
    const files = config.data;
    const where = files.chargers ? resolvePath(baseDir, files.chargers) : "chargers";
    problems.push(...checkNetwork(network).map((p) => `${where}: ${p}`));
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return { network, model };
}
