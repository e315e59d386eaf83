/**
 * NDJSON to a file that rotates by size, in the manner of LogTape's rotating
 * file sink: `events.ndjson` grows until the next line would take it past
 * `maxBytes`; then it becomes `events.ndjson.1`, older files shift up to
 * `events.ndjson.N` and the oldest is dropped. Lines are buffered in chunks
 * and never split across files; a write in flight makes the sink ask the run
 * to wait. At a checkpoint the sink writes what it holds, makes it durable and
 * says where the files stand (a {@link RotatingFilePosition}), so that a run
 * resumed with `--state` can go back there (`file_resume.ts`). File operations
 * go through a small {@link RotatingFileDriver}, so tests can use memory.
 *
 * @module
 */
import type { SimEvent } from "../core/event.ts";
import { type DisposableSink, newSinkStats, type SinkStats } from "../core/sink.ts";
import { SinkError } from "../core/errors.ts";
import { dirname } from "../core/load.ts";

/** A file opened for appending. */
export interface RotatingFileHandle {
  /**
   * Appends all of `bytes`. The sink reuses the memory behind `bytes` once the
   * promise settles: copy them to keep them.
   */
  write(bytes: Uint8Array): Promise<void>;
  /** Makes what was written durable: flushes the file's data to the disk. */
  sync(): Promise<void>;
  /** Closes the file. */
  close(): Promise<void>;
}

/** The file operations a {@link getRotatingFileSink} needs: Deno's, or memory in tests. */
export interface RotatingFileDriver {
  /** Opens `path` for appending, creating it if it does not exist. */
  open(path: string): Promise<RotatingFileHandle>;
  /** The size of `path` in bytes, 0 if it does not exist. */
  size(path: string): Promise<number>;
  /** Renames `from` to `to`, replacing `to`; does nothing if `from` does not exist. */
  rename(from: string, to: string): Promise<void>;
  /** Deletes `path`; does nothing if it does not exist. */
  remove(path: string): Promise<void>;
  /** Bytes `start` (inclusive) to `end` (exclusive) of `path`, fewer if it ends before. */
  read(path: string, start: number, end: number): Promise<Uint8Array<ArrayBuffer>>;
  /** Cuts `path` to its first `size` bytes. */
  truncate(path: string, size: number): Promise<void>;
}

/**
 * Where a rotating file set stood at a checkpoint: the last byte written then
 * ends `size` bytes into the file then at `path.<file>`, and the files newer
 * than it were empty or missing. Nearly always `file` is 0 (`path` itself);
 * it is 1 when `path` was still empty. The `tail` digest recognizes that file
 * after rotations have renamed it.
 */
export interface RotatingFilePosition {
  /** Which file held the last byte: 0 for `path`, n for `path.n`. */
  file: number;
  /** Its size in bytes; 0 when no file of the set held any. */
  size: number;
  /** SHA-256, in hex, of its last {@link TAIL_BYTES} bytes (all of them if fewer). */
  tail: string;
}

const NEWLINE = 10;

/** How many bytes at the end of a file its {@link RotatingFilePosition} digests. */
export const TAIL_BYTES = 4096;

/** `path` for 0, else the name of backup `n`: `path.n`. */
export const rotatedName = (path: string, n: number): string => n === 0 ? path : `${path}.${n}`;

/** The {@link RotatingFilePosition} `tail` of the first `size` bytes of `path`. */
export async function tailDigest(
  driver: RotatingFileDriver,
  path: string,
  size: number,
): Promise<string> {
  const bytes = size === 0
    ? new Uint8Array()
    : await driver.read(path, Math.max(0, size - TAIL_BYTES), size);
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Options of {@link getRotatingFileSink}. */
export interface RotatingFileSinkOptions {
  /**
   * The largest a file may grow, in bytes: the sink rotates before a line would
   * take the file past it. A single line longer than this goes alone into a file.
   * @default {104857600} (100 MiB)
   */
  maxBytes?: number;
  /**
   * Rotated files kept, `path.1` (newest) to `path.N` (oldest). With 0 a full
   * file is replaced by an empty one.
   * @default {5}
   */
  backups?: number;
  /** Bytes to gather before writing. @default {65536} */
  bufferSize?: number;
  /** The file operations. @default {denoRotatingFileDriver} */
  driver?: RotatingFileDriver;
  /**
   * Called with where the files stand after each checkpoint and when the sink
   * closes (undefined when a failure left that unknown), once the bytes are
   * durable. Without it, closing neither syncs nor reads the files.
   */
  onPosition?: (position: RotatingFilePosition | undefined) => void;
}

/**
 * A rotating file sink; `flush()` writes what it has gathered, `checkpoint()`
 * also makes it durable and reports the position to `onPosition`.
 */
export type RotatingFileSink = DisposableSink & {
  flush(): Promise<void>;
  checkpoint(): Promise<void>;
  /**
   * Writes whole lines serialized and encoded elsewhere (a parallel
   * backfill's), after those before, into the same files as the same events
   * one by one would go; resolves once it no longer needs `bytes`.
   */
  writeLines(bytes: Uint8Array, lines: number): Promise<void>;
  readonly stats: SinkStats;
};

/** Ignores a missing file, the way `rm -f` does. */
async function ifExists(op: () => Promise<void>): Promise<void> {
  try {
    await op();
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
}

/** The {@link RotatingFileDriver} over Deno's file APIs. */
export const denoRotatingFileDriver: RotatingFileDriver = {
  async open(path) {
    const folder = dirname(path);
    if (folder !== ".") await Deno.mkdir(folder, { recursive: true });
    const file = await Deno.open(path, { append: true, create: true });
    return {
      async write(bytes) {
        let done = 0;
        while (done < bytes.length) done += await file.write(bytes.subarray(done));
      },
      sync: () => file.syncData(),
      close() {
        file.close();
        return Promise.resolve();
      },
    };
  },
  async size(path) {
    try {
      return (await Deno.stat(path)).size;
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return 0;
      throw error;
    }
  },
  rename: (from, to) => ifExists(() => Deno.rename(from, to)),
  remove: (path) => ifExists(() => Deno.remove(path)),
  async read(path, start, end) {
    using file = await Deno.open(path, { read: true });
    await file.seek(start, Deno.SeekMode.Start);
    const bytes = new Uint8Array(Math.max(0, end - start));
    let done = 0;
    while (done < bytes.length) {
      const n = await file.read(bytes.subarray(done));
      if (n === null) break;
      done += n;
    }
    return bytes.subarray(0, done);
  },
  truncate: (path, size) => Deno.truncate(path, size),
};

const message = (error: unknown) => error instanceof Error ? error.message : String(error);

function checkOption(path: string, name: string, value: number, min: number): void {
  if (!Number.isSafeInteger(value) || value < min) {
    throw new RangeError(
      `getRotatingFileSink(${path}): ${name} must be an integer of at least ${min}, got ${value}`,
    );
  }
}

/**
 * A sink writing each event as one JSON line to `path`, appending if the file
 * exists and rotating it by size. The file is opened at the first event (or at
 * dispose, so that it exists even after a run without events). A file is
 * synced to disk before it is rotated away. Disposing writes what is buffered
 * and closes the file; events given after that are ignored. A failed open,
 * write, sync or rotation counts in `stats.errors` and rejects the promise of
 * the event, flush or checkpoint that ran it, with a message naming `path`;
 * the lines it held are lost and the next event opens the file again.
 */
export function getRotatingFileSink(
  path: string,
  options: RotatingFileSinkOptions = {},
): RotatingFileSink {
  const maxBytes = options.maxBytes ?? 100 * 1024 * 1024;
  const backups = options.backups ?? 5;
  const bufferSize = options.bufferSize ?? 65536;
  const driver = options.driver ?? denoRotatingFileDriver;
  checkOption(path, "maxBytes", maxBytes, 1);
  checkOption(path, "backups", backups, 0);
  checkOption(path, "bufferSize", bufferSize, 0);

  const stats = newSinkStats(`file ${path}`);
  const encoder = new TextEncoder();
  // Room for a full buffer and the line that overfills it, in the common case.
  const capacity = bufferSize + 16384;
  let buffer = new Uint8Array(capacity);
  /** Bytes and lines gathered in `buffer`. */
  let used = 0;
  let lines = 0;
  let file: RotatingFileHandle | undefined;
  /** Bytes of the current file once the buffer is written: rotation counts buffered bytes. */
  let size = 0;
  /** File operations run one after another; `pending` counts those queued or running. */
  let tail: Promise<void> = Promise.resolve();
  let pending = 0;
  let closed = false;
  let disposed: Promise<void> | undefined;

  function enqueue(op: () => Promise<void>): Promise<void> {
    pending++;
    const run = tail.then(op).finally(() => pending--);
    tail = run.catch(() => {});
    return run;
  }

  function fail(what: string, error: unknown): Error {
    stats.errors++;
    return new SinkError(`${path}: ${what}: ${message(error)}`, { cause: error });
  }

  async function open(): Promise<void> {
    if (file) return;
    try {
      const existing = await driver.size(path);
      file = await driver.open(path);
      size = existing + used;
    } catch (error) {
      throw fail("cannot open for appending", error);
    }
  }

  async function closeFile(): Promise<void> {
    const current = file;
    file = undefined;
    await current?.close();
  }

  /** Appends `bytes`, `count` lines, to the open file, and counts them. */
  async function append(bytes: Uint8Array, count: number): Promise<void> {
    try {
      await file!.write(bytes);
    } catch (error) {
      // The size on disk is unknown now: the next open reads it again.
      await closeFile().catch(() => {});
      throw fail(`cannot write ${count} events`, error);
    }
    stats.sent += count;
    stats.bytes += bytes.length;
  }

  async function write(): Promise<void> {
    if (used === 0) return;
    await open();
    const bytes = buffer.subarray(0, used);
    const count = lines;
    used = 0;
    lines = 0;
    await append(bytes, count);
    if (buffer.length > capacity) buffer = new Uint8Array(capacity);
  }

  async function rotate(): Promise<void> {
    try {
      await file?.sync();
      await closeFile();
      if (backups === 0) {
        await driver.remove(path);
      } else {
        await driver.remove(`${path}.${backups}`);
        for (let i = backups - 1; i >= 1; i--) {
          await driver.rename(`${path}.${i}`, `${path}.${i + 1}`);
        }
        await driver.rename(path, `${path}.1`);
      }
      file = await driver.open(path);
      size = 0;
    } catch (error) {
      throw fail("cannot rotate", error);
    }
  }

  /** Writes the buffer to the current file, rotates, and starts the new file with `line`. */
  async function rotateWith(line: Uint8Array): Promise<void> {
    await write();
    await rotate();
    if (buffer.length < line.length) buffer = new Uint8Array(line.length + capacity);
    buffer.set(line);
    used = size = line.length;
    lines = 1;
    if (used >= bufferSize) await write();
  }

  /** Makes room for `bytes` more in the buffer. */
  function reserve(bytes: number): void {
    if (buffer.length - used >= bytes) return;
    const grown = new Uint8Array(Math.max(buffer.length * 2, used + bytes));
    grown.set(buffer.subarray(0, used));
    buffer = grown;
  }

  /**
   * Gathers `line` into the buffer, with the file open and nothing pending.
   * Returns the file operation this calls for, if any.
   */
  function take(line: string): (() => Promise<void>) | undefined {
    // UTF-8 takes at most 3 bytes per UTF-16 code unit.
    reserve(line.length * 3);
    return taken(encoder.encodeInto(line, buffer.subarray(used)).written);
  }

  /** {@link take} for a line encoded elsewhere. */
  function takeBytes(line: Uint8Array): (() => Promise<void>) | undefined {
    reserve(line.length);
    buffer.set(line, used);
    return taken(line.length);
  }

  /** Keeps the line of `n` bytes just put after the buffer's `used`, or rotates before it. */
  function taken(n: number): (() => Promise<void>) | undefined {
    if (size > 0 && size + n > maxBytes) {
      const bytes = buffer.slice(used, used + n);
      return () => rotateWith(bytes);
    }
    used += n;
    size += n;
    lines++;
    if (used >= bufferSize) return write;
  }

  const sink = (event: SimEvent): void | Promise<void> => {
    if (closed) return;
    stats.received++;
    const line = JSON.stringify(event) + "\n";
    if (pending === 0 && file) {
      const work = take(line);
      return work && enqueue(work);
    }
    return enqueue(async () => {
      await open();
      await take(line)?.();
    });
  };

  function flush(): Promise<void> {
    return pending === 0 && used === 0 ? Promise.resolve() : enqueue(write);
  }

  function writeLines(bytes: Uint8Array, count: number): Promise<void> {
    if (closed) return Promise.resolve();
    stats.received += count;
    return enqueue(async () => {
      await open();
      if (size + bytes.length <= maxBytes) {
        // All of them fit in this file (the common case): written as they are, after the buffer.
        await write();
        await append(bytes, count);
        size += bytes.length;
        return;
      }
      // A rotation falls among them: line by line, as events one by one would go.
      for (let from = 0; from < bytes.length;) {
        const end = bytes.indexOf(NEWLINE, from) + 1 || bytes.length;
        await takeBytes(bytes.subarray(from, end))?.();
        from = end;
      }
    });
  }

  /** The position of the files now: the newest file of the set that holds bytes. */
  async function position(): Promise<RotatingFilePosition> {
    for (let n = 0; n <= backups; n++) {
      const size = await driver.size(rotatedName(path, n));
      if (size > 0) {
        return { file: n, size, tail: await tailDigest(driver, rotatedName(path, n), size) };
      }
    }
    return { file: 0, size: 0, tail: await tailDigest(driver, path, 0) };
  }

  /** Writes the buffer, makes the file durable and reports where the files stand. */
  async function settle(): Promise<void> {
    try {
      await write();
      try {
        await file?.sync();
      } catch (error) {
        throw fail("cannot sync", error);
      }
      let now;
      try {
        now = await position();
      } catch (error) {
        throw fail("cannot read the size of the files", error);
      }
      options.onPosition?.(now);
    } catch (error) {
      options.onPosition?.(undefined);
      throw error;
    }
  }

  function checkpoint(): Promise<void> {
    return closed ? Promise.resolve() : enqueue(settle);
  }

  function dispose(): Promise<void> {
    closed = true;
    return disposed ??= enqueue(async () => {
      let failure: Error | undefined;
      try {
        await open();
        await (options.onPosition ? settle() : write());
      } catch (error) {
        failure = error as Error;
        options.onPosition?.(undefined);
      }
      try {
        await closeFile();
      } catch (error) {
        failure ??= fail("cannot close", error);
      }
      if (failure) throw failure;
    });
  }

  return Object.assign(sink, {
    flush,
    checkpoint,
    writeLines,
    stats,
    [Symbol.asyncDispose]: dispose,
  });
}
