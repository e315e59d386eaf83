/**
 * The disk queue (`sinks/disk_queue.ts`) against a queue in `node:sqlite`
 * (WAL, `synchronous=NORMAL`, AUTOINCREMENT IDs, one transaction per append with the acks since
 * the last one), with real events of a warmed-up simulation in batches of 1
 * and 100. Each iteration moves {@link EVENTS} events through append, next
 * and ack, so events/s = EVENTS × iter/s:
 *
 * - caught up: each batch is taken out and acknowledged right after it is
 *   appended (the receiver keeps up);
 * - backlog: every batch is appended, then all are taken out and acknowledged
 *   (the receiver was down).
 *
 * `deno bench` runs those; `deno run --allow-read --allow-write --allow-env
 * tests/disk_queue_bench.ts` prints the bytes on disk, held and once half is
 * acknowledged, and the time to reopen a queue holding 256 MiB (its files in
 * the page cache).
 *
 * @module
 */
// deno-lint-ignore-file no-console
import { DatabaseSync } from "node:sqlite";
import { defaults } from "../data/mod.ts";
import type { SimEvent } from "../core/event.ts";
import { Simulation } from "../core/simulation.ts";
import { type DiskQueue, openDiskQueue } from "../sinks/disk_queue.ts";

const EVENTS = 2_000;
const START = Date.UTC(2026, 0, 5);

/** Events of the default network past its first three hours, so the mix is steady. */
function recorded(n: number): SimEvent[] {
  const sim = new Simulation({ seed: 1, start: START, ...defaults });
  const out: SimEvent[] = [];
  while (sim.peek() < START + 3 * 3_600_000) {
    sim.step(out);
    out.length = 0;
  }
  while (out.length < n) sim.step(out);
  return out.slice(0, n);
}

const events = recorded(EVENTS);

/** What the benchmark needs of a queue. */
interface Queue {
  append(events: readonly SimEvent[]): Promise<void>;
  next(): Promise<{ id: number; events: SimEvent[] } | undefined>;
  ack(id: number): void;
  sync(): Promise<void>;
  close(): Promise<void>;
  /** Bytes its files take now. */
  fileBytes(): number;
}

/** A queue in one SQLite table: the obvious design with a well-kept store. */
function sqliteQueue(folder: string): Queue {
  Deno.mkdirSync(folder, { recursive: true });
  const path = `${folder}/queue.db`;
  const db = new DatabaseSync(path);
  db.exec(`
    PRAGMA journal_mode = WAL;
    PRAGMA synchronous = NORMAL;
    CREATE TABLE IF NOT EXISTS batches (id INTEGER PRIMARY KEY AUTOINCREMENT, events INTEGER NOT NULL, body BLOB NOT NULL);
  `);
  const insert = db.prepare("INSERT INTO batches (events, body) VALUES (?, ?)");
  const select = db.prepare("SELECT id, body FROM batches WHERE id > ? ORDER BY id LIMIT 1");
  const remove = db.prepare("DELETE FROM batches WHERE id = ?");
  const encoder = new TextEncoder();
  const decoder = new TextDecoder();
  let read = 0;
  let acks: number[] = [];
  const flushAcks = () => {
    for (const id of acks) remove.run(id);
    acks = [];
  };
  const size = (p: string) => {
    try {
      return Deno.statSync(p).size;
    } catch {
      return 0;
    }
  };
  return {
    append(batch) {
      db.exec("BEGIN");
      flushAcks();
      insert.run(batch.length, encoder.encode(JSON.stringify(batch)));
      db.exec("COMMIT");
      return Promise.resolve();
    },
    next() {
      const row = select.get(read) as { id: number; body: Uint8Array } | undefined;
      if (!row) return Promise.resolve(undefined);
      read = row.id;
      return Promise.resolve({ id: row.id, events: JSON.parse(decoder.decode(row.body)) });
    },
    ack(id) {
      acks.push(id);
    },
    sync() {
      db.exec("BEGIN");
      flushAcks();
      db.exec("COMMIT");
      db.exec("PRAGMA wal_checkpoint(FULL)");
      return Promise.resolve();
    },
    close() {
      db.close();
      return Promise.resolve();
    },
    fileBytes: () => size(path) + size(`${path}-wal`) + size(`${path}-shm`),
  };
}

async function segmentQueue(
  folder: string,
  cacheBytes?: number,
  maxBytes = 2 ** 32,
): Promise<Queue> {
  const queue: DiskQueue = await openDiskQueue(folder, { maxBytes, cacheBytes });
  return {
    append: (batch) => queue.append(batch),
    next: () => queue.next(),
    ack: (id) => queue.ack(id),
    sync: () => queue.sync(),
    close: async () => await queue[Symbol.asyncDispose](),
    fileBytes: () => queue.diskBytes,
  };
}

function batches(size: number): SimEvent[][] {
  const out: SimEvent[][] = [];
  for (let i = 0; i < events.length; i += size) out.push(events.slice(i, i + size));
  return out;
}

async function caughtUp(queue: Queue, list: SimEvent[][]) {
  for (const batch of list) {
    await queue.append(batch);
    const got = await queue.next();
    queue.ack(got!.id);
  }
}

async function backlog(queue: Queue, list: SimEvent[][]) {
  for (const batch of list) await queue.append(batch);
  for (let got = await queue.next(); got; got = await queue.next()) queue.ack(got.id);
}

const root = await Deno.makeTempDir({ prefix: "evsim-disk-queue-bench-" });
const stores: { name: string; open: (folder: string) => Promise<Queue> }[] = [
  { name: "segment log", open: (folder) => segmentQueue(folder) },
  { name: "segment log, no memory cache", open: (folder) => segmentQueue(folder, 0) },
  { name: "node:sqlite", open: (folder) => Promise.resolve(sqliteQueue(folder)) },
];

if (import.meta.main) {
  await report();
} else {
  for (const workload of [caughtUp, backlog]) {
    for (const size of [1, 100]) {
      const list = batches(size);
      for (const [i, store] of stores.entries()) {
        const queue = await store.open(`${root}/${workload.name}-${size}-${i}`);
        Deno.bench({
          name: `${store.name}: ${EVENTS.toLocaleString("en")} events, batches of ${size}`,
          group: `${workload === caughtUp ? "caught up" : "backlog"}, batches of ${size}`,
          baseline: i === 0,
          // Declared async: Deno.bench awaits only async functions.
          async fn() {
            await workload(queue, list);
          },
        });
      }
    }
  }

  // Why records are written with writeSync: one small record each way.
  const file = await Deno.open(`${root}/raw`, { write: true, create: true });
  const one = new TextEncoder().encode(JSON.stringify([events[0]]));
  Deno.bench({
    name: "writeSync: 1,000 records of one event",
    group: "raw write",
    baseline: true,
    fn() {
      for (let i = 0; i < 1_000; i++) file.writeSync(one);
    },
  });
  Deno.bench({
    name: "await write: 1,000 records of one event",
    group: "raw write",
    async fn() {
      for (let i = 0; i < 1_000; i++) await file.write(one);
    },
  });

  // The queues stay open to the end: the process lets go of their files and locks.
  globalThis.addEventListener("unload", () => Deno.removeSync(root, { recursive: true }));
}

/** Bytes on disk per event held, and the time to reopen a large queue. */
async function report() {
  const bytesPerEvent = events.reduce((a, e) => a + JSON.stringify(e).length, 0) / events.length;
  console.log(`${EVENTS} events, ${bytesPerEvent.toFixed(0)} bytes of JSON each on average`);
  console.log("\non disk, 20,000 events (the segment log with maxBytes 64 MiB: 4 MiB segments):");
  const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;
  for (const size of [1, 100]) {
    for (const [i, store] of stores.entries()) {
      if (i === 1) continue;
      const folder = `${root}/size-${size}-${i}`;
      const queue = i === 0
        ? await segmentQueue(folder, undefined, 64 * 2 ** 20)
        : await store.open(folder);
      for (let round = 0; round < 10; round++) {
        for (const batch of batches(size)) await queue.append(batch);
      }
      await queue.sync();
      const held = queue.fileBytes();
      // Half of it delivered and acknowledged: what is left, and what is given back.
      for (let k = 0; k < 10 * EVENTS / size / 2; k++) queue.ack((await queue.next())!.id);
      await queue.sync();
      const half = queue.fileBytes();
      console.log(
        `  ${store.name}, batches of ${size}: ${mb(held)} (${(held / (10 * EVENTS)).toFixed(0)} ` +
          `bytes/event); the older half acknowledged: ${mb(half)}`,
      );
      await queue.close();
    }
  }
  console.log("\nreopening a queue holding 256 MiB (batches of 100):");
  for (const [i, store] of stores.entries()) {
    if (i === 1) continue;
    const folder = `${root}/big-${i}`;
    let queue = await store.open(folder);
    const list = batches(100);
    while (queue.fileBytes() < 256 * 2 ** 20) for (const batch of list) await queue.append(batch);
    await queue.close();
    const t0 = performance.now();
    queue = await store.open(folder);
    const first = await queue.next();
    const ms = performance.now() - t0;
    console.log(
      `  ${store.name}: ${ms.toFixed(0)} ms to the first batch (${first!.events.length} events)`,
    );
    await queue.close();
    await Deno.remove(folder, { recursive: true });
  }
  await Deno.remove(root, { recursive: true });
}
