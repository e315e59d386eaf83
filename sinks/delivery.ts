/**
 * The delivery core of every sink that sends events to a receiver that can
 * fail (HTTP, MQTT, and what comes next): a bounded buffer that owns its
 * count, batches, send slots, retries scheduled apart from the slots (a batch
 * waiting to retry does not hold one, so new events keep flowing), backoff
 * with full jitter and `Retry-After`, dead letters, and shutdown.
 *
 * The promise: every event handed to the sink ends acknowledged or
 * dead-lettered, and if the dead-letter file cannot be written, the sink
 * counts the events as `lost` and says why. The end of the input is not a
 * shutdown: closing the sink waits for every retry (bounded by the attempt
 * limit). Only the `shutdown` signal starts a deadline, and when it passes,
 * everything not yet acknowledged (in flight, waiting to retry or queued) is
 * dead-lettered before the sink closes.
 *
 * A transport supplies `send` (one batch, one outcome), made from the signal
 * that aborts when the deadline passes, so that it can cancel what is in flight.
 *
 * @module
 */
import type { Logger } from "@logtape/logtape";
import { AdaptiveLimit } from "./adaptive_limit.ts";
import * as v from "valibot";
import type { SimEvent } from "../core/event.ts";
import { ConfigError } from "../core/errors.ts";
import { type DisposableSink, newSinkStats, type SinkStats } from "../core/sink.ts";
import type { SinkAccess } from "../core/sink_type.ts";
import type { DeadLetter } from "./dead_letter.ts";
import { type DiskQueue, openDiskQueue } from "./disk_queue.ts";

/**
 * The URL without secrets, for logs, errors, dead letters and metric labels:
 * no user name or password, and every query value replaced by `REDACTED`. A
 * string that is not a URL is shown as it is, unless it may hold credentials.
 */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    u.username = "";
    u.password = "";
    for (const key of new Set(u.searchParams.keys())) u.searchParams.set(key, "REDACTED");
    return u.toString();
  } catch {
    return /[@?]/.test(url) ? "(an invalid URL that may hold secrets, not shown)" : url;
  }
}

/** A URL as messages show it: as written, unless it holds credentials or a query ({@link redactUrl}). */
export function shownUrl(url: string): string {
  return /[@?]/.test(url) ? redactUrl(url) : url;
}

/**
 * A full-jitter backoff (uniform in [0, bound)), the bound doubling from
 * `baseMs` with each `attempt` (1, 2, …) up to `maxMs`.
 */
export function fullJitter(
  attempt: number,
  baseMs: number,
  maxMs: number,
  random: () => number,
): number {
  return random() * Math.min(maxMs, baseMs * 2 ** Math.min(attempt - 1, 30));
}

/** Attempts a batch fails before its own failures alone double its retry delay (see {@link retryDoubling}). */
const OWN_FAILURES_GRACE = 4;

/**
 * Which doubling of the backoff a batch's retry waits for (the `attempt` of
 * {@link fullJitter}), after its `attempts` and the receiver's latest answers:
 * `failuresInARow` answers in a row, for any batch, asked for a retry. A
 * receiver that fails some requests while it takes others (a flaky one) is
 * healthy enough to be tried again soon, so the delay grows with the run of
 * failed answers, not with the batch's own count alone: at 40 % random
 * failures a batch rarely waits past the first doublings, where a delay
 * doubled with each of its own attempts left the longest chains waiting up to
 * 12.8 s at the seventh. A receiver that fails everything (an outage) gets the
 * exponential backoff of each batch's attempts as before, since every answer
 * is a failure. A batch the receiver keeps refusing while it takes the others
 * still backs off, {@link OWN_FAILURES_GRACE} doublings later.
 */
export function retryDoubling(attempts: number, failuresInARow: number): number {
  return Math.max(1, Math.min(attempts, failuresInARow), attempts - OWN_FAILURES_GRACE);
}

/**
 * The `buffer` option of a sink on the delivery core: in memory (up to
 * `bufferSize` events), or a disk buffer, a folder of its own that holds up
 * to `maxBytes` and survives a restart.
 */
export const BufferSchema = v.optional(
  v.variant("type", [
    v.strictObject({ type: v.literal("memory") }),
    v.strictObject({
      type: v.literal("disk"),
      /** The folder of the buffer, created if missing; one sink (and one evsim) at a time. */
      path: v.pipe(v.string(), v.minLength(1, "expected a path")),
      /** The most the buffer takes on disk. */
      maxBytes: v.optional(
        v.pipe(v.number(), v.integer(), v.minValue(1024 * 1024, "expected at least 1 MiB")),
        1024 ** 3,
      ),
    }),
  ]),
  { type: "memory" },
);

/** A validated `buffer` option. */
export type BufferConfig = v.InferOutput<typeof BufferSchema>;

/** The disk buffer a `buffer` option asks for, opened; none for memory. */
export async function openBuffer(
  buffer: BufferConfig,
  place: string,
): Promise<DiskQueue | undefined> {
  if (buffer.type === "memory") return undefined;
  try {
    return await openDiskQueue(buffer.path, { maxBytes: buffer.maxBytes });
  } catch (error) {
    throw new ConfigError(`${place}.path: ${(error as Error).message}`, { cause: error });
  }
}

/** What a `buffer` option reaches: a disk buffer's folder. */
export function bufferAccess(buffer: BufferConfig): SinkAccess[] {
  return buffer.type === "disk" ? [{ folder: buffer.path, option: "buffer.path" }] : [];
}

/** What became of one attempt to send a batch. */
export type Outcome =
  | { ok: true }
  | {
    ok: false;
    /** Whether a later attempt may succeed (a 503 may; a 400 or a blocked port never will). */
    retry: boolean;
    reason: string;
    /** How long the receiver asked to wait (`Retry-After`). */
    retryAfterMs?: number;
  };

/** Sends one batch; `last`: its events are dead-lettered if this attempt fails. */
export type Send = (events: SimEvent[], attempt: { last: boolean }) => Promise<Outcome>;

/** Options of {@link getDeliverySink}. */
export interface DeliveryOptions {
  /** Events per batch. @default {1} */
  batchSize?: number;
  /** Longest wait before a partial batch is sent. @default {1000} */
  flushIntervalMs?: number;
  /**
   * Batches in flight at once, or an {@link AdaptiveLimit} that sets it from
   * the latency of the requests. @default {4}
   */
  concurrency?: number | AdaptiveLimit;
  /** Attempts per batch before its events are dead-lettered. @default {8; unlimited with a disk buffer} */
  maxAttempts?: number;
  /** First retry delay bound; doubles each attempt (full jitter). @default {200} */
  retryBaseMs?: number;
  /** Largest retry delay, also the cap on `Retry-After`. @default {30000} */
  retryMaxMs?: number;
  /** Events held (batching, queued, waiting to retry, in flight) before the sink pushes back. @default {10000} */
  bufferSize?: number;
  /** When the buffer is full: wait for room (`block`) or drop the event and count it. @default {"block"} */
  onFull?: "block" | "drop";
  /**
   * A disk buffer: batches wait there (not in memory) until delivered, survive
   * a restart, and at the shutdown deadline stay there for the next start
   * instead of being dead-lettered; `maxAttempts` is then unlimited unless set.
   * The sink closes it. @default {none: events wait in memory, up to `bufferSize`}
   */
  disk?: DiskQueue;
  /** Where undeliverable events go. @default {none: they are counted as lost} */
  deadLetter?: DeadLetter;
  /** Aborted when evsim is told to stop: from then, the sink has `shutdownTimeoutMs`. */
  shutdown?: AbortSignal;
  /** How long the sink keeps delivering after `shutdown` before dead-lettering the rest. @default {10000} */
  shutdownTimeoutMs?: number;
  /** Uniform [0, 1) source for jitter (tests). @default {Math.random} */
  random?: () => number;
  /** How often repeated problems are logged, with their counts. @default {10000} */
  logEveryMs?: number;
}

/** A sink built on the delivery core. */
export type DeliverySink = DisposableSink & {
  readonly stats: SinkStats;
  /** Resolves once every event handed to the sink so far is acknowledged or dead-lettered. */
  checkpoint(): Promise<void>;
};

interface Batch {
  events: SimEvent[];
  attempts: number;
  /** Dead-lettered at the deadline while in flight: a late answer is ignored. */
  abandoned: boolean;
  timer?: ReturnType<typeof setTimeout>;
  /** Its ID in the disk buffer, if it came from there. */
  diskId?: number;
}

/**
 * A sink delivering events through the `send` that `connect` makes. `name`
 * names it in the summary and the dead letters, `where` in the log (both
 * without secrets).
 */
export function getDeliverySink(
  connect: (deadline: AbortSignal) => Send,
  identity: { name: string; where: string; logger: Logger },
  options: DeliveryOptions = {},
): DeliverySink {
  const {
    batchSize = 1,
    flushIntervalMs = 1000,
    retryBaseMs = 200,
    retryMaxMs = 30_000,
    bufferSize = 10_000,
    onFull = "block",
    shutdownTimeoutMs = 10_000,
    random = Math.random,
    deadLetter,
    disk,
  } = options;
  const maxAttempts = options.maxAttempts ?? (disk ? Infinity : 8);
  const adaptive = options.concurrency instanceof AdaptiveLimit ? options.concurrency : undefined;
  let concurrency = adaptive?.limit ?? (options.concurrency as number | undefined) ?? 4;
  const { where, logger } = identity;
  const stats = newSinkStats(identity.name);
  if (deadLetter?.path) stats.deadLetterFile = deadLetter.path;
  const problems = new Tally(logger, where, options.logEveryMs ?? 10_000);
  const deadline = new AbortController();
  const send = connect(deadline.signal);

  /** Events in memory only: batching, being written to the disk buffer, or (without one) anywhere in the sink. */
  let held = 0;
  Object.defineProperty(stats, "queued", {
    get: () => held + (disk?.events ?? 0),
    enumerable: true,
  });
  let pending: SimEvent[] = [];
  let timer: ReturnType<typeof setTimeout> | undefined;
  /** Retries that are due, sent before fresh batches. */
  const due: Batch[] = [];
  const fresh: Batch[] = [];
  const waiting = new Set<Batch>();
  const inFlight = new Set<Batch>();
  let roomWaiters: (() => void)[] = [];
  let idleWaiters: (() => void)[] = [];
  let writes = Promise.resolve();
  /** Batches on their way into the disk buffer. */
  let appends = Promise.resolve();
  /** Whether a batch is being read from the disk buffer. */
  let pulling = false;
  let closed = false;
  let closing: Promise<void> | undefined;
  let deadlineTimer: ReturnType<typeof setTimeout> | undefined;
  /** Answers in a row, for any batch, that asked for a retry (see {@link retryDoubling}). */
  let failuresInARow = 0;

  const onShutdown = () => {
    deadlineTimer = setTimeout(stop, shutdownTimeoutMs);
  };
  if (options.shutdown?.aborted) onShutdown();
  else options.shutdown?.addEventListener("abort", onShutdown, { once: true });

  const hasRoom = () => disk ? disk.hasRoom(0) : held < bufferSize;
  /** Nothing left to wait for: all delivered or dead-lettered, or, past the deadline, on disk. */
  const settled = () => held === 0 && (!disk || disk.events === 0 || deadline.signal.aborted);

  /** Something left the sink: wake who waits for room, or for the sink to be idle. */
  function wake() {
    // Past the deadline, events waiting for room in a disk buffer go to it all the same.
    if (roomWaiters.length > 0 && (hasRoom() || (disk && deadline.signal.aborted))) {
      const waiters = roomWaiters;
      roomWaiters = [];
      for (const w of waiters) w();
    }
    if (settled()) {
      const waiters = idleWaiters;
      idleWaiters = [];
      for (const w of waiters) w();
    }
  }

  /** `batch` is done with (delivered or dead-lettered): the sink lets go of its events. */
  function release(batch: Batch) {
    if (batch.diskId === undefined) held -= batch.events.length;
    else disk!.ack(batch.diskId);
    wake();
  }

  /** Resolves once the sink is {@link settled}. */
  function idle(): Promise<void> {
    return settled() ? Promise.resolve() : new Promise((resolve) => idleWaiters.push(resolve));
  }

  /** Writes the batch's events to the dead letter, then lets go of them. */
  function deadLetterBatch(batch: Batch, reason: string) {
    const { events, attempts } = batch;
    stats.deadLettered += events.length;
    problems.add("error", "Dead-lettered {n} event(s) for {url}: {reason}", reason, events.length);
    writes = writes.then(async () => {
      try {
        if (!deadLetter) throw new Error("no dead-letter file is configured");
        await deadLetter.write(
          events.map((event) => ({ reason, attempts, sink: stats.name, event })),
        );
      } catch (error) {
        stats.deadLettered -= events.length;
        stats.lost += events.length;
        stats.errors++;
        logger.error("Lost {n} event(s) for {url}: cannot write the dead-letter file: {error}", {
          n: events.length,
          url: where,
          error: error instanceof Error ? error.message : String(error),
        });
      }
    }).finally(() => release(batch));
  }

  function dispatch() {
    while (inFlight.size < concurrency && (due.length > 0 || fresh.length > 0)) {
      const batch = due.length > 0 ? due.shift()! : fresh.shift()!;
      inFlight.add(batch);
      attempt(batch).catch((error) => {
        // A transport that throws: its events are dead-lettered rather than held forever.
        stats.errors++;
        finish(batch, { ok: false, retry: false, reason: `sink failed: ${error}` });
      });
    }
    pull();
  }

  /** Takes the next batch from the disk buffer when a slot would be free for it. */
  function pull() {
    if (!disk || pulling || deadline.signal.aborted) return;
    if (inFlight.size + due.length + fresh.length >= concurrency) return;
    pulling = true;
    disk.next().then((queued) => {
      pulling = false;
      if (!queued) return;
      fresh.push({ events: queued.events, attempts: 0, abandoned: false, diskId: queued.id });
      dispatch();
    }, (error) => {
      pulling = false;
      stats.errors++;
      logger.error("Cannot read the disk buffer of {url}: {error}", { url: where, error });
    });
  }

  async function attempt(batch: Batch) {
    if (batch.attempts++ === 0) stats.sent += batch.events.length;
    const started = performance.now();
    const outcome = await send(batch.events, { last: batch.attempts >= maxAttempts });
    if (adaptive) {
      adaptive.observe(performance.now() - started, due.length + fresh.length > 0);
      if (adaptive.limit !== concurrency) {
        logger.debug("{url}: {n} requests in flight at most, from {was}", {
          url: where,
          n: adaptive.limit,
          was: concurrency,
        });
        concurrency = adaptive.limit;
      }
    }
    finish(batch, outcome);
  }

  function finish(batch: Batch, outcome: Outcome) {
    if (batch.abandoned || !inFlight.delete(batch)) return;
    const n = batch.events.length;
    if (outcome.ok || outcome.retry) failuresInARow = outcome.ok ? 0 : failuresInARow + 1;
    if (outcome.ok) {
      stats.acknowledged += n;
      release(batch);
    } else if (deadline.signal.aborted) {
      deadLetterBatch(batch, "shutdown deadline passed");
    } else if (!outcome.retry) {
      deadLetterBatch(batch, outcome.reason);
    } else if (batch.attempts >= maxAttempts) {
      deadLetterBatch(batch, `attempts exhausted: ${outcome.reason}`);
    } else {
      stats.retried++;
      problems.add("warn", "Retrying {n} event(s) to {url}: {reason}", outcome.reason, n);
      const backoff = fullJitter(
        retryDoubling(batch.attempts, failuresInARow),
        retryBaseMs,
        retryMaxMs,
        random,
      );
      const wait = Math.min(outcome.retryAfterMs ?? backoff, retryMaxMs);
      waiting.add(batch);
      batch.timer = setTimeout(() => {
        waiting.delete(batch);
        due.push(batch);
        dispatch();
      }, wait);
    }
    dispatch();
  }

  /**
   * The deadline passed: nothing more is sent. Without a disk buffer everything
   * not acknowledged is dead-lettered now; with one, it stays there for the
   * next start.
   */
  function stop() {
    if (deadline.signal.aborted) return;
    deadline.abort(new DOMException("shutdown deadline passed", "AbortError"));
    cut();
    const left = [...inFlight, ...waiting, ...due, ...fresh];
    inFlight.clear();
    waiting.clear();
    due.length = 0;
    fresh.length = 0;
    for (const batch of left) {
      clearTimeout(batch.timer);
      batch.abandoned = true;
      if (batch.diskId === undefined) deadLetterBatch(batch, "shutdown deadline passed");
    }
    wake();
  }

  /** Ends the batch being filled: to the disk buffer, or to the send queue. */
  function cut() {
    if (timer !== undefined) {
      clearTimeout(timer);
      timer = undefined;
    }
    if (pending.length === 0) return;
    const batch: Batch = { events: pending, attempts: 0, abandoned: false };
    pending = [];
    if (disk) {
      appends = appends.then(() => disk.append(batch.events)).then(() => {
        held -= batch.events.length;
        wake();
        dispatch();
      }, (error) => {
        stats.errors++;
        deadLetterBatch(batch, `cannot write the disk buffer: ${(error as Error).message}`);
      });
    } else if (deadline.signal.aborted) {
      deadLetterBatch(batch, "shutdown deadline passed");
    } else {
      fresh.push(batch);
      dispatch();
    }
  }

  function accept(event: SimEvent) {
    held++;
    pending.push(event);
    if (pending.length >= batchSize) cut();
    else if (timer === undefined) timer = setTimeout(cut, flushIntervalMs);
  }

  const sink = (event: SimEvent): void | Promise<void> => {
    if (closed) return;
    stats.received++;
    if (roomWaiters.length === 0 && hasRoom()) return accept(event);
    if (onFull === "drop") {
      stats.dropped++;
      problems.add("warn", "Buffer of {url} full: dropped {n} event(s)", "buffer full", 1);
      return;
    }
    return new Promise<void>((resolve) => roomWaiters.push(resolve)).then(() => accept(event));
  };

  /**
   * Resolves once every event handed over so far is safe: acknowledged or
   * dead-lettered, or, with a disk buffer, written to it and synced.
   */
  async function checkpoint() {
    cut();
    if (disk) {
      await appends;
      await disk.sync();
    } else {
      await idle();
    }
    await writes;
  }

  function close(): Promise<void> {
    return closing ??= (async () => {
      closed = true;
      cut();
      await appends;
      await idle();
      await writes;
      clearTimeout(deadlineTimer);
      options.shutdown?.removeEventListener("abort", onShutdown);
      problems.close();
      if (disk) {
        await disk.sync();
        if (disk.events > 0) stats.leftOnDisk = { events: disk.events, path: disk.path };
        await disk[Symbol.asyncDispose]();
      }
      if (deadLetter) await deadLetter[Symbol.asyncDispose]();
    })();
  }

  return Object.assign(sink, { stats, checkpoint, [Symbol.asyncDispose]: close });
}

/**
 * Repeated problems, logged once per cause per interval with their counts: the
 * first of each cause at once, then one line per interval that saw it again.
 */
class Tally {
  readonly #logger: Logger;
  readonly #where: string;
  readonly #everyMs: number;
  readonly #counts = new Map<string, { level: "warn" | "error"; message: string; n: number }>();
  #timer: ReturnType<typeof setInterval> | undefined;

  constructor(logger: Logger, where: string, everyMs: number) {
    this.#logger = logger;
    this.#where = where;
    this.#everyMs = everyMs;
  }

  add(level: "warn" | "error", message: string, reason: string, n: number) {
    const key = `${message}\u0000${reason}`;
    const seen = this.#counts.get(key);
    if (seen) {
      seen.n += n;
      return;
    }
    this.#logger[level](message, { n, url: this.#where, reason });
    this.#counts.set(key, { level, message, n: 0 });
    this.#timer ??= setInterval(() => this.#report(), this.#everyMs);
  }

  #report() {
    for (const [key, { level, message, n }] of this.#counts) {
      if (n === 0) {
        this.#counts.delete(key);
        continue;
      }
      const reason = key.slice(key.indexOf("\u0000") + 1);
      this.#logger[level](`${message} (in the last {seconds} s)`, {
        n,
        url: this.#where,
        reason,
        seconds: this.#everyMs / 1000,
      });
      this.#counts.get(key)!.n = 0;
    }
    if (this.#counts.size === 0) {
      clearInterval(this.#timer);
      this.#timer = undefined;
    }
  }

  close() {
    this.#report();
    clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
