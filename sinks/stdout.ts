/**
 * NDJSON on standard output, the default sink: `evsim | jq`.
 *
 * @module
 */
import * as v from "valibot";
import { defineSinkType } from "../core/sink_type.ts";
import { getNdjsonSink, type NdjsonSink, type NdjsonSinkOptions } from "./ndjson.ts";

/** A sink writing each event as one JSON line to stdout. */
export function getStdoutSink(options: NdjsonSinkOptions = {}): NdjsonSink {
  return getNdjsonSink(Deno.stdout, { name: "stdout", ...options });
}

/** The `stdout` sink type, the default: `--sink stdout`. */
export const stdoutSinkType = defineSinkType({
  schema: v.strictObject({}),
  shorthand: { usage: "stdout", parse: (spec) => spec === "stdout" ? {} : undefined },
  lines: true,
  create: (_options, context) => getStdoutSink({ onClosed: context.stopRun }),
});
