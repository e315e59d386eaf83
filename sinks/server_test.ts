import assert from "node:assert/strict";
import { configure, type LogRecord, reset } from "@logtape/logtape";
import type { SimEvent } from "../core/event.ts";
import { Simulation } from "../core/simulation.ts";
import { defaults } from "../data/mod.ts";
import { getServerSink, serveEcho } from "./server.ts";
import { simEvents } from "../tests/_events.ts";
import { AddressInUseError, SinkError } from "../core/errors.ts";
import { serveMetrics } from "./metrics.ts";
import { Registry } from "prom-client";
import { readFrames } from "../tests/_sse.ts";
import { byLabel, parseMetrics, valueOf } from "../tests/_prometheus.ts";

const EVENTS = simEvents(500);

/** The JSON body of `response`, after checking its status. */
async function json(response: Response, status: number) {
  const body = await response.json();
  assert.equal(response.status, status, JSON.stringify(body));
  return body;
}

Deno.test("serveEcho() listens on 127.0.0.1 on a free port and logs where", async () => {
  const records: LogRecord[] = [];
  await configure({
    sinks: { memory: (record) => records.push(record) },
    loggers: [
      { category: ["evsim", "server"], lowestLevel: "info", sinks: ["memory"] },
      { category: ["logtape", "meta"], lowestLevel: "warning", sinks: [] },
    ],
  });
  try {
    await using server = await serveEcho({ port: 0 });
    assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.ok(server.port > 0);
    assert.equal(server.url, `http://127.0.0.1:${server.port}`);
    const listening = records.find((r) => r.properties.url === server.url);
    assert.ok(listening, "the listening address was logged");
    assert.equal(listening.level, "info");
    assert.deepEqual(listening.category, ["evsim", "server"]);
    assert.deepEqual(await json(await fetch(`${server.url}/healthz`), 200), { ok: true });
  } finally {
    await reset();
  }
});

Deno.test("serveEcho() accepts events over HTTP and answers the routes", async () => {
  await using server = await serveEcho();
  const events = EVENTS.slice(0, 100);
  const res = await fetch(`${server.url}/events`, {
    method: "POST",
    headers: { "content-type": "application/x-ndjson" },
    body: events.map((e) => JSON.stringify(e)).join("\n"),
  });
  assert.deepEqual(await json(res, 200), { accepted: 100, duplicates: 0, events });
  const again = await fetch(`${server.url}/events`, {
    method: "POST",
    body: JSON.stringify(events[0]),
  });
  assert.deepEqual(await json(again, 200), { accepted: 0, duplicates: 1, events: [] });
  const stats = await json(await fetch(`${server.url}/stats`), 200);
  assert.equal(stats.accepted, 100);
  assert.equal(stats.duplicates, 1);
  assert.deepEqual(server.store.stats(), stats);
  const sessions = await json(await fetch(`${server.url}/sessions`), 200);
  assert.deepEqual(sessions, server.store.sessions());
  assert.ok(sessions.length > 0);
});

Deno.test("serveEcho() refuses a body over maxBodyBytes with 413 on a real socket", async () => {
  await using server = await serveEcho({ maxBodyBytes: 2048 });
  const res = await fetch(`${server.url}/events`, {
    method: "POST",
    body: JSON.stringify(EVENTS.slice(0, 20)),
  });
  assert.match((await json(res, 413)).error, /over the limit of 2048 bytes/);
  assert.equal(server.store.stats().accepted, 0);
});

Deno.test("serveEcho() with a token refuses requests without it with 401", async () => {
  await using server = await serveEcho({ token: "t0ken" });
  const post = (headers: Record<string, string>) =>
    fetch(`${server.url}/events`, { method: "POST", headers, body: JSON.stringify(EVENTS[0]) });
  assert.match((await json(await post({}), 401)).error, /missing Authorization header/);
  const wrong = await post({ authorization: "Bearer nope" });
  assert.match((await json(wrong, 401)).error, /wrong bearer token/);
  assert.equal((await json(await post({ authorization: "Bearer t0ken" }), 200)).accepted, 1);
});

Deno.test("SSE delivers events to a real client in order and ends cleanly on shutdown", async () => {
  const server = await serveEcho();
  const res = await fetch(`${server.url}/events`);
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("content-type"), "text/event-stream");
  const reader = res.body!.getReader();
  // Some over HTTP from another client, some published directly, then HTTP again.
  const post = (events: SimEvent[]) =>
    fetch(`${server.url}/events`, { method: "POST", body: JSON.stringify(events) })
      .then((r) => json(r, 200));
  await post(EVENTS.slice(0, 100));
  for (const e of EVENTS.slice(100, 200)) assert.equal(server.publish(e), true);
  assert.equal(server.publish(EVENTS[0]), false);
  await post(EVENTS.slice(200, 300));
  const first = await readFrames(reader, 300);
  assert.equal(first.ended, false);
  assert.deepEqual(
    first.frames.map((f) => Number(f.id)),
    EVENTS.slice(0, 300).map((_, i) => i + 1),
  );
  assert.deepEqual(first.frames.map((f) => f.event), EVENTS.slice(0, 300).map((e) => e.type));
  assert.deepEqual(first.frames.map((f) => JSON.parse(f.data)), EVENTS.slice(0, 300));
  // Events published just before shutdown are still delivered, then the stream ends.
  for (const e of EVENTS.slice(300, 310)) server.publish(e);
  const disposed = server[Symbol.asyncDispose]();
  const rest = await readFrames(reader);
  await disposed;
  assert.equal(rest.ended, true);
  assert.deepEqual(rest.frames.map((f) => JSON.parse(f.data)), EVENTS.slice(300, 310));
  assert.equal(server.store.subscribers, 0);
  await server.finished;
  await assert.rejects(fetch(`${server.url}/healthz`));
});

Deno.test("SSE unsubscribes when a real client goes away", async () => {
  await using server = await serveEcho();
  const res = await fetch(`${server.url}/events`);
  const reader = res.body!.getReader();
  assert.equal(server.store.subscribers, 1);
  server.publish(EVENTS[0]);
  assert.equal((await readFrames(reader, 1)).frames[0].id, "1");
  await reader.cancel();
  // Deno cancels the response body when the connection goes; nothing needs publishing.
  for (let i = 0; i < 200 && server.store.subscribers > 0; i++) {
    await new Promise((r) => setTimeout(r, 5));
  }
  assert.equal(server.store.subscribers, 0);
  assert.equal(server.publish(EVENTS[1]), true);
});

Deno.test("serveEcho() stops when its signal aborts", async (t) => {
  await t.step("aborted while running", async () => {
    const controller = new AbortController();
    const server = await serveEcho({ signal: controller.signal });
    const res = await fetch(`${server.url}/events`);
    controller.abort();
    await server.finished;
    assert.equal((await readFrames(res.body!.getReader())).ended, true);
    await assert.rejects(fetch(`${server.url}/healthz`));
    await server[Symbol.asyncDispose](); // disposing after is harmless
  });
  await t.step("aborted before it starts", async () => {
    const reason = new Error("cancelled");
    await assert.rejects(serveEcho({ signal: AbortSignal.abort(reason) }), reason);
  });
});

Deno.test("serveEcho() on a port in use fails, naming the address", async () => {
  await using first = await serveEcho();
  await assert.rejects(
    serveEcho({ port: first.port }),
    (e) =>
      e instanceof SinkError &&
      e.message.startsWith(`echo server: cannot listen on 127.0.0.1:${first.port}: `),
  );
});

Deno.test("getServerSink() serves a simulation's events live and stops when disposed", async () => {
  const sink = await getServerSink();
  const { url } = sink.server;
  const res = await fetch(`${url}/events`);
  const reader = res.body!.getReader();
  const sim = new Simulation({ seed: 1, start: Date.UTC(2026, 0, 5), ...defaults });
  const out: SimEvent[] = [];
  while (out.length < 400) sim.step(out);
  for (const e of out) await sink(e);
  assert.equal(sink.stats.name, `server ${url}`);
  assert.equal(sink.stats.received, out.length);
  assert.equal(sink.stats.sent, out.length);
  const stats = await json(await fetch(`${url}/stats`), 200);
  assert.equal(stats.accepted, out.length);
  await sink[Symbol.asyncDispose]();
  const { frames, ended } = await readFrames(reader);
  assert.ok(ended);
  assert.deepEqual(frames.map((f) => JSON.parse(f.data)), out);
  await assert.rejects(fetch(`${url}/healthz`));
});

Deno.test("serveEcho() serves its metrics at GET /metrics", async () => {
  await using server = await serveEcho({ port: 0 });
  const events = EVENTS.slice(0, 200);
  for (const body of [events, events.slice(0, 10)]) {
    const res = await fetch(`${server.url}/events`, {
      method: "POST",
      headers: { "content-type": "application/json", prefer: "return=minimal" },
      body: JSON.stringify(body),
    });
    await json(res, 200);
  }
  const res = await fetch(`${server.url}/metrics`);
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("content-type"), "text/plain; version=0.0.4; charset=utf-8");
  const all = parseMetrics(await res.text());
  const expected: Record<string, number> = {};
  for (const e of events) expected[e.type] = (expected[e.type] ?? 0) + 1;
  const byType = byLabel(all, "evsim_echo_events_total", "type");
  assert.deepEqual(Object.fromEntries(Object.entries(byType).filter(([, n]) => n > 0)), expected);
  assert.equal(valueOf(all, "evsim_echo_duplicates_total"), 10);
  const posted = { method: "POST", route: "/events", status: "200" };
  assert.equal(valueOf(all, "evsim_echo_requests_total", posted), 2);
});

/** Opens a raw connection to `server` and sends `request`; the caller reads it, or never does. */
async function rawRequest(server: { port: number }, request: string): Promise<Deno.TcpConn> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: server.port });
  await conn.write(new TextEncoder().encode(request));
  return conn;
}

/** Everything the server sends on `conn` until it closes the connection. */
async function readToEnd(conn: Deno.Conn): Promise<string> {
  const decoder = new TextDecoder();
  const buffer = new Uint8Array(1 << 16);
  let text = "";
  try {
    for (let n = await conn.read(buffer); n !== null; n = await conn.read(buffer)) {
      text += decoder.decode(buffer.subarray(0, n), { stream: true });
    }
  } catch (error) {
    if (!(error instanceof Deno.errors.ConnectionReset)) throw error;
  }
  return text + decoder.decode();
}

/** `EVENTS` again and again, each with an eventId of its own. */
function* endlessEvents(): Generator<SimEvent> {
  for (let round = 0;; round++) {
    for (const e of EVENTS) yield { ...e, eventId: `${e.eventId}#${round}` };
  }
}

Deno.test("SSE disconnects real clients that never read once more than maxPendingEvents behind", async () => {
  await using server = await serveEcho({ maxPendingEvents: 100 });
  const clients = await Promise.all(
    [1, 2, 3].map(() => rawRequest(server, "GET /events HTTP/1.1\r\nHost: x\r\n\r\n")),
  );
  for (let i = 0; i < 200 && server.store.subscribers < 3; i++) {
    await new Promise((r) => setTimeout(r, 5));
  }
  assert.equal(server.store.subscribers, 3);
  // Published in batches, with turns of the event loop for the streams to be
  // written, until the socket buffers are full and the clients fall behind.
  const events = endlessEvents();
  let published = 0;
  while (server.store.subscribers > 0 && published < 200_000) {
    for (let i = 0; i < 50; i++, published++) server.publish(events.next().value!);
    await new Promise((r) => setTimeout(r, 0));
  }
  assert.equal(server.store.subscribers, 0, `still subscribed after ${published} events`);
  // Reading now, each client gets what was written before it fell behind and
  // the notice; then the server drops the connection, without ending the response.
  for (const conn of clients) {
    const text = await readToEnd(conn);
    conn.close();
    assert.match(text, /^HTTP\/1\.1 200 OK\r\n/);
    const ids = [...text.matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1]));
    assert.ok(ids.length > 0 && ids.length < published, `${ids.length} of ${published}`);
    assert.deepEqual(ids, ids.map((_, i) => i + 1), "in order, none skipped");
    assert.match(text, /: disconnected: more than 100 events behind\n\n\r\n$/);
  }
  assert.equal(server.store.stats().accepted, published);
});

Deno.test("serveEcho() answers 408 on a real socket to a body that stalls", async () => {
  await using server = await serveEcho({ bodyTimeoutMs: 100 });
  const conn = await rawRequest(
    server,
    "POST /events HTTP/1.1\r\nHost: x\r\ncontent-type: application/json\r\n" +
      "content-length: 500\r\n\r\n" + JSON.stringify(EVENTS[0]).slice(0, 50),
  );
  // Read up to the end of the answer's body: Deno keeps the connection open,
  // in case the rest of the request's body comes (see serveEcho()).
  const decoder = new TextDecoder();
  const buffer = new Uint8Array(1 << 16);
  let text = "";
  for (;;) {
    const n = await conn.read(buffer);
    assert.notEqual(n, null, `closed after ${JSON.stringify(text)}`);
    text += decoder.decode(buffer.subarray(0, n!), { stream: true });
    const length = /\r\ncontent-length: (\d+)\r\n/i.exec(text)?.[1];
    const start = text.indexOf("\r\n\r\n") + 4;
    if (length !== undefined && start >= 4 && text.length - start >= Number(length)) break;
  }
  conn.close();
  assert.match(text, /^HTTP\/1\.1 408 Request Timeout\r\n/);
  assert.match(text, /\r\nconnection: close\r\n/i);
  assert.match(text, /"error":"request body not received within 100 ms \(50 bytes came\)"/);
  assert.equal(server.store.stats().accepted, 0);
});

Deno.test("serveEcho() refuses events with 4.5 MB strings on a real socket and still answers /sessions", async () => {
  await using server = await serveEcho();
  const huge = "z".repeat(4.5 * 1024 * 1024);
  for (const e of EVENTS.slice(0, 3)) {
    const res = await fetch(`${server.url}/events`, {
      method: "POST",
      body: JSON.stringify({ ...e, locationName: huge }),
    });
    const body = await json(res, 400);
    assert.equal(body.problems[0].path, "locationName");
  }
  assert.deepEqual(await json(await fetch(`${server.url}/sessions`), 200), []);
  assert.equal(server.store.stats().rejected, 3);
});

Deno.test("disposing serveEcho() closes a client that never reads after shutdownTimeoutMs", async () => {
  const server = await serveEcho({ shutdownTimeoutMs: 200 });
  const conn = await rawRequest(server, "GET /events HTTP/1.1\r\nHost: x\r\n\r\n");
  for (let i = 0; i < 200 && server.store.subscribers < 1; i++) {
    await new Promise((r) => setTimeout(r, 5));
  }
  // Enough to fill the socket buffers, within maxPendingEvents, so the stream
  // still has events to write when the server shuts down.
  const events = endlessEvents();
  for (let i = 0; i < 9000; i++) {
    server.publish(events.next().value!);
    if (i % 200 === 0) await new Promise((r) => setTimeout(r, 0));
  }
  assert.equal(server.store.subscribers, 1);
  await server[Symbol.asyncDispose]();
  await server.finished;
  assert.equal(server.store.subscribers, 0);
  const text = await readToEnd(conn);
  conn.close();
  assert.match(text, /^HTTP\/1\.1 200 OK\r\n/);
  await assert.rejects(fetch(`${server.url}/healthz`));
});

Deno.test("serveEcho() and serveMetrics() refuse a busy port with an AddressInUseError", async () => {
  using busy = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = busy.addr;
  await assert.rejects(
    () => serveEcho({ port }),
    (e) =>
      e instanceof AddressInUseError && e instanceof SinkError && e.port === port &&
      e.hostname === "127.0.0.1" && e.message.startsWith(`echo server: cannot listen on `),
  );
  assert.throws(
    () => serveMetrics(new Registry(), { port }),
    (e) => e instanceof AddressInUseError && e.port === port,
  );
});
