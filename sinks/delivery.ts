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
import type { SimEvent } from "../core/event.ts";
import { type DisposableSink, newSinkStats, type SinkStats } from "../core/sink.ts";
import type { DeadLetter } from "./dead_letter.ts";

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

/** Sends one batch. */
export type Send = (events: SimEvent[]) => Promise<Outcome>;

/** Options of {@link getDeliverySink}. */
export interface DeliveryOptions {
  /** Events per batch. @default {1} */
  batchSize?: number;
  /** Longest wait before a partial batch is sent. @default {1000} */
  flushIntervalMs?: number;
  /** Batches in flight at once. @default {4} */
  concurrency?: number;
  /** Attempts per batch before its events are dead-lettered. @default {8} */
  maxAttempts?: number;
  /** First retry delay bound; doubles each attempt (full jitter). @default {200} */
  retryBaseMs?: number;
  /** Largest retry delay, also the cap on `Retry-After`. @default {30000} */
  retryMaxMs?: number;
  /** Events held (batching, queued, waiting to retry, in flight) before the sink pushes back. @default {10000} */
  bufferSize?: number;
  /** When the buffer is full: wait for room (`block`) or drop the event and count it. @default {"block"} */
  onFull?: "block" | "drop";
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
    concurrency = 4,
    maxAttempts = 8,
    retryBaseMs = 200,
    retryMaxMs = 30_000,
    bufferSize = 10_000,
    onFull = "block",
    shutdownTimeoutMs = 10_000,
    random = Math.random,
    deadLetter,
  } = options;
  const { where, logger } = identity;
  const stats = newSinkStats(identity.name);
  if (deadLetter?.path) stats.deadLetterFile = deadLetter.path;
  const problems = new Tally(logger, where, options.logEveryMs ?? 10_000);
  const deadline = new AbortController();
  const send = connect(deadline.signal);

  let held = 0;
  Object.defineProperty(stats, "queued", { get: () => held, enumerable: true });
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
  let closed = false;
  let closing: Promise<void> | undefined;
  let deadlineTimer: ReturnType<typeof setTimeout> | undefined;

  const onShutdown = () => {
    deadlineTimer = setTimeout(stop, shutdownTimeoutMs);
  };
  if (options.shutdown?.aborted) onShutdown();
  else options.shutdown?.addEventListener("abort", onShutdown, { once: true });

  function settle(n: number) {
    held -= n;
    if (roomWaiters.length > 0 && held < bufferSize) {
      const waiters = roomWaiters;
      roomWaiters = [];
      for (const wake of waiters) wake();
    }
    if (held === 0) {
      const waiters = idleWaiters;
      idleWaiters = [];
      for (const wake of waiters) wake();
    }
  }

  function idle(): Promise<void> {
    return held === 0 ? Promise.resolve() : new Promise((resolve) => idleWaiters.push(resolve));
  }

  /** Writes `events` to the dead letter, then lets go of them. */
  function deadLetterEvents(events: SimEvent[], reason: string, attempts: number) {
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
    }).finally(() => settle(events.length));
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
  }

  async function attempt(batch: Batch) {
    if (batch.attempts++ === 0) stats.sent += batch.events.length;
    const outcome = await send(batch.events);
    finish(batch, outcome);
  }

  function finish(batch: Batch, outcome: Outcome) {
    if (batch.abandoned || !inFlight.delete(batch)) return;
    const n = batch.events.length;
    if (outcome.ok) {
      stats.acknowledged += n;
      settle(n);
    } else if (deadline.signal.aborted) {
      deadLetterEvents(batch.events, "shutdown deadline passed", batch.attempts);
    } else if (!outcome.retry) {
      deadLetterEvents(batch.events, outcome.reason, batch.attempts);
    } else if (batch.attempts >= maxAttempts) {
      deadLetterEvents(batch.events, `attempts exhausted: ${outcome.reason}`, batch.attempts);
    } else {
      stats.retried++;
      problems.add("warn", "Retrying {n} event(s) to {url}: {reason}", outcome.reason, n);
      const backoff = fullJitter(batch.attempts, retryBaseMs, retryMaxMs, random);
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

  /** The deadline passed: everything not acknowledged is dead-lettered now. */
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
      deadLetterEvents(batch.events, "shutdown deadline passed", batch.attempts);
    }
  }

  function cut() {
    if (timer !== undefined) {
      clearTimeout(timer);
      timer = undefined;
    }
    if (pending.length === 0) return;
    const batch: Batch = { events: pending, attempts: 0, abandoned: false };
    pending = [];
    if (deadline.signal.aborted) {
      deadLetterEvents(batch.events, "shutdown deadline passed", 0);
      return;
    }
    fresh.push(batch);
    dispatch();
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
    if (held < bufferSize && roomWaiters.length === 0) return accept(event);
    if (onFull === "drop") {
      stats.dropped++;
      problems.add("warn", "Buffer of {url} full: dropped {n} event(s)", "buffer full", 1);
      return;
    }
    return new Promise<void>((resolve) => roomWaiters.push(resolve)).then(() => accept(event));
  };

  async function checkpoint() {
    cut();
    await idle();
    await writes;
  }

  function close(): Promise<void> {
    return closing ??= (async () => {
      closed = true;
      cut();
      await idle();
      await writes;
      clearTimeout(deadlineTimer);
      options.shutdown?.removeEventListener("abort", onShutdown);
      problems.close();
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
