import assert from "node:assert/strict";
import { defaults } from "../data/mod.ts";
import type { SimEvent } from "./event.ts";
import { type BadLine, readEvents, readLines } from "./ndjson.ts";
import { Simulation } from "./simulation.ts";

function stream(chunks: string[]): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return ReadableStream.from(chunks.map((c) => encoder.encode(c)));
}

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

Deno.test("readLines() splits lines across chunk boundaries, with or without a final newline", async () => {
  assert.deepEqual(await collect(readLines(stream(["a\nb", "c\r\n", "\nd"]))), [
    "a",
    "bc",
    "",
    "d",
  ]);
  assert.deepEqual(await collect(readLines(stream(["x\n"]))), ["x"]);
});

Deno.test("readEvents() takes events and dead-letter entries and reports bad lines", async () => {
  const sim = new Simulation({ seed: 1, start: Date.UTC(2026, 0, 5), ...defaults });
  const events: SimEvent[] = [];
  while (events.length < 2) sim.step(events);
  const lines = [
    JSON.stringify(events[0]),
    "",
    JSON.stringify({ reason: "HTTP 500", attempts: 3, sink: "http", event: events[1] }),
    "{oops",
    JSON.stringify({ ...events[0], socPercent: 140 }),
  ];
  const bad: BadLine[] = [];
  const got = await collect(
    readEvents(lines, (b) => bad.push(b)),
  );
  assert.deepEqual(got, [events[0], events[1]]);
  assert.deepEqual(bad.map((b) => b.line), [4, 5]);
  assert.match(bad[0].problem, /invalid JSON/);
  assert.match(bad[1].problem, /socPercent/);
});
