/**
 * Which sinks a run writes to, and what they did: the config's sinks, replaced
 * or extended by `--sink` values, and the counts that decide the exit code.
 *
 * @module
 */
import type { Config } from "../core/config.ts";
import type { DisposableSink, Sink } from "../core/sink.ts";
import {
  builtInSinkTypes,
  createSinks,
  parseSinkSpec,
  type PlacedSinkEntry,
  type ResolvedSink,
  resolveSinks,
  sinkConfigs,
  type SinkTypes,
} from "../sinks/registry.ts";
import type { PreparedRun } from "./run.ts";

/** Options of {@link chooseSinks}. */
export interface SinkChoiceOptions {
  /**
   * `--sink` values: any value without `+` replaces the config's sinks, a
   * `+SPEC` value adds to them. @default {[]}
   */
  sinks?: readonly string[];
  /** The config file, named in messages about its sinks. @default {"config"} */
  configFile?: string;
}

/**
 * The sink entries of a run: the config's, replaced by the `sinks` values if
 * any is given, or extended by those written `+SPEC`. A value no sink type
 * reads is a `UsageError`.
 */
export function chooseSinks(
  config: Config,
  types: SinkTypes,
  options: SinkChoiceOptions = {},
): PlacedSinkEntry[] {
  const specs = options.sinks ?? [];
  const configured = sinkConfigs(config, options.configFile ?? "config");
  if (specs.length === 0) return configured;
  const parse = (spec: string) => parseSinkSpec(spec, types);
  const added = specs.filter((s) => s.startsWith("+")).map((s) => parse(s.slice(1)));
  const replacing = specs.filter((s) => !s.startsWith("+")).map(parse);
  const flagged = [...replacing, ...added].map((entry, i) => ({ entry, where: `--sink[${i}]` }));
  return replacing.length > 0 ? flagged : [...configured, ...flagged];
}

/** The sinks of a run, chosen and validated by their types (every problem at once). */
export function resolveRunSinks(
  config: Config,
  types: SinkTypes,
  options: SinkChoiceOptions = {},
): ResolvedSink[] {
  return resolveSinks(chooseSinks(config, types, options), types);
}

/**
 * The sinks of built-in types, resolved before plugins load so that their
 * permissions can be checked with the others; the rest, and any problem, is
 * left for {@link resolveRunSinks} once the plugins are in.
 */
export function builtInSinks(config: Config, options: SinkChoiceOptions = {}): ResolvedSink[] {
  try {
    return resolveSinks(
      chooseSinks(config, builtInSinkTypes, options).filter((s) =>
        builtInSinkTypes.has(s.entry.type)
      ),
    );
  } catch {
    return [];
  }
}

/** What a run's sinks get from the run itself, besides its prepared inputs. */
export interface RunSinkHooks {
  /** Aborted when the run is told to stop. */
  shutdown: AbortSignal;
  /** Stops the run: a sink's output went away. */
  stopRun: () => void;
}

/**
 * The sinks of `prepared`, made by their types, each isolated (its failures
 * counted and logged, never stopping the run): on one thread or several.
 */
export function createRunSinks(
  prepared: PreparedRun,
  hooks: RunSinkHooks,
): Promise<DisposableSink[]> {
  const { config, plan, inputs, state, options } = prepared;
  return createSinks(prepared.sinks, {
    ...hooks,
    chargers: inputs.network.chargers,
    positions: state?.positions,
    backfill: plan.mode === "backfill",
    shutdownTimeoutMs: config.shutdownTimeoutMs,
    env: options.env ?? ((name) => Deno.env.get(name)),
  });
}

/** What the sinks did with the events, in the counts that decide a run's exit code. */
export interface DeliveryCounts {
  /** Events neither delivered nor dead-lettered: the dead-letter file could not be written. */
  lost: number;
  /** Events dead-lettered or dropped. */
  undelivered: number;
}

/** The delivery counts of `sinks` (those that keep stats). */
export function deliveryCounts(sinks: readonly Sink[]): DeliveryCounts {
  let lost = 0;
  let undelivered = 0;
  for (const s of sinks) {
    if (!s.stats) continue;
    lost += s.stats.lost;
    undelivered += s.stats.deadLettered + s.stats.dropped + (s.stats.leftOnDisk?.events ?? 0);
  }
  return { lost, undelivered };
}
