/**
 * The MQTT sink against a real Mosquitto (the one at `EVSIM_MQTT_URL`, or a
 * private one), with a real subscriber counting what arrived. Outages come
 * from a cuttable TCP link in front of the broker, and failures the broker
 * would not produce on its own from a tiny fake broker. In every case each
 * event ends acknowledged or dead-lettered.
 */
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import type { LogRecord } from "@logtape/logtape";
import { withLogs } from "../tests/_logs.ts";
import { connectAsync, type MqttClient } from "mqtt";
import * as v from "valibot";
import type { SessionEvent, SimEvent } from "../core/event.ts";
import type { SinkTypeContext } from "../core/sink_type.ts";
import { type DeadLetterEntry, memoryDeadLetter } from "./dead_letter.ts";
import { simEvents } from "../tests/_events.ts";
import { freePort, hasMosquitto, startMosquitto, withBroker } from "../tests/_mosquitto.ts";
import {
  getMqttSink,
  type MqttSink,
  type MqttSinkOptions,
  MqttSinkSchema,
  mqttSinkType,
  topicSafe,
} from "./mqtt.ts";

const EVENTS = simEvents(1500);
const few = (n: number) => EVENTS.slice(0, n);

/** A topic prefix of its own for each test, so runs on a shared broker never meet. */
const prefix = () => `evsim-test/${crypto.randomUUID().slice(0, 8)}`;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until `done()` holds, checking every 10 ms; fails after `timeoutMs` naming `what`. */
async function until(done: () => boolean, what: string, timeoutMs = 5000) {
  const start = performance.now();
  while (!done()) {
    if (performance.now() - start > timeoutMs) assert.fail(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

/** The sink type, and a context for it. */
const mqttType = mqttSinkType;
const context = (over: Partial<SinkTypeContext> = {}): SinkTypeContext => ({
  where: "sinks[0]",
  backfill: false,
  shutdownTimeoutMs: 10_000,
  env: () => undefined,
  ...over,
});

/** Options that make a sink give up fast when nothing answers. */
const fast: Partial<MqttSinkOptions> = {
  connectTimeoutMs: 500,
  reconnectMinMs: 20,
  reconnectMaxMs: 100,
  shutdownTimeoutMs: 300,
};

/** Sends `list` through `sink` (waiting when it pushes back), then disposes it. */
async function deliver(sink: MqttSink, list: SimEvent[]) {
  for (const e of list) await sink(e);
  await sink[Symbol.asyncDispose]();
}

/** The invariant: every event acknowledged by the broker or dead-lettered, or dropped on purpose. */
function assertAccountedFor(sink: MqttSink, list: SimEvent[], dead: DeadLetterEntry[]) {
  const { stats } = sink;
  assert.equal(stats.received, list.length);
  assert.equal(stats.acknowledged + stats.deadLettered + stats.dropped, list.length);
  assert.equal(dead.length, stats.deadLettered);
}

interface Arrived {
  topic: string;
  event: SimEvent;
  retain: boolean;
}

/** A real MQTT client subscribed to `filter`, recording everything that arrives. */
async function subscribe(url: string, filter: string) {
  const client: MqttClient = await connectAsync(url, { reconnectPeriod: 0 });
  const arrived: Arrived[] = [];
  const markers: string[] = [];
  client.on("message", (topic, payload, packet) => {
    if (payload.length === 0) return; // a retained message being cleared
    const value = JSON.parse(payload.toString());
    if (value.marker) markers.push(value.marker);
    else arrived.push({ topic, event: value, retain: packet.retain });
  });
  await client.subscribeAsync(filter, { qos: 1 });
  return {
    client,
    arrived,
    /** How many times each eventId arrived. */
    counts() {
      const counts = new Map<string, number>();
      for (const a of arrived) counts.set(a.event.eventId, (counts.get(a.event.eventId) ?? 0) + 1);
      return counts;
    },
    /**
     * Publishes a marker on `topic` (which `filter` matches) and waits for it:
     * the broker delivers in order, so everything sent before it has arrived.
     */
    async sync(topic: string) {
      const marker = crypto.randomUUID();
      await client.publishAsync(topic, JSON.stringify({ marker }), { qos: 1 });
      await until(() => markers.includes(marker), `marker on ${topic}`);
    },
    async [Symbol.asyncDispose]() {
      await client.endAsync();
    },
  };
}

/** A log record as text, properties and errors included. */
const logText = (r: LogRecord) => Deno.inspect(r, { depth: 8, colors: false });

/**
 * A TCP link to `target` that can be cut and restored: `down()` refuses new
 * connections and breaks open ones; `dropAcks` loses what the broker sends.
 */
function startLink(target: string, options: { up?: boolean } = {}) {
  const to = new URL(target);
  const port = freePort();
  const conns = new Set<Deno.Conn>();
  const tasks = new Set<Promise<void>>();
  let listener: Deno.Listener | undefined;
  let accepting: Promise<void> | undefined;
  const link = {
    url: `mqtt://127.0.0.1:${port}`,
    /** While set, bytes from the broker (CONNACK aside, PUBACKs) are thrown away. */
    dropAcks: false,
    up() {
      const l = Deno.listen({ hostname: "127.0.0.1", port });
      listener = l;
      accepting = (async () => {
        try {
          for await (const client of l) track(connectPair(client));
        } catch { /* closed by down() */ }
      })();
    },
    async down() {
      listener?.close();
      listener = undefined;
      await accepting;
      for (const c of conns) close(c);
      await Promise.all(tasks);
    },
    [Symbol.asyncDispose]: () => link.down(),
  };
  function track(task: Promise<void>) {
    tasks.add(task);
    task.finally(() => tasks.delete(task));
  }
  function close(c: Deno.Conn) {
    if (!conns.delete(c)) return;
    try {
      c.close();
    } catch { /* already closed */ }
  }
  async function pipe(from: Deno.Conn, into: Deno.Conn, lossy: boolean) {
    const buffer = new Uint8Array(16 * 1024);
    try {
      while (true) {
        const n = await from.read(buffer);
        if (n === null) break;
        if (lossy && link.dropAcks) continue;
        let done = 0;
        while (done < n) done += await into.write(buffer.subarray(done, n));
      }
    } catch { /* either side went away */ }
    close(from);
    close(into);
  }
  async function connectPair(client: Deno.Conn) {
    conns.add(client);
    let broker: Deno.Conn;
    try {
      broker = await Deno.connect({ hostname: to.hostname, port: Number(to.port || 1883) });
    } catch {
      close(client);
      return;
    }
    conns.add(broker);
    if (!conns.has(client)) return close(broker); // cut while connecting
    await Promise.all([pipe(client, broker, false), pipe(broker, client, true)]);
  }
  if (options.up ?? true) link.up();
  return link;
}

/**
 * A fake MQTT 5 broker that accepts connections, then either breaks the
 * connection on every PUBLISH (`close`) or refuses each one with PUBACK reason
 * 0x87 Not authorized (`reject`).
 */
function startFakeBroker(onPublish: "close" | "reject") {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const conns = new Set<Deno.Conn>();
  const tasks: Promise<void>[] = [];
  let connects = 0;
  const serving = (async () => {
    try {
      for await (const conn of listener) tasks.push(serve(conn));
    } catch { /* closed */ }
  })();

  /** The first whole packet at the start of `buf`, if any. */
  function packetLength(buf: Uint8Array): number | undefined {
    let remaining = 0;
    for (let i = 1, shift = 0; i <= 4 && i < buf.length; i++, shift += 7) {
      remaining += (buf[i] & 0x7f) << shift;
      if ((buf[i] & 0x80) === 0) {
        const total = 1 + i + remaining;
        return buf.length >= total ? total : undefined;
      }
    }
    return undefined;
  }

  async function serve(conn: Deno.Conn) {
    conns.add(conn);
    let buf = new Uint8Array(0);
    const chunk = new Uint8Array(16 * 1024);
    try {
      while (true) {
        const n = await conn.read(chunk);
        if (n === null) break;
        const next = new Uint8Array(buf.length + n);
        next.set(buf);
        next.set(chunk.subarray(0, n), buf.length);
        buf = next;
        for (let len = packetLength(buf); len !== undefined; len = packetLength(buf)) {
          const packet = buf.subarray(0, len);
          buf = buf.subarray(len);
          const type = packet[0] >> 4;
          if (type === 1) { // CONNECT → CONNACK, success, no properties
            connects++;
            await conn.write(new Uint8Array([0x20, 3, 0, 0, 0]));
          } else if (type === 3) { // PUBLISH
            if (onPublish === "close") return;
            const header = packet[1] & 0x80 ? (packet[2] & 0x80 ? 4 : 3) : 2;
            const topicLength = (packet[header] << 8) | packet[header + 1];
            const id = packet.subarray(header + 2 + topicLength, header + 4 + topicLength);
            await conn.write(new Uint8Array([0x40, 3, id[0], id[1], 0x87]));
          } else if (type === 12) { // PINGREQ → PINGRESP
            await conn.write(new Uint8Array([0xd0, 0]));
          } else if (type === 14) return; // DISCONNECT
        }
      }
    } catch {
      /* closed */
    } finally {
      conns.delete(conn);
      try {
        conn.close();
      } catch { /* already closed */ }
    }
  }

  const { port } = listener.addr as Deno.NetAddr;
  return {
    url: `mqtt://127.0.0.1:${port}`,
    get connects() {
      return connects;
    },
    async [Symbol.asyncDispose]() {
      listener.close();
      await serving;
      for (const c of conns) {
        try {
          c.close();
        } catch { /* already closed */ }
      }
      await Promise.all(tasks);
    },
  };
}

const expectedTopic = (p: string, e: SimEvent) =>
  `${p}/${e.city.replaceAll(" ", "_")}/${e.chargerId}/${e.type}`;

Deno.test("getMqttSink() publishes every event on its topic, each counted once acknowledged", async (t) => {
  await using broker = await withBroker();
  const variants = [
    { name: "QoS 1, MQTT 5", qos: 1, protocolVersion: 5 },
    { name: "QoS 1, MQTT 3.1.1", qos: 1, protocolVersion: 4 },
    { name: "QoS 0, MQTT 5", qos: 0, protocolVersion: 5 },
  ] as const;
  for (const { name, qos, protocolVersion } of variants) {
    await t.step(name, async () => {
      const p = prefix();
      await using subscriber = await subscribe(broker.url, `${p}/#`);
      const list = few(300);
      const deadLetter = memoryDeadLetter();
      await using sink = await getMqttSink({
        url: broker.url,
        topic: `${p}/{city}/{chargerId}/{type}`,
        qos,
        protocolVersion,
        retainStatus: false,
        deadLetter,
      });
      await deliver(sink, list);
      await until(() => subscriber.arrived.length >= list.length, "every event at the subscriber");
      await subscriber.sync(`${p}/_/_/marker`);

      const counts = subscriber.counts();
      assert.equal(subscriber.arrived.length, list.length);
      assert.equal(sink.stats.acknowledged, subscriber.arrived.length);
      const byId = new Map(subscriber.arrived.map((a) => [a.event.eventId, a]));
      for (const e of list) {
        assert.equal(counts.get(e.eventId), 1, `${e.eventId} arrived once`);
        const got = byId.get(e.eventId)!;
        assert.equal(got.topic, expectedTopic(p, e));
        assert.deepEqual(got.event, e);
      }
      const bytes = list.reduce((n, e) => n + Buffer.byteLength(JSON.stringify(e)), 0);
      assert.deepEqual(
        { ...sink.stats, latency: undefined },
        {
          name: `mqtt ${new URL(broker.url).href}`,
          received: 300,
          sent: 300,
          acknowledged: 300,
          retried: 0,
          deadLettered: 0,
          lost: 0,
          dropped: 0,
          errors: 0,
          bytes,
          latency: undefined,
          queued: 0,
        },
      );
      assert.equal(sink.stats.latency.count, 300);
      assert.equal(deadLetter.entries.length, 0);
    });
  }
});

Deno.test("getMqttSink() publishes charger status retained, so a late subscriber sees each charger's last status", async (t) => {
  await using broker = await withBroker();
  for (const retainStatus of [true, false]) {
    await t.step(`retainStatus: ${retainStatus}`, async () => {
      const p = prefix();
      await using sink = await getMqttSink({
        url: broker.url,
        topic: `${p}/{city}/{chargerId}/{type}`,
        retainStatus,
        deadLetter: memoryDeadLetter(),
      });
      await deliver(sink, EVENTS);
      assert.equal(sink.stats.acknowledged, EVENTS.length);

      const last = new Map<string, SimEvent>();
      for (const e of EVENTS) if (e.type === "charger.status") last.set(e.chargerId, e);
      assert.ok([...last.values()].some((e) => e.status !== "In Use"), "some status changed");

      await using late = await subscribe(broker.url, `${p}/+/+/charger.status`);
      await late.sync(`${p}/_/_/charger.status`);
      if (!retainStatus) {
        assert.equal(late.arrived.length, 0);
        return;
      }
      assert.ok(late.arrived.every((a) => a.retain));
      assert.equal(late.arrived.length, last.size);
      for (const { topic, event } of late.arrived) {
        assert.deepEqual(event, last.get(event.chargerId));
        assert.equal(topic, expectedTopic(p, event));
      }
      // Clear the retained messages: a shared broker keeps them otherwise.
      for (const { topic } of late.arrived) {
        await late.client.publishAsync(topic, "", { qos: 1, retain: true });
      }
    });
  }
});

Deno.test("getMqttSink() makes placeholder values topic-safe and checks templates", async (t) => {
  await t.step("topicSafe()", () => {
    assert.equal(topicSafe("Winston-Salem/NC +#1\tx"), "Winston-Salem_NC___1_x");
    assert.equal(topicSafe("São Paulo"), "São_Paulo");
    assert.equal(topicSafe("a\u0000b"), "a_b");
    assert.equal(topicSafe(undefined), "_");
    assert.equal(topicSafe(""), "_");
    assert.equal(topicSafe(42.5), "42.5");
  });

  await t.step("on the wire", async () => {
    await using broker = await withBroker();
    const p = prefix();
    await using subscriber = await subscribe(broker.url, `${p}/#`);
    const status = EVENTS.find((e) => e.type === "charger.status")!;
    const session = EVENTS.find((e) => e.type === "session.started") as SessionEvent;
    const list: SimEvent[] = [
      { ...status, city: "Winston-Salem/NC +#1", chargerId: "A B" },
      { ...session, city: "", sessionId: "s/1" },
    ];
    await using sink = await getMqttSink({
      url: broker.url,
      topic: `${p}/{city}/{chargerId}/{sessionId}/{type}`,
      retainStatus: false,
      deadLetter: memoryDeadLetter(),
    });
    await deliver(sink, list);
    await until(() => subscriber.arrived.length === 2, "both events");
    assert.deepEqual(subscriber.arrived.map((a) => a.topic).sort(), [
      `${p}/Winston-Salem_NC___1/A_B/_/charger.status`,
      `${p}/_/${session.chargerId}/s_1/session.started`,
    ]);
  });

  await t.step("the schema", () => {
    const problems = (entry: Record<string, unknown>) => {
      const result = v.safeParse(MqttSinkSchema, { url: "mqtt://127.0.0.1", ...entry });
      return result.success ? [] : result.issues.map((i) => `${v.getDotPath(i)}: ${i.message}`);
    };
    assert.deepEqual(problems({}), []);
    assert.match(problems({ topic: "a/{nope}" })[0], /^topic: unknown placeholder \{nope\}/);
    assert.match(problems({ topic: "a/+/{city}" })[0], /^topic: .*wildcards/);
    assert.match(problems({ topic: "a/{city" })[0], /^topic: unbalanced braces/);
    assert.match(
      problems({ url: "http://127.0.0.1" })[0],
      /^url: expected an mqtt:\/\/ or mqtts:\/\//,
    );
    const leak = problems({ url: "tcp://user:hunter2@host" })[0];
    assert.match(leak, /^url: /);
    assert.doesNotMatch(leak, /hunter2/);
    assert.doesNotMatch(problems({ password: 1234567 })[0], /1234567/);
    assert.match(
      problems({ password: "x", passwordEnv: "X" })[0],
      /^passwordEnv: expected password or passwordEnv, not both/,
    );
    assert.match(problems({ reconnectMinMs: 5000, reconnectMaxMs: 100 })[0], /^reconnectMaxMs: /);
    assert.match(problems({ qos: 2 })[0], /^qos: /);
    assert.match(problems({ extra: 1 })[0], /^extra: /);
    const defaults = v.parse(MqttSinkSchema, { url: "mqtts://broker.example:8883" });
    assert.deepEqual(defaults, {
      url: "mqtts://broker.example:8883",
      topic: "evsim/{city}/{chargerId}/{type}",
      qos: 1,
      retainStatus: true,
      protocolVersion: 5,
      connectTimeoutMs: 10_000,
      reconnectMinMs: 500,
      reconnectMaxMs: 30_000,
      maxInflight: 100,
      // maxAttempts is left to the delivery core: 8, or unlimited with a disk buffer.
      bufferSize: 10_000,
      onFull: "block",
      deadLetter: "evsim-mqtt-dead-letter.ndjson",
      buffer: { type: "memory" },
    });
  });
});

Deno.test("getMqttSink() starts with the broker down, warns, and dead-letters what it cannot deliver", async (t) => {
  await t.step("at the end of the input: once the attempts are exhausted", async () => {
    await withLogs(async (records) => {
      const url = `mqtt://127.0.0.1:${freePort()}`;
      const list = few(20);
      const deadLetter = memoryDeadLetter();
      await using sink = await getMqttSink({ url, ...fast, maxAttempts: 3, deadLetter });
      const warning = records.find((r) => r.level === "warning");
      assert.ok(warning, "a warning at start");
      assert.match(logText(warning), /Cannot connect to/);
      assert.equal(warning.properties.url, `mqtt://127.0.0.1:${new URL(url).port}`);
      await deliver(sink, list);
      assert.equal(sink.stats.acknowledged, 0);
      assert.equal(sink.stats.deadLettered, 20);
      assert.ok(sink.stats.errors >= 1, "connection failures counted");
      assert.deepEqual(
        deadLetter.entries.map((d) => d.event.eventId).sort(),
        list.map((e) => e.eventId).sort(),
      );
      for (const d of deadLetter.entries) {
        assert.equal(d.attempts, 3);
        assert.match(d.reason, /^attempts exhausted: cannot connect: /);
      }
      assert.equal(deadLetter.entries[0].sink, sink.stats.name);
      assertAccountedFor(sink, list, deadLetter.entries);
    });
  });

  await t.step("on shutdown: at the deadline, whatever attempts are left", async () => {
    await withLogs(async () => {
      const shutdown = new AbortController();
      const list = few(20);
      const deadLetter = memoryDeadLetter();
      await using sink = await getMqttSink({
        url: `mqtt://127.0.0.1:${freePort()}`,
        ...fast,
        maxAttempts: 1000,
        shutdown: shutdown.signal,
        shutdownTimeoutMs: 200,
        deadLetter,
      });
      const started = performance.now();
      for (const e of list) await sink(e);
      shutdown.abort();
      await sink[Symbol.asyncDispose]();
      assert.ok(performance.now() - started < 3000, "gave up at the deadline");
      assert.equal(sink.stats.deadLettered, 20);
      assert.ok(deadLetter.entries.every((d) => d.reason === "shutdown deadline passed"));
      assertAccountedFor(sink, list, deadLetter.entries);
    });
  });

  await t.step("through the sink type, to the dead-letter file", async () => {
    const dir = await Deno.makeTempDir();
    try {
      const path = `${dir}/dead.ndjson`;
      const options = v.parse(MqttSinkSchema, {
        url: `mqtt://127.0.0.1:${freePort()}`,
        connectTimeoutMs: 500,
        reconnectMinMs: 20,
        reconnectMaxMs: 100,
        maxAttempts: 2,
        deadLetter: path,
      });
      await using sink = await mqttType.create(options, context({ shutdownTimeoutMs: 200 }));
      await withLogs(() => deliver(sink as MqttSink, few(10)));
      const lines = (await Deno.readTextFile(path)).trim().split("\n").map((l) => JSON.parse(l));
      assert.equal(lines.length, 10);
      assert.deepEqual(
        lines.map((l) => l.event.eventId).sort(),
        few(10).map((e) => e.eventId).sort(),
      );
      assert.match(lines[0].reason, /^attempts exhausted: cannot connect/);
      assert.match(lines[0].sink, /^mqtt mqtt:\/\/127\.0\.0\.1:\d+$/);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
});

Deno.test("getMqttSink() dead-letters a message after maxAttempts lost connections", async () => {
  await using fake = startFakeBroker("close");
  const list = few(10);
  const deadLetter = memoryDeadLetter();
  await using sink = await getMqttSink({
    url: fake.url,
    ...fast,
    shutdownTimeoutMs: 10_000,
    maxAttempts: 3,
    deadLetter,
  });
  await withLogs(() => deliver(sink, list));
  assert.equal(sink.stats.acknowledged, 0);
  assert.equal(sink.stats.sent, 10);
  assert.equal(sink.stats.retried, 20);
  assert.equal(deadLetter.entries.length, 10);
  for (const d of deadLetter.entries) {
    assert.equal(d.attempts, 3);
    assert.match(d.reason, /^attempts exhausted: connection lost before PUBACK/);
  }
  assert.ok(fake.connects >= 3);
  assertAccountedFor(sink, list, deadLetter.entries);
});

Deno.test("getMqttSink() dead-letters at once what the broker refuses", async () => {
  await using fake = startFakeBroker("reject");
  const list = few(5);
  const deadLetter = memoryDeadLetter();
  await using sink = await getMqttSink({ url: fake.url, ...fast, deadLetter });
  await withLogs(() => deliver(sink, list));
  assert.equal(sink.stats.retried, 0);
  assert.equal(deadLetter.entries.length, 5);
  assert.equal(deadLetter.entries[0].attempts, 1);
  assert.match(deadLetter.entries[0].reason, /^broker rejected the message: .*Not authorized/);
  assertAccountedFor(sink, list, deadLetter.entries);
});

Deno.test("getMqttSink() loses nothing when the broker goes away mid-run and comes back", async () => {
  await using broker = await withBroker();
  await using link = startLink(broker.url);
  const p = prefix();
  await using subscriber = await subscribe(broker.url, `${p}/#`);
  const list = few(300);
  const deadLetter = memoryDeadLetter();
  await withLogs(async (records) => {
    await using sink = await getMqttSink({
      url: link.url,
      topic: `${p}/{city}/{chargerId}/{type}`,
      retainStatus: false,
      maxInflight: 10,
      reconnectMinMs: 50,
      reconnectMaxMs: 200,
      deadLetter,
    });
    for (const e of list.slice(0, 100)) await sink(e);
    await until(() => sink.stats.acknowledged === 100, "the first 100 acknowledged");

    // PUBACKs get lost: 10 events (maxInflight) reach the broker but stay
    // unacknowledged, and 40 more wait their turn.
    link.dropAcks = true;
    for (const e of list.slice(100, 150)) await sink(e);
    await until(() => subscriber.arrived.length >= 110, "110 events at the subscriber");
    assert.equal(sink.stats.acknowledged, 100);

    // The broker goes away; the sink keeps what it is given.
    await link.down();
    link.dropAcks = false;
    for (const e of list.slice(150, 250)) await sink(e);
    await sleep(300);
    assert.equal(sink.stats.acknowledged, 100);

    link.up();
    for (const e of list.slice(250)) await sink(e);
    await sink[Symbol.asyncDispose]();

    assert.equal(deadLetter.entries.length, 0);
    assert.equal(sink.stats.acknowledged, 300);
    assert.ok(sink.stats.retried >= 10, `retried ${sink.stats.retried}`);
    assert.ok(sink.stats.errors >= 1);
    await until(() => subscriber.counts().size === 300, "all 300 at the subscriber");
    const counts = subscriber.counts();
    for (const e of list) assert.ok(counts.get(e.eventId)! >= 1, `${e.eventId} arrived`);
    // At least once: the 10 whose PUBACK was lost were published again.
    assert.ok([...counts.values()].filter((n) => n > 1).length >= 10);
    assertAccountedFor(sink, list, deadLetter.entries);

    assert.ok(records.some((r) => r.level === "warning" && /Lost the connection/.test(logText(r))));
    assert.ok(records.some((r) => r.level === "info" && /after/.test(logText(r))));
  });
});

Deno.test("getMqttSink() holds at most bufferSize events: it blocks, or drops and counts", async (t) => {
  await t.step("block, until the broker comes up", async () => {
    await using broker = await withBroker();
    await using link = startLink(broker.url, { up: false });
    const p = prefix();
    await using subscriber = await subscribe(broker.url, `${p}/#`);
    const list = few(20);
    const deadLetter = memoryDeadLetter();
    await withLogs(async () => {
      await using sink = await getMqttSink({
        url: link.url,
        ...fast,
        topic: `${p}/{city}/{chargerId}/{type}`,
        retainStatus: false,
        bufferSize: 5,
        shutdownTimeoutMs: 10_000,
        deadLetter,
      });
      for (const e of list.slice(0, 5)) assert.equal(sink(e), undefined);
      const blocked = sink(list[5]);
      assert.ok(blocked instanceof Promise, "the sixth event waits");
      const first = await Promise.race([blocked.then(() => "resolved"), sleep(200)]);
      assert.equal(first, undefined, "still waiting while the broker is down");
      link.up();
      await blocked;
      let waited = 1;
      for (const e of list.slice(6)) {
        const r = sink(e);
        if (r) {
          waited++;
          await r;
        }
      }
      await sink[Symbol.asyncDispose]();
      assert.ok(waited >= 1);
      assert.equal(sink.stats.acknowledged, 20);
      assert.equal(sink.stats.dropped, 0);
      await until(() => subscriber.counts().size === 20, "all 20 at the subscriber");
      assertAccountedFor(sink, list, deadLetter.entries);
    });
  });

  await t.step("drop", async () => {
    const list = few(20);
    const deadLetter = memoryDeadLetter();
    await withLogs(async (records) => {
      await using sink = await getMqttSink({
        url: `mqtt://127.0.0.1:${freePort()}`,
        ...fast,
        bufferSize: 5,
        onFull: "drop",
        deadLetter,
      });
      for (const e of list) assert.equal(sink(e), undefined);
      await sink[Symbol.asyncDispose]();
      assert.equal(sink.stats.dropped, 15);
      assert.equal(sink.stats.deadLettered, 5);
      assert.deepEqual(
        deadLetter.entries.map((d) => d.event.eventId).sort(),
        list.slice(0, 5).map((e) => e.eventId).sort(),
      );
      assert.ok(records.some((r) => /full: dropped/.test(logText(r))));
      assertAccountedFor(sink, list, deadLetter.entries);
    });
  });

  await t.step("a backfill blocks even with onFull: drop", async () => {
    const dir = await Deno.makeTempDir();
    try {
      const options = v.parse(MqttSinkSchema, {
        url: `mqtt://127.0.0.1:${freePort()}`,
        connectTimeoutMs: 500,
        reconnectMinMs: 20,
        reconnectMaxMs: 100,
        bufferSize: 2,
        onFull: "drop",
        deadLetter: `${dir}/dead.ndjson`,
      });
      await withLogs(async () => {
        await using sink = await mqttType.create(
          options,
          context({ backfill: true, shutdownTimeoutMs: 200 }),
        ) as MqttSink;
        const list = few(3);
        assert.equal(sink(list[0]), undefined);
        assert.equal(sink(list[1]), undefined);
        const blocked = sink(list[2]);
        assert.ok(blocked instanceof Promise, "the third event waits");
        // Closing dead-letters what it cannot deliver, the waiting event too.
        await sink[Symbol.asyncDispose]();
        await blocked;
        assert.equal(sink.stats.dropped, 0);
        assert.equal(sink.stats.deadLettered, 3);
        const lines = (await Deno.readTextFile(`${dir}/dead.ndjson`)).trim().split("\n");
        assert.equal(lines.length, 3);
      });
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
});

Deno.test({
  name: "the mqtt sink type reads the password from passwordEnv and never logs it",
  ignore: !(await hasMosquitto()),
  async fn(t) {
    const password = "pw-4f1c9e-Secret";
    const wrong = "pw-0000-Wrong";
    await using broker = await startMosquitto({ users: { evsim: password } });
    const port = new URL(broker.url).port;
    await withLogs(async (records) => {
      await t.step("the right password is used", async () => {
        const options = v.parse(MqttSinkSchema, {
          url: broker.url,
          username: "evsim",
          passwordEnv: "EVSIM_TEST_MQTT_PASSWORD",
          topic: `${prefix()}/{chargerId}`,
        });
        const env = (name: string) => name === "EVSIM_TEST_MQTT_PASSWORD" ? password : undefined;
        await using sink = await mqttType.create(options, context({ env })) as MqttSink;
        await deliver(sink, few(20));
        assert.equal(sink.stats.acknowledged, 20);
      });

      await t.step("in the URL, too", async () => {
        await using sink = await getMqttSink({
          url: `mqtt://evsim:${password}@127.0.0.1:${port}`,
          topic: `${prefix()}/{chargerId}`,
          deadLetter: memoryDeadLetter(),
        });
        await deliver(sink, few(5));
        assert.equal(sink.stats.acknowledged, 5);
        assert.equal(sink.stats.name, `mqtt mqtt://127.0.0.1:${port}`);
      });

      await t.step(
        "a wrong one is refused, retried and reported without the password",
        async () => {
          const deadLetter = memoryDeadLetter();
          await using sink = await getMqttSink({
            url: broker.url,
            username: "evsim",
            password: wrong,
            ...fast,
            deadLetter,
          });
          await deliver(sink, few(5));
          assert.equal(sink.stats.acknowledged, 0);
          assert.equal(deadLetter.entries.length, 5);
          const refused = records.find((r) =>
            r.properties.url === broker.url &&
            r.level === "warning" && /Cannot connect/.test(logText(r))
          );
          assert.ok(refused);
          assert.match(
            String(refused.properties.reason),
            /Bad User Name or Password|Not authorized/,
          );
        },
      );

      await t.step("an unset variable is a config error naming it", async () => {
        const options = v.parse(MqttSinkSchema, { url: broker.url, passwordEnv: "NOPE_NOT_SET" });
        await assert.rejects(
          async () => await mqttType.create(options, context()),
          /passwordEnv: environment variable NOPE_NOT_SET is not set/,
        );
      });

      assert.ok(records.some((r) => r.level === "debug"), "debug records were captured");
      for (const r of records) {
        const text = logText(r);
        assert.ok(!text.includes(password), `password in log: ${text}`);
        assert.ok(!text.includes(wrong), `wrong password in log: ${text}`);
      }
    });
  },
});
