import assert from "node:assert/strict";
import fc from "fast-check";
import type { SimEvent } from "../core/event.ts";
import {
  denoRotatingFileDriver,
  getRotatingFileSink,
  type RotatingFilePosition,
  tailDigest,
} from "./rotating_file.ts";
import { MemoryDriver } from "./_memory_file_driver.ts";
import { simEvents } from "../tests/_events.ts";
import { SinkError } from "../core/errors.ts";

const encoder = new TextEncoder();
const byteLength = (s: string) => encoder.encode(s).length;

/** A plain event whose JSON line (newline included) is `bytes` long. */
function sized(seq: number, bytes: number): SimEvent {
  const bare = byteLength(JSON.stringify({ seq, pad: "" })) + 1;
  assert.ok(bytes >= bare, `a line of ${bytes} bytes holds seq ${seq}`);
  return { seq, pad: "x".repeat(bytes - bare) } as unknown as SimEvent;
}

const lineOf = (event: SimEvent) => JSON.stringify(event) + "\n";
const seqs = (text: string) =>
  text.trimEnd().split("\n").filter(Boolean).map((l) => JSON.parse(l).seq);

/**
 * What the files should hold: lines go to the current file until the next would
 * take it past `maxBytes` (unless it is empty), then a new file starts. Returns
 * the contents by name, the newest `backups` old files kept.
 */
function expectedFiles(
  path: string,
  existing: string,
  lines: readonly string[],
  maxBytes: number,
  backups: number,
): Map<string, string> {
  const files = [existing];
  let size = byteLength(existing);
  for (const line of lines) {
    const n = byteLength(line);
    if (size > 0 && size + n > maxBytes) {
      files.push("");
      size = 0;
    }
    files[files.length - 1] += line;
    size += n;
  }
  const out = new Map<string, string>();
  out.set(path, files[files.length - 1]);
  for (let i = 1; i <= backups && i < files.length; i++) {
    out.set(`${path}.${i}`, files[files.length - 1 - i]);
  }
  return out;
}

/** Checks what holds for any rotation: sizes, whole lines, the number of backups. */
function assertRotationInvariants(
  files: Map<string, string>,
  path: string,
  maxBytes: number,
  backups: number,
): void {
  for (const [name, text] of files) {
    assert.ok(name === path || /\.\d+$/.test(name), `unexpected file ${name}`);
    if (name !== path) {
      const n = Number(name.slice(path.length + 1));
      assert.ok(n >= 1 && n <= backups, `${name} is within ${backups} backups`);
    }
    assert.ok(text === "" || text.endsWith("\n"), `${name} ends with a whole line`);
    const lines = text.split("\n").slice(0, -1);
    for (const line of lines) JSON.parse(line);
    assert.ok(
      byteLength(text) <= maxBytes || lines.length === 1,
      `${name} holds ${byteLength(text)} bytes in ${lines.length} lines, max ${maxBytes}`,
    );
  }
  assert.ok(files.size <= backups + 1);
}

Deno.test("getRotatingFileSink() writes each event as one JSON line, appending to an existing file", async () => {
  const old = '{"seq":0}\n';
  const driver = new MemoryDriver({ "out.ndjson": old });
  const events = simEvents(30);
  const sink = getRotatingFileSink("out.ndjson", { driver, bufferSize: 1000 });
  for (const event of events) await sink(event);
  await sink[Symbol.asyncDispose]();
  assert.deepEqual(driver.names(), ["out.ndjson"]);
  assert.equal(driver.text("out.ndjson"), old + events.map(lineOf).join(""));
  assert.equal(driver.openHandles, 0);
});

Deno.test("getRotatingFileSink() rotates before a write would take a file past maxBytes", async (t) => {
  await t.step("lines that do not fill a file", async () => {
    const driver = new MemoryDriver();
    const sink = getRotatingFileSink("out", { driver, maxBytes: 100, bufferSize: 0 });
    for (let seq = 1; seq <= 10; seq++) await sink(sized(seq, 30));
    await sink[Symbol.asyncDispose]();
    assert.deepEqual(driver.names(), ["out", "out.1", "out.2", "out.3"]);
    assert.deepEqual(seqs(driver.text("out.3")), [1, 2, 3]);
    assert.deepEqual(seqs(driver.text("out.2")), [4, 5, 6]);
    assert.deepEqual(seqs(driver.text("out.1")), [7, 8, 9]);
    assert.deepEqual(seqs(driver.text("out")), [10]);
    for (const name of driver.names()) assert.ok(byteLength(driver.text(name)) <= 100);
  });

  await t.step("lines that fill a file exactly", async () => {
    const driver = new MemoryDriver();
    const sink = getRotatingFileSink("out", { driver, maxBytes: 100, bufferSize: 0 });
    for (let seq = 1; seq <= 8; seq++) await sink(sized(seq, 25));
    await sink[Symbol.asyncDispose]();
    assert.deepEqual(driver.names(), ["out", "out.1"]);
    assert.equal(byteLength(driver.text("out.1")), 100);
    assert.equal(byteLength(driver.text("out")), 100);
  });

  await t.step("an existing file counts toward the first rotation", async () => {
    const driver = new MemoryDriver({ out: lineOf(sized(0, 80)) });
    const sink = getRotatingFileSink("out", { driver, maxBytes: 100, bufferSize: 0 });
    await sink(sized(1, 30));
    await sink[Symbol.asyncDispose]();
    assert.deepEqual(seqs(driver.text("out.1")), [0]);
    assert.deepEqual(seqs(driver.text("out")), [1]);
  });

  await t.step("bytes are UTF-8 bytes, not string length", async () => {
    const driver = new MemoryDriver();
    const sink = getRotatingFileSink("out", { driver, maxBytes: 40, bufferSize: 0 });
    // 9 characters of 3 bytes each: `{"name":"€€€€€€€€€"}\n` is 39 bytes but 21 characters.
    const euro = { name: "€".repeat(9) } as unknown as SimEvent;
    await sink(euro);
    await sink(euro);
    await sink[Symbol.asyncDispose]();
    assert.deepEqual(driver.names(), ["out", "out.1"]);
    assert.equal(byteLength(driver.text("out.1")), 39);
  });
});

Deno.test("getRotatingFileSink() puts a line longer than maxBytes alone into a file", async () => {
  const driver = new MemoryDriver();
  const sink = getRotatingFileSink("out", { driver, maxBytes: 100, bufferSize: 0 });
  await sink(sized(1, 20));
  await sink(sized(2, 150));
  await sink(sized(3, 20));
  await sink(sized(4, 250));
  await sink[Symbol.asyncDispose]();
  assert.deepEqual(seqs(driver.text("out.3")), [1]);
  assert.deepEqual(seqs(driver.text("out.2")), [2]);
  assert.deepEqual(seqs(driver.text("out.1")), [3]);
  assert.deepEqual(seqs(driver.text("out")), [4]);
  assert.equal(byteLength(driver.text("out.2")), 150);
});

Deno.test("getRotatingFileSink() keeps at most `backups` rotated files, dropping the oldest", async (t) => {
  await t.step("backups: 2", async () => {
    const driver = new MemoryDriver();
    const sink = getRotatingFileSink("out", { driver, maxBytes: 60, backups: 2, bufferSize: 0 });
    for (let seq = 1; seq <= 10; seq++) {
      await sink(sized(seq, 30));
      assert.ok(driver.names().length <= 3);
    }
    await sink[Symbol.asyncDispose]();
    assert.deepEqual(driver.names(), ["out", "out.1", "out.2"]);
    assert.deepEqual(seqs(driver.allText("out")), [5, 6, 7, 8, 9, 10]);
  });

  await t.step("backups left by an earlier run shift up, the oldest dropped", async () => {
    const driver = new MemoryDriver({
      out: lineOf(sized(3, 30)),
      "out.1": lineOf(sized(2, 30)),
      "out.2": lineOf(sized(1, 30)),
    });
    const sink = getRotatingFileSink("out", { driver, maxBytes: 30, backups: 2, bufferSize: 0 });
    await sink(sized(4, 30));
    await sink[Symbol.asyncDispose]();
    assert.deepEqual(driver.names(), ["out", "out.1", "out.2"]);
    assert.deepEqual(seqs(driver.text("out.2")), [2]);
    assert.deepEqual(seqs(driver.text("out.1")), [3]);
    assert.deepEqual(seqs(driver.text("out")), [4]);
  });

  await t.step("backups: 0 replaces a full file", async () => {
    const driver = new MemoryDriver();
    const sink = getRotatingFileSink("out", { driver, maxBytes: 60, backups: 0, bufferSize: 0 });
    for (let seq = 1; seq <= 5; seq++) await sink(sized(seq, 30));
    await sink[Symbol.asyncDispose]();
    assert.deepEqual(driver.names(), ["out"]);
    assert.deepEqual(seqs(driver.text("out")), [5]);
  });
});

Deno.test("getRotatingFileSink() counts buffered bytes when it decides to rotate", async () => {
  const driver = new MemoryDriver();
  const sink = getRotatingFileSink("out", { driver, maxBytes: 100, bufferSize: 1 << 20 });
  await sink(sized(1, 30)); // opens the file
  assert.equal(sink(sized(2, 30)), undefined);
  assert.equal(sink(sized(3, 30)), undefined);
  assert.equal(driver.writes, 0);
  // 90 bytes are buffered: the 4th line starts a new file, so the first three are written now.
  const rotating = sink(sized(4, 30));
  assert.ok(rotating instanceof Promise);
  await rotating;
  assert.equal(driver.writes, 1);
  assert.deepEqual(seqs(driver.text("out.1")), [1, 2, 3]);
  assert.equal(driver.text("out"), "");
  await sink[Symbol.asyncDispose]();
  assert.deepEqual(seqs(driver.text("out")), [4]);
});

Deno.test("getRotatingFileSink() returns a promise only while it opens or writes", async (t) => {
  await t.step("the fast path is synchronous and a full buffer waits for its write", async () => {
    const driver = new MemoryDriver();
    driver.slow = true;
    const sink = getRotatingFileSink("out", { driver, bufferSize: 100 });
    const opening = sink(sized(1, 40));
    assert.ok(opening instanceof Promise);
    await opening;
    assert.equal(sink(sized(2, 40)), undefined);
    const writing = sink(sized(3, 40)); // 120 bytes gathered
    assert.ok(writing instanceof Promise);
    assert.equal(driver.writes, 0);
    await writing;
    assert.equal(driver.writes, 1);
    assert.deepEqual(seqs(driver.text("out")), [1, 2, 3]);
    assert.equal(sink(sized(4, 40)), undefined);
    await sink[Symbol.asyncDispose]();
  });

  await t.step("events given without waiting are written in order", async () => {
    const driver = new MemoryDriver();
    driver.slow = true;
    const sink = getRotatingFileSink("out", { driver, maxBytes: 200, backups: 20, bufferSize: 50 });
    const waits = [];
    for (let seq = 1; seq <= 40; seq++) waits.push(sink(sized(seq, 30 + (seq % 7) * 10)));
    await Promise.all(waits);
    await sink[Symbol.asyncDispose]();
    assert.ok(driver.names().length > 10);
    assert.deepEqual(seqs(driver.allText("out")), Array.from({ length: 40 }, (_, i) => i + 1));
  });
});

Deno.test("getRotatingFileSink() flush() writes what is buffered", async () => {
  const driver = new MemoryDriver();
  const sink = getRotatingFileSink("out", { driver, bufferSize: 1 << 20 });
  await sink.flush(); // nothing to write, nothing opened
  assert.deepEqual(driver.names(), []);
  await sink(sized(1, 30));
  assert.equal(sink(sized(2, 30)), undefined);
  assert.equal(driver.text("out"), "");
  await sink.flush();
  assert.deepEqual(seqs(driver.text("out")), [1, 2]);
  assert.equal(driver.writes, 1);
  await sink.flush();
  assert.equal(driver.writes, 1);
  await sink[Symbol.asyncDispose]();
});

/** The position `driver` holds for `name` at its current size. */
async function positionOf(driver: MemoryDriver, name: string, file = 0) {
  const size = await driver.size(name);
  return { file, size, tail: await tailDigest(driver, name, size) };
}

Deno.test("getRotatingFileSink() checkpoint() writes the buffer, syncs it, then reports the position", async (t) => {
  await t.step("the current file", async () => {
    const driver = new MemoryDriver();
    const reported: (RotatingFilePosition | undefined)[] = [];
    const sink = getRotatingFileSink("out", {
      driver,
      bufferSize: 1 << 20,
      onPosition: (p) => {
        // Reported only once the bytes are durable.
        if (p) assert.equal(driver.synced("out"), p.size);
        reported.push(p);
      },
    });
    await sink(sized(1, 30));
    assert.equal(sink(sized(2, 30)), undefined);
    await sink.checkpoint();
    assert.deepEqual(seqs(driver.text("out")), [1, 2]);
    assert.deepEqual(reported, [await positionOf(driver, "out")]);
    assert.equal(reported[0]!.size, 60);
    await sink(sized(3, 30));
    await sink[Symbol.asyncDispose]();
    assert.deepEqual(reported.at(-1), await positionOf(driver, "out"));
    assert.equal(reported.at(-1)!.size, 90);
    assert.equal(driver.synced("out"), 90);
  });

  await t.step("the tail digests the last 4 KiB of a longer file", async () => {
    const driver = new MemoryDriver({ out: "x".repeat(10_000) });
    let reported: RotatingFilePosition | undefined;
    const sink = getRotatingFileSink("out", { driver, onPosition: (p) => reported = p });
    await sink.checkpoint();
    await sink[Symbol.asyncDispose]();
    const digest = new Uint8Array(
      await crypto.subtle.digest("SHA-256", encoder.encode("x".repeat(4096))),
    );
    const hex = Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
    assert.deepEqual(reported, { file: 0, size: 10_000, tail: hex });
  });

  await t.step("after rotations, every rotated file was synced before it was renamed", async () => {
    const driver = new MemoryDriver();
    let reported: RotatingFilePosition | undefined;
    const sink = getRotatingFileSink("out", {
      driver,
      maxBytes: 100,
      backups: 5,
      bufferSize: 1 << 20,
      onPosition: (p) => reported = p,
    });
    for (let seq = 1; seq <= 10; seq++) await sink(sized(seq, 30));
    await sink.checkpoint();
    assert.deepEqual(driver.names(), ["out", "out.1", "out.2", "out.3"]);
    for (const name of driver.names()) {
      assert.equal(driver.synced(name), byteLength(driver.text(name)), `${name} is synced`);
    }
    assert.deepEqual(reported, await positionOf(driver, "out"));
    await sink[Symbol.asyncDispose]();
  });

  await t.step("an empty file: the newest backup with bytes, or nothing", async () => {
    const driver = new MemoryDriver({ out: "", "out.1": "", "out.2": '{"old":1}\n' });
    let reported: RotatingFilePosition | undefined;
    const sink = getRotatingFileSink("out", { driver, onPosition: (p) => reported = p });
    await sink.checkpoint();
    assert.deepEqual(reported, await positionOf(driver, "out.2", 2));
    await sink[Symbol.asyncDispose]();

    const fresh = new MemoryDriver();
    const other = getRotatingFileSink("out", { driver: fresh, onPosition: (p) => reported = p });
    await other.checkpoint();
    assert.deepEqual(reported, await positionOf(fresh, "out"));
    assert.equal(reported!.size, 0);
    await other[Symbol.asyncDispose]();
  });

  await t.step("a failure reports no position and rejects, naming the path", async () => {
    const driver = new MemoryDriver();
    const reported: (RotatingFilePosition | undefined)[] = [];
    const sink = getRotatingFileSink("out", {
      driver,
      bufferSize: 1 << 20,
      onPosition: (p) => reported.push(p),
    });
    await sink(sized(1, 30));
    await sink.checkpoint();
    driver.failWrites = new Error("disk full");
    sink(sized(2, 30));
    await assert.rejects(() => sink.checkpoint(), {
      message: "out: cannot write 1 events: disk full",
    });
    assert.equal(reported.length, 2);
    assert.equal(reported[1], undefined);
    await sink(sized(3, 30));
    await assert.rejects(async () => await sink[Symbol.asyncDispose](), /disk full/);
    assert.equal(reported.at(-1), undefined);
    assert.equal(sink.stats.errors, 2);
  });

  await t.step("without onPosition, closing does not sync", async () => {
    const driver = new MemoryDriver();
    const sink = getRotatingFileSink("out", { driver });
    await sink(sized(1, 30));
    await sink[Symbol.asyncDispose]();
    assert.equal(driver.syncs, 0);
  });
});

Deno.test("getRotatingFileSink() on dispose writes the buffer, closes the file and ignores later events", async (t) => {
  await t.step("await using", async () => {
    const driver = new MemoryDriver();
    const events = simEvents(5);
    let sink;
    {
      await using s = getRotatingFileSink("out", { driver });
      sink = s;
      for (const event of events) await s(event);
      assert.equal(driver.text("out"), "");
      assert.equal(driver.openHandles, 1);
    }
    assert.equal(driver.openHandles, 0);
    assert.equal(driver.text("out"), events.map(lineOf).join(""));
    assert.equal(sink(events[0]), undefined);
    await sink.flush();
    await sink[Symbol.asyncDispose](); // a second dispose does nothing
    assert.equal(driver.text("out"), events.map(lineOf).join(""));
    assert.equal(sink.stats.received, 5);
  });

  await t.step("events queued before dispose are written", async () => {
    const driver = new MemoryDriver();
    driver.slow = true;
    const sink = getRotatingFileSink("out", { driver, bufferSize: 0 });
    const waits = [sink(sized(1, 30)), sink(sized(2, 30))];
    const closing = sink[Symbol.asyncDispose]();
    assert.equal(sink(sized(3, 30)), undefined);
    await Promise.all([...waits, closing]);
    assert.deepEqual(seqs(driver.text("out")), [1, 2]);
    assert.equal(driver.openHandles, 0);
  });

  await t.step("the file exists even when no event came", async () => {
    const driver = new MemoryDriver();
    await getRotatingFileSink("out", { driver })[Symbol.asyncDispose]();
    assert.equal(driver.text("out"), "");
    assert.equal(driver.openHandles, 0);
  });
});

Deno.test("getRotatingFileSink() counts events received, sent and bytes written", async () => {
  const driver = new MemoryDriver();
  const events = simEvents(20);
  const sink = getRotatingFileSink("logs/out.ndjson", {
    driver,
    maxBytes: 4000,
    bufferSize: 1 << 20,
  });
  assert.equal(sink.stats.name, "file logs/out.ndjson");
  for (const event of events) await sink(event);
  assert.equal(sink.stats.received, 20);
  assert.ok(sink.stats.sent < 20, "some events are still buffered");
  await sink[Symbol.asyncDispose]();
  const bytes = byteLength(events.map(lineOf).join(""));
  assert.deepEqual(
    { ...sink.stats, latency: undefined },
    { ...sink.stats, latency: undefined, received: 20, sent: 20, bytes, errors: 0 },
  );
  const onDisk = driver.names().reduce((n, name) => n + byteLength(driver.text(name)), 0);
  assert.equal(onDisk, bytes);
});

Deno.test("getRotatingFileSink() reports failures with the path and carries on", async (t) => {
  await t.step("a failed write", async () => {
    const driver = new MemoryDriver();
    const sink = getRotatingFileSink("logs/out.ndjson", { driver, bufferSize: 0 });
    await sink(sized(1, 30));
    driver.failWrites = new Error("disk full");
    await assert.rejects(
      async () => await sink(sized(2, 30)),
      (error: Error) => {
        assert.equal(error.message, "logs/out.ndjson: cannot write 1 events: disk full");
        assert.equal((error.cause as Error).message, "disk full");
        return true;
      },
    );
    assert.equal(sink.stats.errors, 1);
    assert.equal(driver.openHandles, 0, "the file is closed after a failed write");
    driver.failWrites = undefined;
    await sink(sized(3, 30));
    await sink[Symbol.asyncDispose]();
    assert.deepEqual(seqs(driver.text("logs/out.ndjson")), [1, 3]);
    assert.equal(sink.stats.sent, 2);
    assert.equal(driver.openHandles, 0);
  });

  await t.step("a failed open", async () => {
    const driver = new MemoryDriver();
    driver.failOpens = new Error("permission denied");
    const sink = getRotatingFileSink("logs/out.ndjson", { driver });
    await assert.rejects(
      async () => await sink(sized(1, 30)),
      { message: "logs/out.ndjson: cannot open for appending: permission denied" },
    );
    await assert.rejects(
      async () => await sink[Symbol.asyncDispose](),
      /logs\/out\.ndjson: cannot open/,
    );
    assert.equal(sink.stats.errors, 2);
  });

  await t.step("a failed rotation", async () => {
    const driver = new MemoryDriver();
    const sink = getRotatingFileSink("out", { driver, maxBytes: 50, bufferSize: 0 });
    await sink(sized(1, 30));
    driver.failOpens = new Error("too many open files");
    await assert.rejects(
      async () => await sink(sized(2, 30)),
      { message: "out: cannot rotate: too many open files" },
    );
    driver.failOpens = undefined;
    await sink(sized(3, 30));
    await sink[Symbol.asyncDispose]();
    assert.deepEqual(seqs(driver.text("out.1")), [1]);
    assert.deepEqual(seqs(driver.text("out")), [3]);
    assert.equal(driver.openHandles, 0);
  });
});

Deno.test("getRotatingFileSink() rejects invalid options, naming the path", () => {
  const driver = new MemoryDriver();
  assert.throws(() => getRotatingFileSink("out.ndjson", { driver, maxBytes: 0 }), {
    name: "RangeError",
    message: "getRotatingFileSink(out.ndjson): maxBytes must be an integer of at least 1, got 0",
  });
  assert.throws(() => getRotatingFileSink("out.ndjson", { driver, backups: -1 }), /backups/);
  assert.throws(() => getRotatingFileSink("out.ndjson", { driver, bufferSize: 1.5 }), /bufferSize/);
  assert.deepEqual(driver.names(), []);
});

Deno.test("getRotatingFileSink() keeps sizes, whole lines, backups and order for any lines", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.record({
        existing: fc.array(fc.string({ maxLength: 20 }), { maxLength: 3 }),
        lines: fc.array(
          fc.record({ pad: fc.string({ unit: "binary", maxLength: 80 }), flush: fc.boolean() }),
          { maxLength: 60 },
        ),
        maxBytes: fc.integer({ min: 1, max: 300 }),
        backups: fc.integer({ min: 0, max: 4 }),
        bufferSize: fc.integer({ min: 0, max: 400 }),
        slow: fc.boolean(),
      }),
      async ({ existing, lines, maxBytes, backups, bufferSize, slow }) => {
        // A file left by an earlier run, within maxBytes (the sink only rotates before a write).
        let old = "";
        for (const s of existing) {
          const line = JSON.stringify({ old: s }) + "\n";
          if (byteLength(old + line) <= maxBytes) old += line;
        }
        const driver = new MemoryDriver(old ? { out: old } : {});
        driver.slow = slow;
        const sink = getRotatingFileSink("out", { driver, maxBytes, backups, bufferSize });
        const events = lines.map(({ pad }, i) => ({ seq: i + 1, pad }) as unknown as SimEvent);
        for (let i = 0; i < events.length; i++) {
          await sink(events[i]);
          if (lines[i].flush) await sink.flush();
        }
        await sink[Symbol.asyncDispose]();

        const files = driver.contents();
        assertRotationInvariants(files, "out", maxBytes, backups);
        assert.deepEqual(files, expectedFiles("out", old, events.map(lineOf), maxBytes, backups));
        assert.equal(driver.openHandles, 0);
        assert.equal(sink.stats.received, events.length);
        assert.equal(sink.stats.sent, events.length);
        assert.equal(sink.stats.bytes, byteLength(events.map(lineOf).join("")));
        assert.equal(sink.stats.errors, 0);
      },
    ),
    { numRuns: 300 },
  );
});

Deno.test("getRotatingFileSink() writeLines() puts lines encoded elsewhere where the same events one by one go", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.record({
        old: fc.integer({ min: 0, max: 200 }),
        groups: fc.array(
          fc.record({
            pads: fc.array(fc.string({ unit: "binary", maxLength: 80 }), { maxLength: 12 }),
            asLines: fc.boolean(),
          }),
          { maxLength: 12 },
        ),
        maxBytes: fc.integer({ min: 1, max: 600 }),
        backups: fc.integer({ min: 0, max: 4 }),
        bufferSize: fc.integer({ min: 0, max: 400 }),
        slow: fc.boolean(),
      }),
      async ({ old, groups, maxBytes, backups, bufferSize, slow }) => {
        // A file left by an earlier run, within maxBytes (the sink only rotates before a write).
        const start = old >= 20 && old <= maxBytes ? lineOf(sized(0, old)) : "";
        const driver = new MemoryDriver(start ? { out: start } : {});
        driver.slow = slow;
        const sink = getRotatingFileSink("out", { driver, maxBytes, backups, bufferSize });
        const events: SimEvent[] = [];
        for (const { pads, asLines } of groups) {
          const group = pads.map((pad) => ({ seq: events.length + 1, pad }) as unknown as SimEvent);
          events.push(...group);
          if (!asLines) {
            for (const event of group) await sink(event);
            continue;
          }
          const bytes = encoder.encode(group.map(lineOf).join(""));
          await sink.writeLines(bytes, group.length);
          // The sink no longer needs them once it has resolved.
          bytes.fill(0);
        }
        await sink[Symbol.asyncDispose]();
        const lines = events.map(lineOf);
        assert.deepEqual(driver.contents(), expectedFiles("out", start, lines, maxBytes, backups));
        assert.equal(driver.openHandles, 0);
        assert.equal(sink.stats.received, events.length);
        assert.equal(sink.stats.sent, events.length);
        assert.equal(sink.stats.bytes, byteLength(lines.join("")));
      },
    ),
    { numRuns: 300 },
  );
});

Deno.test("getRotatingFileSink() with the Deno driver rotates files on disk", async (t) => {
  const dir = await Deno.makeTempDir({ prefix: "evsim_rotating_file_test_" });
  try {
    await t.step("appends, rotates and keeps the newest backups", async () => {
      const path = `${dir}/events.ndjson`;
      const old = lineOf(sized(0, 200));
      await Deno.writeTextFile(path, old);
      const events = simEvents(40);
      const maxBytes = 2000;
      const sink = getRotatingFileSink(path, { maxBytes, backups: 2, bufferSize: 700 });
      for (const event of events) await sink(event);
      await sink[Symbol.asyncDispose]();

      const files = new Map<string, string>();
      for await (const entry of Deno.readDir(dir)) {
        files.set(`${dir}/${entry.name}`, await Deno.readTextFile(`${dir}/${entry.name}`));
      }
      assert.deepEqual([...files.keys()].sort(), [path, `${path}.1`, `${path}.2`]);
      assertRotationInvariants(files, path, maxBytes, 2);
      assert.deepEqual(files, expectedFiles(path, old, events.map(lineOf), maxBytes, 2));
      for (const [name, text] of files) {
        assert.equal((await Deno.stat(name)).size, byteLength(text));
      }
      const kept = [`${path}.2`, `${path}.1`, path].map((name) => files.get(name)).join("");
      assert.ok(events.map(lineOf).join("").endsWith(kept));
    });

    await t.step("creates a missing folder", async () => {
      const path = `${dir}/missing/deeper/events.ndjson`;
      const sink = getRotatingFileSink(path);
      await sink(sized(1, 30));
      await sink[Symbol.asyncDispose]();
      assert.equal((await Deno.readTextFile(path)).split("\n").length, 2);
    });

    await t.step("names the path when it cannot open the file", async () => {
      await Deno.writeTextFile(`${dir}/blocker`, "a file, not a folder");
      const path = `${dir}/blocker/events.ndjson`;
      const sink = getRotatingFileSink(path);
      await assert.rejects(
        async () => await sink(sized(1, 30)),
        (error: Error) => {
          assert.ok(error instanceof SinkError);
          assert.ok(error.message.startsWith(`${path}: cannot open for appending: `));
          return true;
        },
      );
      await assert.rejects(async () => await sink[Symbol.asyncDispose](), /cannot open/);
    });

    await t.step("the driver ignores missing files when renaming or removing", async () => {
      await denoRotatingFileDriver.rename(`${dir}/nothing`, `${dir}/nothing.1`);
      await denoRotatingFileDriver.remove(`${dir}/nothing`);
      assert.equal(await denoRotatingFileDriver.size(`${dir}/nothing`), 0);
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
