/**
 * The `mqtt` sink type: publishes each event to an MQTT broker (MQTT 5 or
 * 3.1.1, over TCP or TLS), one message per event on a topic made from the
 * event's fields.
 *
 * It is built on the delivery core (`delivery.ts`), as the HTTP sink is: a
 * bounded buffer with backpressure, retries with full-jitter backoff, a
 * dead-letter file, and shutdown by deadline, so every event handed to it
 * ends acknowledged (PUBACK at QoS 1; written to the socket at QoS 0) or
 * dead-lettered with the reason. The connection is opened when events need
 * it; while the broker is unreachable, events wait and each failed attempt to
 * reach it counts as one of their `maxAttempts`. It starts even if the broker
 * is not up yet. Delivery is at least once: after a lost connection a message
 * may reach the broker twice, so subscribers should deduplicate by `eventId`.
 *
 * ```json
 * { "sinks": [{ "type": "mqtt", "url": "mqtt://127.0.0.1:1883", "passwordEnv": "MQTT_PASSWORD" }] }
 * ```
 *
 * The client library (`npm:mqtt`) is loaded only when a sink is made: it reads
 * the whole environment when it loads.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { getLogger } from "@logtape/logtape";
import type { IClientOptions, MqttClient } from "mqtt";
import * as v from "valibot";
import { ConfigError, parseWith } from "../core/errors.ts";
import { ChargerStatusEventSchema, SessionEndEventSchema, type SimEvent } from "../core/event.ts";
import { recordLatency } from "../core/sink.ts";
import {
  defineSinkType,
  secretAccess,
  secretOption,
  type SinkAccess,
  urlAccess,
} from "../core/sink_type.ts";
import { type DeadLetter, openDeadLetterFile } from "./dead_letter.ts";
import {
  bufferAccess,
  BufferSchema,
  type DeliveryOptions,
  type DeliverySink,
  fullJitter,
  getDeliverySink,
  openBuffer,
  type Outcome,
  redactUrl,
  shownUrl,
} from "./delivery.ts";

/** The default topic template. */
export const DEFAULT_TOPIC = "evsim/{city}/{chargerId}/{type}";

/** The default dead-letter file of the `mqtt` sink type. */
export const DEFAULT_MQTT_DEAD_LETTER = "evsim-mqtt-dead-letter.ndjson";

/** Every field any event can carry: the names a topic placeholder may use. */
const EVENT_FIELDS: ReadonlySet<string> = new Set([
  ...Object.keys(SessionEndEventSchema.entries),
  ...Object.keys(ChargerStatusEventSchema.entries),
]);

const PLACEHOLDER = /\{([^{}]*)\}/g;

/** What is wrong with a topic template, or `undefined` if nothing is. */
export function topicTemplateProblem(template: string): string | undefined {
  const shown = JSON.stringify(template);
  if (template === "") return "expected a topic template, got an empty string";
  for (const [, name] of template.matchAll(PLACEHOLDER)) {
    if (!EVENT_FIELDS.has(name)) {
      return `unknown placeholder {${name}} in ${shown}: expected an event field such as {city}, {chargerId} or {type}`;
    }
  }
  const literal = template.replace(PLACEHOLDER, "");
  if (/[{}]/.test(literal)) return `unbalanced braces in ${shown}`;
  if (/[+#]/.test(literal)) return `expected a topic without the wildcards + and #, got ${shown}`;
  if (/\p{Cc}/u.test(literal)) return `expected a topic without control characters, got ${shown}`;
  if (template.startsWith("$")) {
    return `topics starting with $ are reserved for brokers, got ${shown}`;
  }
  return undefined;
}

/**
 * A value as one topic level: `/`, `+`, `#`, whitespace and control characters
 * become `_`, and so does a missing or empty value.
 */
export function topicSafe(value: unknown): string {
  if (value === undefined || value === null || value === "") return "_";
  return String(value).replace(/[/+#\s\p{Cc}]/gu, "_");
}

/**
 * The topic function of a template: each `{field}` is replaced by the event's
 * field, made {@link topicSafe}. Throws a `ConfigError` for an invalid template.
 */
export function compileTopic(template: string): (event: SimEvent) => string {
  const problem = topicTemplateProblem(template);
  if (problem) throw new ConfigError(`mqtt sink: topic: ${problem}`);
  // With one capture group, split alternates literal text and field names.
  const parts = template.split(PLACEHOLDER);
  if (parts.length === 1) return () => template;
  return (event) => {
    const fields = event as unknown as Record<string, unknown>;
    let topic = parts[0];
    for (let i = 1; i < parts.length; i += 2) topic += topicSafe(fields[parts[i]]) + parts[i + 1];
    return topic;
  };
}

const Int = v.pipe(v.number(), v.integer());
const Path = v.pipe(v.string(), v.minLength(1, "expected a path"));
const MqttUrl = v.pipe(
  v.string(),
  v.check(
    (s) => /^mqtts?:\/\/[^/\s]+/.test(s) && URL.canParse(s),
    (i) =>
      `expected an mqtt:// or mqtts:// URL, got ${JSON.stringify(shownUrl(i.input as string))}`,
  ),
);
/** A string whose value never appears in an error message. */
const Secret = v.pipe(
  v.unknown(),
  v.check((s) => typeof s === "string", "expected a string (the value is not shown)"),
  v.transform((s) => s as string),
);
const Topic = v.pipe(
  v.string(),
  v.check(
    (s) => topicTemplateProblem(s) === undefined,
    (i) => topicTemplateProblem(i.input as string)!,
  ),
);

/** The options of {@link getMqttSink} and of the `mqtt` sink type that both share. */
const fields = {
  /** Broker URL, `mqtt://host:1883` or `mqtts://host:8883` (TLS). Credentials in it are never logged. */
  url: MqttUrl,
  /** Topic of each event; `{field}` placeholders take the event's fields, made topic-safe. */
  topic: v.optional(Topic, DEFAULT_TOPIC),
  /** 1: acknowledged on PUBACK; 0: acknowledged once written to the socket. */
  qos: v.optional(v.picklist([0, 1]), 1),
  /** Publish `charger.status` events retained, so a new subscriber sees each charger's last status. */
  retainStatus: v.optional(v.boolean(), true),
  /** User name sent to the broker. */
  username: v.optional(v.string()),
  /** Password sent to the broker; never logged. */
  password: v.optional(Secret),
  /** MQTT client identifier; `evsim-` and 8 random hex digits when not set. */
  clientId: v.optional(v.pipe(v.string(), v.minLength(1, "expected a client id"))),
  /** MQTT protocol: 5, or 4 for MQTT 3.1.1 brokers. */
  protocolVersion: v.optional(v.picklist([4, 5]), 5),
  /** How long to wait for the broker's CONNACK before the attempt counts as failed. */
  connectTimeoutMs: v.optional(v.pipe(Int, v.minValue(1)), 10_000),
  /** First reconnect delay; each failed attempt doubles the bound (with jitter). */
  reconnectMinMs: v.optional(v.pipe(Int, v.minValue(1)), 500),
  /** Largest reconnect delay. */
  reconnectMaxMs: v.optional(v.pipe(Int, v.minValue(1)), 30_000),
  /** Messages published and not yet acknowledged at once (capped by the broker's Receive Maximum). */
  maxInflight: v.optional(v.pipe(Int, v.minValue(1), v.maxValue(65_535)), 100),
  /** Publish attempts per message (a connection lost before its PUBACK fails one) before it is dead-lettered. */
  maxAttempts: v.optional(v.pipe(Int, v.minValue(1))),
  /** Events held (queued while disconnected, or awaiting PUBACK) before the sink pushes back. */
  bufferSize: v.optional(v.pipe(Int, v.minValue(1)), 10_000),
  /** When the buffer is full: wait for room (`block`) or drop the event and count it. A backfill always blocks. */
  onFull: v.optional(v.picklist(["block", "drop"]), "block"),
};

const BACKOFF_ORDER = "expected reconnectMaxMs to be at least reconnectMinMs";

const OptionsSchema = v.pipe(
  v.strictObject(fields),
  v.forward(v.check((o) => o.reconnectMinMs <= o.reconnectMaxMs, BACKOFF_ORDER), [
    "reconnectMaxMs",
  ]),
);

/**
 * The `mqtt` sink type's config entry (every field but `type`), with its
 * defaults. Set at most one of `password` and `passwordEnv`.
 */
export const MqttSinkSchema = v.pipe(
  v.strictObject({
    ...fields,
    /** Name of an environment variable holding the password. */
    passwordEnv: v.optional(v.pipe(v.string(), v.minLength(1, "expected a variable name"))),
    /** NDJSON file for events that cannot be delivered. */
    deadLetter: v.optional(Path, DEFAULT_MQTT_DEAD_LETTER),
    /** Where events wait: in memory (`bufferSize`), or `{ "type": "disk", "path", "maxBytes" }`. */
    buffer: BufferSchema,
  }),
  v.forward(v.check((o) => o.reconnectMinMs <= o.reconnectMaxMs, BACKOFF_ORDER), [
    "reconnectMaxMs",
  ]),
  v.forward(
    v.check(
      (o) => o.password === undefined || o.passwordEnv === undefined,
      "expected password or passwordEnv, not both",
    ),
    ["passwordEnv"],
  ),
);

/** A validated `mqtt` sink config entry. */
export type MqttSinkConfig = v.InferOutput<typeof MqttSinkSchema>;

/**
 * Options of {@link getMqttSink}: the broker's (each documented in the schema,
 * defaults as in the config), and the delivery core's dead letter and shutdown.
 */
export type MqttSinkOptions =
  & v.InferInput<typeof OptionsSchema>
  & Pick<DeliveryOptions, "shutdown" | "shutdownTimeoutMs" | "random" | "disk">
  & {
    /** Where undeliverable events go: a file path, or a {@link DeadLetter} (tests). @default {"evsim-mqtt-dead-letter.ndjson"} */
    deadLetter?: string | DeadLetter;
  };

/** An MQTT sink: its counters are in `stats`. */
export type MqttSink = DeliverySink;

/** One open connection to the broker. */
interface Connection {
  client: MqttClient;
  /** Publishes unacknowledged at once: `maxInflight`, or the broker's Receive Maximum if lower. */
  limit: number;
  /** Each publish awaiting its acknowledgement, by the function that settles it. */
  pending: Set<(outcome: Outcome) => void>;
  /** Publishes waiting for one of the `limit` slots. */
  slotWaiters: (() => void)[];
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * A sink publishing each event to the MQTT broker at `options.url`. It resolves
 * once the first connection attempt has ended: connected, or failed (logged as
 * a warning; events wait and are retried). Dispose it to deliver what it holds:
 * it waits for every retry, and once `shutdown` has fired it dead-letters what
 * is left when `shutdownTimeoutMs` has passed.
 */
export async function getMqttSink(options: MqttSinkOptions): Promise<MqttSink> {
  const {
    deadLetter = DEFAULT_MQTT_DEAD_LETTER,
    shutdown,
    shutdownTimeoutMs,
    random = Math.random,
    disk,
    ...rest
  } = options;
  const o = parseWith(OptionsSchema, rest, "mqtt sink");
  const topicOf = compileTopic(o.topic);
  const { connect, ReasonCodes } = await import("mqtt");
  const clientId = o.clientId ?? `evsim-${crypto.randomUUID().slice(0, 8)}`;
  const where = redactUrl(o.url);
  const logger = getLogger(["evsim", "sink", "mqtt"]);
  const ackName = o.qos === 1 ? "PUBACK" : "write";
  const clientOptions: IClientOptions = {
    clientId,
    username: o.username,
    password: o.password,
    protocolVersion: o.protocolVersion,
    connectTimeout: o.connectTimeoutMs,
    // One client per connection, opened by this sink when events need one;
    // messages are retried by the delivery core, never inside mqtt.js.
    reconnectPeriod: 0,
    clean: true,
    queueQoSZero: false,
    resubscribe: false,
  };

  let live: Connection | undefined;
  let opening: Promise<Connection> | undefined;
  /** The client of the attempt in progress, ended if the sink closes meanwhile. */
  let attempting: MqttClient | undefined;
  let failures = 0;
  let everConnected = false;
  let nextAttemptAt = 0;
  let ended = false;

  /** Connection attempts after a failure wait a full-jitter backoff. */
  function failed(reason: string, wasConnected: boolean) {
    failures++;
    sink.stats.errors++;
    nextAttemptAt = performance.now() +
      fullJitter(failures, o.reconnectMinMs, o.reconnectMaxMs, random);
    const props = { url: where, reason, held: sink.stats.queued, attempt: failures };
    if (wasConnected) {
      logger.warn("Lost the connection to {url}: {reason}; {held} event(s) held", props);
    } else if (failures === 1) {
      logger.warn(
        everConnected
          ? "Cannot reconnect to {url}: {reason}; events wait and are retried"
          : "Cannot connect to {url}: {reason}; events wait and are retried",
        props,
      );
    } else {
      logger.debug("Cannot connect to {url} (attempt {attempt}): {reason}", props);
    }
  }

  /** The open connection, or a new one (one attempt at a time). */
  function connection(deadline: AbortSignal): Promise<Connection> {
    if (live) return Promise.resolve(live);
    return opening ??= open(deadline).finally(() => opening = undefined);
  }

  async function open(deadline: AbortSignal): Promise<Connection> {
    const wait = nextAttemptAt - performance.now();
    if (wait > 0) {
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          deadline.removeEventListener("abort", done);
          resolve();
        };
        const timer = setTimeout(done, wait);
        deadline.addEventListener("abort", done, { once: true });
      });
    }
    if (ended || deadline.aborted) throw new Error("the sink is closing");
    return await new Promise<Connection>((resolve, reject) => {
      let lastError: string | undefined;
      let conn: Connection | undefined;
      const c = connect(o.url, clientOptions);
      attempting = c;
      c.on("connect", (connack) => {
        attempting = undefined;
        conn = {
          client: c,
          limit: Math.min(o.maxInflight, connack.properties?.receiveMaximum ?? Infinity),
          pending: new Set(),
          slotWaiters: [],
        };
        if (failures > 0) {
          logger.info(
            "Connected to {url} after {failures} failed attempt(s); {held} event(s) held",
            {
              url: where,
              failures,
              held: sink.stats.queued,
            },
          );
        } else {
          logger.debug("Connected to {url} as {clientId}", { url: where, clientId });
        }
        failures = 0;
        everConnected = true;
        live = conn;
        resolve(conn);
      });
      c.on("error", (error) => lastError = describe(error));
      c.on("disconnect", (packet) => {
        const code = packet.reasonCode ?? 0;
        lastError = `the broker disconnected: ${
          (ReasonCodes as Record<number, string>)[code] ?? `reason code ${code}`
        }`;
      });
      c.on("close", () => {
        const reason = lastError ?? "connection closed";
        c.end(true); // releases the socket; callbacks of what it carried are now stale
        if (conn) return lost(conn, reason);
        if (attempting === c) attempting = undefined;
        if (!ended) failed(reason, false);
        reject(new Error(reason));
      });
    });
  }

  /** `conn` closed: what it carried fails and is retried by the core. */
  function lost(conn: Connection, reason: string) {
    if (live === conn) live = undefined;
    const outcome: Outcome = {
      ok: false,
      retry: true,
      reason: `connection lost before ${ackName}: ${reason}`,
    };
    for (const settle of [...conn.pending]) settle(outcome);
    for (const wake of conn.slotWaiters.splice(0)) wake();
    if (!ended) failed(reason, true);
  }

  async function send(events: SimEvent[], deadline: AbortSignal): Promise<Outcome> {
    const event = events[0];
    let conn: Connection;
    for (;;) {
      try {
        conn = await connection(deadline);
      } catch (error) {
        return { ok: false, retry: true, reason: `cannot connect: ${describe(error)}` };
      }
      if (conn.pending.size < conn.limit) break;
      await new Promise<void>((resolve) => conn.slotWaiters.push(resolve));
    }
    const payload = Buffer.from(JSON.stringify(event));
    sink.stats.bytes += payload.length;
    const topic = topicOf(event);
    const retain = o.retainStatus && event.type === "charger.status";
    const started = performance.now();
    return await new Promise<Outcome>((resolve) => {
      const settle = (outcome: Outcome) => {
        if (!conn.pending.delete(settle)) return; // settled already: the connection was lost
        conn.slotWaiters.shift()?.();
        resolve(outcome);
      };
      conn.pending.add(settle);
      try {
        conn.client.publish(topic, payload, { qos: o.qos, retain }, (error) => {
          if (!error) {
            recordLatency(sink.stats.latency, performance.now() - started);
            logger.debug("Published event {eventId} to {topic} on {url}", {
              eventId: event.eventId,
              topic,
              url: where,
            });
            settle({ ok: true });
          } else if (typeof (error as { code?: unknown }).code === "number") {
            // A PUBACK reason code ≥ 0x80 (MQTT 5): the broker refused this message.
            settle({
              ok: false,
              retry: false,
              reason: `broker rejected the message: ${describe(error)}`,
            });
          } else {
            // mqtt.js fails what a closing connection carried before its "close" event.
            settle({
              ok: false,
              retry: true,
              reason: `connection lost before ${ackName}: ${describe(error)}`,
            });
          }
        });
      } catch (error) {
        settle({ ok: false, retry: false, reason: `cannot publish: ${describe(error)}` });
      }
    });
  }

  const sink: MqttSink = getDeliverySink(
    (deadline) => (events) => send(events, deadline),
    { name: `mqtt ${where}`, where, logger },
    {
      batchSize: 1,
      concurrency: o.maxInflight,
      maxAttempts: o.maxAttempts,
      retryBaseMs: o.reconnectMinMs,
      retryMaxMs: o.reconnectMaxMs,
      bufferSize: o.bufferSize,
      onFull: o.onFull,
      deadLetter: typeof deadLetter === "string" ? openDeadLetterFile(deadLetter) : deadLetter,
      shutdown,
      shutdownTimeoutMs,
      random,
      disk,
    },
  );

  /** Ends the connection: with a DISCONNECT when nothing is left to acknowledge, else at once. */
  async function disconnect() {
    ended = true;
    attempting?.end(true);
    const conn = live;
    live = undefined;
    if (!conn) return;
    const polite = conn.pending.size === 0;
    await new Promise<void>((resolve) => {
      const fallback = setTimeout(() => {
        conn.client.stream?.destroy();
        resolve();
      }, 1000);
      conn.client.end(!polite, {}, () => {
        clearTimeout(fallback);
        resolve();
      });
    });
  }

  const deliver = sink[Symbol.asyncDispose];
  let closing: Promise<void> | undefined;
  const close = () =>
    closing ??= (async () => {
      try {
        await deliver();
      } finally {
        await disconnect();
      }
    })();

  await connection(new AbortController().signal).catch(() => {});
  return Object.assign(sink, { [Symbol.asyncDispose]: close });
}

/**
 * The `mqtt` sink type. `passwordEnv` is read from the run's environment; in
 * a backfill the sink always blocks when its buffer is full.
 */
export const mqttSinkType = defineSinkType({
  schema: MqttSinkSchema,
  shorthand: {
    usage: "mqtt(s)://HOST:PORT",
    parse: (spec) => /^mqtts?:\/\//.test(spec) ? { url: spec } : undefined,
  },
  needs: (options: MqttSinkConfig): SinkAccess[] => [
    ...urlAccess(options.url, options.url.startsWith("mqtts:") ? 8883 : 1883, "url"),
    ...secretAccess(options.password, options.passwordEnv, "passwordEnv"),
    { write: options.deadLetter, option: "deadLetter" },
    ...bufferAccess(options.buffer),
    { env: "*", note: "the mqtt client library reads the whole environment" },
  ],
  async create(options: MqttSinkConfig, context) {
    const { passwordEnv, deadLetter, buffer, ...rest } = options;
    const password = secretOption(
      rest.password,
      passwordEnv,
      `${context.where}.passwordEnv`,
      context.env,
    );
    return getMqttSink({
      ...rest,
      disk: await openBuffer(buffer, `${context.where}.buffer`),
      password,
      onFull: context.backfill ? "block" : rest.onFull,
      deadLetter: openDeadLetterFile(context.deadLetterPath?.(deadLetter) ?? deadLetter),
      shutdown: context.shutdown,
      shutdownTimeoutMs: context.shutdownTimeoutMs,
    });
  },
});
