import assert from "node:assert/strict";
import { simEvents } from "../tests/_events.ts";
import {
  fanOut,
  isolate,
  latencyQuantile,
  newSinkStats,
  recordLatency,
  type Sink,
} from "./sink.ts";
import type { SimEvent } from "./event.ts";

const [event] = simEvents(1);

Deno.test("fanOut() hands each event to every sink and waits for the slow ones", async () => {
  const a: SimEvent[] = [];
  let slowDone = false;
  const slow: Sink = () =>
    new Promise((resolve) =>
      setTimeout(() => {
        slowDone = true;
        resolve();
      }, 10)
    );
  const sink = fanOut([(e) => void a.push(e), slow]);
  await sink(event);
  assert.deepEqual(a, [event]);
  assert.ok(slowDone);
});

Deno.test("fanOut() flushes every sink and closes them in order", async () => {
  const log: string[] = [];
  const make = (name: string): Sink =>
    Object.assign(() => {}, {
      flush: () => Promise.resolve(void log.push(`flush ${name}`)),
      [Symbol.asyncDispose]: () => Promise.resolve(void log.push(`close ${name}`)),
    });
  const sink = fanOut([make("a"), make("b")]);
  await sink.flush!();
  await sink[Symbol.asyncDispose]();
  assert.deepEqual(log, ["flush a", "flush b", "close a", "close b"]);
});

Deno.test("isolate() keeps a failing sink from stopping the others", async () => {
  const errors: unknown[] = [];
  const received: SimEvent[] = [];
  const throwing = isolate(() => {
    throw new Error("sync failure");
  }, (e) => errors.push(e));
  const rejecting = isolate(
    Object.assign(() => Promise.reject(new Error("async failure")), {
      [Symbol.asyncDispose]: () => Promise.reject(new Error("close failure")),
    }),
    (e) => errors.push(e),
  );
  const sink = fanOut([throwing, rejecting, (e) => void received.push(e)]);
  await sink(event);
  await sink(event);
  await sink[Symbol.asyncDispose]();
  assert.equal(received.length, 2);
  assert.deepEqual(
    errors.map((e) => (e as Error).message),
    ["sync failure", "async failure", "sync failure", "async failure", "close failure"],
  );
});

Deno.test("isolate() passes the sink's stats through", () => {
  const stats = newSinkStats("x");
  const inner = Object.assign(() => {}, { stats });
  assert.equal(isolate(inner, () => {}).stats, stats);
});

Deno.test("isolate() passes writeLines through, its failures to onError, and adds none", async () => {
  const errors: unknown[] = [];
  const written: number[] = [];
  const lines: Sink = Object.assign(() => {}, {
    writeLines: (bytes: Uint8Array, count: number) => {
      if (count === 0) return Promise.reject(new Error("write failure"));
      written.push(bytes.length, count);
      return Promise.resolve();
    },
  });
  const safe = isolate(lines, (e) => errors.push(e));
  await safe.writeLines!(new Uint8Array(7), 2);
  await safe.writeLines!(new Uint8Array(1), 0);
  assert.deepEqual(written, [7, 2]);
  assert.deepEqual(errors.map((e) => (e as Error).message), ["write failure"]);
  assert.equal(isolate(() => {}, () => {}).writeLines, undefined);
});

Deno.test("recordLatency() and latencyQuantile() summarize without keeping samples", () => {
  const stats = newSinkStats("x").latency;
  for (const ms of [0.5, 3, 3, 4, 40, 900]) recordLatency(stats, ms);
  assert.equal(stats.count, 6);
  assert.equal(stats.maxMs, 900);
  assert.equal(latencyQuantile(stats, 0.5), 5);
  assert.equal(latencyQuantile(stats, 0.99), 900);
  assert.equal(latencyQuantile(newSinkStats("y").latency, 0.5), 0);
});
