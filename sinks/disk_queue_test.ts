import assert from "node:assert/strict";
import { configure, type LogRecord, reset } from "@logtape/logtape";
import fc from "fast-check";
import type { SimEvent } from "../core/event.ts";
import { ConfigError, SinkError } from "../core/errors.ts";
import { simEvents } from "../tests/_events.ts";
import {
  type DiskQueue,
  type DiskQueueOptions,
  openDiskQueue,
  type QueuedBatch,
  RECORD_HEADER_BYTES,
} from "./disk_queue.ts";

const EVENTS = simEvents(200);
const CHILD = new URL("../tests/_disk_queue_child.ts", import.meta.url).pathname;
const ROOT = new URL("..", import.meta.url).pathname;

/** Batch `n` of `size` real events, each `eventId` saying where it belongs: `bN-J`. */
function batch(n: number, size = 1 + n % 4): SimEvent[] {
  return Array.from({ length: size }, (_, j) => ({
    ...EVENTS[(n * 7 + j) % EVENTS.length],
    eventId: `b${n}-${j}`,
  }));
}

/** The number of the batch that `events` is. */
function numberOf(events: readonly SimEvent[]): number {
  return Number(/^b(\d+)-/.exec(events[0].eventId)![1]);
}

/** A fresh folder for a test, deleted afterwards. */
async function withFolder(run: (folder: string) => Promise<void>) {
  const folder = await Deno.makeTempDir({ prefix: "evsim-disk-queue-" });
  try {
    await run(`${folder}/queue`);
  } finally {
    await Deno.remove(folder, { recursive: true });
  }
}

/** Every batch `queue` hands out from now on, acknowledging none. */
async function drain(queue: DiskQueue): Promise<QueuedBatch[]> {
  const out: QueuedBatch[] = [];
  for (let got = await queue.next(); got; got = await queue.next()) out.push(got);
  return out;
}

/** The segment files in `folder` with their sizes, oldest first. */
async function segments(folder: string): Promise<{ name: string; size: number }[]> {
  const out: { name: string; size: number }[] = [];
  for await (const entry of Deno.readDir(folder)) {
    if (!entry.name.endsWith(".seg")) continue;
    try {
      out.push({ name: entry.name, size: (await Deno.stat(`${folder}/${entry.name}`)).size });
    } catch (error) {
      // Deleted meanwhile.
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

/** Runs `body` with the disk queue's log records collected. */
async function withLog(body: (records: LogRecord[]) => Promise<void>) {
  const records: LogRecord[] = [];
  await configure({
    sinks: { memory: (record) => records.push(record) },
    loggers: [
      { category: ["evsim", "sink", "disk-queue"], lowestLevel: "info", sinks: ["memory"] },
      { category: ["logtape", "meta"], lowestLevel: "warning", sinks: [] },
    ],
  });
  try {
    await body(records);
  } finally {
    await reset();
  }
}

const OPTIONS: DiskQueueOptions = { maxBytes: 1 << 24 };

Deno.test("openDiskQueue() hands batches out in append order, and after a reopen the unacknowledged ones again", async () => {
  await withFolder(async (folder) => {
    {
      await using queue = await openDiskQueue(folder, OPTIONS);
      for (let n = 0; n < 10; n++) await queue.append(batch(n));
      assert.equal(queue.batches, 10);
      assert.equal(
        queue.events,
        Array.from({ length: 10 }, (_, n) => batch(n).length).reduce((a, b) => a + b),
      );
      const first = [];
      for (let i = 0; i < 4; i++) first.push((await queue.next())!);
      assert.deepEqual(first.map((b) => numberOf(b.events)), [0, 1, 2, 3]);
      assert.deepEqual(first[2].events, batch(2));
      queue.ack(first[1].id);
      queue.ack(first[3].id);
      queue.ack(first[3].id); // twice: ignored
      assert.equal(queue.batches, 8);
    }
    {
      await using queue = await openDiskQueue(folder, OPTIONS);
      assert.equal(queue.batches, 8);
      const again = await drain(queue);
      assert.deepEqual(again.map((b) => numberOf(b.events)), [0, 2, 4, 5, 6, 7, 8, 9]);
      for (const got of again) assert.deepEqual(got.events, batch(numberOf(got.events)));
      // IDs keep increasing across processes.
      await queue.append(batch(10));
      const last = (await queue.next())!;
      assert.ok(last.id > Math.max(...again.map((b) => b.id)));
      assert.equal(await queue.next(), undefined);
    }
  });
});

Deno.test("openDiskQueue() hands out the same batches from its memory cache and from disk", async () => {
  await withFolder(async (folder) => {
    for (const cacheBytes of [0, 1 << 20]) {
      await using queue = await openDiskQueue(`${folder}/${cacheBytes}`, {
        ...OPTIONS,
        cacheBytes,
      });
      for (let n = 0; n < 50; n++) {
        await queue.append(batch(n));
        if (n % 3 === 0) {
          const got = (await queue.next())!;
          assert.deepEqual(got.events, batch(numberOf(got.events)));
          queue.ack(got.id);
        }
      }
      const rest = await drain(queue);
      assert.deepEqual(
        rest.map((b) => numberOf(b.events)),
        Array.from({ length: 50 }, (_, n) => n).slice(17),
      );
      for (const got of rest) assert.deepEqual(got.events, batch(numberOf(got.events)));
    }
  });
});

Deno.test("openDiskQueue() drops a torn or corrupt last record with a warning and keeps the rest", async (t) => {
  // Where the last record is damaged: bytes cut off its end, or one byte changed.
  const damages: { name: string; damage: (bytes: Uint8Array, last: number) => Uint8Array }[] = [
    { name: "one byte cut off", damage: (b) => b.subarray(0, b.length - 1) },
    {
      name: "cut in the payload",
      damage: (b, last) => b.subarray(0, last + RECORD_HEADER_BYTES + 5),
    },
    { name: "cut in the header", damage: (b, last) => b.subarray(0, last + 7) },
    { name: "only the length written", damage: (b, last) => b.subarray(0, last + 4) },
    {
      name: "a payload byte changed",
      damage: (b, last) => {
        const copy = b.slice();
        copy[last + RECORD_HEADER_BYTES + 3] ^= 0x20;
        return copy;
      },
    },
    {
      name: "zeros instead of the record",
      damage: (b, last) => {
        const copy = b.slice();
        copy.fill(0, last);
        return copy;
      },
    },
  ];
  for (const { name, damage } of damages) {
    await t.step(name, async () => {
      await withFolder(async (folder) => {
        {
          await using queue = await openDiskQueue(folder, OPTIONS);
          for (let n = 0; n < 4; n++) await queue.append(batch(n));
        }
        const [segment] = await segments(folder);
        const path = `${folder}/${segment.name}`;
        const bytes = await Deno.readFile(path);
        const last = bytes.length - (RECORD_HEADER_BYTES + JSON.stringify(batch(3)).length);
        await Deno.writeFile(path, damage(bytes, last));
        await withLog(async (records) => {
          {
            await using queue = await openDiskQueue(folder, OPTIONS);
            assert.equal(queue.batches, 3);
            assert.deepEqual(
              (await drain(queue)).map((b) => b.events),
              [0, 1, 2].map((n) => batch(n)),
            );
            // The queue goes on after the damaged record.
            await queue.append(batch(4));
            assert.deepEqual((await queue.next())?.events, batch(4));
          }
          const warning = records.find((r) => r.level === "warning");
          assert.ok(warning, "a warning was logged");
          assert.equal(warning.properties.path, path);
          assert.equal(warning.properties.offset, last);
          assert.equal(
            (await Deno.stat(path)).size,
            last,
            "the damaged record is gone from the file",
          );
          await using queue = await openDiskQueue(folder, OPTIONS);
          assert.deepEqual((await drain(queue)).map((b) => numberOf(b.events)), [0, 1, 2, 4]);
        });
      });
    });
  }
});

Deno.test("ack() in any order deletes each full segment once all its batches are acknowledged", async () => {
  await withFolder(async (folder) => {
    const big = batch(0, 10);
    const recordBytes = RECORD_HEADER_BYTES + JSON.stringify(big).length;
    // Three records to a segment.
    const queue = await openDiskQueue(folder, {
      maxBytes: 1 << 24,
      segmentBytes: 8 + recordBytes * 3,
    });
    const names = async () => (await segments(folder)).map((s) => s.name);
    try {
      // The same events each time, so that every record has the same size.
      for (let n = 0; n < 9; n++) {
        await queue.append(big.map((e, j) => ({ ...e, eventId: `b${n}-${j}` })));
      }
      const [first, second, third] = await names();
      assert.equal((await names()).length, 3);
      assert.equal(queue.diskBytes, (await segments(folder)).reduce((a, s) => a + s.size, 0));
      const ids = (await drain(queue)).map((b) => b.id);
      // The second segment's batches first, the last of them last.
      for (const i of [3, 5]) queue.ack(ids[i]);
      await queue.sync();
      assert.deepEqual(await names(), [first, second, third]);
      queue.ack(ids[4]);
      await queue.sync();
      assert.deepEqual(await names(), [first, third]);
      // The third is still the one appended to: emptied, it stays until it is full or closed.
      for (const i of [8, 7, 6, 2, 1]) queue.ack(ids[i]);
      await queue.sync();
      assert.deepEqual(await names(), [first, third]);
      assert.equal(queue.batches, 1);
      assert.equal(queue.events, 10);
      queue.ack(ids[0]);
      await queue.sync();
      assert.deepEqual(await names(), [third]);
      assert.equal(queue.bytes, 0);
      assert.equal(queue.events, 0);
      assert.equal(queue.diskBytes, (await segments(folder))[0].size);
      // The next batch that does not fit in it starts a new one, and the empty one goes.
      for (let n = 9; n < 13; n++) await queue.append(big);
      await queue.sync();
      assert.equal((await names()).length, 2);
      assert.ok(!(await names()).includes(third));
      for (const got of await drain(queue)) queue.ack(got.id);
    } finally {
      await queue[Symbol.asyncDispose]();
    }
    assert.deepEqual(await names(), [], "closed with nothing held, it leaves no segment");
  });
});

Deno.test("a queue that cycles through many times maxBytes stays within it on disk", async () => {
  await withFolder(async (folder) => {
    const maxBytes = 64 * 1024;
    await using queue = await openDiskQueue(folder, { maxBytes, segmentBytes: 8 * 1024 });
    let written = 0;
    let n = 0;
    const handed: QueuedBatch[] = [];
    for (let round = 0; round < 120; round++) {
      // Fill up to the limit, then deliver part of it, acknowledging out of order.
      for (;;) {
        const events = batch(n);
        const size = JSON.stringify(events).length;
        if (!queue.hasRoom(size)) break;
        await queue.append(events);
        written += size;
        n++;
      }
      for (let i = 0; i < 20; i++) {
        const got = await queue.next();
        if (got) handed.push(got);
      }
      handed.sort((a, b) => (a.id * 7919) % 13 - (b.id * 7919) % 13);
      for (const got of handed.splice(0, 15)) queue.ack(got.id);
      // Once the segments emptied are deleted (sync waits for that).
      await queue.sync();
      const onDisk = (await segments(folder)).reduce((a, s) => a + s.size, 0);
      assert.ok(onDisk <= maxBytes, `${onDisk} bytes on disk`);
      assert.equal(onDisk, queue.diskBytes);
    }
    assert.ok(written > 20 * maxBytes, `only ${written} bytes went through`);
  });
});

Deno.test("hasRoom() says whether a batch still fits in maxBytes", async () => {
  await withFolder(async (folder) => {
    const maxBytes = 10_000;
    await using queue = await openDiskQueue(folder, { maxBytes, segmentBytes: 4_000 });
    assert.equal(queue.hasRoom(maxBytes), false, "a batch larger than maxBytes never fits");
    // A record's header and a new segment's first bytes count too.
    assert.equal(queue.hasRoom(maxBytes - RECORD_HEADER_BYTES - 8), true);
    assert.equal(queue.hasRoom(maxBytes - RECORD_HEADER_BYTES - 7), false);
    let n = 0;
    while (queue.hasRoom(JSON.stringify(batch(n)).length)) await queue.append(batch(n++));
    assert.ok(n > 3);
    assert.ok(queue.diskBytes <= maxBytes);
    assert.ok(queue.diskBytes + RECORD_HEADER_BYTES + JSON.stringify(batch(n)).length > maxBytes);
    // Acknowledged, all but the segment appended to give their space back.
    for (const got of await drain(queue)) queue.ack(got.id);
    assert.ok(queue.diskBytes <= 4_000);
    assert.ok(queue.hasRoom(JSON.stringify(batch(n)).length));
  });
});

Deno.test("openDiskQueue() refuses a folder another queue has open, saying which process", async () => {
  await withFolder(async (folder) => {
    {
      await using _queue = await openDiskQueue(folder, OPTIONS);
      await assert.rejects(
        openDiskQueue(folder, OPTIONS),
        (error: Error) =>
          error instanceof ConfigError &&
          error.message ===
            `${folder}: the disk queue is already open in this process: each sink needs a folder of its own`,
      );
      // Another process is refused too.
      const { stdout } = await new Deno.Command(Deno.execPath(), {
        args: ["run", "--allow-read", `--allow-write=${folder}`, CHILD, "open", folder],
        cwd: ROOT,
        stderr: "inherit",
      }).output();
      const answer = JSON.parse(new TextDecoder().decode(stdout));
      assert.equal(answer.name, "ConfigError");
      assert.match(answer.message, new RegExp(`in use by another process \\(pid ${Deno.pid}\\)`));
    }
    // Once closed, it opens again.
    await using _queue = await openDiskQueue(folder, OPTIONS);
  });
});

Deno.test("openDiskQueue() says what is wrong with a path it cannot use", async (t) => {
  await withFolder(async (folder) => {
    await Deno.mkdir(folder);
    await t.step("a file", async () => {
      await Deno.writeTextFile(`${folder}/file`, "x");
      await assert.rejects(
        openDiskQueue(`${folder}/file`, OPTIONS),
        (error: Error) =>
          error instanceof ConfigError &&
          error.message.startsWith(`${folder}/file: cannot create the disk queue folder: `),
      );
    });
    await t.step("no permission to write", async () => {
      const { stdout } = await new Deno.Command(Deno.execPath(), {
        args: ["run", "--allow-read", CHILD, "open", `${folder}/q`],
        cwd: ROOT,
        stderr: "inherit",
      }).output();
      const answer = JSON.parse(new TextDecoder().decode(stdout));
      assert.equal(answer.name, "ConfigError");
      assert.match(answer.message, new RegExp(`^${folder}/q: cannot .*--allow-write`));
    });
    await t.step("a segment file that is not one", async () => {
      await Deno.mkdir(`${folder}/odd`);
      await Deno.writeTextFile(`${folder}/odd/0000000000000001.seg`, "not a segment");
      await assert.rejects(
        openDiskQueue(`${folder}/odd`, OPTIONS),
        (error: Error) =>
          error instanceof ConfigError &&
          error.message ===
            `${folder}/odd/0000000000000001.seg: not a segment of an evsim disk queue (wrong first bytes)`,
      );
      // The failed open let go of the lock.
      await Deno.remove(`${folder}/odd/0000000000000001.seg`);
      await using _queue = await openDiskQueue(`${folder}/odd`, OPTIONS);
    });
    await t.step("bad options", async () => {
      await assert.rejects(openDiskQueue(`${folder}/q`, { maxBytes: 0 }), ConfigError);
    });
  });
});

Deno.test("a closed disk queue refuses appends and syncs, and closing twice is fine", async () => {
  await withFolder(async (folder) => {
    const queue = await openDiskQueue(folder, OPTIONS);
    await queue.append(batch(0));
    await queue[Symbol.asyncDispose]();
    await queue[Symbol.asyncDispose]();
    await assert.rejects(queue.append(batch(1)), SinkError);
    await assert.rejects(queue.next(), SinkError);
    await assert.rejects(queue.sync(), SinkError);
  });
});

/** Copies the queue's files as a SIGKILL now would leave them (written data survives it). */
async function crashCopy(from: string, to: string) {
  await Deno.mkdir(to);
  for await (const entry of Deno.readDir(from)) {
    if (entry.name === "lock") continue;
    await Deno.copyFile(`${from}/${entry.name}`, `${to}/${entry.name}`).catch((error) => {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    });
  }
}

Deno.test("after a crash, a segment deleted under the reader is passed over", async () => {
  await withFolder(async (folder) => {
    {
      await using queue = await openDiskQueue(folder, OPTIONS);
      await queue.append(batch(0));
      await queue.append(batch(1));
      await queue.next();
      queue.ack((await queue.next())!.id);
      await queue.sync();
      await crashCopy(folder, `${folder}-crashed`);
    }
    await using queue = await openDiskQueue(`${folder}-crashed`, OPTIONS);
    await queue.append(batch(2));
    const first = (await queue.next())!;
    assert.equal(numberOf(first.events), 0);
    // Batch 0 was the last unacknowledged one of the first segment: it goes, with batch 1 in it.
    queue.ack(first.id);
    assert.equal(numberOf((await queue.next())!.events), 2);
    assert.equal(await queue.next(), undefined);
  });
});

Deno.test("IDs are never used again, so an old cursor never hides a new batch", async () => {
  await withFolder(async (folder) => {
    {
      await using queue = await openDiskQueue(folder, OPTIONS);
      await queue.append(batch(0));
      await queue.append(batch(1));
      for (const got of await drain(queue)) queue.ack(got.id);
      // The cursor now lists IDs 1 and 2; closing deletes their segment and has no new ack to write.
      await queue.sync();
    }
    assert.deepEqual(await segments(folder), []);
    {
      await using queue = await openDiskQueue(folder, OPTIONS);
      assert.equal(await queue.next(), undefined);
      await queue.append(batch(2));
      const got = (await queue.next())!;
      assert.ok(got.id > 2, `batch 2 has ID ${got.id}, which the cursor lists`);
    }
    await using queue = await openDiskQueue(folder, OPTIONS);
    assert.deepEqual((await drain(queue)).map((b) => numberOf(b.events)), [2]);
  });
});

type Op =
  | { op: "append"; size: number }
  | { op: "next" }
  | { op: "ack"; pick: number }
  | { op: "sync" }
  | { op: "reopen" }
  | { op: "crash" };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      op: fc.constant("append" as const),
      size: fc.integer({ min: 1, max: 4 }),
    }),
  },
  { weight: 5, arbitrary: fc.constant({ op: "next" as const }) },
  { weight: 5, arbitrary: fc.record({ op: fc.constant("ack" as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.constant({ op: "sync" as const }) },
  { weight: 1, arbitrary: fc.constant({ op: "reopen" as const }) },
  { weight: 1, arbitrary: fc.constant({ op: "crash" as const }) },
);

Deno.test("a disk queue behaves like a list of batches under random appends, acks, reopens and crashes", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(opArb, { minLength: 1, maxLength: 80, size: "max" }),
      fc.boolean(),
      async (ops, cache) => {
        await withFolder(async (folder) => {
          const options = { maxBytes: 1 << 24, segmentBytes: 5_000, cacheBytes: cache ? 4_000 : 0 };
          let queue = await openDiskQueue(folder, options);
          try {
            // The model: batches not acknowledged, in order; those handed out; acks not yet synced.
            let held: number[] = [];
            const sizes: number[] = [];
            let handedOut: { n: number; id: number }[] = [];
            let unsyncedAcks = new Set<number>();
            let n = 0;
            let current = folder;
            let generation = 0;
            for (const step of ops) {
              switch (step.op) {
                case "append":
                  await queue.append(batch(n, step.size));
                  sizes.push(step.size);
                  held.push(n++);
                  break;
                case "next": {
                  const got = await queue.next();
                  const expected = held.find((b) => !handedOut.some((h) => h.n === b));
                  assert.equal(got && numberOf(got.events), expected);
                  if (got) {
                    assert.deepEqual(got.events, batch(expected!, got.events.length));
                    handedOut.push({ n: expected!, id: got.id });
                  }
                  break;
                }
                case "ack": {
                  if (handedOut.length === 0) break;
                  const [{ n: b, id }] = handedOut.splice(step.pick % handedOut.length, 1);
                  queue.ack(id);
                  held = held.filter((h) => h !== b);
                  unsyncedAcks.add(b);
                  break;
                }
                case "sync":
                  await queue.sync();
                  unsyncedAcks = new Set();
                  break;
                case "reopen":
                  await queue[Symbol.asyncDispose]();
                  queue = await openDiskQueue(current, options);
                  handedOut = [];
                  unsyncedAcks = new Set();
                  break;
                case "crash": {
                  // What a SIGKILL now leaves: every batch held, in order, and perhaps some
                  // acknowledged since the last sync. The run goes on from there, as after a restart.
                  const check = `${folder}-${generation}-check`;
                  const next = `${folder}-${++generation}`;
                  await crashCopy(current, check);
                  await crashCopy(current, next);
                  {
                    await using recovered = await openDiskQueue(check, options);
                    const found = (await drain(recovered)).map((b) => numberOf(b.events));
                    assert.deepEqual(found.filter((b) => !unsyncedAcks.has(b)), held);
                    assert.deepEqual(found, [...found].sort((a, b) => a - b));
                    held = found;
                  }
                  await queue[Symbol.asyncDispose]();
                  current = next;
                  queue = await openDiskQueue(current, options);
                  handedOut = [];
                  unsyncedAcks = new Set();
                  break;
                }
              }
              assert.equal(queue.batches, held.length);
              assert.equal(queue.events, held.reduce((a, b) => a + sizes[b], 0));
              const onDisk = (await segments(current)).reduce((a, s) => a + s.size, 0);
              if (step.op === "sync" || step.op === "reopen") assert.equal(onDisk, queue.diskBytes);
              if (held.length === 0 && step.op === "reopen") {
                assert.equal(onDisk, 0, "nothing held, nothing on disk");
              }
            }
          } finally {
            await queue[Symbol.asyncDispose]();
          }
        });
      },
    ),
    { numRuns: 50 },
  );
});

/** What a `write` child said it did, line by line. */
interface ChildLog {
  /** Batches whose append had returned. */
  appended: number[];
  /** Batches it was about to acknowledge. */
  acked: number[];
  /** Acks before its last `synced`. */
  ackedSynced: number;
}

Deno.test("a process SIGKILLed while writing leaves every unacknowledged batch whole and in order", async () => {
  await withFolder(async (folder) => {
    await Deno.mkdir(folder);
    const template = `${folder}/../template.json`;
    await Deno.writeTextFile(template, JSON.stringify(EVENTS.slice(0, 100)));
    /** Batches acknowledged before a sync, in any round: never to be seen again. */
    const gone = new Set<number>();
    /** Batches appended and not (perhaps) acknowledged: always to be found. */
    const kept = new Set<number>();
    for (let round = 0; round < 4; round++) {
      const child = new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "--allow-read",
          `--allow-write=${folder}`,
          CHILD,
          "write",
          folder,
          template,
          String(round * 1_000_000),
        ],
        cwd: ROOT,
        stdin: "null",
        stdout: "piped",
        stderr: "inherit",
      }).spawn();
      const log: ChildLog = { appended: [], acked: [], ackedSynced: 0 };
      const lines = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
      let text = "";
      let killed = false;
      // Kill it at a different point each round, once it has synced a few times.
      const killAfter = 3 + round * 2;
      let syncs = 0;
      for (;;) {
        const { value, done } = await lines.read();
        if (done) break;
        text += value;
        const end = text.lastIndexOf("\n");
        for (const line of text.slice(0, end + 1).split("\n")) {
          const [what, n] = line.split(" ");
          if (what === "appended") log.appended.push(Number(n));
          else if (what === "ack") log.acked.push(Number(n));
          else if (what === "synced") {
            log.ackedSynced = log.acked.length;
            if (++syncs === killAfter && !killed) {
              // A moment later, in the middle of whatever it is doing.
              setTimeout(() => child.kill("SIGKILL"), round * 3);
              killed = true;
            }
          }
        }
        text = text.slice(end + 1);
      }
      const status = await child.status;
      assert.equal(status.signal, "SIGKILL");
      for (const [i, n] of log.acked.entries()) {
        kept.delete(n);
        if (i < log.ackedSynced) gone.add(n);
      }
      const perhapsAcked = new Set(log.acked.slice(log.ackedSynced));
      for (const n of log.appended) if (!log.acked.includes(n)) kept.add(n);
      const last = Math.max(...log.appended);
      {
        await using queue = await openDiskQueue(folder, { maxBytes: 2 ** 30 });
        const found = await drain(queue);
        const numbers = found.map((b) => numberOf(b.events));
        assert.deepEqual(
          numbers,
          [...new Set(numbers)].sort((a, b) => a - b),
          "in order, once each",
        );
        for (const got of found) {
          const n = numberOf(got.events);
          assert.ok(!gone.has(n), `batch ${n} was acknowledged and synced, yet came back`);
          assert.ok(n <= last + 1, `batch ${n} was never appended`);
          // Whole: every event of the batch, as written.
          const i = n % 1_000_000;
          const size = i % 7 === 0 ? 100 : 1 + i % 5;
          assert.deepEqual(
            got.events,
            EVENTS.slice(0, size).map((e, j) => ({ ...e, eventId: `b${n}-${j}` })),
          );
        }
        const missing = [...kept].filter((n) => !numbers.includes(n) && !perhapsAcked.has(n));
        assert.deepEqual(missing, [], "every batch appended and not acknowledged is there");
        // What it found is what the next round starts from.
        for (const n of numbers) kept.add(n);
      }
    }
  });
});
