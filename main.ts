// The command line is the one place that may use the console.
// deno-lint-ignore-file no-console
/**
 * The `evsim` command line. The only module that reads arguments, touches the
 * console or sets the exit code.
 *
 * @module
 */
import { parseArgs } from "node:util";
import {
  configure,
  getLogger,
  getStreamSink,
  getTextFormatter,
  reset,
  type Sink as LogSink,
  withFilter,
} from "@logtape/logtape";
import { getRotatingFileSink } from "@logtape/file";
import { toJsonSchema } from "@valibot/to-json-schema";
import type { Config } from "./core/config.ts";
import { ConfigSchema } from "./core/config.ts";
import { ConfigError, ProblemsError } from "./core/errors.ts";
import { defaultDemand } from "./core/arrivals.ts";
import { loadPlugins } from "./core/plugin_loader.ts";
import { applyPlugins, type PluginOutput } from "./core/plugin_pipeline.ts";
import { parseRegion } from "./core/region.ts";
import { shippedPlugins } from "./plugins/mod.ts";
import { EventSchema } from "./core/event.ts";
import { dirname, loadConfig, loadInputs, type ReadTextFile } from "./core/load.ts";
import { type Overrides, planRun, type RunPlan } from "./core/plan.ts";
import { runSimulation, warmUp } from "./core/run.ts";
import { Simulation } from "./core/simulation.ts";
import { inShard, parseShard, type Shard } from "./core/shard.ts";
import {
  inputsFingerprint,
  loadPlan,
  openStateFile,
  savePlan,
  STATE_VERSION,
  writeStateFile,
} from "./cli/state_file.ts";
import {
  initNeeds,
  inputNeeds,
  permissionProblems,
  replayNeeds,
  requirePermissions,
  runNeeds,
  serveNeeds,
  sinkNeeds,
  statsNeeds,
} from "./cli/permissions.ts";
import { fanOut, type Sink } from "./core/sink.ts";
import { formatProgress, formatSinkStats, formatSummary } from "./core/summary.ts";
import { readEvents, readLines } from "./core/ndjson.ts";
import { defaults } from "./data/mod.ts";
import { CONFIG_TEMPLATE, PLUGIN_TEMPLATE } from "./data/init_templates.ts";
import { deadLetterEvent } from "./sinks/dead_letter.ts";
import { getLogSink } from "./sinks/log.ts";
import {
  builtInSinkTypes,
  configJsonSchema,
  createSinks,
  parseSinkSpec,
  type PlacedSinkEntry,
  type ResolvedSink,
  resolveSinks,
  sinkConfigs,
  sinkSpecUsage,
  type SinkTypes,
  sinkTypesWith,
} from "./sinks/registry.ts";
import type { FilePositions } from "./sinks/file_resume.ts";
import { serveEcho } from "./sinks/server.ts";
import { chooseReferences, referenceSets } from "./stats/reference.ts";
import { StatsCollector } from "./stats/stats.ts";
import { formatStatsText } from "./stats/text.ts";
import { getMetricsSink, type MetricsServer, serveMetrics } from "./sinks/metrics.ts";
import denoJson from "./deno.json" with { type: "json" };

const USAGE =
  `evsim ${denoJson.version}: simulates the EV charging network of US cities as a stream of events.

Usage:
  evsim [run] [options]        run the simulation; events go to the sinks (stdout by default)
  evsim replay FILE|- [options] send an NDJSON file of events (or a dead-letter file) again
  evsim serve [options]        run the webhook echo server alone
  evsim validate [options]     check the config, data files and plugins; print every problem
  evsim init [DIR]             write a starter config.json and a plugin template
  evsim schema event|config    print the JSON Schema of an event or of config.json
  evsim stats [FILE|-] [options] statistics of an NDJSON event stream (stdin by default),
                               checked against published charging facts

Options:
  -c, --config FILE            config file (default: the embedded configuration)
      --seed N                 seed of every random draw (default 1)
      --from DATE              simulated start, e.g. 2026-01-05 or 2026-01-05T08:00:00Z
      --to DATE                simulated end (exclusive)
      --duration D             simulated length, e.g. 7d, 12h, 1d12h
      --speed X                accelerated: X simulated seconds per wall second
      --realtime               follow the wall clock until Ctrl-C (the default)
      --update-interval S      simulated seconds between session.updated events (default 60)
      --warm-up D              simulate D before the start without output, so the first
                               events come from a busy network, e.g. --realtime --warm-up 1d
      --region R               the real stations to simulate (repeatable): us, a state code
                               (CO), a city ("Boulder, CO"), bbox:WEST,SOUTH,EAST,NORTH or
                               top50; default: the 50 most populous US cities
      --sink SINK              where events go, instead of the config's sinks (+SINK: in
                               addition to them); repeatable: ${
    sinkSpecUsage().replace(", http", ",\n                               http")
  }
      --plugin MODULE          load a plugin after the config's (repeatable): a shipped
                               plugin's name, a path, or an npm: specifier
      --shard I/N              run slice I (0 … N−1) of N disjoint slices of the chargers;
                               N machines with the same seed make the whole run together
      --state FILE             run: save the whole simulation to FILE every 30 s and on
                               exit, and continue from it when started again
      --state-interval S       seconds of wall time between saves (default 30)
      --metrics-port N         run: serve Prometheus metrics at http://HOST:N/metrics while
                               the run lasts (0 for any port; the address is logged)
      --port N                 serve: port of the echo server (default 8787; 0 for any)
      --host HOST              serve, and run with --metrics-port: address to bind
                               (default 127.0.0.1)
      --token TOKEN            serve: bearer token clients must send (or set EVSIM_SERVE_TOKEN,
                               which ps does not show)
      --json                   stats: print the report as JSON instead of tables
      --html FILE              stats: also write the report with charts as an HTML page
      --reference REF          stats: the real sessions a site type is compared with:
                               NAME for NAME's own site type, SITE=NAME for site type
                               SITE; repeatable, the others keep their default. NAME:
                               ${referenceSets().map((s) => `${s.name} (${s.siteType})`).join(", ")}
  -v, --verbose                also log to stderr what goes to the log file
  -h, --help                   show this help
  -V, --version                show the version

Time modes: --from/--to/--duration without --speed or --realtime run a backfill as
fast as possible and exit; a backfill with no --from starts at 2026-01-05T00:00:00Z.

Network: every public station of the DOE Alternative Fuels Data Center list
(January 2023), one charger per port; --region picks which (us: 129,776 ports).

Examples:
  evsim --duration 1d | jq 'select(.type == "session.completed")'
  evsim --region CO --region "Salt Lake City, UT" --speed 600
  evsim --speed 60 --sink http://127.0.0.1:8787/events --sink file:out/sessions.ndjson
  evsim --speed 60 --sink file:out.ndjson --metrics-port 9464   # curl 127.0.0.1:9464/metrics
  evsim serve --port 8787
  evsim replay evsim-dead-letter.ndjson --sink http://127.0.0.1:8787/events
  evsim validate --config config.json
  evsim --duration 7d | evsim stats --html week.html
  evsim stats week.ndjson --reference workplace=boulder
`;

const OPTIONS = {
  config: { type: "string", short: "c" },
  seed: { type: "string" },
  from: { type: "string" },
  to: { type: "string" },
  duration: { type: "string" },
  speed: { type: "string" },
  realtime: { type: "boolean" },
  "update-interval": { type: "string" },
  "warm-up": { type: "string" },
  sink: { type: "string", multiple: true },
  plugin: { type: "string", multiple: true },
  region: { type: "string", multiple: true },
  "metrics-port": { type: "string" },
  shard: { type: "string" },
  state: { type: "string" },
  "state-interval": { type: "string" },
  port: { type: "string" },
  host: { type: "string" },
  token: { type: "string" },
  json: { type: "boolean" },
  html: { type: "string" },
  reference: { type: "string", multiple: true },
  verbose: { type: "boolean", short: "v" },
  help: { type: "boolean", short: "h" },
  version: { type: "boolean", short: "V" },
} as const;

type Flags = ReturnType<
  typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>
>["values"];

/** A command-line mistake: shown with the usage, exit code 2. */
class UsageError extends Error {
  override name = "UsageError";
}

const readTextFile: ReadTextFile = (path) => Deno.readTextFile(path);
const logger = getLogger(["evsim"]);

function overrides(flags: Flags): Overrides {
  return {
    seed: flags.seed,
    from: flags.from,
    to: flags.to,
    duration: flags.duration,
    speed: flags.speed,
    realtime: flags.realtime,
    updateInterval: flags["update-interval"],
    warmUp: flags["warm-up"],
  };
}

async function setUpLogging(config: Config, verbose: boolean): Promise<void> {
  const { file, level, maxBytes, backups } = config.log;
  // "bare" prints string values without quotes: `Simulating backfill from …`.
  const formatter = getTextFormatter({ value: "bare" });
  const stderr = getStreamSink(Deno.stderr.writable, { formatter });
  const sinks: Record<string, LogSink> = {
    stderr: verbose ? stderr : withFilter(stderr, "warning"),
  };
  if (file) {
    try {
      const dir = dirname(file);
      if (dir !== ".") await Deno.mkdir(dir, { recursive: true });
    } catch (error) {
      throw new ConfigError(`log.file: cannot create the folder of ${file}: ${error}`);
    }
    sinks.file = getRotatingFileSink(file, {
      maxSize: maxBytes,
      maxFiles: backups + 1,
      formatter,
    });
  }
  await configure({
    sinks,
    loggers: [
      { category: ["logtape", "meta"], lowestLevel: "warning", sinks: ["stderr"] },
      { category: ["evsim"], lowestLevel: level, sinks: Object.keys(sinks) },
    ],
  });
}

/**
 * The sink entries: the config's, replaced by the `--sink` flags if any is
 * given, or extended by those written `+SPEC`.
 */
function chosenSinks(config: Config, flags: Flags, types: SinkTypes): PlacedSinkEntry[] {
  const specs = flags.sink ?? [];
  const configured = sinkConfigs(config, flags.config ?? "config");
  if (specs.length === 0) return configured;
  try {
    const parse = (spec: string) => parseSinkSpec(spec, types);
    const added = specs.filter((s) => s.startsWith("+")).map((s) => parse(s.slice(1)));
    const replacing = specs.filter((s) => !s.startsWith("+")).map(parse);
    const flagged = [...replacing, ...added].map((entry, i) => ({ entry, where: `--sink[${i}]` }));
    return replacing.length > 0 ? flagged : [...configured, ...flagged];
  } catch (error) {
    if (error instanceof ConfigError) throw new UsageError(error.message);
    throw error;
  }
}

/**
 * The sinks of built-in types, resolved before plugins load so that their
 * permissions are checked with the others; the rest (and any problem) is
 * resolved once the plugins are in.
 */
function builtInSinks(config: Config, flags: Flags): ResolvedSink[] {
  try {
    return resolveSinks(
      chosenSinks(config, flags, builtInSinkTypes).filter((s) =>
        builtInSinkTypes.has(s.entry.type)
      ),
    );
  } catch {
    return [];
  }
}

/** Aborts `controller` on the first Ctrl-C or SIGTERM; a second one exits at once. */
function onSignals(controller: AbortController): () => void {
  const stop = () => {
    if (controller.signal.aborted) {
      console.error("evsim: stopped at once; events the sinks still held are not accounted for");
      Deno.exit(130);
    }
    controller.abort();
  };
  Deno.addSignalListener("SIGINT", stop);
  Deno.addSignalListener("SIGTERM", stop);
  return () => {
    Deno.removeSignalListener("SIGINT", stop);
    Deno.removeSignalListener("SIGTERM", stop);
  };
}

/**
 * What the sinks did, as an exit code: 1 if events were lost (a dead-letter
 * file could not be written; stderr says how many and why), 3 if events were
 * dead-lettered, dropped or left in a disk buffer, else 0.
 */
function deliveryCode(outputs: readonly Sink[]): number {
  let lost = 0;
  let undelivered = 0;
  for (const o of outputs) {
    if (!o.stats) continue;
    lost += o.stats.lost;
    undelivered += o.stats.deadLettered + o.stats.dropped + (o.stats.leftOnDisk?.events ?? 0);
  }
  if (lost > 0) {
    console.error(
      `evsim: ${lost} event(s) were LOST: neither delivered nor dead-lettered, because the ` +
        "dead-letter file could not be written (see the log for why)",
    );
    return 1;
  }
  return undelivered > 0 ? 3 : 0;
}

/** An environment variable, or undefined if it is empty, unset or not granted. */
function envOrUndefined(name: string): string | undefined {
  try {
    return Deno.env.get(name) || undefined;
  } catch {
    return undefined;
  }
}

/** Logs and prints a summary block. */
function report(headline: string, lines: string[]): void {
  logger.info("{headline}: {details}", { headline, details: lines.join("; ") });
  console.error([`evsim: ${headline}`, ...lines.map((l) => `  ${l}`)].join("\n"));
}

/** The run plan; a bad flag value is a usage error. */
function planFromFlags(config: Config, flags: Flags): RunPlan {
  try {
    return planRun(config, overrides(flags), Date.now());
  } catch (error) {
    if (error instanceof ConfigError && error.message.startsWith("--")) {
      throw new UsageError(error.message);
    }
    throw error;
  }
}

function describe(plan: RunPlan): string {
  const iso = (ms: number) => new Date(ms).toISOString();
  const until = plan.end === Infinity ? "until stopped" : `to ${iso(plan.end)}`;
  const pace = plan.mode === "accelerated" ? ` at ${plan.speed}×` : "";
  return `${plan.mode}${pace} from ${iso(plan.start)} ${until}, seed ${plan.seed}`;
}

/** The config file's folder as an absolute path: plugin and data paths resolve against it. */
function configDir(flags: Flags): string {
  const dir = flags.config ? dirname(flags.config) : ".";
  if (dir.startsWith("/") || /^[A-Za-z]:[\\/]/.test(dir)) return dir;
  return dir === "." ? Deno.cwd() : `${Deno.cwd()}/${dir}`;
}

/**
 * Runs the plugins: the built-in `default_model` (with the config's data files
 * and peak hours), then the config's `plugins`, then `--plugin` ones. Returns
 * what they made, with the run's sink types (the built-in ones and theirs).
 */
async function buildInputs(
  config: Config,
  flags: Flags,
  seed: number,
): Promise<Omit<PluginOutput, "sinkTypes"> & { sinkTypes: SinkTypes }> {
  const baseDir = configDir(flags);
  const options = { baseDir, shipped: shippedPlugins };
  const defaultModel = {
    module: "default_model",
    options: {
      peakHours: config.peakHours,
      peakMultiplier: config.peakMultiplier,
      data: config.data,
      region: regionOf(config, flags),
      regionFrom: flags.region ? "--region" : `${flags.config ?? "config"}: region`,
    },
  };
  const loaded = [
    ...await loadPlugins([defaultModel], { ...options, listName: "built-in" }),
    ...await loadPlugins(config.plugins, { ...options, listName: "plugins" }),
    ...await loadPlugins((flags.plugin ?? []).map((module) => ({ module })), {
      ...options,
      listName: "--plugin",
    }),
  ];
  const empty = { cities: [], chargers: [], vehicles: [] };
  const out = await applyPlugins(loaded, {
    network: empty,
    model: defaults.model,
    demand: defaultDemand(defaults.model),
    sinkTypes: new Map(),
  }, { seed, baseDir, readTextFile });
  logger.info(
    "Plugins {plugins}: {cities} cities, {chargers} chargers, {vehicles} vehicle models",
    {
      plugins: loaded.map((l) => l.plugin.name).join(", "),
      cities: out.network.cities.length,
      chargers: out.network.chargers.length,
      vehicles: out.network.vehicles.length,
    },
  );
  return { ...out, sinkTypes: sinkTypesWith(out.sinkTypes) };
}

/** The stations to simulate: `--region` (repeatable) over the config's `region`. */
function regionOf(config: Config, flags: Flags): string | undefined {
  if (!flags.region) return config.region;
  const region = flags.region.join("; ");
  parseRegion(region); // a usage error names --region
  return region;
}

/** The value of a port flag (`--port`, `--metrics-port`): 0–65535. */
function portFlag(name: string, value: string): number {
  const port = Number(value);
  if (value.trim() === "" || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new UsageError(`--${name}: expected a port number 0–65535, got ${JSON.stringify(value)}`);
  }
  return port;
}

/** The value of `--shard`: `i/n` with 0 ≤ i < n. */
function shardFlag(value: string): Shard {
  const shard = parseShard(value);
  if (!shard) {
    throw new UsageError(
      `--shard: expected I/N with 0 ≤ I < N, such as 0/3, got ${JSON.stringify(value)}`,
    );
  }
  return shard;
}

/** The value of `--state-interval`: seconds > 0. */
function stateIntervalFlag(value: string | undefined): number {
  if (value === undefined) return 30;
  const seconds = Number(value);
  if (value.trim() === "" || !(seconds > 0)) {
    throw new UsageError(`--state-interval: expected seconds > 0, got ${JSON.stringify(value)}`);
  }
  return seconds;
}

async function run(flags: Flags): Promise<number> {
  const config = await loadConfig(readTextFile, flags.config);
  let plan = planFromFlags(config, flags);
  const statePath = flags.state;
  const stateEveryMs = stateIntervalFlag(flags["state-interval"]) * 1000;
  const shard = flags.shard === undefined ? undefined : shardFlag(flags.shard);
  const metricsPort = flags["metrics-port"] === undefined
    ? undefined
    : portFlag("metrics-port", flags["metrics-port"]);
  requirePermissions([
    ...inputNeeds(config, { configFile: flags.config, plugins: flags.plugin }),
    ...runNeeds(config, {
      sinks: builtInSinks(config, flags),
      state: statePath,
      metrics: metricsPort === undefined
        ? undefined
        : { host: flags.host ?? "127.0.0.1", port: metricsPort },
    }),
  ]);
  await setUpLogging(config, flags.verbose ?? false);
  const inputs = await buildInputs(config, flags, plan.seed);
  const { model, demand, sinkTypes } = inputs;
  const sinkList = resolveSinks(chosenSinks(config, flags, sinkTypes), sinkTypes);
  requirePermissions(sinkNeeds(sinkList));
  let network = inputs.network;
  if (shard) {
    const chargers = network.chargers.filter((c) => inShard(c.id, shard));
    logger.info("Shard {index}/{count}: {mine} of {all} chargers", {
      ...shard,
      mine: chargers.length,
      all: network.chargers.length,
    });
    if (chargers.length === 0) logger.warn("Shard {index}/{count} has no chargers", { ...shard });
    network = { ...network, chargers };
  }
  const print = statePath ? await inputsFingerprint(plan, network, model, demand) : "";
  const saved = statePath ? await openStateFile(statePath, print) : undefined;
  if (saved) {
    plan = loadPlan(saved.plan);
    if (saved.finished) {
      report(`${statePath}: this run already finished (${describe(plan)}); nothing to do`, []);
      return 0;
    }
  }

  const controller = new AbortController();
  let pipeClosed = false;
  const positions: FilePositions | undefined = statePath
    ? { saved: saved?.sinkPositions, current: new Map() }
    : undefined;
  const outputs: Sink[] = await createSinks(sinkList, {
    positions,
    backfill: plan.mode === "backfill",
    shutdownTimeoutMs: config.shutdownTimeoutMs,
    shutdown: controller.signal,
    env: (name) => Deno.env.get(name),
    stopRun: () => {
      pipeClosed = true;
      controller.abort();
    },
  });
  if (logger.isEnabledFor("debug")) outputs.push(getLogSink(logger.getChild("sessions")));
  const metrics = metricsPort === undefined
    ? undefined
    : getMetricsSink(outputs, { start: plan.start });
  const sink = fanOut(metrics ? [metrics, ...outputs] : outputs);

  const sim = new Simulation({
    seed: plan.seed,
    start: plan.start - plan.warmUpMs,
    network,
    model,
    updateIntervalSeconds: plan.updateIntervalSeconds,
    demand,
    resume: saved?.simulation,
  });
  const saveState = (finished: boolean) =>
    writeStateFile(statePath!, {
      format: "evsim-state",
      version: STATE_VERSION,
      savedAt: new Date().toISOString(),
      fingerprint: print,
      plan: savePlan(plan),
      finished,
      sinkPositions: [...positions!.current.values()],
      simulation: sim.snapshot(),
    });
  if (saved) {
    logger.info("Resuming from {file} at {time} (seq {seq})", {
      file: statePath,
      time: new Date(sim.now).toISOString(),
      seq: saved.simulation.seq,
    });
  } else if (plan.warmUpMs > 0) {
    logger.info("Warming up from {from}", {
      from: new Date(plan.start - plan.warmUpMs).toISOString(),
    });
    warmUp(sim, plan.start);
  }
  logger.info("Simulating {plan}", { plan: describe(plan) });

  const removeSignals = onSignals(controller);
  const showProgress = plan.mode === "backfill" && Deno.stderr.isTerminal();
  const encoder = new TextEncoder();
  const started = performance.now();
  let end;
  let metricsServer: MetricsServer | undefined;
  try {
    if (metrics) {
      metricsServer = serveMetrics(metrics.registry, {
        port: metricsPort,
        hostname: flags.host,
      });
    }
    // Saved once before the first event, a state knows where the file sinks started.
    if (positions && !saved?.sinkPositions) {
      await sink.checkpoint?.();
      await saveState(false);
    }
    end = await runSimulation(sim, sink, {
      end: plan.end,
      speed: plan.speed,
      signal: controller.signal,
      // Realtime follows the wall clock itself: resumed late, it catches up first.
      anchor: plan.mode === "realtime" ? { wallMs: 0, simMs: 0 } : undefined,
      checkpoint: statePath ? { everyMs: stateEveryMs, save: () => saveState(false) } : undefined,
      onProgress: showProgress
        ? (p) => Deno.stderr.writeSync(encoder.encode(`\r\x1b[K${formatProgress(p)}`))
        : undefined,
    });
    if (showProgress) Deno.stderr.writeSync(encoder.encode("\r\x1b[K"));
  } finally {
    await sink[Symbol.asyncDispose]();
    // Stopped after the sinks, so that their final deliveries can still be scraped.
    await metricsServer?.[Symbol.asyncDispose]();
    removeSignals();
  }
  if (statePath) await saveState(end === "finished");
  if (pipeClosed) return 0;
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  const how = end === "finished" ? "finished" : "stopped";
  report(`${how} ${describe(plan)} in ${seconds} s`, [
    formatSummary(sim.stats),
    ...outputs.flatMap((o) => (o.stats ? [formatSinkStats(o.stats)] : [])),
  ]);
  return deliveryCode(outputs);
}

async function replay(flags: Flags, file: string | undefined): Promise<number> {
  if (file === undefined) throw new UsageError("replay: expected a file (or - for stdin)");
  const config = await loadConfig(readTextFile, flags.config);
  requirePermissions([
    ...inputNeeds(config, { configFile: flags.config, plugins: flags.plugin }),
    ...replayNeeds(config, { file, sinks: builtInSinks(config, flags) }),
  ]);
  await setUpLogging(config, flags.verbose ?? false);
  let input: ReadableStream<Uint8Array>;
  try {
    input = file === "-" ? Deno.stdin.readable : (await Deno.open(file)).readable;
  } catch (error) {
    throw new ConfigError(
      error instanceof Deno.errors.NotFound ? `${file}: file not found` : `${file}: ${error}`,
    );
  }
  const controller = new AbortController();
  const { sinkTypes } = await buildInputs(config, flags, config.seed);
  const sinkList = resolveSinks(chosenSinks(config, flags, sinkTypes), sinkTypes);
  requirePermissions(sinkNeeds(sinkList));
  // What still fails goes to a new dead-letter file, never the one being read.
  const stamp = new Date().toISOString().replace(/[-:]|\.\d+/g, "");
  const outputs = await createSinks(sinkList, {
    backfill: true,
    shutdownTimeoutMs: config.shutdownTimeoutMs,
    shutdown: controller.signal,
    deadLetterPath: (path) => path.replace(/(\.ndjson)?$/, `.replay-${stamp}$1`),
    env: (name) => Deno.env.get(name),
    stopRun: () => controller.abort(),
  });
  const sink = fanOut(outputs);
  const removeSignals = onSignals(controller);
  let events = 0;
  let bad = 0;
  try {
    for await (
      const event of readEvents(readLines(input), ({ line, problem }) => {
        bad++;
        logger.warn("{file}:{line}: skipped, not an event: {problem}", { file, line, problem });
      }, { unwrap: deadLetterEvent })
    ) {
      if (controller.signal.aborted) break;
      events++;
      const r = sink(event);
      if (r) await r;
    }
  } catch (error) {
    if (error instanceof ConfigError) throw new ConfigError(`${file}: ${error.message}`);
    throw error;
  } finally {
    await sink[Symbol.asyncDispose]();
    removeSignals();
    if (controller.signal.aborted) await input.cancel().catch(() => {});
  }
  report(
    `replayed ${events} event(s) from ${file}${bad ? `, skipped ${bad} bad line(s)` : ""}`,
    outputs.flatMap((o) => (o.stats ? [formatSinkStats(o.stats)] : [])),
  );
  const code = deliveryCode(outputs);
  return code === 0 && bad > 0 ? 1 : code;
}

async function serve(flags: Flags): Promise<number> {
  const config = await loadConfig(readTextFile, flags.config);
  const port = flags.port === undefined ? 8787 : portFlag("port", flags.port);
  requirePermissions(serveNeeds(config, { host: flags.host ?? "127.0.0.1", port }));
  await setUpLogging(config, true);
  const controller = new AbortController();
  const removeSignals = onSignals(controller);
  const token = flags.token ?? envOrUndefined("EVSIM_SERVE_TOKEN");
  const server = await serveEcho({ port, hostname: flags.host ?? "127.0.0.1", token });
  console.error(`evsim: echo server listening on ${server.url} (Ctrl-C to stop)`);
  await new Promise<void>((resolve) =>
    controller.signal.addEventListener("abort", () => resolve())
  );
  await server[Symbol.asyncDispose]();
  removeSignals();
  const stats = server.store.stats();
  report("echo server stopped", [JSON.stringify(stats)]);
  return 0;
}

async function validate(flags: Flags): Promise<number> {
  let inputs;
  try {
    const config = await loadConfig(readTextFile, flags.config);
    const plan = planFromFlags(config, flags);
    requirePermissions(inputNeeds(config, { configFile: flags.config, plugins: flags.plugin }));
    // Every data-file problem at once, then the plugins, then every sink problem.
    await loadInputs(config, { read: readTextFile, baseDir: configDir(flags), defaults });
    inputs = await buildInputs(config, flags, plan.seed);
    resolveSinks(chosenSinks(config, flags, inputs.sinkTypes), inputs.sinkTypes);
  } catch (error) {
    if (!(error instanceof ProblemsError) || permissionProblems(error)) throw error;
    for (const problem of error.problems) console.error(`evsim: ${problem}`);
    return 1;
  }
  const { cities, chargers, vehicles } = inputs.network;
  console.log(
    `${
      flags.config ?? "embedded config"
    }: ok (${cities.length} cities, ${chargers.length} chargers, ${vehicles.length} vehicle models)`,
  );
  return 0;
}

/**
 * `evsim stats`: reads an event stream in constant memory and prints its
 * figures and calibration table (or JSON), optionally writing the HTML report.
 * Calibration failures do not change the exit code: it is a report.
 */
async function stats(flags: Flags, file = "-"): Promise<number> {
  requirePermissions(statsNeeds(file, flags.html));
  let references;
  try {
    references = chooseReferences(flags.reference ?? []);
  } catch (error) {
    if (error instanceof ConfigError) throw new UsageError(`stats: --reference: ${error.message}`);
    throw error;
  }
  let input: ReadableStream<Uint8Array>;
  try {
    input = file === "-" ? Deno.stdin.readable : (await Deno.open(file)).readable;
  } catch (error) {
    throw new Error(
      error instanceof Deno.errors.NotFound ? `${file}: file not found` : `${file}: ${error}`,
    );
  }
  let firstBad = "";
  const collector = new StatsCollector({
    onBadLine: ({ line, problem }) => firstBad ||= `line ${line}: ${problem}`,
  });
  // On a terminal, a progress line every 65,536 lines.
  const progress = Deno.stderr.isTerminal();
  const encoder = new TextEncoder();
  const started = performance.now();
  let lines = 0;
  try {
    for await (const line of readLines(input)) {
      collector.addLine(line);
      lines++;
      if (progress && (lines & 0xffff) === 0) {
        const rate = lines / ((performance.now() - started) / 1000);
        const n = (x: number) => Math.round(x).toLocaleString("en-US");
        Deno.stderr.writeSync(
          encoder.encode(`\r\x1b[Kread ${n(lines)} lines · ${n(rate)} lines/s`),
        );
      }
    }
  } catch (error) {
    throw new Error(`${file === "-" ? "stdin" : file}: cannot read: ${(error as Error).message}`);
  } finally {
    if (progress && lines > 0xffff) Deno.stderr.writeSync(encoder.encode("\r\x1b[K"));
  }
  const report = collector.report({ charts: flags.html !== undefined, references });
  if (report.events === 0) {
    const what = report.badLines > 0
      ? `no events, only ${report.badLines} bad line(s) (first, ${firstBad})`
      : "no events: the input is empty";
    throw new Error(`${file === "-" ? "stdin" : file}: ${what}`);
  }
  if (flags.html !== undefined) {
    // Loaded only when asked for: the chart renderer takes a while to load.
    const { renderHtml } = await import("./stats/html.ts");
    const html = await renderHtml(report, {
      title: `evsim stats: ${file === "-" ? "stdin" : file}`,
      profiles: defaults.model.arrivalProfiles,
    });
    try {
      await Deno.writeTextFile(flags.html, html);
    } catch (error) {
      throw new Error(`${flags.html}: cannot write the HTML report: ${(error as Error).message}`);
    }
  }
  console.log(flags.json ? JSON.stringify(report, null, 2) : formatStatsText(report));
  if (report.duplicates) {
    console.error(
      `evsim: note: skipped ${report.duplicates} duplicate event(s) (an eventId seen before, as a resumed run repeats them)`,
    );
  }
  if (report.badLines > 0) {
    console.error(
      `evsim: warning: skipped ${report.badLines} line(s) that are not events (first, ${firstBad})`,
    );
  }
  return 0;
}

async function init(dir = "."): Promise<number> {
  requirePermissions(initNeeds(dir));
  const files: Record<string, string> = {
    "config.json": CONFIG_TEMPLATE,
    "config.schema.json": JSON.stringify(configJsonSchema(), null, 2) + "\n",
    "my_plugin.ts": PLUGIN_TEMPLATE,
  };
  const existing = [];
  for (const name of Object.keys(files)) {
    try {
      await Deno.lstat(`${dir}/${name}`);
      existing.push(`${dir}/${name}`);
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
  }
  if (existing.length > 0) {
    console.error(`evsim: init: not overwriting ${existing.join(", ")}`);
    return 1;
  }
  await Deno.mkdir(dir, { recursive: true });
  for (const [name, text] of Object.entries(files)) {
    await Deno.writeTextFile(`${dir}/${name}`, text);
  }
  console.error(
    `evsim: wrote ${Object.keys(files).map((n) => `${dir}/${n}`).join(", ")}\n` +
      `  try: evsim validate -c ${dir}/config.json && evsim -c ${dir}/config.json | head`,
  );
  return 0;
}

function schema(which: string | undefined): number {
  const schemas = { event: EventSchema, config: ConfigSchema };
  if (which !== "event" && which !== "config") {
    throw new UsageError(
      `schema: expected "event" or "config", got ${JSON.stringify(which ?? "")}`,
    );
  }
  const json = which === "config"
    ? configJsonSchema()
    : toJsonSchema(schemas[which], { errorMode: "ignore" });
  console.log(JSON.stringify(json, null, 2));
  return 0;
}

async function main(args: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const { values: flags, positionals } = parsed;
  if (flags.help) {
    console.log(USAGE);
    return 0;
  }
  if (flags.version) {
    console.log(`evsim ${denoJson.version}`);
    return 0;
  }
  const [command = "run", ...rest] = positionals;
  const expectArgs = (n: number) => {
    if (rest.length > n) throw new UsageError(`${command}: unexpected argument "${rest[n]}"`);
  };
  switch (command) {
    case "run":
      expectArgs(0);
      return await run(flags);
    case "validate":
      expectArgs(0);
      return await validate(flags);
    case "schema":
      expectArgs(1);
      return schema(rest[0]);
    case "replay":
      expectArgs(1);
      return await replay(flags, rest[0]);
    case "serve":
      expectArgs(0);
      return await serve(flags);
    case "stats":
      expectArgs(1);
      return await stats(flags, rest[0]);
    case "init":
      expectArgs(1);
      return await init(rest[0]);
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}

if (import.meta.main) {
  let code: number;
  try {
    code = await main(Deno.args);
  } catch (error) {
    const denied = permissionProblems(error);
    if (denied) {
      for (const problem of denied) console.error(`evsim: ${problem}`);
      code = 2;
    } else if (error instanceof UsageError) {
      console.error(`evsim: ${error.message}\n\n${USAGE}`);
      code = 2;
    } else if (error instanceof ProblemsError) {
      for (const problem of error.problems) console.error(`evsim: ${problem}`);
      code = 2;
    } else {
      logger.fatal("Run failed: {error}", { error });
      console.error(`evsim: ${error instanceof Error ? error.message : error}`);
      code = 1;
    }
  }
  await reset();
  Deno.exit(code);
}
