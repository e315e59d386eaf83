/**
 * `evsim run` as a library: a config and a plan made into a running
 * simulation. {@link prepareRun} loads what it simulates (plugins, region,
 * shard, state file) and checks its sinks; {@link runPrepared} creates the
 * sinks (and the metrics server), runs, saves the state and reports.
 * {@link runConfig} does both.
 *
 * ```ts
 * import { loadConfig, planRun, runConfig } from "../mod.ts";
 *
 * const config = await loadConfig(Deno.readTextFile);
 * const plan = planRun(config, { duration: "1h" }, Date.now());
 * const result = await runConfig(config, plan, { sinks: ["file:out.ndjson"] });
 * console.log(result.stats.events);
 * ```
 *
 * Nothing here prints: the run logs through LogTape (category `evsim`) and
 * returns what happened.
 *
 * @module
 */
import { getLogger } from "@logtape/logtape";
import type { Config, OcppConfig } from "../core/config.ts";
import { describePlan, type RunPlan } from "../core/plan.ts";
import { type Progress, type RunEnd, runSimulation, warmUp } from "../core/run.ts";
import type { Shard } from "../core/shard.ts";
import { newSimulationStats, Simulation, type SimulationStats } from "../core/simulation.ts";
import { fanOut, type Sink, type SinkStats } from "../core/sink.ts";
import { formatResumedSummary, formatSinkStats, formatSummary } from "../core/summary.ts";
import { getLogSink } from "../sinks/log.ts";
import type { MetricsServer, MetricsSink } from "../sinks/metrics.ts";
import type { ResolvedSink } from "../sinks/registry.ts";
import { heapKeeper } from "./heap.ts";
import { configBaseDir, loadRunInputs, type RunInputs, type RunInputsOptions } from "./inputs.ts";
import {
  checkOcppPlan,
  formatOcppCounts,
  type OcppCounts,
  type OcppFlags,
  ocppSettings,
  startOcpp,
} from "./ocpp.ts";
import { runParallel, workersFor } from "./parallel.ts";
import { shardNetwork } from "./shard.ts";
import { createRunSinks, type DeliveryCounts, deliveryCounts, resolveRunSinks } from "./sinks.ts";
import { openRunState, type RunState } from "./state_file.ts";

const logger = getLogger(["evsim"]);

/** Options of {@link prepareRun}. */
export interface PrepareRunOptions extends Omit<RunInputsOptions, "seed"> {
  /** `--sink` values: replace the config's sinks, or add to them as `+SPEC`. @default {[]} */
  sinks?: readonly string[];
  /** Run only this slice of the chargers. @default {undefined} (all of them) */
  shard?: Shard;
  /**
   * The state file: the run resumes from it if it holds a state of the same
   * inputs, and saves to it about every `everyMs` of wall time and at the end.
   * @default {undefined} (no state file)
   */
  state?: { path: string; everyMs?: number };
  /**
   * Serve Prometheus metrics at `http://HOSTNAME:PORT/metrics` while the run
   * lasts. Throws an `AddressInUseError` if the port is taken.
   * @default {undefined} (no metrics server)
   */
  metrics?: { port: number; hostname?: string };
  /**
   * Called with the sinks once they are resolved, before any is created:
   * throw to refuse them (the command line checks Deno's permissions here).
   */
  authorizeSinks?: (sinks: readonly ResolvedSink[]) => void;
  /** Reads an environment variable, for sinks' tokens. @default {Deno.env.get} */
  env?: (name: string) => string | undefined;
  /**
   * `--ocpp URL` and `--ocpp-version`, over the config's `ocpp` block: every
   * station becomes a charge point of that central system.
   * @default {the config's `ocpp` block, if any}
   */
  ocpp?: OcppFlags;
  /**
   * Threads a backfill to stdout or files may simulate on, each a slice of
   * the stations (`app/parallel.ts`), with the same bytes out: `"auto"` takes
   * one per core, up to 4. A run that cannot (a sink that sends events one by
   * one, a state file, OCPP, metrics, a plugin not shipped with evsim) runs on
   * one thread.
   * @default {1}
   */
  workers?: number | "auto";
}

/** A run ready to start: what it simulates, where its events go, where it resumes. */
export interface PreparedRun {
  readonly config: Config;
  /** The plan to run: the state file's when it resumes one. */
  readonly plan: RunPlan;
  /** What it simulates (the shard's chargers only). */
  readonly inputs: RunInputs;
  readonly sinks: readonly ResolvedSink[];
  /** The opened state file, if any. */
  readonly state?: RunState;
  /** The OCPP settings, if its stations are charge points of a central system. */
  readonly ocpp?: OcppConfig;
  readonly options: PrepareRunOptions;
}

/**
 * Loads what a run of `plan` simulates and resolves its sinks. Every problem
 * is a `ConfigError` or `PluginError` naming its place; a `--sink` value no
 * type reads is one starting `--sink: `.
 */
export async function prepareRun(
  config: Config,
  plan: RunPlan,
  options: PrepareRunOptions = {},
): Promise<PreparedRun> {
  const ocpp = ocppSettings(config, options.ocpp);
  if (ocpp) checkOcppPlan(plan);
  const inputs = await loadRunInputs(config, { ...options, seed: plan.seed });
  const sinks = resolveRunSinks(config, inputs.sinkTypes, options);
  options.authorizeSinks?.(sinks);
  if (options.shard) inputs.network = shardNetwork(inputs.network, options.shard);
  const state = options.state
    ? await openRunState(options.state.path, { ...inputs, plan })
    : undefined;
  if (ocpp && state) checkOcppPlan(state.plan); // the plan a resumed state follows
  return { config, plan: state?.plan ?? plan, inputs, sinks, state, ocpp, options };
}

/** Options of {@link runPrepared}. */
export interface RunPreparedOptions {
  /** Stops the run: the sinks then deliver what they can within the config's `shutdownTimeoutMs`. */
  signal?: AbortSignal;
  /** Called about every second of wall time with the simulated time reached. */
  onProgress?: (progress: Progress) => void;
  /** Called once the simulation has ended, before the sinks finish delivering. */
  onEnd?: (end: RunEnd) => void;
}

/** What a run did. */
export interface RunResult {
  plan: RunPlan;
  /**
   * `finished` (reached its end), `stopped` (by the signal), `closed` (a
   * sink's output went away, as stdout's reader in `evsim | head`), or
   * `done` (the state file's run had already finished: nothing ran).
   */
  end: RunEnd | "closed" | "done";
  /** The state file, if any. */
  statePath?: string;
  /**
   * The simulation's counters at the end, since the run first started when it
   * resumed a state; `energyKwh` includes what the sessions still plugged in
   * have taken so far.
   */
  stats: SimulationStats;
  /**
   * When it resumed a state file: the simulated time it resumed at and the
   * counters then (`stats` minus these is what this run did).
   */
  resumed?: { at: number; stats: SimulationStats };
  /** Each sink's counters (of sinks that keep them). */
  sinks: SinkStats[];
  delivery: DeliveryCounts;
  /** What the OCPP charge points did, if the run had them. */
  ocpp?: OcppCounts;
  /** Wall milliseconds the run took, from its first event. */
  elapsedMs: number;
}

/** A result's summary: one headline and the lines under it. */
export interface Report {
  headline: string;
  lines: string[];
}

/** The summary of a run, as logged and as the command line prints it. */
export function runReport(result: RunResult): Report {
  if (result.end === "done") {
    const what = `this run already finished (${describePlan(result.plan)}); nothing to do`;
    return { headline: `${result.statePath}: ${what}`, lines: [] };
  }
  const seconds = (result.elapsedMs / 1000).toFixed(1);
  const how = result.end === "finished" ? "finished" : "stopped";
  return {
    headline: `${how} ${describePlan(result.plan)} in ${seconds} s`,
    lines: [
      ...(result.resumed
        ? formatResumedSummary(result.stats, result.resumed)
        : [formatSummary(result.stats)]),
      ...result.sinks.map(formatSinkStats),
      ...(result.ocpp ? [formatOcppCounts(result.ocpp)] : []),
    ],
  };
}

/** Logs `report` at info level. */
export function logReport(report: Report): void {
  logger.info("{headline}: {details}", {
    headline: report.headline,
    details: report.lines.join("; "),
  });
}

/**
 * Runs `prepared`: creates its sinks (each isolated: their failures are
 * counted, never stop the run), runs the simulation to its end or until
 * stopped, closes the sinks, saves the state file and logs the summary.
 */
export async function runPrepared(
  prepared: PreparedRun,
  options: RunPreparedOptions = {},
): Promise<RunResult> {
  const { config, plan, inputs, state } = prepared;
  const { metrics, env = (name) => Deno.env.get(name) } = prepared.options;
  const statePath = state?.path;
  if (state?.finished) {
    const result: RunResult = {
      plan,
      end: "done",
      statePath,
      stats: newSimulationStats(),
      sinks: [],
      delivery: { lost: 0, undelivered: 0 },
      elapsedMs: 0,
    };
    logReport(runReport(result));
    return result;
  }

  const workers = workersFor(prepared);
  if (workers > 1) {
    const result = await runParallel(prepared, workers, options);
    if (result.end !== "closed") logReport(runReport(result));
    return result;
  }

  const controller = new AbortController();
  const stop = () => controller.abort();
  options.signal?.addEventListener("abort", stop, { once: true });
  if (options.signal?.aborted) stop();
  const sim = new Simulation({
    seed: plan.seed,
    start: plan.start - plan.warmUpMs,
    network: inputs.network,
    model: inputs.model,
    updateIntervalSeconds: plan.updateIntervalSeconds,
    demand: inputs.demand,
    resume: state?.resume,
  });
  // The counters of a simulation, with the energy of the sessions still plugged in.
  const totals = (): SimulationStats => ({
    ...sim.stats,
    energyKwh: sim.stats.energyKwh + sim.pluggedInEnergyKwh(),
  });
  const resumed = state?.resume ? { at: sim.now, stats: totals() } : undefined;
  const keep = heapKeeper();
  if (state?.resume) {
    logger.info("Resuming from {file} at {time} (seq {seq})", {
      file: statePath,
      time: new Date(sim.now).toISOString(),
      seq: state.resume.seq,
    });
  } else if (plan.warmUpMs > 0) {
    logger.info("Warming up from {from}", {
      from: new Date(plan.start - plan.warmUpMs).toISOString(),
    });
    warmUp(sim, plan.start, keep);
  }
  logger.info("Simulating {plan}", { plan: describePlan(plan) });

  // The charge points connect before the first event, with the ports as the warm-up left them
  // (or as the state file saved them).
  const ocpp = prepared.ocpp
    ? await startOcpp(prepared.ocpp, inputs.network, {
      sim,
      start: sim.now,
      shutdownTimeoutMs: config.shutdownTimeoutMs,
      env,
      baseDir: configBaseDir(prepared.options.configFile),
      saved: state?.resumeOcpp,
    })
    : undefined;
  let closed = false;
  // prom-client is loaded only for a run that serves metrics: a plain run does not pay for it.
  const metricsModule = metrics ? await import("../sinks/metrics.ts") : undefined;
  const outputs: Sink[] = await createRunSinks(prepared, {
    shutdown: controller.signal,
    stopRun: () => {
      closed = true;
      controller.abort();
    },
  }).catch(async (error) => {
    await ocpp?.[Symbol.asyncDispose]();
    throw error;
  });
  if (ocpp) outputs.push(ocpp);
  if (logger.isEnabledFor("debug")) outputs.push(getLogSink(logger.getChild("sessions")));
  const metricsSink: MetricsSink | undefined = metricsModule?.getMetricsSink(outputs, {
    start: plan.start,
  });
  const sink = fanOut(metricsSink ? [metricsSink, ...outputs] : outputs);

  const started = performance.now();
  let end: RunEnd;
  let metricsServer: MetricsServer | undefined;
  try {
    if (metricsSink) {
      metricsServer = metricsModule!.serveMetrics(metricsSink.registry, {
        port: metrics!.port,
        hostname: metrics!.hostname,
      });
    }
    // Saved once before the first event, a state knows where the file sinks started.
    if (state && !state.positions.saved) {
      await sink.checkpoint?.();
      await state.save(sim, false, ocpp?.save());
    }
    end = await runSimulation(sim, sink, {
      end: plan.end,
      speed: plan.speed,
      signal: controller.signal,
      // Realtime follows the wall clock itself: resumed late, it catches up first.
      anchor: plan.mode === "realtime" ? { wallMs: 0, simMs: 0 } : undefined,
      checkpoint: state
        ? {
          everyMs: prepared.options.state?.everyMs ?? 30_000,
          save: () => state.save(sim, false, ocpp?.save()),
        }
        : undefined,
      onProgress: (progress) => {
        keep();
        options.onProgress?.(progress);
      },
      commands: ocpp?.commands,
    });
    options.onEnd?.(end);
  } finally {
    await sink[Symbol.asyncDispose]();
    // Stopped after the sinks, so that their final deliveries can still be scraped.
    await metricsServer?.[Symbol.asyncDispose]();
    options.signal?.removeEventListener("abort", stop);
  }
  if (state) await state.save(sim, end === "finished", ocpp?.save());
  const result: RunResult = {
    plan,
    end: closed ? "closed" : end,
    statePath,
    stats: totals(),
    resumed,
    sinks: outputs.flatMap((o) => (o.stats ? [o.stats] : [])),
    delivery: deliveryCounts(outputs),
    // What the charge points did not send, a state file that goes on keeps.
    ocpp: ocpp?.counts({ kept: state !== undefined && end !== "finished" }),
    elapsedMs: performance.now() - started,
  };
  if (!closed) logReport(runReport(result));
  return result;
}

/** {@link prepareRun} and {@link runPrepared} in one. */
export async function runConfig(
  config: Config,
  plan: RunPlan,
  options: PrepareRunOptions & RunPreparedOptions = {},
): Promise<RunResult> {
  return await runPrepared(await prepareRun(config, plan, options), options);
}
