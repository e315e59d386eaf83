import assert from "node:assert/strict";
import fc from "fast-check";
import { type LineChunk, mergeLines, META } from "./parallel_merge.ts";

interface Line {
  key: number;
  tie: number;
  event: Record<string, unknown>;
}

/** `lines` as a worker sends them: serialized with `seq` 0, in chunks of up to `per` events. */
function chunksOf(lines: readonly Line[], per: number): LineChunk[] {
  const encoder = new TextEncoder();
  const chunks: LineChunk[] = [];
  for (let from = 0; from < lines.length; from += per) {
    const part = lines.slice(from, from + per);
    const meta = new Float64Array(part.length * META);
    const texts: string[] = [];
    let used = 0;
    part.forEach((line, i) => {
      const text = JSON.stringify({ ...line.event, seq: 0 }) + "\n";
      meta.set([line.key, line.tie, used, used + text.indexOf(',"seq":0,') + 7], i * META);
      used += encoder.encode(text).length;
      texts.push(text);
    });
    chunks.push({ bytes: encoder.encode(texts.join("")), meta, count: part.length, used });
  }
  return chunks;
}

/** A lane over `chunks`, answering after a macrotask now and then, as a worker would. */
function lane(chunks: LineChunk[], returned: LineChunk[]) {
  let i = 0;
  return {
    next: async () => {
      if (i % 2 === 1) await new Promise((resolve) => setTimeout(resolve, 0));
      return chunks[i++];
    },
    done: (chunk: LineChunk) => void returned.push(chunk),
  };
}

// Events whose type comes first and seq second, as the engine's do, with text that
// is not ASCII after them.
const eventArb = fc.record({
  type: fc.constantFrom("session.updated", "charger.status", "session.started"),
  seq: fc.constant(0),
  name: fc.string({ unit: "grapheme", maxLength: 12 }),
  n: fc.integer(),
});

Deno.test("mergeLines writes every lane's lines in (key, charger) order, numbered from seq", async () => {
  await fc.assert(
    fc.asyncProperty(
      // Steps of chargers 0..9 at keys 0..30: (key, charger) unique, each with 1–3 events.
      fc.uniqueArray(
        fc.record({
          key: fc.integer({ min: 0, max: 30 }),
          tie: fc.integer({ min: 0, max: 9 }),
          events: fc.array(eventArb, { minLength: 1, maxLength: 3 }),
        }),
        { selector: (s) => `${s.key}/${s.tie}`, maxLength: 60 },
      ),
      fc.integer({ min: 1, max: 4 }),
      fc.integer({ min: 1, max: 5 }),
      fc.integer({ min: 0, max: 1_000 }),
      fc.integer({ min: 64, max: 2_000 }),
      async (steps, laneCount, per, seq, bufferSize) => {
        const ordered = steps.toSorted((a, b) => a.key - b.key || a.tie - b.tie);
        const lines = (s: typeof steps) =>
          s.flatMap(({ key, tie, events }) => events.map((event) => ({ key, tie, event })));
        // Each charger's steps go to one lane, in order.
        const lanes = Array.from(
          { length: laneCount },
          (_, l) => chunksOf(lines(ordered.filter((s) => s.tie % laneCount === l)), per),
        );
        const returned: LineChunk[] = [];
        const written: Uint8Array[] = [];
        let writtenLines = 0;
        const count = await mergeLines(
          lanes.map((chunks) => lane(chunks, returned)),
          (bytes, n) => {
            written.push(bytes.slice());
            writtenLines += n;
          },
          { seq, bufferSize },
        );
        const expected = lines(ordered).map((l, i) =>
          JSON.stringify({ ...l.event, seq: seq + i + 1 }) + "\n"
        );
        assert.equal(count, expected.length);
        assert.equal(writtenLines, expected.length);
        const text = new TextDecoder().decode(new Uint8Array(written.flatMap((b) => [...b])));
        assert.equal(text, expected.join(""));
        assert.equal(returned.length, lanes.flat().length);
      },
    ),
  );
});

Deno.test("mergeLines stops after the current event once its signal aborts", async () => {
  const lines = Array.from({ length: 5_000 }, (_, i) => ({
    key: i,
    tie: 0,
    event: { type: "session.updated", seq: 0, i },
  }));
  const controller = new AbortController();
  let events = 0;
  const count = await mergeLines([lane(chunksOf(lines, 500), [])], (_bytes, n) => {
    events += n;
  }, {
    seq: 0,
    signal: controller.signal,
    onProgress: (_key, n) => n >= 2_048 && controller.abort(),
  });
  assert.equal(count, 2_048);
  assert.equal(events, 2_048);
});
