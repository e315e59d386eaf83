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
import { ConfigError } from "./core/errors.ts";
import { EventSchema } from "./core/event.ts";
import { dirname, loadConfig, loadInputs, type ReadTextFile } from "./core/load.ts";
import { type Overrides, planRun, type RunPlan } from "./core/plan.ts";
import { runSimulation } from "./core/run.ts";
import { Simulation } from "./core/simulation.ts";
import { type DisposableSink, fanOut, type Sink } from "./core/sink.ts";
import { formatProgress, formatSummary } from "./core/summary.ts";
import { defaults } from "./data/mod.ts";
import { getLogSink } from "./sinks/log.ts";
import { getStdoutSink } from "./sinks/stdout.ts";
import denoJson from "./deno.json" with { type: "json" };

const USAGE =
  `evsim ${denoJson.version}: simulates the EV charging network of US cities as a stream of events.

Usage:
  evsim [run] [options]        run the simulation; events go to stdout as NDJSON
  evsim validate [options]     check the config and data files; print every problem
  evsim schema event|config    print the JSON Schema of an event or of config.json

Options:
  -c, --config FILE            config file (default: the embedded configuration)
      --seed N                 seed of every random draw (default 1)
      --from DATE              simulated start, e.g. 2026-01-05 or 2026-01-05T08:00:00Z
      --to DATE                simulated end (exclusive)
      --duration D             simulated length, e.g. 7d, 12h, 1d12h
      --speed X                accelerated: X simulated seconds per wall second
      --realtime               follow the wall clock until Ctrl-C (the default)
      --update-interval S      simulated seconds between session.updated events (default 60)
  -v, --verbose                also log to stderr what goes to the log file
  -h, --help                   show this help
  -V, --version                show the version

Time modes: --from/--to/--duration without --speed or --realtime run a backfill as
fast as possible and exit; a backfill with no --from starts at 2026-01-05T00:00:00Z.

Examples:
  evsim --duration 1d | jq 'select(.type == "session.completed")'
  evsim --speed 60 --seed 7
  evsim validate --config config.json
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

/** The sinks the config lists. */
function makeSinks(config: Config, onClosed: () => void): DisposableSink[] {
  if (config.api) {
    throw new ConfigError("config: api: the http sink is not available in this version");
  }
  return config.sinks.map((s, i) => {
    if (s.type === "stdout") return getStdoutSink({ onClosed });
    throw new ConfigError(`config: sinks[${i}].type: "${s.type}" is not available in this version`);
  });
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

async function run(flags: Flags): Promise<number> {
  const config = await loadConfig(readTextFile, flags.config);
  const plan = planFromFlags(config, flags);
  await setUpLogging(config, flags.verbose ?? false);
  const { network, model } = await loadInputs(config, {
    read: readTextFile,
    baseDir: flags.config ? dirname(flags.config) : ".",
    defaults,
  });
  logger.info(
    "Loaded {cities} cities, {chargers} chargers, {vehicles} vehicle models",
    {
      cities: network.cities.length,
      chargers: network.chargers.length,
      vehicles: network.vehicles.length,
    },
  );

  const controller = new AbortController();
  let pipeClosed = false;
  const outputs: Sink[] = makeSinks(config, () => {
    pipeClosed = true;
    controller.abort();
  });
  if (logger.isEnabledFor("debug")) outputs.push(getLogSink(logger.getChild("sessions")));
  await using sink = fanOut(outputs);

  const sim = new Simulation({
    seed: plan.seed,
    start: plan.start,
    network,
    model,
    updateIntervalSeconds: plan.updateIntervalSeconds,
    peakHours: config.peakHours,
    peakMultiplier: config.peakMultiplier,
  });
  logger.info("Simulating {plan}", { plan: describe(plan) });

  const stop = () => controller.abort();
  Deno.addSignalListener("SIGINT", stop);
  Deno.addSignalListener("SIGTERM", stop);
  const showProgress = plan.mode === "backfill" && Deno.stderr.isTerminal();
  const encoder = new TextEncoder();
  const started = performance.now();
  try {
    const end = await runSimulation(sim, sink, {
      end: plan.end,
      speed: plan.speed,
      signal: controller.signal,
      onProgress: showProgress
        ? (p) => Deno.stderr.writeSync(encoder.encode(`\r\x1b[K${formatProgress(p)}`))
        : undefined,
    });
    if (showProgress) Deno.stderr.writeSync(encoder.encode("\r\x1b[K"));
    if (pipeClosed) return 0;
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    const how = end === "finished" ? "finished" : "stopped";
    const summary = `${how} ${describe(plan)} in ${seconds} s\n  ${formatSummary(sim.stats)}`;
    logger.info("Run {how} in {seconds} s: {stats}", {
      how,
      seconds,
      stats: formatSummary(sim.stats),
    });
    console.error(`evsim: ${summary}`);
    return 0;
  } finally {
    Deno.removeSignalListener("SIGINT", stop);
    Deno.removeSignalListener("SIGTERM", stop);
  }
}

async function validate(flags: Flags): Promise<number> {
  let network;
  try {
    const config = await loadConfig(readTextFile, flags.config);
    planFromFlags(config, flags);
    ({ network } = await loadInputs(config, {
      read: readTextFile,
      baseDir: flags.config ? dirname(flags.config) : ".",
      defaults,
    }));
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    for (const problem of error.problems) console.error(`evsim: ${problem}`);
    return 1;
  }
  console.log(
    `${
      flags.config ?? "embedded config"
    }: ok (${network.cities.length} cities, ${network.chargers.length} chargers, ${network.vehicles.length} vehicle models)`,
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
  const json = toJsonSchema(schemas[which], { errorMode: "ignore" });
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
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}

if (import.meta.main) {
  let code: number;
  try {
    code = await main(Deno.args);
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(`evsim: ${error.message}\n\n${USAGE}`);
      code = 2;
    } else if (error instanceof ConfigError) {
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
