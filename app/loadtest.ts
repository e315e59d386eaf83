/**
 * `evsim loadtest FILE` as a library: reads a scenario (JSON, or YAML by
 * its `.yaml`/`.yml` name), simulates its region from its simulated start
 * after the config's warm-up, and runs it against its central system
 * (`loadtest/`).
 *
 * @module
 */
import type { Config } from "../core/config.ts";
import { ConfigError, parseJson } from "../core/errors.ts";
import { planRun } from "../core/plan.ts";
import { warmUp } from "../core/run.ts";
import { Simulation } from "../core/simulation.ts";
import { readJson, readText, resolvePath } from "../core/load.ts";
import { parseScenario, type Scenario } from "../loadtest/scenario.ts";
import type { LoadReport, LoadTestOptions } from "../loadtest/run.ts";
import type { Shard } from "../core/shard.ts";
import { shardNetwork } from "./shard.ts";
import { stationsOf } from "../ocpp/station.ts";
import { regionNetwork } from "../data/mod.ts";
import { configBaseDir, loadRunInputs } from "./inputs.ts";
import { ocppFleetOptions } from "./ocpp.ts";
import { writeHtmlReport } from "./stats.ts";

/** Reads and checks the scenario at `path`; every error names the file and the field. */
export async function readScenario(path: string): Promise<Scenario> {
  const text = await readText(Deno.readTextFile, path, "scenario file");
  let value: unknown;
  if (/\.ya?ml$/i.test(path)) {
    const { parse } = await import("yaml"); // only for a YAML scenario
    try {
      value = parse(text);
    } catch (error) {
      // The YAML library reads LOG_TOKENS and LOG_STREAM: a missing permission says so itself.
      if (error instanceof Deno.errors.NotCapable) throw error;
      throw new ConfigError(`${path}: invalid YAML: ${(error as Error).message}`);
    }
  } else value = parseJson(text, path);
  return parseScenario(value, path);
}

/** Options of {@link loadTest}. */
export interface LoadTestRunOptions {
  /** The config file (its folder is where `ocpp.caFile` and data paths are). */
  configFile?: string;
  /** The scenario file: `ocpp.caFile` is relative to its folder. */
  scenarioFile?: string;
  env?: (name: string) => string | undefined;
  signal?: AbortSignal;
  onPhase?: (index: number, kind: string) => void;
  /** Simulated start when the scenario names none. @default {now} */
  now?: number;
  /** The slice of the charge points this process runs (`--shard I/N`). @default {all} */
  shard?: Shard;
  /** Prometheus metrics while it runs (see `LoadTestOptions.metrics`). @default {none} */
  metrics?: LoadTestOptions["metrics"];
}

/** Runs `scenario` with `config`'s model; resolves with its report. */
export async function loadTest(
  config: Config,
  scenario: Scenario,
  options: LoadTestRunOptions = {},
): Promise<LoadReport> {
  const seed = scenario.seed ?? config.seed;
  const inputs = await loadRunInputs(config, {
    configFile: options.configFile,
    region: scenario.region === undefined ? undefined : [scenario.region],
    seed,
  });
  // Its start, warm-up and update interval as a run's, accelerated at the scenario's speed.
  const { start, warmUpMs, updateIntervalSeconds } = planRun(
    config,
    { speed: String(scenario.speed), from: scenario.from },
    Math.floor((options.now ?? Date.now()) / 1000) * 1000,
  );
  // The OCPP library (ocpp-rpc, ws) loads only for the commands that speak OCPP.
  const { runLoadTest, takingPart } = await import("../loadtest/run.ts");
  // Only the stations that take part are simulated (each charger draws from its own random
  // stream: their events are those of the whole network's run), and a shard's own only; the
  // choices are made over every station.
  const stations = stationsOf(inputs.network);
  const part = new Set(takingPart(scenario, stations.map((s) => s.stationId), seed));
  const taking = {
    ...inputs.network,
    chargers: inputs.network.chargers.filter((c) => part.has(c.stationId ?? c.id)),
  };
  const network = options.shard ? shardNetwork(taking, options.shard) : taking;
  const sim = new Simulation({
    seed,
    start: start - warmUpMs,
    network,
    model: inputs.model,
    demand: inputs.demand,
    updateIntervalSeconds,
  });
  warmUp(sim, start);
  const fleet = ocppFleetOptions(scenario.ocpp, {
    sim,
    start,
    env: options.env ?? ((name) => Deno.env.get(name)),
    baseDir: configBaseDir(options.scenarioFile),
  });
  return await runLoadTest({
    scenario,
    sim,
    stations,
    shard: options.shard,
    // An outage's region: the stations of the real network there (core/region.ts).
    regionStations: (region) =>
      new Set(regionNetwork(region).chargers.map((c) => c.stationId ?? c.id)),
    metrics: options.metrics,
    tracePath: scenario.trace &&
      resolvePath(configBaseDir(options.scenarioFile), scenario.trace.path),
    fleet,
    seed,
    signal: options.signal,
    shutdownTimeoutMs: config.shutdownTimeoutMs,
    onPhase: options.onPhase,
  });
}

/**
 * The reports (`--json`) of the shards of a test, read and merged into the
 * report of the whole; a file that is not one, or a report of another
 * test, is a `ConfigError` naming it.
 */
export async function mergeReportFiles(paths: readonly string[]): Promise<LoadReport> {
  const { mergeReports, parseReport } = await import("../loadtest/merge.ts");
  const reports = [];
  for (const path of paths) {
    reports.push(parseReport(await readJson(Deno.readTextFile, path, "report"), path));
  }
  return mergeReports(reports);
}

/** Writes the HTML report of `report` at `path` (Vega loads only then). */
export async function writeLoadReportHtml(
  report: LoadReport,
  path: string,
  options: { title?: string } = {},
): Promise<void> {
  const { renderLoadReportHtml } = await import("../loadtest/html.ts");
  await writeHtmlReport(path, await renderLoadReportHtml(report, options));
}
