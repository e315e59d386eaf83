/**
 * `evsim replay` as a library: the events of an NDJSON stream (a run's
 * output, or a dead-letter file) sent to a config's sinks again. What still
 * fails goes to a new dead-letter file, never the one being read.
 *
 * @module
 */
import { getLogger } from "@logtape/logtape";
import type { Config } from "../core/config.ts";
import { readEvents } from "../core/ndjson.ts";
import { deadLetterEvent } from "../sinks/dead_letter.ts";
import { fanOut, type SinkStats } from "../core/sink.ts";
import { formatSinkStats } from "../core/summary.ts";
import { createSinks, type ResolvedSink } from "../sinks/registry.ts";
import { type InputFile, inputLines } from "./input_file.ts";
import { loadRunInputs, type RunInputsOptions } from "./inputs.ts";
import { logReport, type Report } from "./run.ts";
import { type DeliveryCounts, deliveryCounts, resolveRunSinks } from "./sinks.ts";

const logger = getLogger(["evsim"]);

/** Options of {@link replayEvents}. */
export interface ReplayOptions extends Omit<RunInputsOptions, "seed"> {
  /** `--sink` values: replace the config's sinks, or add to them as `+SPEC`. @default {[]} */
  sinks?: readonly string[];
  /** Called with the sinks once they are resolved, before any is created: throw to refuse them. */
  authorizeSinks?: (sinks: readonly ResolvedSink[]) => void;
  /** Stops the replay after the current event. */
  signal?: AbortSignal;
  /** Reads an environment variable, for sinks' tokens. @default {Deno.env.get} */
  env?: (name: string) => string | undefined;
}

/** What a replay did. */
export interface ReplayResult {
  /** The input, as given (`-` for stdin). */
  file: string;
  /** Events sent. */
  events: number;
  /** Lines that were not events, skipped (each logged as a warning). */
  badLines: number;
  /** Each sink's counters (of sinks that keep them). */
  sinks: SinkStats[];
  delivery: DeliveryCounts;
}

/** The summary of a replay, as logged and as the command line prints it. */
export function replayReport(result: ReplayResult): Report {
  const { events, file, badLines } = result;
  return {
    headline: `replayed ${events} event(s) from ${file}${
      badLines ? `, skipped ${badLines} bad line(s)` : ""
    }`,
    lines: result.sinks.map(formatSinkStats),
  };
}

/** Sends the events of `input` to the sinks of `config` (its plugins may add sink types). */
export async function replayEvents(
  config: Config,
  input: InputFile,
  options: ReplayOptions = {},
): Promise<ReplayResult> {
  const { sinkTypes } = await loadRunInputs(config, options);
  const sinks = resolveRunSinks(config, sinkTypes, options);
  options.authorizeSinks?.(sinks);
  const controller = new AbortController();
  const stop = () => controller.abort();
  options.signal?.addEventListener("abort", stop, { once: true });
  if (options.signal?.aborted) stop();
  const stamp = new Date().toISOString().replace(/[-:]|\.\d+/g, "");
  const outputs = await createSinks(sinks, {
    backfill: true,
    shutdownTimeoutMs: config.shutdownTimeoutMs,
    shutdown: controller.signal,
    deadLetterPath: (path) => path.replace(/(\.ndjson)?$/, `.replay-${stamp}$1`),
    env: options.env ?? ((name) => Deno.env.get(name)),
    stopRun: stop,
  });
  const sink = fanOut(outputs);
  const file = input.path;
  let events = 0;
  let badLines = 0;
  try {
    for await (
      const event of readEvents(inputLines(input), ({ line, problem }) => {
        badLines++;
        logger.warn("{file}:{line}: skipped, not an event: {problem}", { file, line, problem });
      }, { unwrap: deadLetterEvent })
    ) {
      if (controller.signal.aborted) break;
      events++;
      const r = sink(event);
      if (r) await r;
    }
  } finally {
    await sink[Symbol.asyncDispose]();
    options.signal?.removeEventListener("abort", stop);
    if (controller.signal.aborted) await input.readable.cancel().catch(() => {});
  }
  const result: ReplayResult = {
    file,
    events,
    badLines,
    sinks: outputs.flatMap((o) => (o.stats ? [o.stats] : [])),
    delivery: deliveryCounts(outputs),
  };
  logReport(replayReport(result));
  return result;
}
