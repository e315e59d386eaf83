/**
 * The delivery core's disk buffer, through the HTTP sink with a stand-in
 * fetch: events wait on disk while the receiver is down, stay there past the
 * shutdown deadline, and a sink started later with the same buffer delivers
 * them first, in order.
 */
import assert from "node:assert/strict";
import type { SimEvent } from "../core/event.ts";
import { simEvents } from "../tests/_events.ts";
import { memoryDeadLetter } from "./dead_letter.ts";
import { openDiskQueue } from "./disk_queue.ts";
import { getHttpSink, type HttpSinkOptions } from "./http.ts";

const EVENTS = simEvents(600);

/** A fetch whose receiver is down until `up` is set; it records what it acknowledged, in order. */
function receiver() {
  const state = { up: false, acknowledged: [] as string[], requests: 0 };
  const fetch = ((_url: string, init: RequestInit) => {
    state.requests++;
    if (!state.up) {
      return Promise.reject(
        new TypeError("error sending request: Connection refused (os error 111)"),
      );
    }
    const body = JSON.parse(new TextDecoder().decode(init.body as Uint8Array));
    for (const e of Array.isArray(body) ? body : [body]) state.acknowledged.push(e.eventId);
    return Promise.resolve(new Response("{}", { status: 200 }));
  }) as typeof globalThis.fetch;
  return { state, fetch };
}

async function deliver(sink: (e: SimEvent) => void | Promise<void>, list: readonly SimEvent[]) {
  for (const e of list) {
    const r = sink(e);
    if (r) await r;
  }
}

const options = (over: Partial<HttpSinkOptions>): HttpSinkOptions => ({
  batchSize: 10,
  flushIntervalMs: 20,
  concurrency: 1,
  retryBaseMs: 5,
  retryMaxMs: 20,
  deadLetter: memoryDeadLetter(),
  ...over,
});

Deno.test("a disk buffer keeps what the receiver did not take past the deadline, and the next sink sends it first, in order", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const down = receiver();
    const shutdown = new AbortController();
    const first = getHttpSink("http://receiver.test/events", {
      ...options({ fetch: down.fetch, shutdown: shutdown.signal, shutdownTimeoutMs: 100 }),
      disk: await openDiskQueue(`${dir}/buffer`, { maxBytes: 64 * 1024 * 1024 }),
    });
    await deliver(first, EVENTS.slice(0, 500));
    await first.checkpoint(); // on disk and synced, though nothing was acknowledged
    assert.equal(first.stats.acknowledged, 0);
    shutdown.abort();
    await first[Symbol.asyncDispose]();
    assert.equal(first.stats.deadLettered, 0, "nothing dead-lettered: it waits on disk");
    assert.deepEqual(first.stats.leftOnDisk, { events: 500, path: `${dir}/buffer` });
    assert.ok(down.state.requests > 0, "the receiver was tried");

    const healthy = receiver();
    healthy.state.up = true;
    const second = getHttpSink("http://receiver.test/events", {
      ...options({ fetch: healthy.fetch }),
      disk: await openDiskQueue(`${dir}/buffer`, { maxBytes: 64 * 1024 * 1024 }),
    });
    await deliver(second, EVENTS.slice(500));
    await second[Symbol.asyncDispose]();
    assert.deepEqual(healthy.state.acknowledged, EVENTS.map((e) => e.eventId));
    assert.equal(second.stats.leftOnDisk, undefined);
    assert.equal(second.stats.acknowledged, 600);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a full disk buffer blocks the run, or drops and counts", async (t) => {
  for (const onFull of ["block", "drop"] as const) {
    await t.step(onFull, async () => {
      const dir = await Deno.makeTempDir();
      try {
        const r = receiver();
        const disk = await openDiskQueue(`${dir}/buffer`, {
          maxBytes: 64 * 1024,
          segmentBytes: 16 * 1024,
        });
        const sink = getHttpSink("http://receiver.test/events", {
          ...options({ fetch: r.fetch, onFull }),
          disk,
        });
        let blocked: Promise<void> | undefined;
        let accepted = 0;
        for (const e of EVENTS) {
          const result = sink(e);
          if (result) {
            blocked = result;
            break;
          }
          accepted++;
          await new Promise((resolve) => setTimeout(resolve, 0));
        }
        if (onFull === "block") {
          assert.ok(blocked, "the sink pushed back once the buffer was full");
          assert.ok(accepted < EVENTS.length);
          assert.ok(disk.diskBytes <= 64 * 1024 + 16 * 1024, `${disk.diskBytes} bytes on disk`);
          r.state.up = true;
          await blocked;
          await deliver(sink, EVENTS.slice(accepted + 1));
          await sink[Symbol.asyncDispose]();
          assert.equal(sink.stats.acknowledged, EVENTS.length);
          assert.equal(sink.stats.dropped, 0);
        } else {
          assert.equal(blocked, undefined, "drop never pushes back");
          assert.ok(sink.stats.dropped > 0, "some were dropped");
          r.state.up = true;
          await sink[Symbol.asyncDispose]();
          assert.equal(sink.stats.acknowledged + sink.stats.dropped, EVENTS.length);
        }
      } finally {
        await Deno.remove(dir, { recursive: true });
      }
    });
  }
});
