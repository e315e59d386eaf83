import assert from "node:assert/strict";
import type { Hono } from "hono";
import type { SessionEvent, SimEvent } from "../core/event.ts";
import { createEchoApp, type EchoAppOptions, type Problem, SlowClientError } from "./echo_app.ts";
import { EventStore } from "./event_store.ts";
import { simEvents } from "../tests/_events.ts";
import { readFrames } from "../tests/_sse.ts";
import { byLabel, parseMetrics, valueOf } from "../tests/_prometheus.ts";

const EVENTS = simEvents(3000);
const [A, B, C] = EVENTS;
const ndjson = (events: readonly unknown[]) => events.map((e) => JSON.stringify(e)).join("\n");

function setup(options: EchoAppOptions = {}): { app: Hono; store: EventStore } {
  const store = new EventStore();
  return { app: createEchoApp(store, options), store };
}

function post(app: Hono, body: BodyInit, headers: Record<string, string> = {}) {
  return app.request("/events", {
    method: "POST",
    body,
    headers: { "content-type": "application/json", ...headers },
  });
}

/** The JSON body of `response`, after checking its status. */
async function json(response: Response, status: number) {
  const body = await response.json();
  assert.equal(response.status, status, JSON.stringify(body));
  return body;
}

/** Waits (a bounded number of turns of the event loop) until `done()` holds. */
async function eventually(done: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200 && !done(); i++) await new Promise((r) => setTimeout(r, 1));
  assert.ok(done(), `timed out waiting until ${what}`);
}

Deno.test("GET /healthz answers ok", async () => {
  const { app } = setup();
  assert.deepEqual(await json(await app.request("/healthz"), 200), { ok: true });
});

Deno.test("POST /events accepts one event and echoes it", async () => {
  const { app, store } = setup();
  const body = await json(await post(app, JSON.stringify(A)), 200);
  assert.deepEqual(body, { accepted: 1, duplicates: 0, events: [A] });
  assert.equal(store.stats().accepted, 1);
});

Deno.test("POST /events accepts a JSON array of events", async () => {
  const { app, store } = setup();
  const events = EVENTS.slice(0, 50);
  const body = await json(await post(app, JSON.stringify(events)), 200);
  assert.equal(body.accepted, 50);
  assert.deepEqual(body.events, events);
  assert.equal(store.stats().accepted, 50);
});

Deno.test("POST /events accepts NDJSON", async (t) => {
  const events = EVENTS.slice(0, 20);
  await t.step("declared as application/x-ndjson, with CRLF and blank lines", async () => {
    const { app } = setup();
    const text = "\n" + events.map((e) => JSON.stringify(e)).join("\r\n\r\n") + "\n";
    const body = await json(await post(app, text, { "content-type": "application/x-ndjson" }), 200);
    assert.deepEqual(body.events, events);
  });
  await t.step("a single NDJSON line is one event", async () => {
    const { app } = setup();
    const res = await post(app, JSON.stringify(A) + "\n", {
      "content-type": "application/x-ndjson",
    });
    assert.deepEqual((await json(res, 200)).events, [A]);
  });
  await t.step("recognized without the content type, being valid line by line", async () => {
    const { app } = setup();
    const body = await json(await post(app, ndjson(events)), 200);
    assert.deepEqual(body.events, events);
  });
});

Deno.test("POST /events drops events whose eventId was seen, within and across requests", async () => {
  const { app, store } = setup();
  await json(await post(app, JSON.stringify([A, B])), 200);
  const body = await json(await post(app, JSON.stringify([B, C, { ...C, seq: 1e6 }])), 200);
  assert.deepEqual(body, { accepted: 1, duplicates: 2, events: [C] });
  assert.deepEqual(
    { accepted: store.stats().accepted, duplicates: store.stats().duplicates },
    { accepted: 3, duplicates: 2 },
  );
});

Deno.test("POST /events drops a single event whose Idempotency-Key was seen", async (t) => {
  const { app, store } = setup();
  await t.step("the first event under a key is accepted", async () => {
    const res = await post(app, JSON.stringify(A), { "idempotency-key": "delivery-1" });
    assert.equal((await json(res, 200)).accepted, 1);
  });
  await t.step("another event under the same key is a duplicate, not an error", async () => {
    const res = await post(app, JSON.stringify(B), { "idempotency-key": "delivery-1" });
    assert.deepEqual(await json(res, 200), { accepted: 0, duplicates: 1, events: [] });
  });
  await t.step("the same event under a new key is still a duplicate by eventId", async () => {
    const res = await post(app, JSON.stringify(A), { "idempotency-key": "delivery-2" });
    assert.deepEqual(await json(res, 200), { accepted: 0, duplicates: 1, events: [] });
  });
  await t.step("a key on a body of several events is refused", async () => {
    const res = await post(app, JSON.stringify([B, C]), { "idempotency-key": "delivery-3" });
    const body = await json(res, 400);
    assert.match(body.error, /Idempotency-Key applies to a single event, but the body holds 2/);
  });
  await t.step("an empty key is refused", async () => {
    const res = await post(app, JSON.stringify(B), { "idempotency-key": " " });
    assert.match((await json(res, 400)).error, /Idempotency-Key must be 1 to 255 characters/);
  });
  assert.deepEqual(store.sessions().map((e) => e.eventId), []);
  assert.equal(store.stats().accepted, 1);
  assert.equal(store.stats().duplicates, 2);
});

Deno.test("POST /events refuses bad JSON, naming where it is", async (t) => {
  const { app, store } = setup();
  await t.step("a JSON document: line and column", async () => {
    const text = JSON.stringify([A, B], null, 2).replace(/"seq": 2,/, '"seq": 2,,');
    const line = text.split("\n").findIndex((l) => l.includes(",,")) + 1;
    const body = await json(await post(app, text), 400);
    assert.match(body.error, new RegExp(`^invalid JSON at line ${line}, column \\d+: `));
    assert.equal(body.line, line);
  });
  await t.step("NDJSON: the line", async () => {
    const text = [JSON.stringify(A), JSON.stringify(B).slice(0, -3), JSON.stringify(C)].join("\n");
    const body = await json(await post(app, text, { "content-type": "application/x-ndjson" }), 400);
    assert.match(body.error, /^invalid JSON at line 2, column \d+: /);
    assert.equal(body.line, 2);
  });
  await t.step("an unexpected token V8 gives no position for: still the line", async () => {
    const text = [JSON.stringify(A), '{"socPercent": NaN}'].join("\n");
    const body = await json(await post(app, text, { "content-type": "application/x-ndjson" }), 400);
    assert.match(body.error, /^invalid JSON on line 2: Unexpected token/);
  });
  await t.step("an empty body", async () => {
    const body = await json(await post(app, " \n"), 400);
    assert.match(body.error, /request body is empty/);
  });
  await t.step("not UTF-8", async () => {
    const body = await json(await post(app, new Uint8Array([0x5b, 0xff, 0x5d])), 400);
    assert.match(body.error, /not valid UTF-8/);
  });
  assert.equal(store.stats().accepted, 0);
});

Deno.test("POST /events refuses invalid events, listing every problem with its path", async () => {
  const { app, store } = setup();
  const session = EVENTS.find((e) => e.type === "session.updated")!;
  const { city: _, ...noCity } = session;
  const bad = { ...noCity, socPercent: 120, bogus: true };
  const unknownType = { ...A, type: "session.exploded" };
  const body = await json(await post(app, JSON.stringify([B, bad, unknownType])), 400);
  assert.match(body.error, /^2 of 3 events invalid, none accepted: event 1: /);
  const problems = body.problems.map((p: { index: number; path: string }) => [p.index, p.path]);
  assert.deepEqual(
    problems.sort(),
    [[1, "bogus"], [1, "city"], [1, "socPercent"], [2, "type"]],
  );
  const soc = body.problems.find((p: { path: string }) => p.path === "socPercent");
  assert.match(soc.message, /<=100.*120/);
  // Nothing from the request was accepted, not even the valid B.
  assert.equal(store.stats().accepted, 0);
  assert.equal(store.stats().rejected, 2);
  assert.equal((await json(await post(app, JSON.stringify(B)), 200)).accepted, 1);
});

Deno.test("POST /events refuses a body over maxBodyBytes with 413", async (t) => {
  const { app, store } = setup({ maxBodyBytes: 1024 });
  const big = JSON.stringify(EVENTS.slice(0, 10));
  assert.ok(big.length > 1024);
  await t.step("by its Content-Length", async () => {
    const res = await post(app, big, { "content-length": String(big.length) });
    const body = await json(res, 413);
    assert.match(
      body.error,
      new RegExp(`request body is ${big.length} bytes, over the limit of 1024`),
    );
  });
  await t.step("while reading, with no Content-Length", async () => {
    const chunk = new TextEncoder().encode(big.slice(0, 300));
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent++ < 10) controller.enqueue(chunk);
        else controller.close();
      },
    });
    const body = await json(await post(app, stream), 413);
    assert.match(body.error, /over the limit of 1024 bytes/);
    assert.ok(sent < 10, "stopped reading once over the limit");
  });
  await t.step("while reading, when Content-Length understates the body", async () => {
    const body = await json(await post(app, big, { "content-length": "100" }), 413);
    assert.match(body.error, /over the limit of 1024 bytes/);
  });
  await t.step("a body of exactly maxBodyBytes is read", async () => {
    const one = JSON.stringify(A);
    assert.ok(one.length < 1024);
    const res = await post(app, one + " ".repeat(1024 - one.length));
    assert.equal((await json(res, 200)).accepted, 1);
  });
  assert.equal(store.stats().accepted, 1);
});

Deno.test("a token makes every route but /healthz require it, as 401 JSON", async (t) => {
  const { app, store } = setup({ token: "s3cret-token" });
  const cases: [string, Record<string, string>, RegExp][] = [
    ["missing", {}, /missing Authorization header/],
    ["wrong", { authorization: "Bearer s3cret-tokeN" }, /wrong bearer token/],
    ["a prefix of it", { authorization: "Bearer s3cret" }, /wrong bearer token/],
    ["not bearer", { authorization: "Basic czNjcmV0LXRva2Vu" }, /malformed Authorization header/],
  ];
  for (const [name, headers, error] of cases) {
    await t.step(`${name}: 401`, async () => {
      const res = await post(app, JSON.stringify(A), headers);
      assert.match((await json(res, 401)).error, error);
      assert.equal(res.headers.get("www-authenticate"), 'Bearer realm="evsim"');
      assert.match((await json(await app.request("/stats", { headers }), 401)).error, error);
    });
  }
  await t.step("right: accepted, scheme in any case", async () => {
    const res = await post(app, JSON.stringify(A), { authorization: "bearer s3cret-token" });
    assert.equal((await json(res, 200)).accepted, 1);
  });
  await t.step("/healthz needs no token", async () => {
    assert.deepEqual(await json(await app.request("/healthz"), 200), { ok: true });
  });
  assert.equal(store.stats().accepted, 1);
});

Deno.test("GET /sessions lists the latest session events, filtered by status and city", async () => {
  const { app } = setup();
  await json(await post(app, ndjson(EVENTS), { "content-type": "application/x-ndjson" }), 200);
  const latest = new Map<string, SimEvent>();
  for (const e of EVENTS) {
    if (!("sessionId" in e)) continue;
    latest.delete(e.sessionId);
    latest.set(e.sessionId, e);
  }
  const all = [...latest.values()];
  assert.deepEqual(await json(await app.request("/sessions"), 200), all);
  const inUseChicago = all.filter((e) => e.status === "In Use" && e.city === "Chicago");
  assert.ok(inUseChicago.length > 0 && inUseChicago.length < all.length);
  const res = await app.request("/sessions?status=In%20Use&city=Chicago");
  assert.deepEqual(await json(res, 200), inUseChicago);
  const completed = await json(await app.request("/sessions?status=Completed"), 200);
  assert.deepEqual(completed, all.filter((e) => e.status === "Completed"));
  assert.ok(completed.length > 0);
});

Deno.test("GET /sessions refuses an unknown status, listing the known ones", async () => {
  const { app } = setup();
  const body = await json(await app.request("/sessions?status=Charging"), 400);
  assert.match(body.error, /unknown status "Charging" in \?status: expected one of In Use, /);
});

Deno.test("GET /stats counts accepted, duplicate and rejected events, by type and sessions", async () => {
  const { app } = setup();
  const events = EVENTS.slice(0, 1000);
  await json(await post(app, JSON.stringify(events)), 200);
  await json(await post(app, JSON.stringify(events.slice(0, 10))), 200);
  await json(await post(app, JSON.stringify([{ ...A, seq: 0 }])), 400);
  const stats = await json(await app.request("/stats"), 200);
  assert.equal(stats.accepted, 1000);
  assert.equal(stats.duplicates, 10);
  assert.equal(stats.rejected, 1);
  assert.equal(
    stats.byType["session.started"],
    events.filter((e) => e.type === "session.started").length,
  );
  assert.equal(
    stats.byType["charger.status"],
    events.filter((e) => e.type === "charger.status").length,
  );
  const ids = new Set(events.flatMap((e) => "sessionId" in e ? [e.sessionId] : []));
  assert.equal(stats.sessions, ids.size);
  const ended = new Set(
    events.flatMap((e) =>
      e.type === "session.completed" || e.type === "session.failed" || e.type === "session.ended"
        ? [e.sessionId]
        : []
    ),
  );
  assert.equal(stats.activeSessions, ids.size - ended.size);
});

Deno.test("an unknown route answers 404 JSON naming the routes", async () => {
  const { app } = setup();
  const body = await json(await app.request("/event", { method: "POST" }), 404);
  assert.match(body.error, /^no route POST \/event: the routes are POST \/events/);
});

Deno.test("GET /events streams accepted events as SSE, in order, until the client leaves", async () => {
  const { app, store } = setup();
  const res = await app.request("/events");
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("content-type"), "text/event-stream");
  const reader = res.body!.getReader();
  assert.equal(store.subscribers, 1);
  const first = EVENTS.slice(0, 5);
  for (const e of first) store.add(e);
  store.add(first[0]); // a duplicate is not streamed
  await json(await post(app, JSON.stringify(EVENTS.slice(5, 8))), 200);
  const { frames } = await readFrames(reader, 8);
  assert.deepEqual(frames.map((f) => f.id), ["1", "2", "3", "4", "5", "6", "7", "8"]);
  assert.deepEqual(frames.map((f) => f.event), EVENTS.slice(0, 8).map((e) => e.type));
  assert.deepEqual(frames.map((f) => JSON.parse(f.data)), EVENTS.slice(0, 8));
  await reader.cancel();
  await eventually(() => store.subscribers === 0, "the stream unsubscribed");
});

Deno.test("GET /events ends streams once their events are written when the signal aborts", async () => {
  const closing = new AbortController();
  const { app, store } = setup({ signal: closing.signal });
  const res = await app.request("/events");
  for (const e of EVENTS.slice(0, 3)) store.add(e);
  closing.abort();
  const { frames, ended } = await readFrames(res.body!.getReader());
  assert.ok(ended);
  assert.deepEqual(frames.map((f) => f.id), ["1", "2", "3"]);
  assert.equal(store.subscribers, 0);
  const refused = await json(await app.request("/events"), 503);
  assert.match(refused.error, /shutting down/);
});

Deno.test("GET /events disconnects a client more than maxPendingEvents behind", async () => {
  const { app, store } = setup({ maxPendingEvents: 5 });
  const res = await app.request("/events");
  for (const e of EVENTS.slice(0, 20)) store.add(e);
  assert.equal(store.subscribers, 0);
  // The notice, then the body fails (see below for what the client reads).
  await assert.rejects(readFrames(res.body!.getReader()), SlowClientError);
  assert.equal(store.stats().accepted, 20);
});

Deno.test("GET /metrics counts accepted events by type, duplicates, rejected and requests", async () => {
  const { app, store } = setup();
  const events = EVENTS.slice(0, 500);
  await json(await post(app, JSON.stringify(events)), 200);
  await json(await post(app, JSON.stringify(events.slice(0, 20))), 200);
  await json(await post(app, JSON.stringify([{ ...A, socPercent: 150 }, B])), 400);
  await json(await app.request("/sessions"), 200);
  await json(await app.request("/nowhere"), 404);
  const res = await app.request("/metrics");
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("content-type"), "text/plain; version=0.0.4; charset=utf-8");
  const all = parseMetrics(await res.text());
  const stats = store.stats();
  assert.deepEqual(byLabel(all, "evsim_echo_events_total", "type"), stats.byType);
  assert.equal(stats.accepted, 500);
  assert.equal(valueOf(all, "evsim_echo_duplicates_total"), 20);
  assert.equal(valueOf(all, "evsim_echo_rejected_total"), 1);
  assert.equal(valueOf(all, "evsim_echo_active_sessions"), stats.activeSessions);
  assert.equal(valueOf(all, "evsim_echo_tracked_sessions"), stats.sessions);
  assert.ok(stats.activeSessions > 0);
  const requests = (route: string, method: string, status: string) =>
    valueOf(all, "evsim_echo_requests_total", { method, route, status });
  assert.equal(requests("/events", "POST", "200"), 2);
  assert.equal(requests("/events", "POST", "400"), 1);
  assert.equal(requests("/sessions", "GET", "200"), 1);
  assert.equal(requests("other", "GET", "404"), 1);
  const timed = { method: "POST", route: "/events" };
  assert.equal(valueOf(all, "evsim_echo_request_duration_seconds_count", timed), 3);
});

Deno.test("GET /metrics counts SSE clients and needs the token when one is set", async () => {
  const { app } = setup({ token: "s3cret-token" });
  const auth = { authorization: "Bearer s3cret-token" };
  assert.equal((await app.request("/metrics")).status, 401);
  const stream = await app.request("/events", { headers: auth });
  const all = parseMetrics(await (await app.request("/metrics", { headers: auth })).text());
  assert.equal(valueOf(all, "evsim_echo_sse_clients"), 1);
  const refused = { method: "GET", route: "/metrics", status: "401" };
  assert.equal(valueOf(all, "evsim_echo_requests_total", refused), 1);
  await stream.body!.cancel();
});

Deno.test("POST /events refuses a string over maxStringLength, naming its field", async (t) => {
  const huge = "x".repeat(4.5 * 1024 * 1024);
  await t.step("a 4.5 MB field among valid events: 400, the path, no echo", async () => {
    const { app, store } = setup();
    const res = await post(app, JSON.stringify([A, { ...B, locationName: huge }, C]));
    const text = await res.text();
    assert.equal(res.status, 400, text);
    assert.ok(text.length < 2000, `answer of ${text.length} characters`);
    const body = JSON.parse(text);
    assert.deepEqual(body.problems, [{
      index: 1,
      path: "locationName",
      message: `string of ${huge.length} characters is over the limit of 1024 characters`,
    }]);
    assert.match(body.error, /^1 of 3 events invalid, none accepted: event 1: locationName: /);
    assert.equal(store.stats().accepted, 0);
    assert.equal(store.stats().rejected, 1);
  });
  await t.step("inside an array, and as a field name", async () => {
    const max = Math.max(...Object.values(A).map((v) => typeof v === "string" ? v.length : 0));
    const { app } = setup({ maxStringLength: max });
    const connectors = ["J1772", "x".repeat(max + 1)];
    const event = { ...A, connectors, ["k".repeat(max + 1)]: 1 };
    const body = await json(await post(app, JSON.stringify(event)), 400);
    assert.deepEqual(body.problems.map((p: Problem) => p.path), ["", "connectors[1]"]);
    assert.match(
      body.problems[0].message,
      new RegExp(`^field name "k+…" of ${max + 1} characters is over the limit of ${max} `),
    );
  });
  await t.step("a string of exactly maxStringLength is accepted", async () => {
    const { app } = setup({ maxStringLength: 40 });
    const event = { ...A, locationName: "n".repeat(40) };
    assert.equal((await json(await post(app, JSON.stringify(event)), 200)).accepted, 1);
  });
});

Deno.test("POST /events refuses an event over maxEventBytes as a whole", async (t) => {
  const size = new TextEncoder().encode(JSON.stringify(A)).byteLength;
  await t.step("one byte over: 400, with an empty path", async () => {
    const { app, store } = setup({ maxEventBytes: size - 1 });
    const body = await json(await post(app, JSON.stringify([B, A])), 400);
    assert.deepEqual(body.problems, [{
      index: 1,
      path: "",
      message: `event is ${size} bytes as JSON, over the limit of ${size - 1} bytes`,
    }]);
    assert.equal(store.stats().accepted, 0);
  });
  await t.step("exactly maxEventBytes: accepted", async () => {
    const { app } = setup({ maxEventBytes: size });
    assert.equal((await json(await post(app, JSON.stringify(A)), 200)).accepted, 1);
  });
  await t.step("an array the schema allows, made long: refused by the default limit", async () => {
    const { app } = setup();
    const event = { ...A, connectors: Array(5000).fill("J1772") };
    const body = await json(await post(app, JSON.stringify(event)), 400);
    assert.match(body.problems[0].message, /^event is \d+ bytes as JSON, over the limit of 16384/);
  });
});

Deno.test("POST /events lists the first 100 problems and counts them all", async () => {
  const { app, store } = setup();
  const body = await json(await post(app, JSON.stringify(Array(5000).fill({}))), 400);
  assert.equal(body.problems.length, 100);
  assert.equal(body.problemCount, 5000);
  assert.match(body.error, /^5000 of 5000 events invalid, none accepted: .*and 4999 more problems/);
  assert.equal(store.stats().rejected, 5000);
});

Deno.test("POST /events refuses a value nested a hundred thousand deep with 400, not 500", async () => {
  const { app } = setup();
  const deep = "[".repeat(100_000) + "]".repeat(100_000);
  const body = await json(await post(app, `[{"type":"charger.status","bogus":${deep}}]`), 400);
  assert.deepEqual(body.problems, [{
    index: 0,
    path: "bogus[0][0][0][0][0][0][0]",
    message: "nested more than 8 levels deep",
  }]);
});

Deno.test("POST /events answers 408 to a body that does not come within bodyTimeoutMs", async () => {
  const { app, store } = setup({ bodyTimeoutMs: 50 });
  let cancelled = false;
  const stalled = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(new TextEncoder().encode(JSON.stringify(A).slice(0, 40)));
    },
    cancel() {
      cancelled = true;
    },
  });
  const res = await post(app, stalled);
  const body = await json(res, 408);
  assert.match(body.error, /^request body not received within 50 ms \(40 bytes came\)$/);
  assert.equal(body.bodyTimeoutMs, 50);
  assert.equal(res.headers.get("connection"), "close");
  assert.ok(cancelled, "the body was cancelled");
  assert.equal(store.stats().accepted, 0);
  // A body that comes in time is read as before.
  assert.equal((await json(await post(app, JSON.stringify(A)), 200)).accepted, 1);
});

Deno.test("createEchoApp() refuses limits that are not positive", () => {
  const store = new EventStore();
  assert.throws(() => createEchoApp(store, { maxStringLength: 0 }), /maxStringLength must be/);
  assert.throws(() => createEchoApp(store, { maxEventBytes: NaN }), /maxEventBytes must be/);
  assert.throws(() => createEchoApp(store, { bodyTimeoutMs: -1 }), /bodyTimeoutMs must be/);
});

Deno.test("createEchoApp() refuses a token that a bearer header cannot carry, without showing it", () => {
  const store = new EventStore();
  for (const token of ["", "two words", "s3cret!"]) {
    assert.throws(
      () => createEchoApp(store, { token }),
      (error: Error) =>
        error instanceof RangeError && /RFC 6750/.test(error.message) &&
        (token === "" || !error.message.includes(token)),
    );
  }
  createEchoApp(store, { token: "a-Z_0.9~+/x==" });
});

/** The target of a `Link: <…>; rel="next"` header, or undefined without one. */
function nextLink(response: Response): string | undefined {
  const link = response.headers.get("link");
  if (link === null) return undefined;
  const match = /^<([^>]+)>; rel="next"$/.exec(link);
  assert.ok(match, `Link: ${link}`);
  return match[1];
}

Deno.test("GET /sessions answers a page at a time, a bare array with the next in a Link header", async (t) => {
  const { app, store } = setup();
  await json(await post(app, ndjson(EVENTS), { "content-type": "application/x-ndjson" }), 200);
  const follow = async (first: string) => {
    const pages: SimEvent[][] = [];
    for (let url: string | undefined = first; url !== undefined;) {
      const res = await app.request(url);
      pages.push(await json(res, 200));
      url = nextLink(res);
    }
    return pages;
  };
  await t.step("all sessions, 40 at a time", async () => {
    const pages = await follow("/sessions?limit=40");
    assert.deepEqual(pages.flat(), store.sessions());
    assert.ok(pages.length >= 3);
    assert.ok(pages.slice(0, -1).every((p) => p.length === 40));
  });
  await t.step("the filters are kept in the link", async () => {
    const res = await app.request("/sessions?status=In%20Use&city=San%20Jose&limit=2");
    const next = nextLink(res)!;
    assert.match(next, /^\/sessions\?status=In%20Use&city=San%20Jose&limit=2&cursor=\d+$/);
    const pages = await follow("/sessions?status=In%20Use&city=San%20Jose&limit=2");
    assert.deepEqual(pages.flat(), store.sessions({ status: "In Use", city: "San Jose" }));
    assert.ok(pages.length >= 2);
  });
  await t.step("without ?limit: up to 1000, so these fit on one page", async () => {
    const res = await app.request("/sessions");
    assert.equal(res.headers.get("link"), null);
    assert.equal((await json(res, 200)).length, store.stats().sessions);
  });
});

Deno.test("GET /sessions refuses a limit or cursor that is not one", async () => {
  const { app } = setup();
  for (const limit of ["0", "10001", "ten", "-5", "1.5"]) {
    const body = await json(await app.request(`/sessions?limit=${limit}`), 400);
    assert.match(body.error, /^\?limit must be an integer from 1 to 10000, got "/, limit);
  }
  for (const cursor of ["x", "-1", "99999999999999999999"]) {
    const body = await json(await app.request(`/sessions?cursor=${cursor}`), 400);
    assert.match(body.error, /^\?cursor must be one from a Link header of GET \/sessions/);
  }
});

Deno.test("GET /sessions answers after events with 4.5 MB strings were sent", async () => {
  const { app, store } = setup();
  const huge = "y".repeat(4.5 * 1024 * 1024);
  for (const e of EVENTS.slice(0, 5)) {
    await json(await post(app, JSON.stringify({ ...e, statusMessage: huge })), 400);
  }
  await json(await post(app, JSON.stringify(EVENTS.slice(0, 5))), 200);
  const sessions = await json(await app.request("/sessions"), 200);
  assert.deepEqual(sessions, store.sessions());
  assert.equal(store.stats().rejected, 5);
});

Deno.test("GET /events disconnects a client that is not reading as soon as it is too far behind", async () => {
  const { app, store } = setup({ maxPendingEvents: 50 });
  const res = await app.request("/events");
  const reader = res.body!.getReader();
  // The client reads a little, then stops.
  for (const e of EVENTS.slice(0, 10)) store.add(e);
  assert.equal((await readFrames(reader, 10)).frames.length, 10);
  for (const e of EVENTS.slice(10, 60)) store.add(e);
  assert.equal(store.subscribers, 1, "50 behind is within the limit");
  store.add(EVENTS[60]);
  assert.equal(store.subscribers, 0, "51 behind: disconnected at once, not at the next write");
  // What it then reads is the notice, not the backlog, and the body fails,
  // which makes a server drop the connection.
  const notice = await reader.read();
  assert.equal(
    new TextDecoder().decode(notice.value),
    ": disconnected: more than 50 events behind\n\n",
  );
  await assert.rejects(
    reader.read(),
    (e) => e instanceof SlowClientError && e.message.includes("more than 50 events behind"),
  );
});

// --- the live page -----------------------------------------------------------

/** The frames of a `GET /live` answer, parsed. */
async function liveFrames(res: Response, count: number) {
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("content-type"), "text/event-stream");
  const reader = res.body!.getReader();
  const { frames } = await readFrames(reader, count);
  return {
    frames: frames.map((f) => ({ id: Number(f.id), event: f.event, data: JSON.parse(f.data) })),
    reader,
  };
}

Deno.test("GET / serves the live page and its files, without the token", async () => {
  const { app } = setup({ token: "t0k3n" });
  for (
    const [path, type, start] of [
      ["/", "text/html; charset=utf-8", "<!doctype html>"],
      ["/live.js", "text/javascript; charset=utf-8", ""],
      ["/live.css", "text/css; charset=utf-8", ""],
      ["/us.json", "application/json", '{"type":"Topology"'],
    ]
  ) {
    const res = await app.request(path);
    assert.equal(res.status, 200, path);
    assert.equal(res.headers.get("content-type"), type, path);
    assert.ok((await res.text()).startsWith(start), path);
  }
  const refused = await app.request("/live");
  assert.equal(refused.status, 401, "what the page shows needs the token");
  await refused.body?.cancel();
});

Deno.test("the live routes take the token as ?access_token= too (a browser's EventSource sends no header); no other route does", async () => {
  const { app } = setup({ token: "t0k3n" });
  const ok = await app.request("/live/sessions?access_token=t0k3n");
  assert.equal(ok.status, 200);
  assert.ok(Array.isArray(await ok.json()));
  const stream = await app.request("/live?access_token=t0k3n");
  assert.equal(stream.status, 200);
  assert.equal(stream.headers.get("content-type"), "text/event-stream");
  await stream.body?.cancel();
  const wrong = await app.request("/live/sessions?access_token=t0k3N");
  assert.equal(wrong.status, 401);
  assert.match((await wrong.json()).error, /wrong access_token/);
  assert.match(wrong.headers.get("www-authenticate") ?? "", /^Bearer/);
  const elsewhere = await app.request("/sessions?access_token=t0k3n");
  assert.equal(elsewhere.status, 401, "the other routes want the header");
  await elsewhere.body?.cancel();
});

Deno.test("GET /live streams a snapshot, then a delta about 4 times a second with consecutive IDs", async () => {
  const { app, store } = setup({ liveIntervalMs: 20 });
  const events = EVENTS.slice(0, 300);
  for (const e of events) store.add(e);
  const { frames, reader } = await liveFrames(await app.request("/live"), 3);
  await reader.cancel();
  assert.deepEqual(frames.map((f) => [f.id, f.event, f.data.kind]), [
    [0, "snapshot", "snapshot"],
    [1, "delta", "delta"],
    [2, "delta", "delta"],
  ]);
  const stations = new Set(events.map((e) => e.stationId));
  assert.equal(frames[0].data.stations.length, 0, "stations are announced by the first frame");
  assert.equal(frames[1].data.added.length, stations.size);
  assert.equal(frames[1].data.totals.events, 300);
  assert.equal(frames[1].data.time, Date.parse(events.at(-1)!.time));
  assert.equal(store.subscribers, 0, "the live page's state is not an SSE client");
});

Deno.test("GET /live resumes after Last-Event-ID within its window, and sends a snapshot outside it", async (t) => {
  const { app, store } = setup({ liveIntervalMs: 10, liveWindowFrames: 5 });
  for (const e of EVENTS.slice(0, 100)) store.add(e);
  // One client keeps the frames coming while the others come and go.
  const first = await liveFrames(await app.request("/live"), 8);
  assert.deepEqual(first.frames.map((f) => f.id), [0, 1, 2, 3, 4, 5, 6, 7]);
  try {
    await t.step("Last-Event-ID within the window: the frames after it, no snapshot", async () => {
      const res = await app.request("/live", { headers: { "Last-Event-ID": "5" } });
      const { frames, reader } = await liveFrames(res, 3);
      await reader.cancel();
      assert.deepEqual(frames.map((f) => [f.id, f.event]), [[6, "delta"], [7, "delta"], [
        8,
        "delta",
      ]]);
    });
    await t.step("?lastEventId, for a new stream", async () => {
      const { frames, reader } = await liveFrames(await app.request("/live?lastEventId=6"), 2);
      await reader.cancel();
      assert.deepEqual(frames.map((f) => f.id).slice(0, 2), [7, 8]);
    });
    await t.step("an ID older than the window: a snapshot, then the frames after it", async () => {
      const res = await app.request("/live", { headers: { "Last-Event-ID": "1" } });
      const { frames, reader } = await liveFrames(res, 2);
      await reader.cancel();
      assert.equal(frames[0].event, "snapshot");
      assert.ok(frames[0].data.stations.length > 0);
      assert.equal(frames[1].id, frames[0].id + 1);
    });
    await t.step("an ID this server never made (it restarted): a snapshot", async () => {
      const res = await app.request("/live", { headers: { "Last-Event-ID": "999999" } });
      const { frames, reader } = await liveFrames(res, 1);
      await reader.cancel();
      assert.equal(frames[0].event, "snapshot");
    });
  } finally {
    await first.reader.cancel();
  }
});

Deno.test("GET /live lists every station from the start when the app has the network's chargers", async () => {
  const chargers = [
    {
      id: "C1",
      stationId: "S1",
      name: "One",
      city: "Boulder",
      state: "CO",
      latitude: 40,
      longitude: -105,
      level: "L2" as const,
    },
    {
      id: "C2",
      stationId: "S1",
      name: "One",
      city: "Boulder",
      state: "CO",
      latitude: 40,
      longitude: -105,
      level: "L2" as const,
    },
    {
      id: "C3",
      name: "Two",
      city: "Boulder",
      state: "CO",
      latitude: 40.1,
      longitude: -105.1,
      level: "DCFC" as const,
    },
  ];
  const { app } = setup({ chargers });
  const { frames, reader } = await liveFrames(await app.request("/live"), 1);
  await reader.cancel();
  assert.deepEqual(
    frames[0].data.stations.map((
      s: { id: string; ports: number; siteType: string },
    ) => [s.id, s.ports, s.siteType]),
    [["S1", 2, "public"], ["C3", 1, "dc_fast"]],
  );
});

Deno.test("GET /live ends its streams when the signal aborts, then answers 503", async () => {
  const closing = new AbortController();
  const { app } = setup({ signal: closing.signal, liveIntervalMs: 10 });
  const res = await app.request("/live");
  const reader = res.body!.getReader();
  await readFrames(reader, 1);
  closing.abort();
  const { ended } = await readFrames(reader);
  assert.ok(ended);
  const refused = await json(await app.request("/live"), 503);
  assert.match(refused.error, /shutting down/);
});

Deno.test("GET /live/sessions lists sessions plugged in and lately ended, filtered", async () => {
  const { app, store } = setup();
  const events = EVENTS.slice(0, 3000);
  for (const e of events) store.add(e);
  const all = await json(await app.request("/live/sessions?limit=1000"), 200);
  assert.ok(all.length > 0);
  assert.ok(
    all.every((s: { active: boolean }, i: number) => i === 0 || s.active <= all[i - 1].active),
  );
  const city = events[0].city;
  const inCity = await json(
    await app.request(`/live/sessions?city=${encodeURIComponent(city)}`),
    200,
  );
  assert.ok(inCity.length > 0 && inCity.every((s: { city: string }) => s.city === city));
  const fast = await json(await app.request("/live/sessions?siteType=dc_fast&limit=1000"), 200);
  assert.ok(fast.every((s: { siteType: string }) => s.siteType === "dc_fast"));
  assert.equal((await json(await app.request("/live/sessions?limit=2"), 200)).length, 2);
  assert.match(
    (await json(await app.request("/live/sessions?siteType=garage"), 400)).error,
    /unknown site type "garage" in \?siteType: expected one of workplace, public, dc_fast, residential/,
  );
  assert.match(
    (await json(await app.request("/live/sessions?status=busy"), 400)).error,
    /unknown station status "busy" in \?status: expected one of charging, occupied/,
  );
  assert.match(
    (await json(await app.request("/live/sessions?limit=0"), 400)).error,
    /\?limit must be an integer from 1 to 1000/,
  );
});

Deno.test("GET /live/stations/:id says what each port of a station does", async () => {
  const { app, store } = setup();
  const started = EVENTS.find((e) => e.type === "session.started") as SessionEvent;
  for (const e of EVENTS.slice(0, EVENTS.indexOf(started) + 1)) store.add(e);
  const station = await json(
    await app.request(`/live/stations/${encodeURIComponent(started.stationId)}`),
    200,
  );
  assert.equal(station.name, started.locationName);
  const port = station.portList.find((p: { chargerId: string }) =>
    p.chargerId === started.chargerId
  );
  assert.equal(port.session.sessionId, started.sessionId);
  assert.match(
    (await json(await app.request("/live/stations/nope"), 404)).error,
    /no station "nope"/,
  );
});
