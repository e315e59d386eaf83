/**
 * The HTTP sink against real receivers on loopback, healthy and failing on
 * purpose. In every case each event ends acknowledged or dead-lettered.
 */
import assert from "node:assert/strict";
import type { SimEvent } from "../core/event.ts";
import { simEvents } from "./_events.ts";
import { memoryDeadLetter } from "../sinks/dead_letter.ts";
import { AdaptiveLimit } from "../sinks/adaptive_limit.ts";
import { getHttpSink, type HttpSinkOptions } from "../sinks/http.ts";
import { closedPort, type Receiver, startReceiver } from "./_receiver.ts";

const events = (n: number) => simEvents(n, { seed: 8, city: "Boston" });

/** Sends `list` through an HTTP sink to `url`, disposes it, returns what was dead-lettered. */
async function deliver(url: string, list: SimEvent[], options: HttpSinkOptions = {}) {
  const deadLetter = memoryDeadLetter();
  const sink = getHttpSink(url, { retryBaseMs: 5, deadLetter, ...options });
  for (const e of list) await sink(e);
  await sink[Symbol.asyncDispose]();
  return { stats: sink.stats, dead: deadLetter.entries };
}

/** The invariant: every event acknowledged or dead-lettered (or both, after a late ack). */
function assertAccountedFor(
  list: SimEvent[],
  receiver: Receiver | undefined,
  dead: { event: SimEvent }[],
) {
  const deadIds = new Set(dead.map((d) => d.event.eventId));
  for (const e of list) {
    assert.ok(
      receiver?.acknowledged.has(e.eventId) || deadIds.has(e.eventId),
      `${e.eventId} neither acknowledged nor dead-lettered`,
    );
  }
  // A receiver only ever sees an event under its own key.
  for (const r of receiver?.requests ?? []) {
    const key = r.headers.get("idempotency-key");
    if (key !== null) assert.deepEqual(r.events.map((e) => e.eventId), [key]);
  }
}

Deno.test("getHttpSink() sends one event per request with its idempotency key and token", async () => {
  await using receiver = startReceiver(() => ({ status: 200 }));
  const list = events(50);
  const { stats, dead } = await deliver(receiver.url, list, { token: "s3cret" });
  assert.equal(receiver.requests.length, 50);
  assert.equal(stats.acknowledged, 50);
  assert.equal(dead.length, 0);
  assert.equal(receiver.requests[0].headers.get("authorization"), "Bearer s3cret");
  assert.equal(receiver.requests[0].headers.get("content-type"), "application/json");
  assert.deepEqual(
    receiver.requests.flatMap((r) => r.events.map((e) => e.seq)).sort((a, b) => a - b),
    list.map((e) => e.seq),
  );
  assertAccountedFor(list, receiver, dead);
});

Deno.test("getHttpSink() batches as a JSON array or as NDJSON", async (t) => {
  for (const format of ["json", "ndjson"] as const) {
    await t.step(format, async () => {
      await using receiver = startReceiver(() => ({ status: 202 }));
      const list = events(250);
      const { stats } = await deliver(receiver.url, list, { batchSize: 100, format });
      assert.deepEqual(receiver.requests.map((r) => r.events.length).sort((a, b) => b - a), [
        100,
        100,
        50,
      ]);
      assert.equal(
        receiver.requests[0].headers.get("content-type"),
        format === "json" ? "application/json" : "application/x-ndjson",
      );
      assert.equal(stats.acknowledged, 250);
    });
  }
});

Deno.test("getHttpSink() retries 5xx until every event is acknowledged", async () => {
  let failures = 0;
  await using receiver = startReceiver((n) => {
    const fail = n % 3 !== 2; // two failures, then a success, over and over
    if (fail) failures++;
    return { status: fail ? 503 : 200 };
  });
  const list = events(40);
  // Retries interleave with new events, so one event may meet many failures in a row.
  const { stats, dead } = await deliver(receiver.url, list, { concurrency: 1, maxAttempts: 50 });
  assert.equal(dead.length, 0);
  assert.equal(stats.acknowledged, 40);
  assert.equal(stats.retried, failures);
  assertAccountedFor(list, receiver, dead);
});

Deno.test("getHttpSink() honours 429 Retry-After", async () => {
  await using receiver = startReceiver((n) =>
    n === 0 ? { status: 429, headers: { "Retry-After": "1" } } : { status: 200 }
  );
  const list = events(1);
  const { stats } = await deliver(receiver.url, list);
  assert.equal(stats.acknowledged, 1);
  const gap = receiver.requests[1].at - receiver.requests[0].at;
  assert.ok(gap >= 950, `retried after ${gap} ms`);
});

Deno.test("getHttpSink() times out slow responses and retries them", async () => {
  await using receiver = startReceiver((
    n,
  ) => (n < 2 ? { status: 200, delayMs: 2000 } : { status: 200 }));
  const list = events(1);
  const { stats, dead } = await deliver(receiver.url, list, { timeoutMs: 100 });
  assert.equal(stats.acknowledged, 1);
  assert.equal(stats.retried, 2);
  assertAccountedFor(list, receiver, dead);
});

Deno.test("getHttpSink() survives connections reset and refused until the receiver comes up", async () => {
  const port = closedPort();
  // A listener that accepts and resets every connection for a while.
  const listener = Deno.listen({ hostname: "127.0.0.1", port });
  let resets = 0;
  const resetting = (async () => {
    for await (const conn of listener) {
      resets++;
      conn.close();
    }
  })();
  const list = events(20);
  const deadLetter = memoryDeadLetter();
  const sink = getHttpSink(`http://127.0.0.1:${port}/events`, {
    retryBaseMs: 50,
    retryMaxMs: 200,
    maxAttempts: 30,
    deadLetter,
  });
  const sending = (async () => {
    for (const e of list) await sink(e);
  })();
  await new Promise((resolve) => setTimeout(resolve, 300));
  listener.close();
  await resetting.catch(() => {});
  const server = Deno.serve(
    { hostname: "127.0.0.1", port, onListen: () => {} },
    () => new Response("{}"),
  );
  await sending;
  await sink[Symbol.asyncDispose]();
  await server.shutdown();
  assert.ok(resets > 0);
  assert.equal(sink.stats.acknowledged, 20);
  assert.equal(deadLetter.entries.length, 0);
});

Deno.test("getHttpSink() dead-letters everything when the receiver is down for the whole run", async () => {
  const list = events(10);
  const { stats, dead } = await deliver(`http://127.0.0.1:${closedPort()}/events`, list, {
    maxAttempts: 3,
  });
  assert.equal(stats.acknowledged, 0);
  assert.equal(stats.deadLettered, 10);
  assert.deepEqual(dead.map((d) => d.event.seq).sort((a, b) => a - b), list.map((e) => e.seq));
  assert.match(dead[0].reason, /^attempts exhausted: connection refused$/);
  assert.equal(dead[0].attempts, 3);
  assertAccountedFor(list, undefined, dead);
});

Deno.test("getHttpSink() does not retry other 4xx", async () => {
  await using receiver = startReceiver(() => ({ status: 422 }));
  const list = events(3);
  const { stats, dead } = await deliver(receiver.url, list);
  assert.equal(receiver.requests.length, 3);
  assert.equal(stats.retried, 0);
  assert.equal(dead.length, 3);
  assert.match(dead[0].reason, /^HTTP 422: nope/);
});

Deno.test("getHttpSink() dead-letters what is left when the shutdown deadline passes", async () => {
  await using receiver = startReceiver(() => ({ status: 200, delayMs: 60_000 }));
  const list = events(30);
  const started = performance.now();
  const { stats, dead } = await deliver(receiver.url, list, {
    shutdown: AbortSignal.abort(), // told to stop at once: 300 ms to deliver
    shutdownTimeoutMs: 300,
    concurrency: 2,
  });
  assert.ok(performance.now() - started < 5_000);
  assert.equal(stats.acknowledged, 0);
  assert.equal(dead.length, 30);
  assert.ok(dead.every((d) => d.reason === "shutdown deadline passed"));
  assertAccountedFor(list, receiver, dead);
});

Deno.test("getHttpSink() holds at most bufferSize events: it blocks, or drops and counts", async (t) => {
  await t.step("block", async () => {
    await using receiver = startReceiver(() => ({ status: 200, delayMs: 20 }));
    const deadLetter = memoryDeadLetter();
    const sink = getHttpSink(receiver.url, { bufferSize: 5, concurrency: 1, deadLetter });
    let waited = 0;
    for (const e of events(20)) {
      const r = sink(e);
      if (r) {
        waited++;
        await r;
      }
    }
    await sink[Symbol.asyncDispose]();
    assert.ok(waited >= 10, `waited ${waited} times`);
    assert.equal(sink.stats.acknowledged, 20);
  });
  await t.step("drop", async () => {
    await using receiver = startReceiver(() => ({ status: 200, delayMs: 50 }));
    const sink = getHttpSink(receiver.url, { bufferSize: 5, concurrency: 1, onFull: "drop" });
    for (const e of events(20)) assert.equal(sink(e), undefined);
    await sink[Symbol.asyncDispose]();
    assert.equal(sink.stats.dropped, 15);
    assert.equal(sink.stats.acknowledged, 5);
  });
});

Deno.test("getHttpSink() takes the time its retries need when the input ends: that is not a shutdown", async () => {
  const started = performance.now();
  // Down for the first 600 ms, then healthy.
  await using receiver = startReceiver(() => ({
    status: performance.now() - started < 600 ? 503 : 200,
  }));
  const list = events(50);
  const { stats, dead } = await deliver(receiver.url, list, {
    shutdownTimeoutMs: 50,
    retryBaseMs: 100,
    retryMaxMs: 400,
    maxAttempts: 20,
  });
  assert.equal(dead.length, 0);
  assert.equal(stats.acknowledged, 50);
  assert.ok(stats.retried > 0);
  assertAccountedFor(list, receiver, dead);
});

Deno.test("getHttpSink() keeps sending new events while a batch waits to retry", async () => {
  await using receiver = startReceiver((n) =>
    n === 0 ? { status: 503, headers: { "Retry-After": "1" } } : { status: 200 }
  );
  const list = events(10);
  const { stats } = await deliver(receiver.url, list, { concurrency: 1 });
  assert.equal(stats.acknowledged, 10);
  // The first event's retry comes after the nine others, not before them.
  const order = receiver.requests.map((r) => r.events[0].eventId);
  assert.equal(order.length, 11);
  assert.deepEqual(order.slice(1, 10), list.slice(1).map((e) => e.eventId));
  assert.equal(order[10], list[0].eventId);
});

Deno.test("getHttpSink() counts no redirect as a delivery and never follows one", async (t) => {
  for (const status of [301, 302, 303, 307, 308]) {
    await t.step(`${status}`, async () => {
      await using receiver = startReceiver(() => ({
        status,
        headers: { Location: "http://127.0.0.1:1/elsewhere?token=abc" },
      }));
      const list = events(3);
      const { stats, dead } = await deliver(receiver.url, list);
      assert.equal(stats.acknowledged, 0);
      assert.equal(stats.retried, 0);
      assert.equal(dead.length, 3);
      assert.equal(receiver.requests.length, 3);
      assert.match(dead[0].reason, new RegExp(`^HTTP ${status} redirect to .*not followed`));
      assert.doesNotMatch(dead[0].reason, /abc/);
    });
  }
});

Deno.test("getHttpSink() dead-letters at once what can never succeed: a blocked port", async () => {
  const { stats, dead } = await deliver("http://127.0.0.1:9/events", events(2));
  assert.equal(stats.retried, 0);
  assert.equal(dead.length, 2);
  assert.equal(dead[0].attempts, 1);
  assert.match(dead[0].reason, /port 9 are blocked/);
});

Deno.test("getHttpSink() keeps secrets in the URL out of its name, its reasons and its dead letters", async () => {
  const port = closedPort();
  const url = `http://user:pa55word@127.0.0.1:${port}/events?api_key=s3cret&x=1`;
  const { stats, dead } = await deliver(url, events(1), { maxAttempts: 1 });
  const text = JSON.stringify({ name: stats.name, dead });
  assert.equal(dead.length, 1);
  assert.doesNotMatch(text, /s3cret|pa55word|user/);
  assert.match(stats.name, /api_key=REDACTED&x=REDACTED/);
});

Deno.test("getHttpSink() counts events it could not dead-letter as lost", async () => {
  const failing = {
    write: () => Promise.reject(new Error("disk full")),
    [Symbol.asyncDispose]: () => Promise.resolve(),
  };
  await using receiver = startReceiver(() => ({ status: 400 }));
  const sink = getHttpSink(receiver.url, { deadLetter: failing });
  for (const e of events(4)) await sink(e);
  await sink[Symbol.asyncDispose]();
  assert.equal(sink.stats.lost, 4);
  assert.equal(sink.stats.deadLettered, 0);
});

Deno.test("getHttpSink() with an adaptive concurrency keeps more requests in flight to a receiver 5 ms away", async () => {
  await using receiver = startReceiver(() => ({ status: 200, delayMs: 5 }));
  const list = events(3000);
  const { stats, dead } = await deliver(receiver.url, list, {
    concurrency: new AdaptiveLimit({ windowMs: 50 }),
  });
  assert.equal(stats.acknowledged, list.length);
  assert.deepEqual(dead, []);
  // Requests in flight at once: those that arrived within one answer delay of each other.
  const at = receiver.requests.map((r) => r.at).sort((a, b) => a - b);
  let most = 0;
  for (let i = 0, j = 0; i < at.length; i++) {
    while (at[i] - at[j] > 5) j++;
    most = Math.max(most, i - j + 1);
  }
  assert.ok(most > 8, `at most ${most} in flight (a fixed limit keeps 4)`);
});
