/**
 * Sinks: where events go.
 *
 * @module
 */
export { getNdjsonSink } from "./ndjson.ts";
export type { NdjsonSink, NdjsonSinkOptions, Writer } from "./ndjson.ts";
export { getStdoutSink } from "./stdout.ts";
