/**
 * The sink contract, in the spirit of LogTape's function sinks: a sink is a
 * function that takes each event. Returning a promise asks the caller to wait
 * before the next event (backpressure); sinks that hold resources are
 * `AsyncDisposable` and deliver or account for everything they hold when
 * disposed.
 *
 * @module
 */
import type { SimEvent } from "./event.ts";

/** Receives every event, in order. */
export type Sink = ((event: SimEvent) => void | Promise<void>) & {
  /** Delivers anything buffered now; called before the run waits on the clock. */
  flush?: () => Promise<void>;
  /**
   * Resolves once every event handed over so far is acknowledged, dead-lettered
   * or written: a `--state` snapshot is saved only then. Sinks without it are
   * settled by `flush`.
   */
  checkpoint?: () => Promise<void>;
  /**
   * Takes whole NDJSON lines serialized and encoded elsewhere, `lines` of
   * them (each event's `JSON.stringify` and a newline), after what came
   * before: the sinks of a type that declares `lines` (`core/sink_type.ts`) have it,
   * and a parallel backfill writes its merged lines through it. `bytes` must
   * stay unchanged until the next call, `flush()` or dispose returns.
   */
  writeLines?: (bytes: Uint8Array, lines: number) => Promise<void>;
  /** Delivery counters, for the end-of-run summary and metrics. */
  readonly stats?: SinkStats;
};

/** A sink that holds resources and must be closed. */
export type DisposableSink = Sink & AsyncDisposable;

/** What a sink did with the events it was given. Counters a sink has no use for stay 0. */
export interface SinkStats {
  /** A short name for logs and the summary: `stdout`, `http http://…`, `file out.ndjson`. */
  name: string;
  /** Events handed to the sink. */
  received: number;
  /** Events written or sent (a retried event counts once). */
  sent: number;
  /** Events the receiver confirmed (2xx). */
  acknowledged: number;
  /** Retried requests. */
  retried: number;
  /** Events written to the dead-letter file. */
  deadLettered: number;
  /** The dead-letter file, once the sink has one. */
  deadLetterFile?: string;
  /** Events neither delivered nor dead-lettered: the dead-letter file could not be written. */
  lost: number;
  /**
   * Events still in the sink's disk buffer when it closed, and the buffer's
   * folder: they are sent when a sink with the same buffer starts again.
   */
  leftOnDisk?: { events: number; path: string };
  /** Events dropped because the sink's buffer was full (realtime, `onFull: "drop"`). */
  dropped: number;
  /** Errors the sink raised (each logged). */
  errors: number;
  /** Bytes written or sent. */
  bytes: number;
  /** Request latencies in milliseconds (HTTP-like sinks). */
  latency: LatencyStats;
  /**
   * Events the sink holds right now (buffered, queued or in flight), read live
   * for metrics; absent for sinks that hold none.
   */
  readonly queued?: number;
}

/** A summary of latencies without keeping every sample. */
export interface LatencyStats {
  count: number;
  totalMs: number;
  maxMs: number;
  /** Counts per bucket; bucket i holds latencies up to `LATENCY_BUCKETS_MS[i]`. */
  buckets: number[];
}

/** Upper bounds of the latency buckets, in ms (the last one is open-ended). */
export const LATENCY_BUCKETS_MS: readonly number[] = [
  1,
  2,
  5,
  10,
  20,
  50,
  100,
  200,
  500,
  1000,
  2000,
  5000,
  10000,
  30000,
  Infinity,
];

/** Fresh counters for a sink called `name`. */
export function newSinkStats(name: string): SinkStats {
  return {
    name,
    received: 0,
    sent: 0,
    acknowledged: 0,
    retried: 0,
    deadLettered: 0,
    lost: 0,
    dropped: 0,
    errors: 0,
    bytes: 0,
    latency: { count: 0, totalMs: 0, maxMs: 0, buckets: LATENCY_BUCKETS_MS.map(() => 0) },
  };
}

/** Records one latency sample. */
export function recordLatency(stats: LatencyStats, ms: number): void {
  stats.count++;
  stats.totalMs += ms;
  if (ms > stats.maxMs) stats.maxMs = ms;
  let i = 0;
  while (ms > LATENCY_BUCKETS_MS[i]) i++;
  stats.buckets[i]++;
}

/** The latency below which a share `q` (0–1) of samples fall, as a bucket bound. */
export function latencyQuantile(stats: LatencyStats, q: number): number {
  if (stats.count === 0) return 0;
  let seen = 0;
  for (let i = 0; i < stats.buckets.length; i++) {
    seen += stats.buckets[i];
    if (seen >= q * stats.count) return Math.min(LATENCY_BUCKETS_MS[i], stats.maxMs);
  }
  return stats.maxMs;
}

/** One sink that hands every event to each of `sinks`, and flushes and closes them in order. */
export function fanOut(sinks: readonly Sink[]): DisposableSink {
  const sink: Sink = sinks.length === 1 ? (event) => sinks[0](event) : (event) => {
    let waits: Promise<void>[] | undefined;
    for (const s of sinks) {
      const r = s(event);
      if (r) (waits ??= []).push(r);
    }
    if (waits) return waits.length === 1 ? waits[0] : Promise.all(waits).then(() => {});
  };
  sink.flush = async () => {
    await Promise.all(sinks.map((s) => s.flush?.()));
  };
  sink.checkpoint = async () => {
    await Promise.all(sinks.map((s) => s.checkpoint?.()));
  };
  return Object.assign(sink, {
    async [Symbol.asyncDispose]() {
      for (const s of sinks) await dispose(s);
    },
  });
}

/** Closes a sink if it holds resources. */
export async function dispose(sink: Sink): Promise<void> {
  const d = (sink as Partial<AsyncDisposable>)[Symbol.asyncDispose];
  if (d) await d.call(sink);
}

/**
 * `sink` with its failures caught and handed to `onError`, so that one failing
 * sink never stops the run or the other sinks. Flush and dispose are guarded too.
 */
export function isolate(sink: Sink, onError: (error: unknown) => void): DisposableSink {
  const safe: Sink = (event) => {
    try {
      const r = sink(event);
      if (r) return r.catch(onError);
    } catch (error) {
      onError(error);
    }
  };
  if (sink.flush) safe.flush = () => sink.flush!().catch(onError);
  if (sink.checkpoint) safe.checkpoint = () => sink.checkpoint!().catch(onError);
  if (sink.writeLines) {
    safe.writeLines = (bytes, lines) => sink.writeLines!(bytes, lines).catch(onError);
  }
  return Object.defineProperties(safe, {
    stats: { get: () => sink.stats },
    [Symbol.asyncDispose]: {
      value: () => dispose(sink).catch(onError),
    },
  }) as DisposableSink;
}
