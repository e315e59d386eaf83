/**
 * NDJSON to a file that rotates by size, in the manner of LogTape's rotating
 * file sink: `events.ndjson` grows until the next line would take it past
 * `maxBytes`; then it becomes `events.ndjson.1`, older files shift up to
 * `events.ndjson.N` and the oldest is dropped. Lines are buffered in chunks
 * and never split across files; a write in flight makes the sink ask the run
 * to wait. File operations go through a small {@link RotatingFileDriver}, so
 * tests can use memory.
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
}

/** A rotating file sink; `flush()` writes what it has gathered. */
export type RotatingFileSink = DisposableSink & {
  flush(): Promise<void>;
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
 * dispose, so that it exists even after a run without events). Disposing
 * writes what is buffered and closes the file; events given after that are
 * ignored. A failed open, write or rotation counts in `stats.errors` and
 * rejects the promise of the event or flush that ran it, with a message naming
 * `path`; the lines it held are lost and the next event opens the file again.
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

  async function write(): Promise<void> {
    if (used === 0) return;
    await open();
    const bytes = buffer.subarray(0, used);
    const count = lines;
    used = 0;
    lines = 0;
    try {
      await file!.write(bytes);
    } catch (error) {
      // The size on disk is unknown now: the next open reads it again.
      await closeFile().catch(() => {});
      throw fail(`cannot write ${count} events`, error);
    }
    stats.sent += count;
    stats.bytes += bytes.length;
    if (buffer.length > capacity) buffer = new Uint8Array(capacity);
  }

  async function rotate(): Promise<void> {
    try {
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

  /**
   * Gathers `line` into the buffer, with the file open and nothing pending.
   * Returns the file operation this calls for, if any.
   */
  function take(line: string): (() => Promise<void>) | undefined {
    // UTF-8 takes at most 3 bytes per UTF-16 code unit.
    if (buffer.length - used < line.length * 3) {
      const grown = new Uint8Array(Math.max(buffer.length * 2, used + line.length * 3));
      grown.set(buffer.subarray(0, used));
      buffer = grown;
    }
    const n = encoder.encodeInto(line, buffer.subarray(used)).written;
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

  function dispose(): Promise<void> {
    closed = true;
    return disposed ??= enqueue(async () => {
      let failure: Error | undefined;
      try {
        await open();
        await write();
      } catch (error) {
        failure = error as Error;
      }
      try {
        await closeFile();
      } catch (error) {
        failure ??= fail("cannot close", error);
      }
      if (failure) throw failure;
    });
  }

  return Object.assign(sink, { flush, stats, [Symbol.asyncDispose]: dispose });
}
