/**
 * NDJSON on standard output, the default sink: `evsim | jq`.
 *
 * @module
 */
import { getNdjsonSink, type NdjsonSink, type NdjsonSinkOptions } from "./ndjson.ts";

/** A sink writing each event as one JSON line to stdout. */
export function getStdoutSink(options: NdjsonSinkOptions = {}): NdjsonSink {
  return getNdjsonSink(Deno.stdout, { name: "stdout", ...options });
}
