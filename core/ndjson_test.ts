import assert from "node:assert/strict";
import fc from "fast-check";
import { ConfigError } from "./errors.ts";
import { type BadLine, readEvents, readLines } from "./ndjson.ts";
import { simEvents } from "../tests/_events.ts";

function stream(chunks: string[]): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return ReadableStream.from(chunks.map((c) => encoder.encode(c)));
}

function byteStream(chunks: Uint8Array[]): ReadableStream<Uint8Array> {
  return ReadableStream.from(chunks);
}

/** `bytes` cut at each of `cuts` (positions, in any order, repeats allowed). */
function cut(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const at = [0, ...cuts.map((c) => c % (bytes.length + 1)).sort((a, b) => a - b), bytes.length];
  return at.slice(1).map((end, i) => bytes.subarray(at[i], end));
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

Deno.test('readLines() joins a "\\r\\n" split between chunks and removes only the "\\r" before "\\n"', async () => {
  assert.deepEqual(await collect(readLines(stream(["a\r", "\nb\r\r\n", "c\rd\n", "e\r"]))), [
    "a",
    "b\r",
    "c\rd",
    "e\r",
  ]);
});

Deno.test("readLines() decodes a UTF-8 character split between chunks", async () => {
  const bytes = new TextEncoder().encode("é€😀\nü");
  for (let i = 1; i < bytes.length; i++) {
    for (let j = i; j < bytes.length; j++) {
      const chunks = [bytes.subarray(0, i), bytes.subarray(i, j), bytes.subarray(j)];
      assert.deepEqual(await collect(readLines(byteStream(chunks))), ["é€😀", "ü"]);
    }
  }
});

Deno.test("readLines() yields nothing for an empty input", async () => {
  assert.deepEqual(await collect(readLines(stream([]))), []);
  assert.deepEqual(await collect(readLines(stream(["", ""]))), []);
});

Deno.test("readLines() yields a long line split over many chunks whole", async () => {
  const long = "0123456789".repeat(100_000);
  const chunks = ["a\n" + long.slice(0, 7)];
  for (let i = 7; i < long.length; i += 1000) chunks.push(long.slice(i, i + 1000));
  chunks.push("\r\nb");
  const lines = await collect(readLines(stream(chunks)));
  assert.equal(lines.length, 3);
  assert.equal(lines[0], "a");
  assert.ok(lines[1] === long, "the long line comes out whole");
  assert.equal(lines[2], "b");
});

Deno.test("readLines() throws a ConfigError naming the line longer than maxLineLength", async () => {
  const read = (chunks: string[]) => collect(readLines(stream(chunks), { maxLineLength: 10 }));
  // Ten characters are allowed, with or without a "\r\n", split anywhere.
  const ten = "0123456789";
  assert.deepEqual(await read(["x\n", ten, "\r", "\n", ten]), ["x", ten, ten]);
  assert.deepEqual(await read(["01234", "56789\n012345", "6789\n0", "123456789"]), [ten, ten, ten]);
  const tooLong = /^line 2: longer than 10 characters; is this an NDJSON file\?$/;
  for (
    const chunks of [
      ["x\n0123", "4567", "89a", "\ny\n"],
      ["x\n", ten + "a\n"],
      ["x\n", ten + "\r\r\n"],
      ["x\n", ten, "a"],
      ["x\n", ten + "\r"],
    ]
  ) {
    await assert.rejects(read(chunks), (error) => {
      assert.ok(error instanceof ConfigError);
      assert.match(error.message, tooLong);
      return true;
    }, JSON.stringify(chunks));
  }
});

Deno.test("readLines() stops at the default limit of 16 MiB even if the line never ends", async () => {
  const chunk = new TextEncoder().encode("x".repeat(64 * 1024));
  let pulled = 0;
  const endless = new ReadableStream<Uint8Array>({
    pull(controller) {
      pulled++;
      controller.enqueue(chunk);
    },
  });
  await assert.rejects(collect(readLines(endless)), {
    name: "ConfigError",
    message: "line 1: longer than 16 MiB (16777216 characters); is this an NDJSON file?",
  });
  assert.ok(pulled < 16 * 17, `read ${pulled} chunks of 64 KiB`);
});

Deno.test('readLines() splits like String.prototype.split("\\n") however the bytes are chunked', async () => {
  const unit = fc.oneof(
    fc.constantFrom("\n", "\r", "\r\n", "a", "é", "€", "😀"),
    fc.string({ unit: "binary", maxLength: 1 }),
  );
  await fc.assert(
    fc.asyncProperty(
      fc.string({ unit, maxLength: 60 }),
      fc.array(fc.nat(), { maxLength: 12 }),
      async (text, cuts) => {
        const chunks = cut(new TextEncoder().encode(text), cuts);
        // A leading byte order mark is dropped by the decoder; the "\r" of a
        // last line without "\n" is kept.
        const parts = text.replace(/^\uFEFF/, "").split("\n");
        const last = parts.pop()!;
        const expected = [...parts.map((p) => p.replace(/\r$/, "")), ...(last ? [last] : [])];
        const read = (max: number) =>
          collect(readLines(byteStream(chunks), { maxLineLength: max }));
        // Exactly the longest line is allowed; one less, it is named.
        const longest = Math.max(0, ...expected.map((line) => line.length));
        assert.deepEqual(await read(longest), expected);
        if (longest > 0) {
          const n = expected.findIndex((line) => line.length === longest) + 1;
          await assert.rejects(read(longest - 1), (error) => {
            assert.ok(error instanceof ConfigError);
            assert.ok(error.message.startsWith(`line ${n}: `), error.message);
            return true;
          });
        }
      },
    ),
    { numRuns: 500 },
  );
});

Deno.test("readEvents() takes events, reports bad lines, and checks what unwrap makes of each", async () => {
  const events = simEvents(2);
  const lines = [
    JSON.stringify(events[0]),
    "",
    JSON.stringify({ wrapped: events[1] }),
    "{oops",
    JSON.stringify({ ...events[0], socPercent: 140 }),
  ];
  const bad: BadLine[] = [];
  assert.deepEqual(await collect(readEvents(lines, (b) => bad.push(b))), [events[0]]);
  assert.deepEqual(bad.map((b) => b.line), [3, 4, 5]);
  bad.length = 0;
  const unwrap = (value: unknown) =>
    value && typeof value === "object" && "wrapped" in value ? value.wrapped : value;
  assert.deepEqual(await collect(readEvents(lines, (b) => bad.push(b), { unwrap })), events);
  assert.deepEqual(bad.map((b) => b.line), [4, 5]);
  assert.match(bad[0].problem, /invalid JSON/);
  assert.match(bad[1].problem, /socPercent/);
});
