import assert from "node:assert/strict";
import type { SimEvent } from "../core/event.ts";
import { newSinkStats, recordLatency, type Sink, type SinkStats } from "../core/sink.ts";
import { getMetricsSink, serveMetrics } from "./metrics.ts";
import { simEvents } from "../tests/_events.ts";
import { byLabel, parseMetrics, type Sample, valueOf } from "../tests/_prometheus.ts";

const EVENTS = simEvents(3000);

/** A sink doing nothing, with `stats` to publish. */
function statsSink(stats: SinkStats): Sink {
  return Object.assign((_: SimEvent) => {}, { stats });
}

async function samples(sink: { registry: { metrics(): Promise<string> } }): Promise<Sample[]> {
  return parseMetrics(await sink.registry.metrics());
}

Deno.test("getMetricsSink() counts events by type", async () => {
  const metrics = getMetricsSink();
  for (const event of EVENTS) metrics(event);
  const expected: Record<string, number> = {};
  for (const e of EVENTS) expected[e.type] = (expected[e.type] ?? 0) + 1;
  const counted = byLabel(await samples(metrics), "evsim_events_total", "type");
  for (const [type, n] of Object.entries(counted)) assert.equal(n, expected[type] ?? 0, type);
  assert.deepEqual(Object.keys(expected).filter((t) => !(t in counted)), []);
  assert.ok(counted["session.started"] > 0 && counted["charger.status"] > 0);
});

Deno.test("getMetricsSink() publishes every event type at 0 before any event", async () => {
  const all = await samples(getMetricsSink());
  const counted = byLabel(all, "evsim_events_total", "type");
  assert.ok(Object.keys(counted).includes("session.ended"));
  assert.ok(Object.values(counted).every((n) => n === 0));
  assert.equal(valueOf(all, "evsim_active_sessions"), 0);
});

Deno.test("getMetricsSink() holds a session active from session.started until session.ended", async () => {
  const metrics = getMetricsSink();
  const active = new Set<string>();
  for (const [i, event] of EVENTS.entries()) {
    metrics(event);
    if (event.type === "session.started") active.add(event.sessionId);
    if (event.type === "session.ended") active.delete(event.sessionId);
    if (i % 500 === 0 || i === EVENTS.length - 1) {
      assert.equal(valueOf(await samples(metrics), "evsim_active_sessions"), active.size);
    }
  }
  assert.ok(active.size > 0);
  assert.ok(EVENTS.some((e) => e.type === "session.ended"), "some session ended");
});

Deno.test("getMetricsSink() counts a session first seen mid-way (after a warm-up) from its first event", async () => {
  const later = EVENTS.slice(1500);
  const metrics = getMetricsSink();
  for (const event of later) metrics(event);
  const seen = new Set<string>();
  const ended = new Set<string>();
  for (const e of later) {
    if (!("sessionId" in e)) continue;
    if (e.type === "session.ended") ended.add(e.sessionId);
    else if (!ended.has(e.sessionId)) seen.add(e.sessionId);
  }
  const open = [...seen].filter((id) => !ended.has(id));
  const startedEarlier = open.filter((id) =>
    !later.some((e) => e.type === "session.started" && e.sessionId === id)
  );
  assert.ok(startedEarlier.length > 0, "some open sessions started before the slice");
  assert.equal(valueOf(await samples(metrics), "evsim_active_sessions"), open.length);
});

Deno.test("getMetricsSink() reports the simulated time of the latest event", async () => {
  const start = Date.UTC(2026, 0, 5);
  const metrics = getMetricsSink([], { start });
  assert.equal(valueOf(await samples(metrics), "evsim_simulated_time_seconds"), start / 1000);
  for (const event of EVENTS) metrics(event);
  const last = Date.parse(EVENTS.at(-1)!.time) / 1000;
  assert.equal(valueOf(await samples(metrics), "evsim_simulated_time_seconds"), last);
});

Deno.test("getMetricsSink() reads each sink's stats when scraped", async (t) => {
  const http = newSinkStats("http http://127.0.0.1:1/events");
  let held = 7;
  Object.defineProperty(http, "queued", { get: () => held, enumerable: true });
  const file = newSinkStats("file out.ndjson");
  const twin = newSinkStats("file out.ndjson");
  const sinks: Sink[] = [statsSink(http), (_: SimEvent) => {}, statsSink(file), statsSink(twin)];
  const metrics = getMetricsSink(sinks);
  const sink = { sink: http.name };

  await t.step("counters", async () => {
    Object.assign(http, {
      received: 100,
      sent: 90,
      acknowledged: 80,
      retried: 5,
      deadLettered: 3,
      dropped: 2,
      errors: 1,
      bytes: 12345,
    });
    const all = await samples(metrics);
    assert.equal(valueOf(all, "evsim_sink_received_total", sink), 100);
    assert.equal(valueOf(all, "evsim_sink_sent_total", sink), 90);
    assert.equal(valueOf(all, "evsim_sink_acknowledged_total", sink), 80);
    assert.equal(valueOf(all, "evsim_sink_retried_total", sink), 5);
    assert.equal(valueOf(all, "evsim_sink_dead_lettered_total", sink), 3);
    assert.equal(valueOf(all, "evsim_sink_dropped_total", sink), 2);
    assert.equal(valueOf(all, "evsim_sink_errors_total", sink), 1);
    assert.equal(valueOf(all, "evsim_sink_sent_bytes_total", sink), 12345);
    assert.equal(valueOf(all, "evsim_sink_queue_depth", sink), 7);
    assert.equal(valueOf(all, "evsim_sink_queue_depth", { sink: "file out.ndjson" }), 0);
  });

  await t.step("new values at the next scrape", async () => {
    http.acknowledged = 95;
    held = 0;
    const all = await samples(metrics);
    assert.equal(valueOf(all, "evsim_sink_acknowledged_total", sink), 95);
    assert.equal(valueOf(all, "evsim_sink_queue_depth", sink), 0);
  });

  await t.step("a repeated name is told apart; a sink without stats is left out", async () => {
    twin.sent = 4;
    const sent = byLabel(await samples(metrics), "evsim_sink_sent_total", "sink");
    assert.deepEqual(sent, {
      "http http://127.0.0.1:1/events": 90,
      "file out.ndjson": 0,
      "file out.ndjson #2": 4,
    });
  });

  await t.step("latency as a histogram in seconds, from the sink's buckets", async () => {
    for (const ms of [0.5, 3, 3, 40, 700, 45_000]) recordLatency(http.latency, ms);
    const all = await samples(metrics);
    const name = "evsim_sink_delivery_latency_seconds";
    const bucket = (le: string) => valueOf(all, `${name}_bucket`, { ...sink, le });
    assert.equal(bucket("0.001"), 1);
    assert.equal(bucket("0.002"), 1);
    assert.equal(bucket("0.005"), 3);
    assert.equal(bucket("0.05"), 4);
    assert.equal(bucket("1"), 5);
    assert.equal(bucket("30"), 5);
    assert.equal(bucket("+Inf"), 6);
    assert.equal(valueOf(all, `${name}_count`, sink), 6);
    assert.ok(Math.abs(valueOf(all, `${name}_sum`, sink)! - 45.7465) < 1e-9);
    assert.equal(valueOf(all, `${name}_count`, { sink: "file out.ndjson" }), 0);
  });
});

Deno.test("getMetricsSink() writes the text format: HELP and TYPE for every family", async () => {
  const metrics = getMetricsSink([statsSink(newSinkStats('odd "name"\\ with\nbreaks'))]);
  for (const event of EVENTS.slice(0, 100)) metrics(event);
  const text = await metrics.registry.metrics();
  const all = parseMetrics(text);
  assert.equal(
    valueOf(all, "evsim_sink_received_total", { sink: 'odd "name"\\ with\nbreaks' }),
    0,
  );
  const families = [...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => `${m[1]} ${m[2]}`);
  assert.deepEqual(families.sort(), [
    "evsim_active_sessions gauge",
    "evsim_events_total counter",
    "evsim_simulated_time_seconds gauge",
    "evsim_sink_acknowledged_total counter",
    "evsim_sink_dead_lettered_total counter",
    "evsim_sink_delivery_latency_seconds histogram",
    "evsim_sink_dropped_total counter",
    "evsim_sink_errors_total counter",
    "evsim_sink_queue_depth gauge",
    "evsim_sink_received_total counter",
    "evsim_sink_retried_total counter",
    "evsim_sink_sent_bytes_total counter",
    "evsim_sink_sent_total counter",
  ]);
  assert.equal(metrics.registry.contentType, "text/plain; version=0.0.4; charset=utf-8");
});

Deno.test("serveMetrics() serves GET /metrics on 127.0.0.1 on a free port", async (t) => {
  const metrics = getMetricsSink();
  for (const event of EVENTS.slice(0, 10)) metrics(event);
  const server = serveMetrics(metrics.registry, { port: 0 });
  try {
    assert.ok(server.port > 0);
    assert.equal(server.url, `http://127.0.0.1:${server.port}/metrics`);

    await t.step("GET /metrics", async () => {
      const res = await fetch(server.url);
      assert.equal(res.status, 200);
      assert.equal(res.headers.get("content-type"), metrics.registry.contentType);
      const all = parseMetrics(await res.text());
      const total = Object.values(byLabel(all, "evsim_events_total", "type"));
      assert.equal(total.reduce((a, b) => a + b), 10);
    });

    await t.step("another path is 404, another method 405", async () => {
      const other = await fetch(`http://127.0.0.1:${server.port}/`);
      assert.equal(other.status, 404);
      await other.body?.cancel();
      const post = await fetch(server.url, { method: "POST" });
      assert.equal(post.status, 405);
      assert.equal(post.headers.get("allow"), "GET, HEAD");
      await post.body?.cancel();
    });

    await t.step("a collector that fails answers 500", async () => {
      const failing = getMetricsSink([{
        ...statsSink(newSinkStats("x")),
        get stats(): SinkStats {
          throw new Error("broken stats");
        },
      } as unknown as Sink]);
      await using broken = serveMetrics(failing.registry);
      const res = await fetch(broken.url);
      assert.equal(res.status, 500);
      assert.match(await res.text(), /broken stats/);
    });
  } finally {
    await server[Symbol.asyncDispose]();
  }
  await server.finished;
  await assert.rejects(fetch(server.url));
});

Deno.test("serveMetrics() throws when the port is taken", async () => {
  await using first = serveMetrics(getMetricsSink().registry);
  assert.throws(
    () => serveMetrics(getMetricsSink().registry, { port: first.port }),
    new RegExp(`metrics server: cannot listen on 127\\.0\\.0\\.1:${first.port}`),
  );
});
