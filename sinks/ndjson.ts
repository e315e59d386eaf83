/**
 * NDJSON to any byte writer: one event per line, buffered in chunks, with
 * backpressure (a write in flight makes the sink ask the run to wait).
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
  /** Bytes to gather before writing. @default {65536} */
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

/** An NDJSON sink; `flush()` writes what it has gathered. */
export type NdjsonSink = DisposableSink & { flush(): Promise<void>; readonly stats: SinkStats };

/** A sink writing each event as one JSON line to `writer`. */
export function getNdjsonSink(writer: Writer, options: NdjsonSinkOptions = {}): NdjsonSink {
  const bufferSize = options.bufferSize ?? 65536;
  const encoder = new TextEncoder();
  const stats = newSinkStats(options.name ?? "ndjson");
  let pending = "";
  let lines = 0;
  let closed = false;

  async function flush(): Promise<void> {
    if (closed || pending === "") return;
    const bytes = encoder.encode(pending);
    const count = lines;
    pending = "";
    lines = 0;
    try {
      await writeAll(writer, bytes);
      stats.sent += count;
      stats.bytes += bytes.length;
    } catch (error) {
      if (error instanceof Error && error.name === "BrokenPipe") {
        closed = true;
        options.onClosed?.();
        return;
      }
      throw error;
    }
  }

  const sink = (event: unknown) => {
    if (closed) return;
    stats.received++;
    lines++;
    pending += JSON.stringify(event) + "\n";
    if (pending.length >= bufferSize) return flush();
  };
  return Object.assign(sink, { flush, stats, [Symbol.asyncDispose]: flush });
}
