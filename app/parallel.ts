/**
 * A backfill to stdout or files on several cores: this thread loads the run's inputs
 * and cuts the network into slices of whole stations; each worker
 * (`parallel_worker.ts`) simulates a slice and serializes its events; this thread
 * merges them into the whole run's order (`parallel_merge.ts`) and writes
 * them to each sink. The bytes are those of the same run on one thread: every charger
 * draws from its own random stream, a slice's chargers run their steps in
 * the order the whole network's run does, and the merge takes the slices'
 * events in that order (step key, then charger), numbering them.
 *
 * Only a run whose events need nothing but their serialized lines can: a
 * backfill whose sinks all take lines (stdout and file: `SinkType.lines`),
 * without a state file, OCPP, metrics, session logging or plugins other than
 * the shipped ones (a plugin's models might share state between chargers).
 * {@link parallelObstacle} says what keeps a run on one thread.
 *
 * @module
 */
import { getLogger } from "@logtape/logtape";
import type { DemandProfile } from "../core/arrivals.ts";
import { type Charger, cityOf } from "../core/network.ts";
import { describePlan } from "../core/plan.ts";
import type { Progress, RunEnd } from "../core/run.ts";
import { shardOf } from "../core/shard.ts";
import { newSimulationStats, type SimulationStats } from "../core/simulation.ts";
import { KINDS } from "../core/simulation_snapshot.ts";
import { shippedPlugins } from "../plugins/mod.ts";
import { type LineChunk, mergeLines } from "./parallel_merge.ts";
import type { WorkerMessage, WorkerStart } from "./parallel_worker.ts";
import type { RunInputs } from "./inputs.ts";
import type { PreparedRun, RunPreparedOptions, RunResult } from "./run.ts";
import { createRunSinks, deliveryCounts } from "./sinks.ts";

const logger = getLogger(["evsim"]);

/** Workers `"auto"` starts at most: the merge and the reader of stdout bound it beyond. */
export const MAX_AUTO_WORKERS = 4;

const WORKER_URL = new URL("./parallel_worker.ts", import.meta.url);
const CHUNK_BYTES = 1 << 20;
const CHUNKS_IN_FLIGHT = 3;

/** Why `prepared` runs on one thread whatever its `workers`, or undefined if it need not. */
export function parallelObstacle(prepared: PreparedRun): string | undefined {
  const { plan, sinks, state, ocpp, options, config } = prepared;
  if (plan.mode !== "backfill") return `a ${plan.mode} run`;
  if (state) return "a state file";
  if (ocpp) return "OCPP charge points";
  if (options.metrics) return "a metrics server";
  if (sinks.length === 0) return "no sinks";
  const one = sinks.find((s) => !s.registered.type.lines);
  if (one) return `the ${one.name} sink (only stdout and file sinks take lines)`;
  const modules = [...config.plugins.map((p) => p.module), ...(options.plugins ?? [])];
  const foreign = modules.find((m) => !Object.hasOwn(shippedPlugins, m));
  if (foreign) return `the plugin ${foreign}`;
  if (logger.isEnabledFor("debug")) return "sessions logged at debug level";
  if (!workerModuleExists()) return "a build without its worker module (a bundle)";
  return undefined;
}

/**
 * Whether the worker module is beside this one: not in a bundle, where this
 * module is part of the bundle's file (its URL the bundle's) and no worker
 * module was written. Told from the URL alone, without reading any file.
 */
function workerModuleExists(): boolean {
  return import.meta.url.endsWith("/parallel.ts");
}

/** How many workers a run of `prepared` gets for its `workers` option: 1 is this thread alone. */
export function workersFor(prepared: PreparedRun): number {
  const asked = prepared.options.workers ?? 1;
  const wanted = asked === "auto"
    ? Math.min(navigator.hardwareConcurrency, MAX_AUTO_WORKERS)
    : asked;
  if (wanted <= 1) return 1;
  const obstacle = parallelObstacle(prepared);
  if (obstacle === undefined) return wanted;
  if (asked === "auto") {
    logger.debug("One thread: {obstacle}", { obstacle });
  } else {
    logger.warn("--workers {workers}: running on one thread for {obstacle}", {
      workers: asked,
      obstacle,
    });
  }
  return 1;
}

/** One worker's chunks, as they arrive, and its latest counters. */
class Lane {
  readonly #worker: Worker;
  readonly #chunks: LineChunk[] = [];
  #ended = false;
  #error?: Error;
  #waiting?: { resolve: (chunk: LineChunk | undefined) => void; reject: (e: Error) => void };
  stats: SimulationStats = newSimulationStats();
  /** The `seq` its warm-up reached, once it is ready. */
  readonly ready: Promise<number>;

  constructor(worker: Worker, index: number) {
    this.#worker = worker;
    let ready!: (seq: number) => void;
    let failed!: (error: Error) => void;
    this.ready = new Promise((resolve, reject) => [ready, failed] = [resolve, reject]);
    this.ready.catch(() => {}); // also reported by next()
    const fail = (message: string) => {
      this.#error = new Error(`parallel backfill, worker ${index}: ${message}`);
      failed(this.#error);
      this.#waiting?.reject(this.#error);
      this.#waiting = undefined;
    };
    worker.onmessage = (e: MessageEvent<WorkerMessage>) => {
      const message = e.data;
      if (message.type === "ready") return ready(message.seq);
      if (message.type === "error") return fail(message.message);
      this.stats = message.stats;
      if (message.type === "end") this.#ended = true;
      else this.#chunks.push(message);
      const waiting = this.#waiting;
      this.#waiting = undefined;
      waiting?.resolve(this.#chunks.shift());
    };
    worker.onerror = (e) => {
      e.preventDefault();
      fail(e.message);
    };
  }

  next(): Promise<LineChunk | undefined> {
    if (this.#error) return Promise.reject(this.#error);
    if (this.#chunks.length > 0 || this.#ended) return Promise.resolve(this.#chunks.shift());
    return new Promise((resolve, reject) => this.#waiting = { resolve, reject });
  }

  /** Gives a merged chunk's buffers back to the worker, to fill again. */
  done(chunk: LineChunk): void {
    const { bytes, meta } = chunk;
    this.#worker.postMessage({ bytes, meta }, [bytes.buffer, meta.buffer]);
  }
}

/** A worker's part of the run: whole stations, by a hash of the station's ID (else the charger's). */
export function workerOf(charger: Charger, count: number): number {
  return shardOf(`worker:${charger.stationId ?? charger.id}`, count);
}

/** The network cut into `count` slices of whole stations, each with its chargers' demand. */
function slices(
  inputs: RunInputs,
  count: number,
): Omit<WorkerStart, "plan" | "chunkBytes" | "chunks">[] {
  const { network, model, demand } = inputs;
  const find = cityOf(network);
  const parts = Array.from({ length: count }, () => ({
    network: { ...network, chargers: [] as Charger[] },
    model,
    demands: [] as DemandProfile[],
    indices: [] as number[],
  }));
  network.chargers.forEach((charger, index) => {
    const part = parts[workerOf(charger, count)];
    part.network.chargers.push(charger);
    part.demands.push(demand(charger, find(charger)));
    part.indices.push(index);
  });
  return parts;
}

/** Sums `stats`, field by field. */
function sum(stats: SimulationStats[]): SimulationStats {
  const total = newSimulationStats();
  for (const s of stats) {
    for (const key of Object.keys(total) as (keyof SimulationStats)[]) total[key] += s[key];
  }
  return total;
}

/**
 * Runs `prepared` on `workers` workers into its sinks, which all take lines
 * (see {@link parallelObstacle} for the runs that can). The result is that of
 * the same run on one thread; a run stopped early counts the events it wrote,
 * and the other counters as far as the workers had simulated.
 */
export async function runParallel(
  prepared: PreparedRun,
  workers: number,
  options: RunPreparedOptions = {},
): Promise<RunResult> {
  const { plan, inputs } = prepared;
  const controller = new AbortController();
  let closed = false;
  const outputs = await createRunSinks(prepared, {
    shutdown: controller.signal,
    stopRun: () => {
      closed = true;
      controller.abort();
    },
  });
  const writers = outputs.map((sink) => sink.writeLines!);
  const write = writers.length === 1 ? writers[0] : async (bytes: Uint8Array, lines: number) => {
    await Promise.all(writers.map((w) => w(bytes, lines)));
  };
  const stop = () => controller.abort();
  options.signal?.addEventListener("abort", stop, { once: true });
  if (options.signal?.aborted) stop();
  if (plan.warmUpMs > 0) {
    logger.info("Warming up from {from}", {
      from: new Date(plan.start - plan.warmUpMs).toISOString(),
    });
  }
  logger.info("Simulating {plan} on {workers} workers", { plan: describePlan(plan), workers });

  const threads: Worker[] = [];
  const lanes: Lane[] = [];
  for (const [index, slice] of slices(inputs, workers).entries()) {
    const worker = new Worker(WORKER_URL, { type: "module" });
    threads.push(worker);
    lanes.push(new Lane(worker, index));
    const start: WorkerStart = {
      plan,
      ...slice,
      chunkBytes: CHUNK_BYTES,
      chunks: CHUNKS_IN_FLIGHT,
    };
    worker.postMessage(start);
  }
  let started = performance.now();
  let events = 0;
  let end: RunEnd = "stopped";
  try {
    const aborted = new Promise<undefined>((resolve) => {
      if (controller.signal.aborted) resolve(undefined);
      controller.signal.addEventListener("abort", () => resolve(undefined), { once: true });
    });
    const seqs = await Promise.race([Promise.all(lanes.map((l) => l.ready)), aborted]);
    if (seqs) {
      started = performance.now();
      let lastProgress = started;
      const { onProgress } = options;
      events = await mergeLines(lanes, write, {
        seq: seqs.reduce((a, b) => a + b, 0),
        signal: controller.signal,
        onProgress: onProgress && ((key, events) => {
          const t = performance.now();
          if (t - lastProgress < 1000) return;
          lastProgress = t;
          const progress: Progress = {
            simTime: Math.floor(key / KINDS),
            events,
            elapsedMs: t - started,
          };
          onProgress(progress);
        }),
      });
      if (!controller.signal.aborted) end = "finished";
    }
    options.onEnd?.(end);
  } finally {
    for (const worker of threads) worker.terminate();
    for (const sink of outputs) await sink[Symbol.asyncDispose]();
    options.signal?.removeEventListener("abort", stop);
  }
  const stats = { ...sum(lanes.map((l) => l.stats)), events };
  return {
    plan,
    end: closed ? "closed" : end,
    stats,
    sinks: outputs.flatMap((o) => (o.stats ? [o.stats] : [])),
    delivery: deliveryCounts(outputs),
    elapsedMs: performance.now() - started,
  };
}
