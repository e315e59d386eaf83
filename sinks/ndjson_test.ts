import assert from "node:assert/strict";
import type { SimEvent } from "../core/event.ts";
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
