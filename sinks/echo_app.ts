/**
 * The webhook echo server as a Hono app, with no socket of its own: receivers
 * POST events (one, an array, or NDJSON), watch accepted events live over
 * Server-Sent Events, and query the latest session states and counters.
 *
 * | Route            | Does                                                        |
 * | ---------------- | ----------------------------------------------------------- |
 * | `POST /events`   | validates and stores events, answers with what it accepted |
 * | `GET /events`    | streams each accepted event as SSE (`id`, `event`, `data`) |
 * | `GET /sessions`  | the latest event of each session, `?status=…&city=…`        |
 * | `GET /stats`     | the store's counters                                        |
 * | `GET /metrics`   | the same and the requests answered, for Prometheus          |
 * | `GET /healthz`   | `{ "ok": true }`, without the token                         |
 *
 * @module
 */
import { getLogger } from "@logtape/logtape";
import { type Context, Hono, type MiddlewareHandler } from "hono";
import { streamSSE } from "hono/streaming";
import * as v from "valibot";
import { issuePath } from "../core/errors.ts";
import { EventSchema, type SimEvent, StatusSchema } from "../core/event.ts";
import type { EventStore } from "./event_store.ts";
import { getEchoMetrics, metricsResponse } from "./metrics.ts";

const logger = getLogger(["evsim", "server"]);

/** Options of {@link createEchoApp}. */
export interface EchoAppOptions {
  /**
   * A bearer token every route but `/healthz` requires
   * (`Authorization: Bearer <token>`); no authentication when unset.
   * @default {undefined}
   */
  token?: string;
  /** The largest request body accepted, in bytes; larger ones get 413. @default {10485760} */
  maxBodyBytes?: number;
  /**
   * Events an SSE client may fall behind by; a client further behind is
   * disconnected (and may reconnect) rather than buffered without bound.
   * @default {10000}
   */
  maxPendingEvents?: number;
  /**
   * Ends every open SSE stream when aborted, once its queued events are written
   * (or after a second, for a client that is not reading); later `GET /events`
   * get 503. A server aborts it before shutting down.
   * @default {undefined}
   */
  signal?: AbortSignal;
}

/** One reason an event was refused: which event, which field, what was wrong. */
export interface Problem {
  /** Position of the event in the request (0-based; NDJSON blank lines are skipped). */
  index: number;
  /** The field, e.g. `socPercent`; empty when the event as a whole is wrong. */
  path: string;
  message: string;
}

/** How long a client that is not reading may hold up shutdown. */
const SHUTDOWN_GRACE_MS = 1000;
const NDJSON_TYPES = ["application/x-ndjson", "application/ndjson"];
const MAX_IDEMPOTENCY_KEY_LENGTH = 255;
/** Routes counted by name in the metrics; any other path counts as `other`. */
const ROUTES = new Set(["/events", "/sessions", "/stats", "/metrics", "/healthz"]);

/** A request the app refuses: becomes `{ error: message, ...details }` with `status`. */
class RequestError extends Error {
  constructor(
    readonly status: 400 | 401 | 413 | 503,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = "RequestError";
  }
}

/** The body as text, refused with 413 past `max` bytes, by Content-Length or while reading. */
async function readBody(request: Request, max: number): Promise<string> {
  const tooLarge = (size: string) =>
    new RequestError(413, `request body is ${size} bytes, over the limit of ${max} bytes`, {
      maxBodyBytes: max,
    });
  const declared = Number(request.headers.get("content-length") ?? NaN);
  if (declared > max) throw tooLarge(String(declared));
  if (!request.body) return "";
  // Counted here, not trusted from Content-Length: the header may be absent or wrong.
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel();
      throw tooLarge("more than " + max);
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch (error) {
    throw new RequestError(400, `request body is not valid UTF-8: ${(error as Error).message}`);
  }
}

/**
 * A JSON syntax error as a 400 naming where it is. `line` is the line `text`
 * starts on in the body; V8 reports a position for most errors, not all.
 */
function badJson(text: string, error: unknown, line = 1): RequestError {
  const message = error instanceof Error ? error.message : String(error);
  const at = /at position (\d+)/.exec(message);
  if (!at) return new RequestError(400, `invalid JSON on line ${line}: ${message}`, { line });
  const before = text.slice(0, Number(at[1]));
  const where = {
    line: line + before.split("\n").length - 1,
    column: before.length - before.lastIndexOf("\n"),
  };
  const reason = message.replace(/\s*(in JSON )?at position \d+.*$/, "");
  return new RequestError(
    400,
    `invalid JSON at line ${where.line}, column ${where.column}: ${reason}`,
    where,
  );
}

/** Each non-blank line of `text` as one JSON value. */
function parseLines(text: string): unknown[] {
  const values: unknown[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].endsWith("\r") ? lines[i].slice(0, -1) : lines[i];
    if (line.trim() === "") continue;
    try {
      values.push(JSON.parse(line));
    } catch (error) {
      throw badJson(line, error, i + 1);
    }
  }
  return values;
}

/** Whether a body that is not one JSON value is meant as NDJSON: several lines, the first a value. */
function looksLikeNdjson(text: string): boolean {
  const lines = text.split("\n").filter((line) => line.trim() !== "");
  if (lines.length < 2) return false;
  try {
    JSON.parse(lines[0]);
    return true;
  } catch {
    return false;
  }
}

/** The values a body holds: one JSON value, a JSON array of them, or NDJSON. */
function parseBody(text: string, contentType: string): unknown[] {
  if (text.trim() === "") {
    throw new RequestError(
      400,
      "request body is empty: send one event, a JSON array of events or NDJSON",
    );
  }
  const mediaType = contentType.split(";")[0].trim().toLowerCase();
  if (!NDJSON_TYPES.includes(mediaType)) {
    try {
      const value = JSON.parse(text);
      return Array.isArray(value) ? value : [value];
    } catch (error) {
      if (!looksLikeNdjson(text)) throw badJson(text, error);
    }
  }
  return parseLines(text);
}

/**
 * Every value as an event, or a 400 listing every problem with its path (and
 * the count of invalid events, for the store's `rejected` counter).
 */
function validate(values: readonly unknown[]): SimEvent[] | RequestError & { invalid: number } {
  const events: SimEvent[] = [];
  const problems: Problem[] = [];
  let invalid = 0;
  values.forEach((value, index) => {
    const result = v.safeParse(EventSchema, value);
    if (result.success) {
      events.push(result.output);
      return;
    }
    invalid++;
    for (const issue of result.issues) {
      problems.push({ index, path: issuePath(issue), message: issue.message });
    }
  });
  if (invalid === 0) return events;
  const first = problems[0];
  const more = problems.length > 1 ? ` (and ${problems.length - 1} more problems)` : "";
  const error = new RequestError(
    400,
    `${invalid} of ${values.length} events invalid, none accepted: event ${first.index}: ` +
      `${first.path ? first.path + ": " : ""}${first.message}${more}`,
    { problems },
  );
  return Object.assign(error, { invalid });
}

/** The `Idempotency-Key` header, checked, or undefined when absent. */
function idempotencyKey(c: Context, events: number): string | undefined {
  const key = c.req.header("idempotency-key");
  if (key === undefined) return undefined;
  if (events !== 1) {
    throw new RequestError(
      400,
      `Idempotency-Key applies to a single event, but the body holds ${events}; ` +
        "send batches without it (each event's eventId is its key)",
    );
  }
  if (key.trim() === "" || key.length > MAX_IDEMPOTENCY_KEY_LENGTH) {
    throw new RequestError(
      400,
      `Idempotency-Key must be 1 to ${MAX_IDEMPOTENCY_KEY_LENGTH} characters, got ${key.length}`,
    );
  }
  return key;
}

async function sha256(text: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
}

/**
 * Requires `Authorization: Bearer <token>`. Tokens are compared as SHA-256
 * digests, byte by byte without stopping early, so the time taken says
 * nothing about how much of a guess was right, nor its length.
 */
function bearerAuth(token: string): MiddlewareHandler {
  const expected = sha256(token);
  return async (c, next) => {
    const header = c.req.header("authorization");
    const given = header === undefined ? undefined : /^Bearer +(\S+) *$/i.exec(header)?.[1];
    if (given === undefined) {
      throw new RequestError(
        401,
        header === undefined
          ? "missing Authorization header: expected `Authorization: Bearer <token>`"
          : "malformed Authorization header: expected `Bearer <token>`",
      );
    }
    const [a, b] = [await expected, await sha256(given)];
    let diff = 0;
    for (let i = 0; i < a.length; i++) diff |= a[i] ^ b[i];
    if (diff !== 0) throw new RequestError(401, "wrong bearer token");
    await next();
  };
}

/** Streams each event `store` accepts from now on, batching what queued up while writing. */
function sseRoute(
  c: Context,
  store: EventStore,
  maxPending: number,
  closing: AbortSignal | undefined,
): Response {
  return streamSSE(
    c,
    async (stream) => {
      let queue: [number, SimEvent][] = [];
      let pending = 0;
      let overflow = false;
      let wake: (() => void) | undefined;
      // Subscribed before the response is returned, so a client that has the
      // response headers misses nothing published after.
      const unsubscribe = store.subscribe((event, seq) => {
        if (pending >= maxPending) overflow = true;
        else {
          queue.push([seq, event]);
          pending++;
        }
        wake?.();
      });
      let grace: ReturnType<typeof setTimeout> | undefined;
      const onClose = () => {
        wake?.();
        grace = setTimeout(() => stream.abort(), SHUTDOWN_GRACE_MS);
      };
      closing?.addEventListener("abort", onClose, { once: true });
      stream.onAbort(() => wake?.());
      try {
        while (!stream.aborted && !overflow) {
          if (queue.length === 0) {
            if (closing?.aborted) break;
            await new Promise<void>((resolve) => wake = resolve);
            wake = undefined;
            continue;
          }
          const batch = queue;
          queue = [];
          let frames = "";
          // JSON.stringify never emits a raw newline, so each event is one data line.
          for (const [seq, event] of batch) {
            frames += `id: ${seq}\nevent: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;
          }
          await stream.write(frames);
          pending -= batch.length;
        }
        if (overflow) {
          logger.warning(
            "Disconnected an SSE client more than {maxPending} events behind",
            { maxPending },
          );
        }
      } finally {
        unsubscribe();
        closing?.removeEventListener("abort", onClose);
        clearTimeout(grace);
      }
    },
    (error) => {
      logger.error("SSE stream failed: {error}", { error });
      return Promise.resolve();
    },
  );
}

/**
 * The echo server's routes over `store`. Every error answer is JSON with an
 * `error` message saying what was wrong (and `problems` for invalid events).
 */
export function createEchoApp(store: EventStore, options: EchoAppOptions = {}): Hono {
  const maxBodyBytes = options.maxBodyBytes ?? 10 * 1024 * 1024;
  const maxPending = options.maxPendingEvents ?? 10_000;
  const closing = options.signal;
  const metrics = getEchoMetrics(store);
  const app = new Hono();

  app.onError((error, c) => {
    if (error instanceof RequestError) {
      if (error.status === 401) c.header("WWW-Authenticate", 'Bearer realm="evsim"');
      return c.json({ error: error.message, ...error.details }, error.status);
    }
    logger.error("{method} {path} failed: {error}", {
      method: c.req.method,
      path: c.req.path,
      error,
    });
    return c.json({ error: `internal error: ${error.message}` }, 500);
  });
  app.notFound((c) =>
    c.json({
      error: `no route ${c.req.method} ${c.req.path}: the routes are POST /events, ` +
        "GET /events, GET /sessions, GET /stats, GET /metrics and GET /healthz",
    }, 404)
  );

  // First, so that every request is counted, refused ones too.
  app.use("*", async (c, next) => {
    const started = performance.now();
    await next();
    const method = ["GET", "POST", "HEAD"].includes(c.req.method) ? c.req.method : "other";
    const route = ROUTES.has(c.req.path) ? c.req.path : "other";
    metrics.observeRequest(method, route, c.res.status, (performance.now() - started) / 1000);
  });
  // Registered before the token check, which it answers without reaching.
  app.get("/healthz", (c) => c.json({ ok: true }));
  if (options.token !== undefined) app.use("*", bearerAuth(options.token));

  app.post("/events", async (c) => {
    const text = await readBody(c.req.raw, maxBodyBytes);
    const values = parseBody(text, c.req.header("content-type") ?? "");
    const key = idempotencyKey(c, values.length);
    const events = validate(values);
    if (events instanceof RequestError) {
      store.reject(events.invalid);
      throw events;
    }
    const accepted = events.filter((event) => store.add(event, { idempotencyKey: key }));
    const counts = { accepted: accepted.length, duplicates: events.length - accepted.length };
    // RFC 7240: a client that does not read the echo can ask for the counts alone.
    if (/\breturn=minimal\b/.test(c.req.header("prefer") ?? "")) return c.json(counts);
    return c.json({ ...counts, events: accepted });
  });

  app.get("/events", (c) => {
    if (closing?.aborted) throw new RequestError(503, "the server is shutting down");
    return sseRoute(c, store, maxPending, closing);
  });

  app.get("/sessions", (c) => {
    const status = c.req.query("status");
    if (status !== undefined && !v.is(StatusSchema, status)) {
      throw new RequestError(
        400,
        `unknown status ${JSON.stringify(status)} in ?status: expected one of ` +
          StatusSchema.options.join(", "),
      );
    }
    return c.json(store.sessions({ status, city: c.req.query("city") }));
  });

  app.get("/stats", (c) => c.json(store.stats()));
  app.get("/metrics", () => metricsResponse(metrics.registry));

  return app;
}
