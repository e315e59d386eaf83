/**
 * HTTP POST delivery, as a well-behaved data shipper: batches, a bounded
 * buffer with backpressure, concurrent keep-alive requests, retries with
 * exponential backoff and full jitter (honouring `Retry-After`), and a
 * dead-letter file for whatever cannot be delivered. Every event handed to the
 * sink ends acknowledged (2xx) or dead-lettered.
 *
 * @module
 */
import { getLogger } from "@logtape/logtape";
import type { SimEvent } from "../core/event.ts";
import { type DisposableSink, newSinkStats, recordLatency, type SinkStats } from "../core/sink.ts";
import { Admission } from "./_admission.ts";
import type { DeadLetter } from "./dead_letter.ts";

/** Options of {@link getHttpSink}. */
export interface HttpSinkOptions {
  /** Extra request headers. @default {{}} */
  headers?: Record<string, string>;
  /** Sent as `Authorization: Bearer …`; never logged. */
  token?: string;
  /** Events per request; 1 sends each event alone with an `Idempotency-Key` header. @default {1} */
  batchSize?: number;
  /** Longest wait before a partial batch is sent. @default {1000} */
  flushIntervalMs?: number;
  /** Body of a batch: a JSON array or NDJSON. @default {"json"} */
  format?: "json" | "ndjson";
  /** Requests in flight at once. @default {4} */
  concurrency?: number;
  /** Per-request timeout. @default {10000} */
  timeoutMs?: number;
  /** Attempts per request before its events are dead-lettered. @default {8} */
  maxAttempts?: number;
  /** First retry delay bound; doubles each attempt (full jitter). @default {200} */
  retryBaseMs?: number;
  /** Largest retry delay, also the cap on `Retry-After`. @default {30000} */
  retryMaxMs?: number;
  /** Events held (batching, queued, in flight) before the sink pushes back. @default {10000} */
  bufferSize?: number;
  /** When the buffer is full: wait for room (`block`) or drop the event and count it. @default {"block"} */
  onFull?: "block" | "drop";
  /** Where undeliverable events go. @default {none: they are counted and logged} */
  deadLetter?: DeadLetter;
  /** On dispose, how long to keep delivering before dead-lettering the rest. @default {10000} */
  shutdownTimeoutMs?: number;
  /** The fetch to use (tests). @default {globalThis.fetch} */
  fetch?: typeof fetch;
  /** Uniform [0, 1) source for jitter (tests). @default {Math.random} */
  random?: () => number;
}

/** An HTTP sink: its counters are in `stats`. */
export type HttpSink = DisposableSink & { readonly stats: SinkStats };

interface Batch {
  events: SimEvent[];
  attempts: number;
}

type Outcome =
  | { ok: true }
  | { ok: false; retry: boolean; reason: string; retryAfterMs?: number };

const RETRYABLE = new Set([408, 429]);

/** The URL without credentials, for logs. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    u.username = "";
    u.password = "";
    return u.toString();
  } catch {
    return "(invalid URL)";
  }
}

/** Milliseconds a `Retry-After` header asks to wait (seconds or an HTTP date). */
export function parseRetryAfter(value: string | null, now: number): number | undefined {
  if (value === null) return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** One request in flight: aborted at its deadline or on shutdown. */
interface InFlight {
  controller: AbortController;
  signal: AbortSignal;
  deadline: number;
  timedOut: boolean;
}

/**
 * Per-request timeouts from one sweeping timer rather than a timer (and a
 * combined signal) per request, which at thousands of requests a second costs
 * more than the requests themselves. A request is aborted within a tenth of
 * the timeout (at most 100 ms) after its deadline, or at once on shutdown.
 */
class Deadlines {
  readonly #timeoutMs: number;
  readonly #shutdown: AbortSignal;
  readonly #requests = new Set<InFlight>();
  #sweeper: ReturnType<typeof setInterval> | undefined;

  constructor(timeoutMs: number, shutdown: AbortSignal) {
    this.#timeoutMs = timeoutMs;
    this.#shutdown = shutdown;
    shutdown.addEventListener("abort", () => {
      for (const r of this.#requests) r.controller.abort(shutdown.reason);
    }, { once: true });
  }

  start(): InFlight {
    const controller = new AbortController();
    if (this.#shutdown.aborted) controller.abort(this.#shutdown.reason);
    const request = {
      controller,
      signal: controller.signal,
      deadline: performance.now() + this.#timeoutMs,
      timedOut: false,
    };
    this.#requests.add(request);
    this.#sweeper ??= setInterval(() => this.#sweep(), Math.min(100, this.#timeoutMs / 10));
    return request;
  }

  end(request: InFlight): void {
    this.#requests.delete(request);
    if (this.#requests.size === 0 && this.#sweeper !== undefined) {
      clearInterval(this.#sweeper);
      this.#sweeper = undefined;
    }
  }

  #sweep(): void {
    const now = performance.now();
    for (const r of this.#requests) {
      if (!r.timedOut && now >= r.deadline) {
        r.timedOut = true;
        r.controller.abort(new DOMException("request timed out", "TimeoutError"));
      }
    }
  }
}

function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(id);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const id = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });
}

/**
 * A sink POSTing events to `url`. Dispose it to deliver what it holds: it
 * keeps trying until `shutdownTimeoutMs`, then dead-letters the rest.
 */
export function getHttpSink(url: string, options: HttpSinkOptions = {}): HttpSink {
  const {
    batchSize = 1,
    flushIntervalMs = 1000,
    format = "json",
    concurrency = 4,
    timeoutMs = 10_000,
    maxAttempts = 8,
    retryBaseMs = 200,
    retryMaxMs = 30_000,
    bufferSize = 10_000,
    onFull = "block",
    shutdownTimeoutMs = 10_000,
    random = Math.random,
    deadLetter,
  } = options;
  const doFetch = options.fetch ?? fetch;
  const where = redactUrl(url);
  const logger = getLogger(["evsim", "sink", "http"]);
  const stats = newSinkStats(`http ${where}`);
  const headers: Record<string, string> = {
    "Content-Type": batchSize > 1 && format === "ndjson"
      ? "application/x-ndjson"
      : "application/json",
    // The sink does not read response bodies: receivers may skip echoing (RFC 7240).
    "Prefer": "return=minimal",
    ...options.headers,
  };
  if (options.token) headers.Authorization = `Bearer ${options.token}`;
  const encoder = new TextEncoder();
  const shutdown = new AbortController();
  const deadlines = new Deadlines(timeoutMs, shutdown.signal);

  let pending: SimEvent[] = [];
  const queue: Batch[] = [];
  let held = 0;
  Object.defineProperty(stats, "queued", { get: () => held, enumerable: true });
  let inFlight = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let closed = false;
  let idleWaiters: (() => void)[] = [];

  function body(events: SimEvent[]): string {
    if (batchSize === 1) return JSON.stringify(events[0]);
    if (format === "ndjson") return events.map((e) => JSON.stringify(e)).join("\n") + "\n";
    return JSON.stringify(events);
  }

  async function attempt(batch: Batch, payload: Uint8Array<ArrayBuffer>): Promise<Outcome> {
    const requestHeaders = batch.events.length === 1 && batchSize === 1
      ? { ...headers, "Idempotency-Key": batch.events[0].eventId }
      : headers;
    const request = deadlines.start();
    const started = performance.now();
    try {
      const response = await doFetch(url, {
        method: "POST",
        headers: requestHeaders,
        body: payload,
        signal: request.signal,
      });
      const text = response.ok ? "" : (await response.text()).slice(0, 200);
      if (response.ok) await response.body?.cancel();
      recordLatency(stats.latency, performance.now() - started);
      if (response.ok) return { ok: true };
      const status = `HTTP ${response.status}${text ? `: ${text}` : ""}`;
      const retry = response.status >= 500 || RETRYABLE.has(response.status);
      return {
        ok: false,
        retry,
        reason: status,
        retryAfterMs: parseRetryAfter(response.headers.get("Retry-After"), Date.now()),
      };
    } catch (error) {
      if (shutdown.signal.aborted) {
        return { ok: false, retry: false, reason: "shutdown deadline passed" };
      }
      const reason = request.timedOut
        ? `timed out after ${timeoutMs} ms`
        : `network error: ${error instanceof Error ? error.message : error}`;
      return { ok: false, retry: true, reason };
    } finally {
      deadlines.end(request);
    }
  }

  async function send(batch: Batch): Promise<void> {
    const payload = encoder.encode(body(batch.events));
    const n = batch.events.length;
    stats.sent += n;
    let outcome: Outcome;
    while (true) {
      batch.attempts++;
      stats.bytes += payload.length;
      outcome = await attempt(batch, payload);
      if (outcome.ok || !outcome.retry || batch.attempts >= maxAttempts) break;
      if (shutdown.signal.aborted) {
        outcome = { ok: false, retry: false, reason: "shutdown deadline passed" };
        break;
      }
      stats.retried++;
      const backoff = random() * Math.min(retryMaxMs, retryBaseMs * 2 ** (batch.attempts - 1));
      const wait = Math.min(outcome.retryAfterMs ?? backoff, retryMaxMs);
      logger.warn(
        "Retrying {n} event(s) to {url} in {wait} ms (attempt {attempt} of {max}): {reason}",
        {
          n,
          url: where,
          wait: Math.round(wait),
          attempt: batch.attempts,
          max: maxAttempts,
          reason: outcome.reason,
        },
      );
      await abortableSleep(wait, shutdown.signal);
    }
    if (outcome.ok) {
      stats.acknowledged += n;
      logger.debug("Delivered {n} event(s) to {url}", { n, url: where });
    } else {
      const reason = outcome.retry ? `attempts exhausted: ${outcome.reason}` : outcome.reason;
      await deadLetterEvents(batch.events, reason, batch.attempts);
    }
  }

  async function deadLetterEvents(events: SimEvent[], reason: string, attempts: number) {
    stats.deadLettered += events.length;
    logger.error("Dead-lettered {n} event(s) for {url}: {reason}", {
      n: events.length,
      url: where,
      reason,
    });
    if (!deadLetter) return;
    try {
      await deadLetter.write(
        events.map((event) => ({ reason, attempts, sink: stats.name, event })),
      );
    } catch (error) {
      stats.errors++;
      logger.error("Cannot write the dead-letter file: {error}", { error });
    }
  }

  const admission = new Admission({
    bufferSize,
    onFull,
    held: () => held,
    stats,
    logger,
    where,
  });

  function settle(n: number) {
    held -= n;
    admission.roomMade();
    if (held === 0 && inFlight === 0) {
      const waiters = idleWaiters;
      idleWaiters = [];
      for (const wake of waiters) wake();
    }
  }

  function dispatch() {
    while (inFlight < concurrency && queue.length > 0) {
      const batch = queue.shift()!;
      inFlight++;
      send(batch).catch((error) => {
        stats.errors++;
        logger.error("HTTP sink failed: {error}", { error });
      }).finally(() => {
        inFlight--;
        settle(batch.events.length);
        dispatch();
      });
    }
  }

  function cut() {
    if (timer !== undefined) {
      clearTimeout(timer);
      timer = undefined;
    }
    if (pending.length === 0) return;
    queue.push({ events: pending, attempts: 0 });
    pending = [];
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
    return admission.admit(event, accept);
  };

  async function close() {
    if (closed) return;
    closed = true;
    cut();
    if (held > 0) {
      const idle = new Promise<void>((resolve) => idleWaiters.push(resolve));
      let deadline: ReturnType<typeof setTimeout> | undefined;
      const late = new Promise<"late">((resolve) => {
        deadline = setTimeout(() => resolve("late"), shutdownTimeoutMs);
      });
      const result = await Promise.race([idle, late]);
      clearTimeout(deadline);
      if (result === "late") {
        const left = queue.splice(0);
        shutdown.abort();
        for (const batch of left) {
          await deadLetterEvents(batch.events, "shutdown deadline passed", batch.attempts);
          settle(batch.events.length);
        }
        await idle;
      }
    }
    if (deadLetter) await deadLetter[Symbol.asyncDispose]();
  }

  return Object.assign(sink, { stats, [Symbol.asyncDispose]: close });
}
