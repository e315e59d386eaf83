/**
 * NDJSON to any byte writer: one event per line, encoded straight into one of
 * two reused buffers. While one buffer is being written the other fills, so
 * the run waits (backpressure) only when a buffer is full and the previous
 * write has not finished yet.
 *
 * @module
 */
import { type DisposableSink, newSinkStats, type SinkStats } from "../core/sink.ts";

/** Where the bytes go: `Deno.stdout`, a file, or memory in tests. */
export interface Writer {
  write(p: Uint8Array): Promise<number>;
}

/** Options of {@link getNdjsonSink}. */
export interface NdjsonSinkOptions {
  /**
   * Bytes of each of the two buffers: a write starts when one is full (or on
   * `flush()`), and at most one write is in flight. @default {1048576}
   */
  bufferSize?: number;
  /** Called once if the reader goes away (a closed pipe); later events are dropped. */
  onClosed?: () => void;
  /** Name in logs and the summary. @default {"ndjson"} */
  name?: string;
}

async function writeAll(writer: Writer, bytes: Uint8Array): Promise<void> {
  let done = 0;
  while (done < bytes.length) done += await writer.write(bytes.subarray(done));
}

/**
 * An NDJSON sink; `flush()` writes what it has gathered. `writeLines(bytes,
 * lines)` writes lines already serialized and encoded elsewhere (a parallel
 * backfill's: `app/parallel.ts`) after those before, as they are; it waits
 * only for the write in flight, and `bytes` must stay unchanged until the
 * next call or `flush()` returns.
 */
export type NdjsonSink = DisposableSink & {
  flush(): Promise<void>;
  writeLines(bytes: Uint8Array, lines: number): Promise<void>;
  readonly stats: SinkStats;
};

/** The smallest buffer that holds any character (4 bytes of UTF-8). */
const MIN_BUFFER = 4;
const NEWLINE = 10;

/**
 * A sink writing each event as one JSON line to `writer`. The bytes are those
 * of `JSON.stringify(event) + "\n"` for each event, in order. A write error
 * other than a closed pipe is thrown from the next call that waits (an event
 * or `flush()`); the lines of the failed write are not counted as sent.
 */
export function getNdjsonSink(writer: Writer, options: NdjsonSinkOptions = {}): NdjsonSink {
  const size = Math.max(options.bufferSize ?? 1 << 20, MIN_BUFFER);
  const encoder = new TextEncoder();
  const stats = newSinkStats(options.name ?? "ndjson");
  /** The buffer being filled, and the one being written (or free). */
  let filling = new Uint8Array(size);
  let spare = new Uint8Array(size);
  /** Bytes and whole lines in `filling`. */
  let used = 0;
  let lines = 0;
  /** The write of `spare`, if one is in flight; it never rejects (see `failure`). */
  let writing: Promise<void> | undefined;
  let failure: unknown;
  let closed = false;

  async function write(bytes: Uint8Array, count: number): Promise<void> {
    try {
      await writeAll(writer, bytes);
      stats.sent += count;
      stats.bytes += bytes.length;
    } catch (error) {
      if (error instanceof Error && error.name === "BrokenPipe") {
        if (!closed) {
          closed = true;
          options.onClosed?.();
        }
      } else {
        failure ??= error;
      }
    }
  }

  /** Starts writing `filling` (no write may be in flight) and fills the other buffer next. */
  function startWrite(): void {
    const bytes = filling.subarray(0, used);
    const count = lines;
    [filling, spare] = [spare, filling];
    used = 0;
    lines = 0;
    writing = write(bytes, count).finally(() => writing = undefined);
  }

  function throwFailure(): void {
    if (failure === undefined) return;
    const error = failure;
    failure = undefined;
    throw error;
  }

  /** Puts `text` (ending with its newline) into the buffers, waiting when both are taken. */
  function putSpilling(text: string): Promise<void> | undefined {
    while (!closed) {
      const { read, written } = encoder.encodeInto(text, filling.subarray(used));
      used += written;
      if (read === text.length) {
        lines++;
        return;
      }
      text = text.slice(read);
      if (writing) {
        const rest = text;
        return writing.then(() => {
          throwFailure();
          if (closed) return;
          startWrite();
          return putSpilling(rest);
        });
      }
      startWrite();
    }
  }

  async function flush(): Promise<void> {
    while (writing) await writing;
    if (used > 0 && !closed) {
      startWrite();
      await writing;
    }
    throwFailure();
  }

  async function writeLines(bytes: Uint8Array, count: number): Promise<void> {
    if (closed) return;
    stats.received += count;
    // Lines the sink gathered itself go first.
    while (writing) await writing;
    if (used > 0 && !closed) {
      startWrite();
      await writing;
    }
    throwFailure();
    if (closed) return;
    writing = write(bytes, count).finally(() => writing = undefined);
  }

  const sink = (event: unknown) => {
    if (closed) return;
    stats.received++;
    const line = JSON.stringify(event);
    // UTF-8 takes at most 3 bytes per UTF-16 code unit: the common case fits whole.
    if (size - used > line.length * 3) {
      used += encoder.encodeInto(line, filling.subarray(used)).written;
      filling[used++] = NEWLINE;
      lines++;
      return;
    }
    return putSpilling(line + "\n");
  };
  return Object.assign(sink, { flush, writeLines, stats, [Symbol.asyncDispose]: flush });
}
