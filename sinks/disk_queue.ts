/**
 * A durable queue of event batches in a folder of its own, for a sink whose
 * receiver may be down for hours: batches wait on disk, survive a restart of
 * evsim (a SIGKILL too) and come out in the order they went in.
 *
 * The folder holds an append-only log cut into segment files, a cursor file
 * and a lock:
 *
 * - `0000000000000001.seg`, … (named by the ID of their first batch): an
 *   8-byte magic `evsimq1\n`, then one record per batch: a 20-byte header
 *   (little-endian u32 payload length, u32 CRC-32 of the length, the rest of
 *   the header and the payload, u64 batch ID, u32 event count) and the batch as
 *   a JSON array in UTF-8. A segment is closed once the next record would take
 *   it past `segmentBytes`, and deleted once every batch in it is
 *   acknowledged (the segment being appended to, once it is full or the queue
 *   closes): that is how space comes back.
 * - `acks.json`: batches acknowledged in segments that are still there (ID
 *   ranges), and the next ID, rewritten (write, fsync, rename) by `sync()`.
 * - `lock`: held with an exclusive `flock` while the queue is open, so a
 *   second process is refused; it holds the holder's PID.
 *
 * Durability: `append()` returns once the record is written (in the operating
 * system's cache, so a SIGKILL loses nothing); `sync()` fsyncs every segment
 * written since the last sync, writes the cursor and fsyncs the folder, so a
 * power cut after it loses nothing either. On opening, every record is read
 * and checked; a record cut short or failing its checksum is dropped with the
 * rest of its segment and a warning, never parsed. Acknowledged batches come
 * back only if they were acknowledged after the last sync (at least once).
 *
 * Records are written and read with synchronous calls (microseconds each, to
 * the page cache, as LogTape's file sink does); only fsync, deletion and
 * opening wait asynchronously. Batches appended while the reader is caught up
 * are also kept in memory (up to `cacheBytes`), so `next()` hands them out
 * without reading and parsing them again.
 *
 * @module
 */
import { crc32 } from "node:zlib";
import { getLogger } from "@logtape/logtape";
import * as v from "valibot";
import type { SimEvent } from "../core/event.ts";
import { ConfigError, SinkError } from "../core/errors.ts";

const logger = getLogger(["evsim", "sink", "disk-queue"]);

/** Options of {@link openDiskQueue}. */
export interface DiskQueueOptions {
  /**
   * The most the segment files may take on disk, in bytes: {@link DiskQueue.hasRoom}
   * says whether a batch still fits. The queue does not refuse appends itself:
   * its user decides whether to wait or drop.
   */
  maxBytes: number;
  /**
   * Size past which a segment file is closed and a new one begun. Smaller
   * segments give space back sooner; a batch larger than this has a segment
   * to itself.
   * @default {maxBytes / 16, between 64 KiB and 64 MiB}
   */
  segmentBytes?: number;
  /**
   * Bytes (as written) of batches appended while the reader was caught up that
   * are also kept in memory, so that `next()` hands them out without reading
   * them back. 0 keeps none.
   * @default {1048576} (1 MiB)
   */
  cacheBytes?: number;
}

/** A batch handed out by {@link DiskQueue.next}. */
export interface QueuedBatch {
  /** Pass it to {@link DiskQueue.ack} once the batch is delivered or dead-lettered. */
  id: number;
  events: SimEvent[];
}

/**
 * A durable FIFO of event batches in a folder; see the module documentation.
 * Disposing it syncs, deletes the segment appended to if nothing in it is
 * held, and lets go of the files and the lock.
 */
export interface DiskQueue extends AsyncDisposable {
  /** The folder. */
  readonly path: string;
  /**
   * Appends one batch (kept as one record). Resolves once it is written (not
   * necessarily fsynced). Does not check {@link hasRoom}. The queue may hand the
   * same event objects back from `next()`: do not change them afterwards.
   */
  append(events: readonly SimEvent[]): Promise<void>;
  /**
   * The oldest batch not yet handed out, or undefined when none is left.
   * Batches an earlier process left unacknowledged come first, in order.
   */
  next(): Promise<QueuedBatch | undefined>;
  /**
   * Done with a handed-out batch (delivered or dead-lettered): its space can be
   * reclaimed. Acks may come in any order; an ID not handed out (or acked
   * already) is ignored.
   */
  ack(id: number): void;
  /**
   * Makes every append and ack so far durable: fsyncs the segments written
   * since the last sync, writes the cursor and fsyncs the folder.
   */
  sync(): Promise<void>;
  /** Bytes of the batches held (appended, not acknowledged), headers included. */
  readonly bytes: number;
  /** Events held (appended, not acknowledged). */
  readonly events: number;
  /** Batches held (appended, not acknowledged). */
  readonly batches: number;
  /** Bytes the segment files take, acknowledged records not yet reclaimed included: what `maxBytes` bounds. */
  readonly diskBytes: number;
  /**
   * Whether a batch whose JSON takes `bytes` (UTF-8) would still fit in
   * `maxBytes` on disk. A batch larger than `maxBytes` never fits.
   */
  hasRoom(bytes: number): boolean;
}

/** The first bytes of every segment file. */
const MAGIC = new TextEncoder().encode("evsimq1\n");
/** Bytes before each record's JSON: length, CRC-32, ID, event count. */
export const RECORD_HEADER_BYTES = 20;
/** The longest record accepted when reading: a longer length is taken for garbage. */
const MAX_RECORD_BYTES = 2 ** 31;
const SEGMENT = /^(\d{16})\.seg$/;
const CURSOR = "acks.json";
const LOCK = "lock";
const KIB = 1024;
const MIB = 1024 * KIB;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The cursor file: acknowledged ID ranges (inclusive) in segments still on disk, and the next ID. */
const CursorSchema = v.strictObject({
  version: v.literal(1),
  nextId: v.pipe(v.number(), v.safeInteger(), v.minValue(1)),
  acked: v.array(v.tuple([
    v.pipe(v.number(), v.safeInteger(), v.minValue(1)),
    v.pipe(v.number(), v.safeInteger(), v.minValue(1)),
  ])),
});
type Cursor = v.InferOutput<typeof CursorSchema>;

interface Segment {
  readonly firstId: number;
  readonly path: string;
  /** Bytes in the file: the magic and complete records. */
  size: number;
  /** Records not acknowledged yet (unread or handed out). */
  live: number;
  /** IDs of acknowledged records in this segment, for the cursor. */
  acked: number[];
  /** Acknowledged before this process opened the queue: skipped when read. */
  skip?: Set<number>;
  /** Open for appending: the active segment only. */
  writer?: Deno.FsFile;
  deleted: boolean;
}

interface Held {
  segment: Segment;
  size: number;
  count: number;
}

interface Cached extends Held {
  id: number;
  events: SimEvent[];
  /** Where the record ends in its segment. */
  end: number;
}

/** One record read from a segment. */
interface RecordView {
  id: number;
  count: number;
  /** The JSON, valid until the next read. */
  payload: Uint8Array;
  /** Header and payload. */
  size: number;
}

function segmentName(firstId: number): string {
  return `${String(firstId).padStart(16, "0")}.seg`;
}

function join(folder: string, name: string): string {
  return `${folder.replace(/[\\/]+$/, "")}/${name}`;
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function checksum(record: Uint8Array, end: number): number {
  return crc32(record.subarray(8, end), crc32(record.subarray(0, 4)));
}

function writeAll(file: Deno.FsFile, bytes: Uint8Array) {
  let done = 0;
  while (done < bytes.length) done += file.writeSync(bytes.subarray(done));
}

/** Reads records out of one segment file through a buffer, with few system calls. */
class SegmentReader {
  readonly #file: Deno.FsFile;
  #buffer = new Uint8Array(256 * KIB);
  /** File offset of `#buffer[0]`. */
  #start = 0;
  /** Valid bytes in `#buffer`. */
  #length = 0;

  constructor(file: Deno.FsFile) {
    this.#file = file;
  }

  /**
   * The record at `offset` of a file whose first `size` bytes count: `"short"`
   * if it does not end within them (a write cut short), `"corrupt"` if its
   * checksum fails.
   */
  read(offset: number, size: number): RecordView | "short" | "corrupt" {
    if (size - offset < RECORD_HEADER_BYTES) return "short";
    this.#fill(offset, RECORD_HEADER_BYTES, size);
    let at = offset - this.#start;
    const view = new DataView(this.#buffer.buffer, this.#buffer.byteOffset + at);
    const length = view.getUint32(0, true);
    if (length > MAX_RECORD_BYTES) return "corrupt";
    const total = RECORD_HEADER_BYTES + length;
    if (size - offset < total) return "short";
    this.#fill(offset, total, size);
    at = offset - this.#start;
    const record = this.#buffer.subarray(at, at + total);
    const header = new DataView(record.buffer, record.byteOffset, RECORD_HEADER_BYTES);
    if (header.getUint32(4, true) !== checksum(record, total)) return "corrupt";
    return {
      id: header.getUint32(8, true) + header.getUint32(12, true) * 2 ** 32,
      count: header.getUint32(16, true),
      payload: record.subarray(RECORD_HEADER_BYTES),
      size: total,
    };
  }

  /** Makes bytes [offset, offset + need) buffered, reading ahead up to `size`. */
  #fill(offset: number, need: number, size: number) {
    if (offset >= this.#start && offset + need <= this.#start + this.#length) return;
    if (need > this.#buffer.length) this.#buffer = new Uint8Array(need);
    const want = Math.min(this.#buffer.length, size - offset);
    this.#file.seekSync(offset, Deno.SeekMode.Start);
    let got = 0;
    while (got < need) {
      const n = this.#file.readSync(this.#buffer.subarray(got, want));
      if (n === null) throw new Error(`unexpected end of file at byte ${offset + got}`);
      got += n;
    }
    this.#start = offset;
    this.#length = got;
  }

  close() {
    this.#file.close();
  }
}

/**
 * Opens (creating it if missing) the disk queue in folder `path`, which the
 * queue owns: it recovers what an earlier process left there, checking every
 * record and dropping a torn last one with a warning. Throws a
 * {@link ConfigError} if the folder cannot be created or used, or if another
 * process has the queue open.
 */
export async function openDiskQueue(path: string, options: DiskQueueOptions): Promise<DiskQueue> {
  const { maxBytes, cacheBytes = MIB } = options;
  if (!(maxBytes > 0) || !Number.isFinite(maxBytes)) {
    throw new ConfigError(
      `${path}: disk queue maxBytes: expected a positive number, got ${maxBytes}`,
    );
  }
  const segmentBytes = options.segmentBytes ??
    Math.min(64 * MIB, Math.max(64 * KIB, Math.floor(maxBytes / 16)));
  if (!(segmentBytes > 0)) {
    throw new ConfigError(
      `${path}: disk queue segmentBytes: expected a positive number, got ${segmentBytes}`,
    );
  }
  try {
    await Deno.mkdir(path, { recursive: true });
  } catch (error) {
    throw new ConfigError(`${path}: cannot create the disk queue folder: ${message(error)}`, {
      cause: error,
    });
  }
  const lock = await takeLock(path);
  try {
    const queue = new SegmentQueue(path, lock, { maxBytes, segmentBytes, cacheBytes });
    await queue.recover();
    return queue;
  } catch (error) {
    lock.close();
    if (error instanceof ConfigError) throw error;
    throw new ConfigError(`${path}: cannot open the disk queue: ${message(error)}`, {
      cause: error,
    });
  }
}

/** Locks `folder/lock`, or throws a {@link ConfigError} naming the process that holds it. */
async function takeLock(folder: string): Promise<Deno.FsFile> {
  const path = join(folder, LOCK);
  let file: Deno.FsFile;
  try {
    file = await Deno.open(path, { read: true, write: true, create: true });
  } catch (error) {
    const why = error instanceof Deno.errors.NotADirectory || error instanceof Deno.errors.NotFound
      ? "not a folder"
      : message(error);
    throw new ConfigError(`${folder}: cannot open the disk queue: ${why}`, { cause: error });
  }
  try {
    if (!await file.tryLock(true)) {
      const holder = (await Deno.readTextFile(path).catch(() => "")).trim();
      const by = holder === String(Deno.pid)
        ? "already open in this process"
        : `in use by another process${/^\d+$/.test(holder) ? ` (pid ${holder})` : ""}`;
      throw new ConfigError(
        `${folder}: the disk queue is ${by}: each sink needs a folder of its own`,
      );
    }
    await file.truncate(0);
    writeAll(file, encoder.encode(`${Deno.pid}\n`));
    return file;
  } catch (error) {
    file.close();
    if (error instanceof ConfigError) throw error;
    throw new ConfigError(`${folder}: cannot lock the disk queue: ${message(error)}`, {
      cause: error,
    });
  }
}

class SegmentQueue implements DiskQueue {
  readonly path: string;
  readonly #lock: Deno.FsFile;
  readonly #maxBytes: number;
  readonly #segmentBytes: number;
  readonly #cacheLimit: number;

  /** Segments on disk, oldest first. */
  #segments: Segment[] = [];
  /** The segment appended to, made by this process. */
  #active: Segment | undefined;
  #nextId = 1;
  /** Records on disk not handed out yet. */
  #unread = 0;
  /** Handed out, not acknowledged, in ID order. */
  readonly #handedOut = new Map<number, Held>();
  #bytes = 0;
  #events = 0;
  #batches = 0;
  #diskBytes = 0;

  /** The oldest unread records, from `#cacheHead` on, when they were appended while caught up. */
  #cache: Cached[] = [];
  #cacheHead = 0;
  #cachedBytes = 0;

  /** Where the next unread record is, unless it is cached. */
  #readSegment: Segment | undefined;
  #readOffset = 0;
  #reader: SegmentReader | undefined;

  /** Record bytes are assembled here before being written. */
  #scratch = new Uint8Array(64 * KIB);
  readonly #unsynced = new Set<Segment>();
  readonly #removals = new Set<Promise<void>>();
  #cursorDirty = false;
  #syncing: Promise<void> = Promise.resolve();
  #closed = false;
  #closing: Promise<void> | undefined;

  constructor(
    path: string,
    lock: Deno.FsFile,
    limits: { maxBytes: number; segmentBytes: number; cacheBytes: number },
  ) {
    this.path = path;
    this.#lock = lock;
    this.#maxBytes = limits.maxBytes;
    this.#segmentBytes = limits.segmentBytes;
    this.#cacheLimit = limits.cacheBytes;
  }

  get bytes(): number {
    return this.#bytes;
  }

  get events(): number {
    return this.#events;
  }

  get batches(): number {
    return this.#batches;
  }

  get diskBytes(): number {
    return this.#diskBytes;
  }

  hasRoom(bytes: number): boolean {
    let need = RECORD_HEADER_BYTES + bytes;
    if (this.#rollsFor(need)) need += MAGIC.length;
    return this.#diskBytes + need <= this.#maxBytes;
  }

  /** Reads the cursor and every segment, keeping what is not acknowledged. */
  async recover() {
    const cursor = await this.#readCursor();
    const names: { firstId: number; name: string }[] = [];
    for await (const entry of Deno.readDir(this.path)) {
      const match = SEGMENT.exec(entry.name);
      if (match && entry.isFile) names.push({ firstId: Number(match[1]), name: entry.name });
      else if (entry.name === `${CURSOR}.tmp`) await Deno.remove(join(this.path, entry.name));
    }
    names.sort((a, b) => a.firstId - b.firstId);
    const acked = rangeCursor(cursor?.acked ?? []);
    let lastId = 0;
    let nextId = cursor?.nextId ?? 1;
    for (const { firstId, name } of names) {
      const segment = await this.#recoverSegment(firstId, join(this.path, name), lastId, acked);
      lastId = segment.lastId;
      nextId = Math.max(nextId, firstId, lastId + 1);
      if (segment.live > 0) this.#segments.push(segment);
      else this.#remove(segment);
    }
    this.#nextId = nextId;
    this.#readSegment = this.#segments[0];
    this.#readOffset = MAGIC.length;
    // A new segment may take the name of an empty one being deleted.
    await Promise.all(this.#removals);
  }

  async #readCursor(): Promise<Cursor | undefined> {
    const path = join(this.path, CURSOR);
    let text: string;
    try {
      text = await Deno.readTextFile(path);
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return undefined;
      throw error;
    }
    let parsed: v.SafeParseResult<typeof CursorSchema> | undefined;
    try {
      parsed = v.safeParse(CursorSchema, JSON.parse(text));
    } catch {
      // Not JSON: reported below.
    }
    if (parsed?.success) return parsed.output;
    logger.warn(
      "Ignored {path}, which is not a disk queue cursor: batches acknowledged since the queue was last emptied may be delivered again",
      { path },
    );
    return undefined;
  }

  async #recoverSegment(
    firstId: number,
    path: string,
    afterId: number,
    isAcked: (id: number) => boolean,
  ): Promise<Segment & { lastId: number }> {
    const segment: Segment & { lastId: number } = {
      firstId,
      path,
      size: 0,
      live: 0,
      acked: [],
      deleted: false,
      lastId: afterId,
    };
    const file = await Deno.open(path, { read: true, write: true });
    try {
      const fileSize = (await file.stat()).size;
      const head = new Uint8Array(MAGIC.length);
      let got = 0;
      while (got < head.length) {
        const n = await file.read(head.subarray(got));
        if (n === null) break;
        got += n;
      }
      const magicOk = head.subarray(0, got).every((byte, i) => byte === MAGIC[i]);
      if (!magicOk) {
        throw new ConfigError(`${path}: not a segment of an evsim disk queue (wrong first bytes)`);
      }
      if (got < MAGIC.length) {
        // Made and not yet written when the process stopped: an empty segment.
        segment.size = fileSize;
        return segment;
      }
      const reader = new SegmentReader(file);
      let offset = MAGIC.length;
      while (offset < fileSize) {
        const record = reader.read(offset, fileSize);
        const problem = typeof record === "string"
          ? record
          : record.id <= segment.lastId
          ? "out of order"
          : undefined;
        if (problem !== undefined || typeof record === "string") {
          logger.warn(
            "Dropped {bytes} byte(s) at the end of {path} from byte {offset}: {why}",
            {
              bytes: fileSize - offset,
              path,
              offset,
              why: problem === "short"
                ? "a record cut short (evsim stopped while writing it)"
                : problem === "corrupt"
                ? "a record that fails its checksum"
                : "a record out of order",
            },
          );
          await file.truncate(offset);
          break;
        }
        segment.lastId = record.id;
        if (isAcked(record.id)) {
          segment.acked.push(record.id);
          (segment.skip ??= new Set()).add(record.id);
        } else {
          segment.live++;
          this.#unread++;
          this.#bytes += record.size;
          this.#events += record.count;
          this.#batches++;
        }
        offset += record.size;
      }
      segment.size = offset;
      if (segment.live > 0) this.#diskBytes += segment.size;
      return segment;
    } finally {
      file.close();
    }
  }

  /** Whether appending `size` bytes starts a new segment. */
  #rollsFor(size: number): boolean {
    const active = this.#active;
    return active === undefined ||
      (active.size > MAGIC.length && active.size + size > this.#segmentBytes);
  }

  #startSegment(): Segment {
    const full = this.#active;
    if (full) {
      full.writer?.close();
      full.writer = undefined;
      this.#active = undefined;
      if (full.live === 0) this.#remove(full);
    }
    const path = join(this.path, segmentName(this.#nextId));
    let writer: Deno.FsFile;
    try {
      writer = Deno.openSync(path, { write: true, createNew: true });
      writeAll(writer, MAGIC);
    } catch (error) {
      throw new SinkError(`${path}: cannot create a disk queue segment: ${message(error)}`, {
        cause: error,
      });
    }
    const segment: Segment = {
      firstId: this.#nextId,
      path,
      size: MAGIC.length,
      live: 0,
      acked: [],
      writer,
      deleted: false,
    };
    this.#segments.push(segment);
    this.#active = segment;
    this.#diskBytes += segment.size;
    this.#unsynced.add(segment);
    return segment;
  }

  append(events: readonly SimEvent[]): Promise<void> {
    try {
      this.#append(events);
      return Promise.resolve();
    } catch (error) {
      return Promise.reject(error);
    }
  }

  #append(events: readonly SimEvent[]) {
    if (this.#closed) throw new SinkError(`${this.path}: the disk queue is closed`);
    const json = JSON.stringify(events);
    let { read, written } = encoder.encodeInto(json, this.#scratch.subarray(RECORD_HEADER_BYTES));
    if (read < json.length) {
      this.#scratch = new Uint8Array(RECORD_HEADER_BYTES + json.length * 3);
      ({ written } = encoder.encodeInto(json, this.#scratch.subarray(RECORD_HEADER_BYTES)));
    }
    const size = RECORD_HEADER_BYTES + written;
    const segment = this.#rollsFor(size) ? this.#startSegment() : this.#active!;
    const id = this.#nextId;
    const record = this.#scratch.subarray(0, size);
    const header = new DataView(record.buffer, record.byteOffset, RECORD_HEADER_BYTES);
    header.setUint32(0, written, true);
    header.setUint32(8, id % 2 ** 32, true);
    header.setUint32(12, Math.floor(id / 2 ** 32), true);
    header.setUint32(16, events.length, true);
    header.setUint32(4, checksum(record, size), true);
    try {
      writeAll(segment.writer!, record);
    } catch (error) {
      // Leave no partial record behind for the next one to follow.
      try {
        segment.writer!.truncateSync(segment.size);
      } catch {
        // Recovery drops it as a torn record.
      }
      throw new SinkError(`${segment.path}: cannot append to the disk queue: ${message(error)}`, {
        cause: error,
      });
    }
    this.#nextId++;
    segment.size += size;
    segment.live++;
    this.#unsynced.add(segment);
    this.#diskBytes += size;
    this.#bytes += size;
    this.#events += events.length;
    this.#batches++;
    const cached = this.#cache.length - this.#cacheHead;
    if (cached === this.#unread && this.#cachedBytes + size <= this.#cacheLimit) {
      this.#cache.push({
        id,
        events: events.slice(),
        segment,
        end: segment.size,
        size,
        count: events.length,
      });
      this.#cachedBytes += size;
    }
    this.#unread++;
  }

  next(): Promise<QueuedBatch | undefined> {
    try {
      return Promise.resolve(this.#next());
    } catch (error) {
      return Promise.reject(error);
    }
  }

  #next(): QueuedBatch | undefined {
    if (this.#closed) throw new SinkError(`${this.path}: the disk queue is closed`);
    if (this.#unread === 0) return undefined;
    if (this.#cacheHead < this.#cache.length) {
      const entry = this.#cache[this.#cacheHead++];
      if (this.#cacheHead === this.#cache.length) {
        this.#cache = [];
        this.#cacheHead = 0;
      } else if (this.#cacheHead >= 1024 && this.#cacheHead * 2 >= this.#cache.length) {
        this.#cache = this.#cache.slice(this.#cacheHead);
        this.#cacheHead = 0;
      }
      this.#cachedBytes -= entry.size;
      this.#moveReader(entry.segment, entry.end);
      this.#handOut(entry.id, entry);
      return { id: entry.id, events: entry.events };
    }
    for (;;) {
      const segment = this.#readSegment;
      // A deleted segment holds nothing unread: what is left of it was acknowledged before.
      if (segment === undefined || segment.deleted || this.#readOffset >= segment.size) {
        const following = this.#segments.find((s) => s.firstId > (segment?.firstId ?? -1));
        if (following === undefined) {
          throw new Error(`${this.path}: ${this.#unread} unread batch(es) not found on disk`);
        }
        this.#moveReader(following, MAGIC.length);
        continue;
      }
      this.#reader ??= new SegmentReader(Deno.openSync(segment.path, { read: true }));
      const offset = this.#readOffset;
      const record = this.#reader.read(offset, segment.size);
      if (typeof record === "string") {
        throw new SinkError(
          `${segment.path}: the record at byte ${offset} ${
            record === "short" ? "is cut short" : "fails its checksum"
          }: the file changed after the queue was opened`,
        );
      }
      this.#readOffset += record.size;
      if (segment.skip?.delete(record.id)) continue;
      const events = JSON.parse(decoder.decode(record.payload)) as SimEvent[];
      this.#handOut(record.id, { segment, size: record.size, count: record.count });
      return { id: record.id, events };
    }
  }

  #moveReader(segment: Segment, offset: number) {
    if (segment !== this.#readSegment) {
      this.#reader?.close();
      this.#reader = undefined;
      this.#readSegment = segment;
    }
    this.#readOffset = offset;
  }

  #handOut(id: number, held: Held) {
    this.#unread--;
    this.#handedOut.set(id, { segment: held.segment, size: held.size, count: held.count });
  }

  ack(id: number): void {
    const held = this.#handedOut.get(id);
    if (held === undefined) return;
    this.#handedOut.delete(id);
    this.#bytes -= held.size;
    this.#events -= held.count;
    this.#batches--;
    this.#cursorDirty = true;
    const segment = held.segment;
    segment.acked.push(id);
    // The active segment stays until it is full, rather than a file a batch.
    if (--segment.live === 0 && segment !== this.#active) this.#remove(segment);
  }

  /** Deletes a segment whose records are all acknowledged. */
  #remove(segment: Segment) {
    const at = this.#segments.indexOf(segment);
    if (at >= 0) {
      this.#segments.splice(at, 1);
      this.#diskBytes -= segment.size;
    }
    segment.deleted = true;
    this.#unsynced.delete(segment);
    if (segment === this.#active) {
      segment.writer?.close();
      segment.writer = undefined;
      this.#active = undefined;
    }
    if (segment === this.#readSegment) {
      this.#reader?.close();
      this.#reader = undefined;
    }
    const removal = Deno.remove(segment.path).catch((error) => {
      if (error instanceof Deno.errors.NotFound) return;
      logger.warn("Cannot delete {path}, whose batches are all acknowledged: {error}", {
        path: segment.path,
        error: message(error),
      });
    }).finally(() => this.#removals.delete(removal));
    this.#removals.add(removal);
  }

  sync(): Promise<void> {
    if (this.#closed) {
      return Promise.reject(new SinkError(`${this.path}: the disk queue is closed`));
    }
    return this.#syncing = this.#syncing.then(() => this.#sync());
  }

  async #sync() {
    const written = [...this.#unsynced];
    this.#unsynced.clear();
    try {
      for (const segment of written) {
        if (segment.deleted) continue;
        // Through a handle of its own: the writer may be closed meanwhile.
        using file = await Deno.open(segment.path, { write: true }).catch((error) => {
          if (error instanceof Deno.errors.NotFound) return undefined;
          throw error;
        });
        await file?.syncData();
      }
      await Promise.all(this.#removals);
      if (this.#cursorDirty) {
        this.#cursorDirty = false;
        await this.#writeCursor();
      }
      await this.#syncFolder();
    } catch (error) {
      for (const segment of written) if (!segment.deleted) this.#unsynced.add(segment);
      throw new SinkError(`${this.path}: cannot sync the disk queue: ${message(error)}`, {
        cause: error,
      });
    }
  }

  async #writeCursor() {
    const ids = this.#segments.flatMap((segment) => segment.acked).sort((a, b) => a - b);
    const cursor: Cursor = { version: 1, nextId: this.#nextId, acked: toRanges(ids) };
    const path = join(this.path, CURSOR);
    try {
      {
        using file = await Deno.open(`${path}.tmp`, { write: true, create: true, truncate: true });
        writeAll(file, encoder.encode(JSON.stringify(cursor) + "\n"));
        await file.syncData();
      }
      await Deno.rename(`${path}.tmp`, path);
    } catch (error) {
      this.#cursorDirty = true;
      throw error;
    }
  }

  /** Makes new, renamed and deleted files durable (POSIX only: Windows cannot open a folder). */
  async #syncFolder() {
    if (Deno.build.os === "windows") return;
    using folder = await Deno.open(this.path, { read: true });
    await folder.sync();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.#closing ??= (async () => {
      this.#closed = true;
      if (this.#active?.live === 0) this.#remove(this.#active);
      try {
        await this.#syncing.catch(() => {});
        await this.#sync();
      } finally {
        this.#active?.writer?.close();
        this.#reader?.close();
        this.#reader = undefined;
        await Promise.all(this.#removals);
        this.#lock.close();
      }
    })();
  }
}

/** Sorted IDs as inclusive ranges: `[1, 2, 3, 7]` → `[[1, 3], [7, 7]]`. */
function toRanges(ids: readonly number[]): [number, number][] {
  const ranges: [number, number][] = [];
  for (const id of ids) {
    const last = ranges.at(-1);
    if (last !== undefined && id === last[1] + 1) last[1] = id;
    else if (last === undefined || id > last[1]) ranges.push([id, id]);
  }
  return ranges;
}

/** A membership test over sorted inclusive ranges, for IDs asked in increasing order. */
function rangeCursor(ranges: readonly (readonly [number, number])[]): (id: number) => boolean {
  const sorted = [...ranges].sort((a, b) => a[0] - b[0]);
  let i = 0;
  return (id) => {
    while (i < sorted.length && sorted[i][1] < id) i++;
    return i < sorted.length && sorted[i][0] <= id;
  };
}
