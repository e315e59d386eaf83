/**
 * The sink types of a run and the sinks made from them. Every sink type, built
 * in or added by a plugin, describes itself (`core/sink_type.ts`): the command
 * line, the permission check, `validate`, the config's JSON Schema and the run
 * read this one registry, and nothing outside `sinks/` names a sink type.
 *
 * A run's sinks go through three steps: entries (from the config's `sinks` and
 * `api`, or `--sink` values), resolved (validated by their type's schema, every
 * problem at once), and created (each isolated, so that its failures are
 * logged and counted but never stop the run or the other sinks).
 *
 * @module
 */
import { getLogger } from "@logtape/logtape";
import { toJsonSchema } from "@valibot/to-json-schema";
import * as v from "valibot";
import { type Config, ConfigSchema, type SinkEntry } from "../core/config.ts";
import { ConfigError, formatIssues, UsageError } from "../core/errors.ts";
import { type DisposableSink, dispose, isolate, type Sink } from "../core/sink.ts";
import type { SinkAccess, SinkType, SinkTypeContext } from "../core/sink_type.ts";
import { fileSinkType } from "./file.ts";
import { httpSinkType } from "./http.ts";
import { mqttSinkType } from "./mqtt.ts";
import { serverSinkType } from "./server.ts";
import { stdoutSinkType } from "./stdout.ts";

/** A sink type and where it comes from. */
export interface RegisteredSinkType {
  // deno-lint-ignore no-explicit-any
  type: SinkType<any>;
  /** The plugin that added it; none for a built-in type. */
  plugin?: string;
}

/** Sink types by the `type` name used in the config. */
export type SinkTypes = ReadonlyMap<string, RegisteredSinkType>;

/** The sink types evsim ships with. */
export const builtInSinkTypes: SinkTypes = new Map(
  Object.entries({
    stdout: stdoutSinkType,
    file: fileSinkType,
    http: httpSinkType,
    server: serverSinkType,
    mqtt: mqttSinkType,
  }).map(([name, type]) => [name, { type }]),
);

/**
 * The built-in sink types and those of `plugins` (by name, with the plugin
 * that adds each). A plugin may not replace a built-in type, but may register
 * the very same one (the shipped `mqtt` plugin does).
 */
export function sinkTypesWith(
  plugins: ReadonlyMap<string, Required<RegisteredSinkType>> = new Map(),
): SinkTypes {
  const types = new Map(builtInSinkTypes);
  for (const [name, added] of plugins) {
    const builtIn = builtInSinkTypes.get(name);
    if (builtIn?.type === added.type) continue;
    if (builtIn) {
      throw new ConfigError(
        `plugin ${added.plugin}: sinks.${name}: "${name}" is a built-in sink type`,
      );
    }
    types.set(name, added);
  }
  return types;
}

/** One entry of a run's sink list, and how messages name it. */
export interface PlacedSinkEntry {
  entry: SinkEntry;
  /** `sinks[0]`, `api`, `--sink[1]`. */
  where: string;
  /** The config file the entry comes from, named before `where` in messages. */
  file?: string;
}

/** The sink list of a config: `sinks`, plus one `http` sink for `api` if set. */
export function sinkConfigs(config: Config, file?: string): PlacedSinkEntry[] {
  const placed = config.sinks.map((entry, i) => ({ entry, where: `sinks[${i}]`, file }));
  if (!config.api) return placed;
  const { url, token, tokenEnv } = config.api;
  const entry = { type: "http", url, token, tokenEnv } as SinkEntry;
  return [...placed, { entry, where: "api", file }];
}

/** How `--sink` values are written, for help and errors. */
export function sinkSpecUsage(types: SinkTypes = builtInSinkTypes): string {
  const forms = [...types.values()].flatMap(({ type }) =>
    type.shorthand ? [type.shorthand.usage] : []
  );
  return `${forms.slice(0, -1).join(", ")} or ${forms.at(-1)}`;
}

/**
 * The sink entry a `--sink` value stands for (`stdout`, `file:PATH`,
 * `http(s)://URL`, `server:PORT`, `mqtt(s)://HOST:PORT`, and the shorthands of
 * plugin types). Throws a {@link UsageError} for a value no type reads.
 */
export function parseSinkSpec(spec: string, types: SinkTypes = builtInSinkTypes): SinkEntry {
  for (const [name, { type }] of types) {
    const options = type.shorthand?.parse(spec);
    if (options) return { type: name, ...options };
  }
  throw new UsageError(`--sink: expected ${sinkSpecUsage(types)}, got ${JSON.stringify(spec)}`);
}

/** A sink entry validated by its type: ready to check permissions for and to create. */
export interface ResolvedSink {
  name: string;
  where: string;
  registered: RegisteredSinkType;
  options: unknown;
}

/**
 * Validates each entry with its type's schema. Throws a {@link ConfigError}
 * listing every problem of every entry, each with its place
 * (`config.json: sinks[0].url: expected an http(s) URL, got "ftp://x"`).
 */
export function resolveSinks(
  entries: readonly PlacedSinkEntry[],
  types: SinkTypes = builtInSinkTypes,
): ResolvedSink[] {
  const problems: string[] = [];
  const resolved: ResolvedSink[] = [];
  for (const { entry, where, file } of entries) {
    const registered = types.get(entry.type);
    const place = file ? `${file}: ${where}` : where;
    if (!registered) {
      const known = [...types.keys()].join(", ");
      problems.push(`${place}.type: unknown sink type "${entry.type}" (known: ${known})`);
      continue;
    }
    const { type: _, ...options } = entry;
    const result = v.safeParse(registered.type.schema, options);
    if (result.success) {
      resolved.push({ name: entry.type, where, registered, options: result.output });
    } else {
      const from = registered.plugin
        ? ` (sink type ${entry.type} of plugin ${registered.plugin})`
        : "";
      problems.push(...formatIssues(file ?? "", result.issues, where).map((p) => p + from));
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return resolved;
}

/** What each sink reaches outside the process, with the sink's place. */
export function sinkAccess(
  sinks: readonly ResolvedSink[],
): { access: SinkAccess; where: string }[] {
  return sinks.flatMap(({ registered, options, where }) =>
    (registered.type.needs?.(options) ?? []).map((access) => ({ access, where }))
  );
}

/**
 * The sinks, in order, each isolated. If one cannot be created, those already
 * made are closed and the error is thrown, naming the sink: nothing half-done.
 */
export async function createSinks(
  sinks: readonly ResolvedSink[],
  context: Omit<SinkTypeContext, "where">,
): Promise<DisposableSink[]> {
  const made: DisposableSink[] = [];
  try {
    for (const { registered, options, where } of sinks) {
      const sink = await registered.type.create(options, { ...context, where });
      made.push(isolate(sink, failureLogger(sink)));
    }
    return made;
  } catch (error) {
    for (const sink of made) await dispose(sink);
    if (error instanceof ConfigError) throw error;
    const { name, where } = sinks[made.length];
    throw new ConfigError(
      `${where} (${name}): ${error instanceof Error ? error.message : error}`,
      { cause: error },
    );
  }
}

/** The JSON Schema of one `sinks` entry: one branch per type, and any plugin type. */
export function sinkEntryJsonSchema(types: SinkTypes = builtInSinkTypes): Record<string, unknown> {
  const branches = [...types].map(([name, { type }]) => {
    const { $schema: _, ...schema } = toJsonSchema(type.schema, { errorMode: "ignore" }) as {
      $schema?: string;
      properties?: Record<string, unknown>;
      required?: string[];
    };
    return {
      ...schema,
      properties: { type: { const: name }, ...schema.properties },
      required: ["type", ...(schema.required ?? [])],
    };
  });
  const plugin = {
    type: "object",
    description: "A sink of a type a plugin adds; the plugin's schema validates the rest.",
    properties: {
      type: { type: "string", pattern: "^[a-z][a-z0-9_-]*$", not: { enum: [...types.keys()] } },
    },
    required: ["type"],
  };
  return { anyOf: [...branches, plugin] };
}

/** The config's JSON Schema, its `sinks` entries described by their types. */
export function configJsonSchema(types: SinkTypes = builtInSinkTypes): Record<string, unknown> {
  const schema = toJsonSchema(ConfigSchema, { errorMode: "ignore" }) as {
    properties: { sinks: Record<string, unknown> };
  };
  schema.properties.sinks = { ...schema.properties.sinks, items: sinkEntryJsonSchema(types) };
  return schema;
}

/** Logs a sink's failures: the first, then every hundredth (sinks count their own errors). */
function failureLogger(sink: Sink): (error: unknown) => void {
  const logger = getLogger(["evsim", "sink"]);
  let failures = 0;
  return (error) => {
    failures++;
    if (failures === 1 || failures % 100 === 0) {
      logger.error("Sink {name} failed ({failures} so far): {message}", {
        name: sink.stats?.name ?? "sink",
        failures,
        message: error instanceof Error ? error.message : String(error),
      });
    }
  };
}
