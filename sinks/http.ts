/**
 * HTTP POST delivery, as a well-behaved data shipper: batches, a bounded
 * buffer with backpressure, concurrent keep-alive requests, retries with
 * exponential backoff and full jitter (honouring `Retry-After`), and a
 * dead-letter file for whatever cannot be delivered (the delivery core,
 * `delivery.ts`). Every event handed to the sink ends acknowledged (2xx) or
 * dead-lettered. Redirects are not followed: a 3xx is not a delivery.
 *
 * @module
 */
import { getLogger } from "@logtape/logtape";
import { AdaptiveLimit } from "./adaptive_limit.ts";
import * as v from "valibot";
import type { SimEvent } from "../core/event.ts";
import { recordLatency } from "../core/sink.ts";
import {
  defineSinkType,
  secretAccess,
  secretOption,
  type SinkAccess,
  urlAccess,
} from "../core/sink_type.ts";
import { openDeadLetterFile } from "./dead_letter.ts";
import {
  bufferAccess,
  BufferSchema,
  type DeliveryOptions,
  type DeliverySink,
  getDeliverySink,
  openBuffer,
  type Outcome,
  redactUrl,
  shownUrl,
} from "./delivery.ts";

/**
 * Options of {@link getHttpSink}: the delivery core's (batching, concurrency,
 * retries, buffer, dead letter, shutdown), and the request's own.
 */
export interface HttpSinkOptions extends DeliveryOptions {
  /** Extra request headers. @default {{}} */
  headers?: Record<string, string>;
  /** Sent as `Authorization: Bearer …`; never logged. */
  token?: string;
  /** Body of a batch: a JSON array or NDJSON. A batch of 1 is sent alone with an `Idempotency-Key` header. @default {"json"} */
  format?: "json" | "ndjson";
  /** Per-request timeout. @default {10000} */
  timeoutMs?: number;
  /** The fetch to use (tests). @default {globalThis.fetch} */
  fetch?: typeof fetch;
}

/** An HTTP sink: its counters are in `stats`. */
export type HttpSink = DeliverySink;

/** The default dead-letter file of the `http` sink type. */
export const DEFAULT_DEAD_LETTER = "evsim-dead-letter.ndjson";

const RETRYABLE = new Set([408, 429]);

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

/**
 * Why a request failed without an answer, in plain words, and whether a retry
 * can help: a blocked port, a refused permission or a bad URL never will.
 */
export function describeFetchError(
  error: unknown,
  url: string,
): { retry: boolean; reason: string } {
  const shown = redactUrl(url);
  const raw = error instanceof Error
    ? [error.message, (error.cause as Error | undefined)?.message].filter(Boolean).join(": ")
    : String(error);
  const text = raw.replaceAll(url, shown).replaceAll(url.replace(/\/$/, ""), shown);
  if (error instanceof Deno.errors.NotCapable || error instanceof Deno.errors.PermissionDenied) {
    return { retry: false, reason: `not permitted: ${text}` };
  }
  if (/are blocked|not supported|invalid url/i.test(text)) {
    return { retry: false, reason: text.replace(/^Fetch failed: /, "") };
  }
  for (const [pattern, words] of COMMON_FAILURES) {
    if (pattern.test(text)) return { retry: true, reason: words };
  }
  return { retry: true, reason: `network error: ${text}` };
}

const COMMON_FAILURES: [RegExp, string][] = [
  [/connection refused/i, "connection refused"],
  [
    /connection reset|broken pipe|connection closed|unexpected eof|incomplete message/i,
    "connection reset",
  ],
  [/dns error|failed to lookup|name or service not known/i, "cannot resolve the host"],
  [/timed out/i, "connection timed out"],
];

/**
 * A sink POSTing events to `url`. Dispose it to deliver what it holds: it
 * waits for every retry, and once `shutdown` has fired it dead-letters what is
 * left when `shutdownTimeoutMs` has passed.
 */
export function getHttpSink(url: string, options: HttpSinkOptions = {}): HttpSink {
  const { batchSize = 1, format = "json", timeoutMs = 10_000 } = options;
  const doFetch = options.fetch ?? fetch;
  const where = redactUrl(url);
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

  function body(events: SimEvent[]): string {
    if (batchSize === 1) return JSON.stringify(events[0]);
    if (format === "ndjson") return events.map((e) => JSON.stringify(e)).join("\n") + "\n";
    return JSON.stringify(events);
  }

  // A batch is encoded once: its retries send the same bytes.
  const payloads = new WeakMap<SimEvent[], Uint8Array<ArrayBuffer>>();
  const sink: HttpSink = getDeliverySink((deadline) => {
    const deadlines = new Deadlines(timeoutMs, deadline);
    return async (events, { last }): Promise<Outcome> => {
      let payload = payloads.get(events);
      if (!payload) payloads.set(events, payload = encoder.encode(body(events)));
      sink.stats.bytes += payload.length;
      const requestHeaders = events.length === 1 && batchSize === 1
        ? { ...headers, "Idempotency-Key": events[0].eventId }
        : headers;
      const request = deadlines.start();
      const started = performance.now();
      try {
        const response = await doFetch(url, {
          method: "POST",
          headers: requestHeaders,
          body: payload,
          signal: request.signal,
          redirect: "manual",
        });
        const retry = response.status >= 500 || RETRYABLE.has(response.status);
        // The body of a refusal says why; it is read only when that reason goes with the
        // events to the dead letters (a refusal for good, or the last attempt).
        const text = response.ok || (retry && !last) ? "" : (await response.text()).slice(0, 200);
        if (!text) await response.body?.cancel();
        recordLatency(sink.stats.latency, performance.now() - started);
        if (response.ok) return { ok: true };
        if (response.status >= 300 && response.status < 400) {
          const to = response.headers.get("Location");
          return {
            ok: false,
            retry: false,
            reason:
              `HTTP ${response.status} redirect${
                to ? ` to ${redactUrl(new URL(to, url).href)}` : ""
              }` +
              ": redirects are not followed; point the sink at the final URL",
          };
        }
        return {
          ok: false,
          retry,
          reason: `HTTP ${response.status}${text ? `: ${text}` : ""}`,
          retryAfterMs: parseRetryAfter(response.headers.get("Retry-After"), Date.now()),
        };
      } catch (error) {
        if (deadline.aborted) {
          return { ok: false, retry: false, reason: "shutdown deadline passed" };
        }
        if (request.timedOut) {
          return { ok: false, retry: true, reason: `timed out after ${timeoutMs} ms` };
        }
        return { ok: false, ...describeFetchError(error, url) };
      } finally {
        deadlines.end(request);
      }
    };
  }, {
    name: `http ${where}`,
    where,
    logger: getLogger(["evsim", "sink", "http"]),
  }, options);
  return sink;
}

const Int = v.pipe(v.number(), v.integer());

/** The `http` sink type's config entry (every field but `type`). */
export const HttpSinkSchema = v.strictObject({
  url: v.pipe(
    v.string(),
    v.check(
      (s) => /^https?:\/\/[^/\s]+/.test(s) && URL.canParse(s),
      (i) => `expected an http(s) URL, got ${JSON.stringify(shownUrl(i.input as string))}`,
    ),
  ),
  headers: v.optional(v.record(v.string(), v.string()), {}),
  /** Sent as `Authorization: Bearer …`. */
  token: v.optional(v.string()),
  /** Name of an environment variable holding the token. */
  tokenEnv: v.optional(v.string()),
  /** Events per request; 1 sends each alone with an `Idempotency-Key` header. */
  batchSize: v.optional(v.pipe(Int, v.minValue(1)), 1),
  /** Longest wait before a partial batch is sent. */
  flushIntervalMs: v.optional(v.pipe(Int, v.minValue(1)), 1000),
  /** Body of a batch: a JSON array or NDJSON. */
  format: v.optional(v.picklist(["json", "ndjson"]), "json"),
  /** Requests in flight at once. */
  /** Requests in flight at once, or `"adaptive"`: set from their latency (`adaptive_limit.ts`). */
  concurrency: v.optional(v.union([v.pipe(Int, v.minValue(1)), v.literal("adaptive")]), 4),
  /** Per-request timeout. */
  timeoutMs: v.optional(v.pipe(Int, v.minValue(1)), 10_000),
  /** Attempts per request before its events are dead-lettered: 8, unlimited with a disk buffer. */
  maxAttempts: v.optional(v.pipe(Int, v.minValue(1))),
  /** First retry delay bound, doubling each attempt (full jitter). */
  retryBaseMs: v.optional(v.pipe(Int, v.minValue(1)), 200),
  /** Largest retry delay, also the cap on Retry-After. */
  retryMaxMs: v.optional(v.pipe(Int, v.minValue(1)), 30_000),
  /** NDJSON file for events that cannot be delivered. */
  deadLetter: v.optional(
    v.pipe(v.string(), v.minLength(1, "expected a path")),
    DEFAULT_DEAD_LETTER,
  ),
  /** Events the sink may hold before it pushes back. */
  bufferSize: v.optional(v.pipe(Int, v.minValue(1)), 10_000),
  /**
   * In realtime and accelerated runs, what a full buffer does: `block` slows the
   * simulation, `drop` drops (and counts) the event. A backfill always blocks.
   */
  onFull: v.optional(v.picklist(["block", "drop"]), "block"),
  /** Where events wait: in memory (`bufferSize`), or `{ "type": "disk", "path", "maxBytes" }`. */
  buffer: BufferSchema,
});

/** A validated `http` sink config entry. */
export type HttpSinkConfig = v.InferOutput<typeof HttpSinkSchema>;

/** The `http` sink type: `--sink http(s)://URL`, and the config's `api` shortcut. */
export const httpSinkType = defineSinkType({
  schema: HttpSinkSchema,
  shorthand: {
    usage: "http(s)://URL",
    parse: (spec) => /^https?:\/\//.test(spec) ? { url: spec } : undefined,
  },
  needs: (options: HttpSinkConfig): SinkAccess[] => [
    ...urlAccess(options.url, options.url.startsWith("https:") ? 443 : 80, "url"),
    ...secretAccess(options.token, options.tokenEnv, "tokenEnv"),
    { write: options.deadLetter, option: "deadLetter" },
    ...bufferAccess(options.buffer),
  ],
  async create(options: HttpSinkConfig, context) {
    const { url, token, tokenEnv, deadLetter, onFull, buffer, concurrency, ...rest } = options;
    return getHttpSink(url, {
      ...rest,
      concurrency: concurrency === "adaptive" ? new AdaptiveLimit() : concurrency,
      disk: await openBuffer(buffer, `${context.where}.buffer`),
      token: secretOption(token, tokenEnv, `${context.where}.tokenEnv`, context.env),
      onFull: context.backfill ? "block" : onFull,
      deadLetter: openDeadLetterFile(context.deadLetterPath?.(deadLetter) ?? deadLetter),
      shutdown: context.shutdown,
      shutdownTimeoutMs: context.shutdownTimeoutMs,
    });
  },
});
