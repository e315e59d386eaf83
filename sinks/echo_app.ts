/**
 * The webhook echo server as a Hono app, with no socket of its own: receivers
 * POST events (one, an array, or NDJSON), watch accepted events live over
 * Server-Sent Events, and query the latest session states and counters.
 *
 * | Route            | Does                                                                  |
 * | ---------------- | --------------------------------------------------------------------- |
 * | `POST /events`   | validates and stores events, answers with what it accepted           |
 * | `GET /events`    | streams each accepted event as SSE (`id`, `event`, `data`)           |
 * | `GET /sessions`  | the latest event of each session, `?status=…&city=…`, a page at once |
 * | `GET /stats`     | the store's counters                                                  |
 * | `GET /metrics`   | the same and the requests answered, for Prometheus                    |
 * | `GET /healthz`   | `{ "ok": true }`, without the token                                   |
 * | `GET /`          | the live page (map, charts, sessions), without the token; its script, |
 * |                  | styles and map outline at `/live.js`, `/live.css`, `/us.json`          |
 * | `GET /live`      | the network's state as SSE frames, ~4 a second (`web/live_feed.ts`)   |
 * | `GET /live/sessions` | sessions plugged in and lately ended, `?city=…&siteType=…&status=…` |
 * | `GET /live/stations/:id` | a station and what each of its ports does                   |
 *
 * It protects itself from what a sender or a client may do: bodies, events and
 * their strings are bounded (413, 400), a body must arrive in time (408),
 * `GET /sessions` answers a page at a time, and an SSE client that falls
 * behind is disconnected instead of buffered.
 *
 * @module
 */
import { getLogger } from "@logtape/logtape";
import { type Context, Hono, type MiddlewareHandler } from "hono";
import { bearerAuth } from "hono/bearer-auth";
import { HTTPException } from "hono/http-exception";
import * as v from "valibot";
import { issuePath } from "../core/errors.ts";
import { EventSchema, type SimEvent, StatusSchema } from "../core/event.ts";
import { compileEventShape } from "./_event_shape.ts";
import type { EventStore } from "./event_store.ts";
import { getEchoMetrics, metricsResponse } from "./metrics.ts";
import { LiveFeed } from "../web/live_feed.ts";
import { livePage, liveRoutes } from "../web/live_routes.ts";
import { sseStream } from "./sse_stream.ts";
import { type ChargerInfo, LiveState } from "../web/live_state.ts";

const logger = getLogger(["evsim", "server"]);

/** Options of {@link createEchoApp}. */
export interface EchoAppOptions {
  /**
   * A bearer token every route but `/healthz` requires
   * (`Authorization: Bearer <token>`); no authentication when unset. Letters,
   * digits and `- . _ ~ + /`, then optionally `=` (RFC 6750); another throws
   * a `RangeError`.
   * @default {undefined}
   */
  token?: string;
  /** The largest request body accepted, in bytes; larger ones get 413. @default {10485760} */
  maxBodyBytes?: number;
  /**
   * The largest event accepted, in bytes of its JSON (as re-serialized, without
   * whitespace); a larger one is refused with 400. evsim's are under 1 KB.
   * @default {16384}
   */
  maxEventBytes?: number;
  /**
   * The longest string accepted anywhere in an event, field names too, in
   * characters; a longer one is refused with 400 naming its field. evsim's
   * longest, a station name or status message, is under 100.
   * @default {1024}
   */
  maxStringLength?: number;
  /**
   * How long a request body may take to arrive, in milliseconds, from when
   * the headers have; a slower one is answered 408 (with `Connection: close`)
   * and no longer awaited.
   * @default {30000}
   */
  bodyTimeoutMs?: number;
  /**
   * Events an SSE client may fall behind by; a client further behind is
   * disconnected (and may reconnect) rather than buffered without bound.
   * Counted are the events the server has not yet handed to the connection;
   * what the connection and the kernel's socket buffers already hold (a few
   * MB on loopback) comes on top.
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
  /**
   * The network's chargers, so that the live page shows every station from
   * the start; without them it learns stations from their first event.
   * @default {[]}
   */
  chargers?: Iterable<ChargerInfo>;
  /** Wall time between the frames of `GET /live`, in milliseconds. @default {250} */
  liveIntervalMs?: number;
  /**
   * Frames of `GET /live` kept for clients that reconnect with `Last-Event-ID`;
   * one that missed more gets a snapshot. At the default interval, a minute.
   * @default {240}
   */
  liveWindowFrames?: number;
}

/** One reason an event was refused: which event, which field, what was wrong. */
export interface Problem {
  /** Position of the event in the request (0-based; NDJSON blank lines are skipped). */
  index: number;
  /** The field, e.g. `socPercent` or `connectors[0]`; empty when the event as a whole is wrong. */
  path: string;
  message: string;
}

/** Problems listed in a 400 at most (the message counts them all), so the answer stays small. */
const MAX_PROBLEMS = 100;
/** Levels of objects and arrays an event may nest (evsim's nest 2), checked before it is sized. */
const MAX_DEPTH = 8;
/** `GET /sessions` without `?limit`, and the largest `?limit`. */
const SESSIONS_LIMIT = 1000;
const MAX_SESSIONS_LIMIT = 10_000;
/** About the most a `GET /sessions` page holds, in bytes, whatever its `?limit`. */
const MAX_SESSIONS_PAGE_BYTES = 16 * 1024 * 1024;
/** About the most one SSE write holds, in bytes: a client far behind is not sent its backlog at once. */
const SSE_CHUNK_BYTES = 64 * 1024;
const ENCODER = new TextEncoder();
const NDJSON_TYPES = ["application/x-ndjson", "application/ndjson"];
const MAX_IDEMPOTENCY_KEY_LENGTH = 255;
/** Routes counted by name in the metrics; any other path counts as `other`. */
const ROUTES = new Set([
  "/events",
  "/sessions",
  "/stats",
  "/metrics",
  "/healthz",
  "/",
  "/live",
  "/live/sessions",
]);

/** A request the app refuses: becomes `{ error: message, ...details }` with `status`. */
class RequestError extends Error {
  constructor(
    readonly status: 400 | 404 | 408 | 413 | 503,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = "RequestError";
  }
}

/**
 * The body as text, refused with 413 past `max` bytes, by Content-Length or
 * while reading, and with 408 when it has not all come within `timeoutMs`.
 */
async function readBody(request: Request, max: number, timeoutMs: number): Promise<string> {
  const tooLarge = (size: string) =>
    new RequestError(413, `request body is ${size} bytes, over the limit of ${max} bytes`, {
      maxBodyBytes: max,
    });
  const declared = Number(request.headers.get("content-length") ?? NaN);
  if (declared > max) throw tooLarge(String(declared));
  if (!request.body) return "";
  // Counted here, not trusted from Content-Length: the header may be absent or wrong.
  const reader = request.body.getReader();
  let timedOut = false;
  // Cancelling ends the pending read, so a sender that stalls cannot hold the handler.
  const timer = setTimeout(() => {
    timedOut = true;
    reader.cancel().catch(() => {});
  }, timeoutMs);
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (timedOut) {
        throw new RequestError(
          408,
          `request body not received within ${timeoutMs} ms (${size} bytes came)`,
          { bodyTimeoutMs: timeoutMs },
        );
      }
      if (done) break;
      size += value.byteLength;
      if (size > max) {
        await reader.cancel();
        throw tooLarge("more than " + max);
      }
      chunks.push(value);
    }
  } finally {
    clearTimeout(timer);
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

/** The limits {@link validate} checks besides the schema. */
interface EventLimits {
  maxStringLength: number;
  maxEventBytes: number;
}

/** A path below `path`, written as {@link issuePath} writes valibot's. */
const child = (path: string, key: string | number) =>
  typeof key === "number" ? `${path}[${key}]` : path ? `${path}.${key}` : key;

/** A long string shown in a message: its start. */
const preview = (text: string) => JSON.stringify(text.slice(0, 20)).slice(0, -1) + '…"';

/**
 * What in `value` is over a limit that holds before the schema is applied:
 * nesting past {@link MAX_DEPTH}, a string or field name longer than
 * `maxStringLength`, or JSON longer than `maxEventBytes`. These run first so
 * that valibot's messages, which quote what they received, stay short, and
 * that nothing huge is stored, streamed or listed.
 */
function overLimits(
  value: unknown,
  limits: EventLimits,
  buffer: Uint8Array,
): Omit<Problem, "index">[] {
  const { maxStringLength: max } = limits;
  const problems: Omit<Problem, "index">[] = [];
  // Walked with a stack, not recursion: a body may nest arrays a million deep.
  const stack: [unknown, string, number][] = [[value, "", 0]];
  while (stack.length > 0 && problems.length < MAX_PROBLEMS) {
    const [item, path, depth] = stack.pop()!;
    if (typeof item === "string") {
      if (item.length > max) {
        problems.push({
          path,
          message: `string of ${item.length} characters is over the limit of ${max} characters`,
        });
      }
      continue;
    }
    if (typeof item !== "object" || item === null) continue;
    if (depth >= MAX_DEPTH) {
      problems.push({ path, message: `nested more than ${MAX_DEPTH} levels deep` });
      continue;
    }
    const entries: [string | number, unknown][] = Array.isArray(item)
      ? [...item.entries()]
      : Object.entries(item);
    // Pushed last first, so that they come off the stack, and into the problems, in order.
    for (const [key, inner] of entries.reverse()) {
      if (typeof key === "string" && key.length > max) {
        problems.push({
          path,
          message: `field name ${preview(key)} of ${key.length} characters is over the limit ` +
            `of ${max} characters`,
        });
        continue;
      }
      stack.push([inner, child(path, key), depth + 1]);
    }
  }
  if (problems.length > 0) return problems;
  // Sized by encoding into a buffer of the limit: what does not fit is over it.
  const json = JSON.stringify(value) ?? "";
  if (ENCODER.encodeInto(json, buffer).read < json.length) {
    const bytes = ENCODER.encode(json).byteLength;
    problems.push({
      path: "",
      message: `event is ${bytes} bytes as JSON, over the limit of ${limits.maxEventBytes} bytes`,
    });
  }
  return problems;
}

/**
 * The common case in one pass: an event as evsim sends it (its type's keys in
 * schema order, every value valid, no string over the limit), with a bound of
 * its size. Events nest two levels (an object and its `connectors`), below
 * {@link MAX_DEPTH}.
 */
const eventShape = compileEventShape(EventSchema);

/** The events of a request that are all valid, and the size of each the fast check measured. */
interface Valid {
  events: SimEvent[];
  /** As the store counts it (`AddOptions.size`); undefined where the full checks ran. */
  sizes: (number | undefined)[];
}

/**
 * Every value as an event, or a 400 listing the problems with their paths
 * (the first {@link MAX_PROBLEMS}; and the count of invalid events, for the
 * store's `rejected` counter). An event over a limit is not checked further.
 */
function validate(
  values: readonly unknown[],
  limits: EventLimits,
): Valid | RequestError & { invalid: number } {
  const events: SimEvent[] = [];
  const sizes: (number | undefined)[] = [];
  const problems: Problem[] = [];
  let buffer: Uint8Array | undefined;
  let count = 0;
  let invalid = 0;
  const add = (index: number, path: string, message: string) => {
    if (count++ < MAX_PROBLEMS) problems.push({ index, path, message });
  };
  values.forEach((value, index) => {
    // What the fast check accepts, the checks below accept with the same output; anything
    // else, valid or not, goes through them, and they word the problems.
    const size = eventShape(value, limits.maxStringLength);
    if (size >= 0 && 6 * size <= limits.maxEventBytes) {
      events.push(value as SimEvent);
      sizes.push(size);
      return;
    }
    const over = overLimits(value, limits, buffer ??= new Uint8Array(limits.maxEventBytes));
    if (over.length > 0) {
      invalid++;
      for (const problem of over) add(index, problem.path, problem.message);
      return;
    }
    const result = v.safeParse(EventSchema, value);
    if (result.success) {
      events.push(result.output);
      sizes.push(undefined);
      return;
    }
    invalid++;
    for (const issue of result.issues) add(index, issuePath(issue), issue.message);
  });
  if (invalid === 0) return { events, sizes };
  const first = problems[0];
  const more = count > 1 ? ` (and ${count - 1} more problems)` : "";
  const error = new RequestError(
    400,
    `${invalid} of ${values.length} events invalid, none accepted: event ${first.index}: ` +
      `${first.path ? first.path + ": " : ""}${first.message}${more}`,
    count > problems.length ? { problems, problemCount: count } : { problems },
  );
  return Object.assign(error, { invalid });
}

/** An option that must be a positive number. */
function positive(name: string, value: number): number {
  if (!(value > 0)) throw new RangeError(`createEchoApp: ${name} must be positive, got ${value}`);
  return value;
}

/** The query parameter `name` as an integer from `min` to `max`, or undefined when absent. */
function queryInteger(c: Context, name: string, min: number, max: number): number | undefined {
  const text = c.req.query(name);
  if (text === undefined) return undefined;
  const value = /^\d{1,16}$/.test(text) ? Number(text) : NaN;
  if (!(value >= min && value <= max)) {
    throw new RequestError(
      400,
      name === "cursor"
        ? `?cursor must be one from a Link header of GET /sessions, got ${JSON.stringify(text)}`
        : `?${name} must be an integer from ${min} to ${max}, got ${JSON.stringify(text)}`,
    );
  }
  return value;
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

/** The characters of a bearer token (RFC 6750's `b64token`), as `hono/bearer-auth` takes them. */
const B64TOKEN = /^[A-Za-z0-9._~+/-]+=*$/;
const CHALLENGE = 'Bearer realm="evsim"';

/** The SHA-256 digest of `text`: tokens are compared by digest, in constant time. */
async function digest(text: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
}

/** Whether `a` and `b` hold the same bytes, in a time that does not depend on where they differ. */
function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  let diff = a.length ^ b.length;
  for (let i = 0; i < Math.min(a.length, b.length); i++) diff |= a[i] ^ b[i];
  return diff === 0;
}

/** A 401 of the token check, JSON like every error answer, with the challenge. */
const refusal = (error: string) => ({
  wwwAuthenticateHeader: CHALLENGE,
  message: () =>
    new Response(JSON.stringify({ error }), {
      status: 401,
      headers: { "content-type": "application/json" },
    }),
});

/**
 * Requires `Authorization: Bearer <token>` (`hono/bearer-auth`, which compares
 * SHA-256 digests in constant time, so the time taken says nothing about how
 * much of a guess was right). Every refusal is a 401, a malformed header too.
 */
function requireToken(token: string): MiddlewareHandler {
  if (!B64TOKEN.test(token)) {
    throw new RangeError(
      "createEchoApp: the token may hold only letters, digits and - . _ ~ + / " +
        "(then = padding), as RFC 6750 bearer tokens do",
    );
  }
  return bearerAuth({
    token,
    noAuthenticationHeader: refusal(
      "missing Authorization header: expected `Authorization: Bearer <token>`",
    ),
    invalidAuthenticationHeader: refusal(
      "malformed Authorization header: expected `Bearer <token>`",
    ),
    invalidToken: refusal("wrong bearer token"),
  });
}

/**
 * Ends the response body of an SSE client that fell more than
 * `maxPendingEvents` behind, so that the server drops its connection rather
 * than finishing the response. A server's `onError` gets it: not a failure.
 */
export class SlowClientError extends Error {
  constructor(readonly maxPending: number, unit = "events") {
    super(`SSE client more than ${maxPending} ${unit} behind: disconnected`);
    this.name = "SlowClientError";
  }
}

/** Streams each event `store` accepts from now on as SSE (see `sse_stream.ts`). */
function sseResponse(
  store: EventStore,
  maxPending: number,
  closing: AbortSignal | undefined,
): Response {
  return sseStream<[number, SimEvent]>({
    subscribe: (push) => store.subscribe((event, seq) => push([seq, event])),
    // JSON.stringify never emits a raw newline, so each event is one data line.
    encode(queue, from) {
      let text = "";
      let i = from;
      while (i < queue.length && text.length < SSE_CHUNK_BYTES) {
        const [seq, event] = queue[i++];
        text += `id: ${seq}\nevent: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;
      }
      return { text, next: i };
    },
    maxPending,
    unit: "events",
    closing,
    slowClient: (max) => new SlowClientError(max),
    onBehind: () =>
      logger.warning("Disconnected an SSE client more than {maxPending} events behind", {
        maxPending,
      }),
  });
}

/**
 * The echo server's routes over `store`. Every error answer is JSON with an
 * `error` message saying what was wrong (and `problems` for invalid events).
 */
export function createEchoApp(store: EventStore, options: EchoAppOptions = {}): Hono {
  const maxBodyBytes = options.maxBodyBytes ?? 10 * 1024 * 1024;
  const limits: EventLimits = {
    maxStringLength: positive("maxStringLength", options.maxStringLength ?? 1024),
    maxEventBytes: positive("maxEventBytes", options.maxEventBytes ?? 16 * 1024),
  };
  const bodyTimeoutMs = positive("bodyTimeoutMs", options.bodyTimeoutMs ?? 30_000);
  const maxPending = options.maxPendingEvents ?? 10_000;
  const closing = options.signal;
  const metrics = getEchoMetrics(store);
  const live = new LiveState({ chargers: options.chargers });
  store.subscribe((event) => live.add(event), { client: false });
  const feed = new LiveFeed(live, {
    intervalMs: options.liveIntervalMs,
    windowFrames: options.liveWindowFrames,
  });
  closing?.addEventListener("abort", () => feed.close(), { once: true });
  const app = new Hono();

  app.onError((error, c) => {
    // The token check's refusals, answered in full by `hono/bearer-auth`.
    if (error instanceof HTTPException) return error.getResponse();
    if (error instanceof RequestError) {
      // Asks the client to close the connection: Deno keeps it open, reading
      // the rest of the body, and cannot be told to close it.
      if (error.status === 408) c.header("Connection", "close");
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
        "GET /events, GET /sessions, GET /stats, GET /metrics, GET /healthz, the live page " +
        "GET / and its GET /live, GET /live/sessions and GET /live/stations/:id",
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
  // The page holds no data (what it shows comes from /live), so it needs no token.
  app.route("/", livePage());
  if (options.token !== undefined) {
    const bearer = requireToken(options.token);
    const expected = digest(options.token);
    // The live page's routes also take the token as `?access_token=` (RFC 6750 §2.3): a
    // browser's EventSource cannot send an Authorization header.
    app.use("*", async (c, next) => {
      const query = c.req.query("access_token");
      if (query === undefined || !c.req.path.startsWith("/live")) return bearer(c, next);
      if (sameBytes(await digest(query), await expected)) return await next();
      c.header("WWW-Authenticate", CHALLENGE);
      return c.json({ error: "wrong access_token" }, 401);
    });
  }

  app.post("/events", async (c) => {
    const text = await readBody(c.req.raw, maxBodyBytes, bodyTimeoutMs);
    const values = parseBody(text, c.req.header("content-type") ?? "");
    const key = idempotencyKey(c, values.length);
    const valid = validate(values, limits);
    if (valid instanceof RequestError) {
      store.reject(valid.invalid);
      throw valid;
    }
    const { events, sizes } = valid;
    const accepted = events.filter((event, i) =>
      store.add(event, { idempotencyKey: key, size: sizes[i] })
    );
    const counts = { accepted: accepted.length, duplicates: events.length - accepted.length };
    // RFC 7240: a client that does not read the echo can ask for the counts alone.
    if (/\breturn=minimal\b/.test(c.req.header("prefer") ?? "")) return c.json(counts);
    return c.json({ ...counts, events: accepted });
  });

  app.get("/events", () => {
    if (closing?.aborted) throw new RequestError(503, "the server is shutting down");
    return sseResponse(store, maxPending, closing);
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
    const limit = queryInteger(c, "limit", 1, MAX_SESSIONS_LIMIT) ?? SESSIONS_LIMIT;
    const after = queryInteger(c, "cursor", 0, Number.MAX_SAFE_INTEGER);
    const page = store.sessionPage(
      { status, city: c.req.query("city") },
      { after, limit, maxBytes: MAX_SESSIONS_PAGE_BYTES },
    );
    // Still a bare array, as before paging: the next page is in a Link header (RFC 8288).
    if (page.next !== undefined) {
      const query = new URLSearchParams();
      for (const name of ["status", "city"]) {
        const value = c.req.query(name);
        if (value !== undefined) query.set(name, value);
      }
      query.set("limit", String(limit));
      query.set("cursor", String(page.next));
      c.header("Link", `</sessions?${query.toString().replaceAll("+", "%20")}>; rel="next"`);
    }
    return c.json(page.sessions);
  });

  // The live page's data (web/live_routes.ts), behind the token.
  app.route(
    "/",
    liveRoutes(live, feed, { closing, slowClient: (max) => new SlowClientError(max, "frames") }),
  );

  app.get("/stats", (c) => c.json(store.stats()));
  app.get("/metrics", () => metricsResponse(metrics.registry));

  return app;
}
