/**
 * Builds the sinks a config lists: each entry of `sinks` (and the `api`
 * shortcut) becomes a sink, isolated so that its failures are logged and
 * counted but never stop the run or the other sinks.
 *
 * @module
 */
import { getLogger } from "@logtape/logtape";
import * as v from "valibot";
import type { Config, SinkConfig, SinkEntry } from "../core/config.ts";
import { BUILT_IN_SINK_TYPES, SinkConfigSchema } from "../core/config.ts";
import type { SinkType } from "../core/plugin.ts";
import { ConfigError, formatIssues } from "../core/errors.ts";
import { type DisposableSink, dispose, isolate, type Sink } from "../core/sink.ts";
import { openDeadLetterFile } from "./dead_letter.ts";
import { type FilePositions, resumeFileSink } from "./file_resume.ts";
import { getHttpSink } from "./http.ts";
import { denoRotatingFileDriver, getRotatingFileSink } from "./rotating_file.ts";
import { getServerSink } from "./server.ts";
import { getStdoutSink } from "./stdout.ts";

/** What the sinks need to know about the run. */
export interface SinkContext {
  /** A backfill waits for slow sinks whatever `onFull` says. */
  backfill: boolean;
  /** How long sinks may keep delivering once `shutdown` has fired. */
  shutdownTimeoutMs: number;
  /** Aborted when evsim is told to stop (a signal): the sinks' deadline starts then. */
  shutdown?: AbortSignal;
  /** Reads an environment variable (for `tokenEnv`). */
  env: (name: string) => string | undefined;
  /** Where a sink's dead letters go instead of its configured file (`evsim replay`). */
  deadLetterPath?: (configured: string) => string;
  /** Called when stdout's reader goes away. */
  onStdoutClosed?: () => void;
  /** Sink types plugins provide, by name. @default {new Map()} */
  sinkTypes?: ReadonlyMap<string, { type: SinkType; plugin: string }>;
  /** `--state`: file sinks go back to their saved positions and record where they stand. */
  positions?: FilePositions;
}

/** The sink list of a config: `sinks`, plus one `http` sink for `api` if set. */
export function sinkConfigs(config: Config): SinkEntry[] {
  if (!config.api) return config.sinks;
  const { url, token, tokenEnv } = config.api;
  return [...config.sinks, v.parse(SinkConfigSchema, { type: "http", url, token, tokenEnv })];
}

function token(
  sink: { token?: string; tokenEnv?: string },
  where: string,
  env: SinkContext["env"],
): string | undefined {
  if (sink.token !== undefined || sink.tokenEnv === undefined) return sink.token;
  const value = env(sink.tokenEnv);
  if (value === undefined || value === "") {
    throw new ConfigError(`${where}.tokenEnv: environment variable ${sink.tokenEnv} is not set`);
  }
  return value;
}

/** A sink of a type a plugin provides, its entry validated by the plugin's schema. */
async function createPluginSink(
  entry: SinkEntry,
  where: string,
  context: SinkContext,
): Promise<DisposableSink> {
  const found = context.sinkTypes?.get(entry.type);
  if (!found) {
    const known = [...BUILT_IN_SINK_TYPES, ...(context.sinkTypes?.keys() ?? [])].join(", ");
    throw new ConfigError(`${where}.type: unknown sink type "${entry.type}" (known: ${known})`);
  }
  const { type: _, ...options } = entry;
  const result = v.safeParse(found.type.schema, options);
  if (!result.success) {
    throw new ConfigError(
      formatIssues(`${where} (${entry.type}, plugin ${found.plugin})`, result.issues),
    );
  }
  return await found.type.create(result.output, {
    backfill: context.backfill,
    shutdownTimeoutMs: context.shutdownTimeoutMs,
    shutdown: context.shutdown,
    deadLetterPath: context.deadLetterPath,
    env: context.env,
  });
}

/** One sink for one config entry (not yet isolated). */
async function create(
  entry: SinkEntry,
  where: string,
  context: SinkContext,
): Promise<DisposableSink> {
  if (!BUILT_IN_SINK_TYPES.includes(entry.type)) {
    return await createPluginSink(entry, where, context);
  }
  const config = entry as SinkConfig;
  switch (config.type) {
    case "stdout":
      return getStdoutSink({ onClosed: context.onStdoutClosed });
    case "file": {
      const onPosition = context.positions &&
        await resumeFileSink(where, config, context.positions);
      // Open the file once now: a path that cannot be written stops the run before it starts.
      try {
        await (await denoRotatingFileDriver.open(config.path)).close();
      } catch (error) {
        throw new ConfigError(
          `${where}.path: cannot write ${config.path}: ${(error as Error).message}`,
          { cause: error },
        );
      }
      return getRotatingFileSink(config.path, {
        maxBytes: config.maxBytes,
        backups: config.backups,
        onPosition,
      });
    }
    case "http":
      return getHttpSink(config.url, {
        headers: config.headers,
        token: token(config, where, context.env),
        batchSize: config.batchSize,
        flushIntervalMs: config.flushIntervalMs,
        format: config.format,
        concurrency: config.concurrency,
        timeoutMs: config.timeoutMs,
        maxAttempts: config.maxAttempts,
        retryBaseMs: config.retryBaseMs,
        retryMaxMs: config.retryMaxMs,
        bufferSize: config.bufferSize,
        onFull: context.backfill ? "block" : config.onFull,
        deadLetter: openDeadLetterFile(
          context.deadLetterPath?.(config.deadLetter) ?? config.deadLetter,
        ),
        shutdown: context.shutdown,
        shutdownTimeoutMs: context.shutdownTimeoutMs,
      });
    case "server":
      return await getServerSink({
        port: config.port,
        hostname: config.host,
        token: token(config, where, context.env),
      });
  }
}

/**
 * The sinks for `configs`, in order, each isolated. If one cannot be created,
 * those already made are closed and the error is thrown: nothing half-done.
 */
export async function createSinks(
  configs: readonly SinkEntry[],
  context: SinkContext,
  where = "sinks",
): Promise<DisposableSink[]> {
  const made: DisposableSink[] = [];
  try {
    for (const [i, config] of configs.entries()) {
      const place = `${where}[${i}]`;
      const sink = await create(config, place, context);
      made.push(isolate(sink, failureLogger(sink)));
    }
    return made;
  } catch (error) {
    for (const sink of made) await dispose(sink);
    if (error instanceof ConfigError) throw error;
    const what = configs[made.length];
    throw new ConfigError(
      `${where}[${made.length}] (${what.type}): ${error instanceof Error ? error.message : error}`,
      { cause: error },
    );
  }
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
