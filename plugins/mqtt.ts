/**
 * The `mqtt` plugin: a sink type that publishes each event to an MQTT broker
 * (MQTT 5 or 3.1.1, over TCP or TLS), one message per event on a topic made
 * from the event's fields.
 *
 * It follows the HTTP sink's rules: a bounded buffer with backpressure, retries,
 * and a dead-letter file, so every event handed to it ends acknowledged (PUBACK
 * at QoS 1; written to the socket at QoS 0) or dead-lettered with the reason.
 * While the broker is unreachable the sink keeps events and reconnects with
 * exponential backoff and jitter; it starts even if the broker is not up yet.
 * Delivery is at least once: after a lost connection a message may reach the
 * broker twice, so subscribers should deduplicate by `eventId`.
 *
 * ```json
 * {
 *   "plugins": [{ "module": "./plugins/mqtt.ts" }],
 *   "sinks": [{ "type": "mqtt", "url": "mqtt://127.0.0.1:1883", "passwordEnv": "MQTT_PASSWORD" }]
 * }
 * ```
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { getLogger } from "@logtape/logtape";
import { connect, type IClientOptions, type MqttClient, ReasonCodes } from "mqtt";
import * as v from "valibot";
import { ConfigError, parseWith } from "../core/errors.ts";
import { ChargerStatusEventSchema, SessionEndEventSchema, type SimEvent } from "../core/event.ts";
import { definePlugin } from "../core/plugin.ts";
import { type DisposableSink, newSinkStats, recordLatency, type SinkStats } from "../core/sink.ts";
import { type DeadLetter, type DeadLetterEntry, openDeadLetterFile } from "../sinks/dead_letter.ts";
import { redactUrl } from "../sinks/http.ts";
import { Admission } from "../sinks/_admission.ts";

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
/** A URL as error messages may show it: without credentials. */
function shownUrl(url: string): string {
  if (URL.canParse(url)) return redactUrl(url);
  return url.includes("@") ? "(a URL with credentials, not shown)" : url;
}
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
  maxAttempts: v.optional(v.pipe(Int, v.minValue(1)), 8),
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

/** Options of {@link getMqttSink}. */
export interface MqttSinkOptions {
  /** Broker URL, `mqtt://host:1883` or `mqtts://host:8883` (TLS). Credentials in it are never logged. */
  url: string;
  /** Topic of each event; `{field}` placeholders take the event's fields, made {@link topicSafe}. @default {"evsim/{city}/{chargerId}/{type}"} */
  topic?: string;
  /** 1: acknowledged on PUBACK; 0: acknowledged once written to the socket. @default {1} */
  qos?: 0 | 1;
  /** Publish `charger.status` events retained, so a new subscriber sees each charger's last status. @default {true} */
  retainStatus?: boolean;
  /** User name sent to the broker. @default {none} */
  username?: string;
  /** Password sent to the broker; never logged. @default {none} */
  password?: string;
  /** MQTT client identifier. @default {`evsim-` and 8 random hex digits} */
  clientId?: string;
  /** MQTT protocol: 5, or 4 for MQTT 3.1.1 brokers. @default {5} */
  protocolVersion?: 4 | 5;
  /** How long to wait for the broker's CONNACK before the attempt counts as failed. @default {10000} */
  connectTimeoutMs?: number;
  /** First reconnect delay; each failed attempt doubles the bound (with jitter). @default {500} */
  reconnectMinMs?: number;
  /** Largest reconnect delay. @default {30000} */
  reconnectMaxMs?: number;
  /** Messages published and not yet acknowledged at once (capped by the broker's Receive Maximum). @default {100} */
  maxInflight?: number;
  /** Publish attempts per message before it is dead-lettered. @default {8} */
  maxAttempts?: number;
  /** Events held (queued while disconnected, or awaiting PUBACK) before the sink pushes back. @default {10000} */
  bufferSize?: number;
  /** When the buffer is full: wait for room (`block`) or drop the event and count it. @default {"block"} */
  onFull?: "block" | "drop";
  /** Where undeliverable events go: a file path, or a {@link DeadLetter} (tests). @default {"evsim-mqtt-dead-letter.ndjson"} */
  deadLetter?: string | DeadLetter;
  /** On dispose, how long to keep delivering before dead-lettering the rest. @default {10000} */
  shutdownTimeoutMs?: number;
  /** Uniform [0, 1) source for reconnect jitter (tests). @default {Math.random} */
  random?: () => number;
}

/** An MQTT sink: its counters are in `stats`. */
export type MqttSink = DisposableSink & {
  readonly stats: SinkStats;
  checkpoint(): Promise<void>;
};

/** One event on its way to the broker. */
interface Message {
  event: SimEvent;
  topic: string;
  payload: Buffer;
  retain: boolean;
  /** Arrival order, to keep the queue in order when failed messages go back in. */
  order: number;
  attempts: number;
  /** Set while published and unacknowledged; a callback with another token is stale. */
  token?: object;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * A sink publishing each event to the MQTT broker at `options.url`. It resolves
 * once the first connection attempt has ended: connected, or failed (logged as
 * a warning; the sink keeps events and keeps trying). Dispose it to deliver
 * what it holds: it keeps trying until `shutdownTimeoutMs`, then dead-letters
 * the rest.
 */
export async function getMqttSink(options: MqttSinkOptions): Promise<MqttSink> {
  const {
    deadLetter: deadLetterOption = DEFAULT_MQTT_DEAD_LETTER,
    shutdownTimeoutMs = 10_000,
    random = Math.random,
    ...rest
  } = options;
  const o = parseWith(OptionsSchema, rest, "mqtt sink");
  const deadLetter = typeof deadLetterOption === "string"
    ? openDeadLetterFile(deadLetterOption)
    : deadLetterOption;
  const topicOf = compileTopic(o.topic);
  const clientId = o.clientId ?? `evsim-${crypto.randomUUID().slice(0, 8)}`;
  const where = redactUrl(o.url);
  const logger = getLogger(["evsim", "sink", "mqtt"]);
  const stats = newSinkStats(`mqtt ${where}`);
  if (deadLetter.path) stats.deadLetterFile = deadLetter.path;
  const ackName = o.qos === 1 ? "PUBACK" : "write";

  const queue: Message[] = [];
  const inflight = new Set<Message>();
  let order = 0;
  let client: MqttClient | undefined;
  let connected = false;
  let inflightLimit = o.maxInflight;
  let failures = 0;
  let everConnected = false;
  let lastError: string | undefined;
  let reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  let closed = false;
  let finished = false;
  let deadLetters = Promise.resolve();
  let idleWaiters: (() => void)[] = [];
  let onStarted: (() => void) | undefined;
  const started = new Promise<void>((resolve) => onStarted = resolve);

  const held = () => queue.length + inflight.size;
  Object.defineProperty(stats, "queued", { get: held, enumerable: true });

  const admission = new Admission({
    bufferSize: o.bufferSize,
    onFull: o.onFull,
    held,
    stats,
    logger,
    where,
  });

  function settle() {
    admission.roomMade();
    if (held() === 0 && idleWaiters.length > 0) {
      const waiters = idleWaiters;
      idleWaiters = [];
      for (const wake of waiters) wake();
    }
  }

  function deadLetterMessages(messages: Message[], reason: string) {
    if (messages.length === 0) return;
    stats.deadLettered += messages.length;
    logger.error("Dead-lettered {n} event(s) for {url}: {reason}", {
      n: messages.length,
      url: where,
      reason,
    });
    const entries: DeadLetterEntry[] = messages.map((m) => ({
      reason,
      attempts: m.attempts,
      sink: stats.name,
      event: m.event,
    }));
    deadLetters = deadLetters.then(() => deadLetter.write(entries)).catch((error) => {
      stats.deadLettered -= entries.length;
      stats.lost += entries.length;
      stats.errors++;
      logger.error("Lost {n} event(s) for {url}: cannot write the dead-letter file: {error}", {
        n: entries.length,
        url: where,
        error: error instanceof Error ? error.message : String(error),
      });
    });
  }

  /** Puts a failed message back in the queue, in arrival order. */
  function requeue(message: Message) {
    let lo = 0;
    let hi = queue.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (queue[mid].order < message.order) lo = mid + 1;
      else hi = mid;
    }
    queue.splice(lo, 0, message);
  }

  /** A publish attempt failed in a way another attempt may fix. */
  function retryOrGiveUp(message: Message, reason: string) {
    if (message.attempts >= o.maxAttempts) {
      deadLetterMessages([message], `attempts exhausted: ${reason}`);
    } else requeue(message);
  }

  function publish(c: MqttClient, message: Message) {
    const token = {};
    message.token = token;
    message.attempts++;
    inflight.add(message);
    if (message.attempts === 1) stats.sent++;
    else stats.retried++;
    stats.bytes += message.payload.length;
    const publishedAt = performance.now();
    const done = (error?: Error) => {
      if (message.token !== token) return; // settled already: connection lost or deadline passed
      message.token = undefined;
      inflight.delete(message);
      if (!error) {
        recordLatency(stats.latency, performance.now() - publishedAt);
        stats.acknowledged++;
        logger.debug("Published event {eventId} to {topic} on {url}", {
          eventId: message.event.eventId,
          topic: message.topic,
          url: where,
        });
      } else if (typeof (error as { code?: unknown }).code === "number") {
        // A PUBACK reason code ≥ 0x80 (MQTT 5): the broker refused this message.
        deadLetterMessages([message], `broker rejected the message: ${describe(error)}`);
      } else {
        retryOrGiveUp(message, describe(error));
      }
      settle();
      pump();
    };
    try {
      c.publish(message.topic, message.payload, { qos: o.qos, retain: message.retain }, done);
    } catch (error) {
      if (message.token !== token) return;
      message.token = undefined;
      inflight.delete(message);
      deadLetterMessages([message], `cannot publish: ${describe(error)}`);
      settle();
    }
  }

  function pump() {
    while (connected && client && inflight.size < inflightLimit && queue.length > 0) {
      publish(client, queue.shift()!);
    }
  }

  function backoff(attempt: number): number {
    const { reconnectMinMs: min, reconnectMaxMs: max } = o;
    const ceiling = Math.min(max, min * 2 ** Math.min(attempt, 30));
    return Math.round(min + random() * (ceiling - min));
  }

  function open() {
    const clientOptions: IClientOptions = {
      clientId,
      username: o.username,
      password: o.password,
      protocolVersion: o.protocolVersion,
      connectTimeout: o.connectTimeoutMs,
      // One client per connection, reconnected by this sink with its own backoff;
      // messages are queued and retried here, never inside mqtt.js.
      reconnectPeriod: 0,
      clean: true,
      queueQoSZero: false,
      resubscribe: false,
    };
    let c: MqttClient;
    try {
      c = connect(o.url, clientOptions);
    } catch (error) {
      stats.errors++;
      onStarted?.();
      return retryLater(false, describe(error));
    }
    client = c;
    c.on("connect", (connack) => {
      if (client !== c) return;
      connected = true;
      inflightLimit = Math.min(o.maxInflight, connack.properties?.receiveMaximum ?? Infinity);
      if (failures > 0) {
        logger.info("Connected to {url} after {failures} failed attempt(s); {held} event(s) held", {
          url: where,
          failures,
          held: held(),
        });
      } else {
        logger.debug("Connected to {url} as {clientId}", { url: where, clientId });
      }
      failures = 0;
      everConnected = true;
      onStarted?.();
      pump();
    });
    c.on("error", (error) => {
      lastError = describe(error);
    });
    c.on("disconnect", (packet) => {
      const code = packet.reasonCode ?? 0;
      lastError = `the broker disconnected: ${
        (ReasonCodes as Record<number, string>)[code] ?? `reason code ${code}`
      }`;
    });
    c.on("close", () => lost(c));
  }

  /** The connection `c` closed (or never opened): fail what it carried, reconnect later. */
  function lost(c: MqttClient) {
    if (client !== c) return;
    client = undefined;
    const wasConnected = connected;
    connected = false;
    const reason = lastError ?? "connection closed";
    lastError = undefined;
    const unacknowledged = [...inflight];
    inflight.clear();
    for (const m of unacknowledged) m.token = undefined;
    c.end(true); // releases the socket; callbacks of what it carried are now stale
    for (const m of unacknowledged) {
      retryOrGiveUp(m, `connection lost before ${ackName}: ${reason}`);
    }
    stats.errors++;
    onStarted?.();
    settle();
    retryLater(wasConnected, reason);
  }

  /** Logs why the broker is out of reach and opens a new connection after a backoff. */
  function retryLater(wasConnected: boolean, reason: string) {
    if (finished) return;
    failures++;
    const wait = backoff(failures);
    const props = { url: where, reason, wait, held: held(), attempt: failures };
    if (wasConnected) {
      logger.warn(
        "Lost the connection to {url}: {reason}; reconnecting in {wait} ms, {held} event(s) held",
        props,
      );
    } else if (!everConnected && failures === 1) {
      logger.warn(
        "Cannot connect to {url}: {reason}; the sink keeps events and retries in {wait} ms",
        props,
      );
    } else {
      logger.warn(
        "Cannot connect to {url} (attempt {attempt}): {reason}; retrying in {wait} ms, {held} event(s) held",
        props,
      );
    }
    reconnectTimer = setTimeout(() => {
      reconnectTimer = undefined;
      if (!finished) open();
    }, wait);
  }

  function accept(event: SimEvent) {
    const message: Message = {
      event,
      topic: topicOf(event),
      payload: Buffer.from(JSON.stringify(event)),
      retain: o.retainStatus && event.type === "charger.status",
      order: order++,
      attempts: 0,
    };
    if (finished) return deadLetterMessages([message], "shutdown deadline passed");
    queue.push(message);
    pump();
  }

  const sink = (event: SimEvent): void | Promise<void> => {
    if (closed) return;
    stats.received++;
    return admission.admit(event, accept);
  };

  /** Ends the connection: with a DISCONNECT when everything was acknowledged, else at once. */
  async function disconnect(polite: boolean) {
    clearTimeout(reconnectTimer);
    reconnectTimer = undefined;
    const c = client;
    client = undefined;
    polite &&= connected;
    connected = false;
    if (!c) return;
    await new Promise<void>((resolve) => {
      const fallback = setTimeout(() => {
        c.stream?.destroy();
        resolve();
      }, 1000);
      c.end(!polite, {}, () => {
        clearTimeout(fallback);
        resolve();
      });
    });
  }

  async function close() {
    if (closed) return;
    closed = true;
    let late = false;
    if (held() > 0) {
      let deadline: ReturnType<typeof setTimeout> | undefined;
      const timeUp = new Promise<"late">((resolve) => {
        deadline = setTimeout(() => resolve("late"), shutdownTimeoutMs);
      });
      // Loop: a caller that was blocked may hand over its event as the buffer empties.
      while (held() > 0 && !late) {
        const idle = new Promise<"idle">((resolve) => idleWaiters.push(() => resolve("idle")));
        late = await Promise.race([idle, timeUp]) === "late";
      }
      clearTimeout(deadline);
      if (late) {
        finished = true;
        const left = [...inflight, ...queue].sort((a, b) => a.order - b.order);
        for (const m of left) m.token = undefined;
        inflight.clear();
        queue.length = 0;
        deadLetterMessages(left, "shutdown deadline passed");
        settle(); // blocked callers wake up, and their events are dead-lettered too
      }
    }
    finished = true;
    await disconnect(!late);
    // Events of callers that were blocked may still be on their way to the dead letter.
    let written: Promise<void>;
    do {
      written = deadLetters;
      await written;
    } while (written !== deadLetters);
    await deadLetter[Symbol.asyncDispose]();
  }

  /** Resolves once every event handed over so far is acknowledged or dead-lettered. */
  async function checkpoint() {
    while (held() > 0) await new Promise<void>((resolve) => idleWaiters.push(resolve));
    await deadLetters;
  }

  open();
  await started;
  onStarted = undefined;
  return Object.assign(sink, { stats, checkpoint, [Symbol.asyncDispose]: close });
}

/**
 * The `mqtt` plugin: adds the `mqtt` sink type. `passwordEnv` is read from the
 * run's environment; in a backfill the sink always blocks when its buffer is
 * full.
 */
export default definePlugin({
  name: "mqtt",
  sinks: {
    mqtt: {
      schema: MqttSinkSchema,
      create(options: MqttSinkConfig, context) {
        const { passwordEnv, deadLetter, ...rest } = options;
        let password = rest.password;
        if (password === undefined && passwordEnv !== undefined) {
          password = context.env(passwordEnv);
          if (password === undefined || password === "") {
            throw new ConfigError(
              `mqtt sink: passwordEnv: environment variable ${passwordEnv} is not set`,
            );
          }
        }
        return getMqttSink({
          ...rest,
          password,
          onFull: context.backfill ? "block" : rest.onFull,
          deadLetter: openDeadLetterFile(context.deadLetterPath?.(deadLetter) ?? deadLetter),
          shutdownTimeoutMs: context.shutdownTimeoutMs,
        });
      },
    },
  },
});
