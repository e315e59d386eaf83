import assert from "node:assert/strict";
import type { SimEvent } from "../core/event.ts";
import fc from "fast-check";
import { getNdjsonSink, type Writer } from "./ndjson.ts";

/** A writer that keeps what it is given and writes at most `chunk` bytes per call. */
function memoryWriter(chunk = Infinity): Writer & { text(): string; writes: number } {
  const parts: Uint8Array[] = [];
  return {
    writes: 0,
    write(p) {
      this.writes++;
      const n = Math.min(p.length, chunk);
      parts.push(p.slice(0, n));
      return Promise.resolve(n);
    },
    text: () => new TextDecoder().decode(new Uint8Array(parts.flatMap((p) => [...p]))),
  };
}

const event = (seq: number) => ({ type: "charger.status", seq }) as unknown as SimEvent;

Deno.test("getNdjsonSink() writes one JSON object per line, whole, even on short writes", async () => {
  const writer = memoryWriter(7);
  const sink = getNdjsonSink(writer, { bufferSize: 64 });
  for (let i = 1; i <= 50; i++) await sink(event(i));
  await sink[Symbol.asyncDispose]();
  const lines = writer.text().trimEnd().split("\n");
  assert.deepEqual(
    lines.map((l) => JSON.parse(l).seq),
    Array.from({ length: 50 }, (_, i) => i + 1),
  );
});

Deno.test("getNdjsonSink() buffers until the buffer fills or it is flushed", async () => {
  const writer = memoryWriter();
  const sink = getNdjsonSink(writer, { bufferSize: 1 << 20 });
  assert.equal(sink(event(1)), undefined);
  assert.equal(writer.writes, 0);
  await sink.flush!();
  assert.equal(writer.writes, 1);
  assert.equal(writer.text(), '{"type":"charger.status","seq":1}\n');
});

Deno.test("getNdjsonSink() reports a closed pipe once and then drops events", async () => {
  let closed = 0;
  const broken: Writer = {
    write: () => Promise.reject(Object.assign(new Error("pipe"), { name: "BrokenPipe" })),
  };
  const sink = getNdjsonSink(broken, { bufferSize: 1, onClosed: () => closed++ });
  await sink(event(1));
  await sink(event(2));
  await sink[Symbol.asyncDispose]();
  assert.equal(closed, 1);
});

Deno.test("getNdjsonSink() passes other write errors on", async () => {
  const failing: Writer = { write: () => Promise.reject(new Error("disk full")) };
  const sink = getNdjsonSink(failing, { bufferSize: 1 });
  await assert.rejects(async () => await sink(event(1)), /disk full/);
});

/** A writer whose writes finish only when `release()` is called; it counts writes in flight. */
function heldWriter(): Writer & { release(): void; inFlight: number; most: number; bytes: number } {
  const waiting: (() => void)[] = [];
  const w = {
    inFlight: 0,
    most: 0,
    bytes: 0,
    write(p: Uint8Array) {
      w.inFlight++;
      w.most = Math.max(w.most, w.inFlight);
      return new Promise<number>((resolve) =>
        waiting.push(() => {
          w.inFlight--;
          w.bytes += p.length;
          resolve(p.length);
        })
      );
    },
    release: () => waiting.shift()?.(),
  };
  return w;
}

Deno.test("getNdjsonSink() keeps one write in flight and waits only when both buffers are taken", async () => {
  const writer = heldWriter();
  const line = JSON.stringify(event(1)).length + 1;
  const sink = getNdjsonSink(writer, { bufferSize: line * 2 });
  // Two lines fill the first buffer; the third finds no room, starts its write and goes to the
  // second buffer, which the fourth fills.
  for (let i = 1; i <= 4; i++) assert.equal(sink(event(i)), undefined, `event ${i}`);
  assert.equal(writer.inFlight, 1);
  // The fifth has no room: the sink asks the run to wait for the first write.
  const wait = sink(event(5));
  assert.ok(wait instanceof Promise);
  let waited = false;
  wait.then(() => waited = true);
  await Promise.resolve();
  assert.equal(waited, false);
  writer.release();
  await wait;
  assert.equal(writer.inFlight, 1);
  const flushed = sink.flush();
  for (let i = 0; i < 3; i++) {
    await new Promise((r) => setTimeout(r, 0));
    writer.release();
  }
  await flushed;
  assert.equal(writer.most, 1);
  assert.equal(writer.bytes, line * 5);
  assert.equal(sink.stats.sent, 5);
});

Deno.test("getNdjsonSink() writes exactly JSON.stringify(event) + newline per event, whatever the buffer and write sizes", async () => {
  const value = fc.oneof(
    fc.string({ unit: "grapheme", maxLength: 30 }),
    fc.string({ unit: "binary", maxLength: 30 }),
    fc.double(),
    fc.integer(),
    fc.boolean(),
    fc.constant(null),
  );
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.dictionary(fc.string({ maxLength: 8 }), value, { maxKeys: 6 }), {
        maxLength: 40,
      }),
      fc.integer({ min: 1, max: 300 }),
      fc.integer({ min: 1, max: 50 }),
      async (events, bufferSize, chunk) => {
        const writer = memoryWriter(chunk);
        const sink = getNdjsonSink(writer, { bufferSize });
        for (const e of events) {
          const r = sink(e as unknown as SimEvent);
          if (r) await r;
        }
        await sink.flush();
        assert.equal(writer.text(), events.map((e) => JSON.stringify(e) + "\n").join(""));
        assert.equal(sink.stats.sent, events.length);
        assert.equal(sink.stats.bytes, new TextEncoder().encode(writer.text()).length);
      },
    ),
  );
});

Deno.test("getNdjsonSink() throws a write error from the next flush, and counts only what was written", async () => {
  let calls = 0;
  const failing: Writer = {
    write: (p) =>
      ++calls === 1 ? Promise.reject(new Error("disk full")) : Promise.resolve(p.length),
  };
  const sink = getNdjsonSink(failing, { bufferSize: 1 << 20 });
  sink(event(1));
  await assert.rejects(() => sink.flush(), /disk full/);
  sink(event(2));
  await sink.flush();
  assert.deepEqual([sink.stats.received, sink.stats.sent], [2, 1]);
});
