/**
 * NDJSON on standard output, the default sink: `evsim | jq`.
 *
 * @module
 */
import type { DisposableSink } from "../core/sink.ts";
import { getNdjsonSink, type NdjsonSinkOptions } from "./ndjson.ts";

/** A sink writing each event as one JSON line to stdout. */
export function getStdoutSink(options: NdjsonSinkOptions = {}): DisposableSink {
  return getNdjsonSink(Deno.stdout, options);
}
