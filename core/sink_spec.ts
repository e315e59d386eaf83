/**
 * The `--sink` shorthand: `stdout`, `file:out/sessions.ndjson`,
 * `http://host/path`, `server:8787`.
 *
 * @module
 */
import * as v from "valibot";
import { type SinkEntry, SinkEntrySchema } from "./config.ts";
import { ConfigError, formatIssues } from "./errors.ts";

const USAGE = "expected stdout, file:PATH, http(s)://URL, server:PORT or mqtt(s)://HOST:PORT";

/**
 * The sink config a `--sink` value stands for, with the defaults of built-in
 * sinks filled in (`mqtt://…` stands for the mqtt plugin's sink).
 */
export function parseSinkSpec(spec: string): SinkEntry {
  let input: unknown;
  if (spec === "stdout") input = { type: "stdout" };
  else if (spec.startsWith("file:")) input = { type: "file", path: spec.slice(5) };
  else if (/^https?:\/\//.test(spec)) input = { type: "http", url: spec };
  else if (/^mqtts?:\/\//.test(spec)) input = { type: "mqtt", url: spec };
  else if (/^server(:\d+)?$/.test(spec)) {
    input = { type: "server", port: spec === "server" ? 8787 : Number(spec.slice(7)) };
  } else throw new ConfigError(`--sink: ${USAGE}, got ${JSON.stringify(spec)}`);
  const result = v.safeParse(SinkEntrySchema, input);
  if (!result.success) throw new ConfigError(formatIssues(`--sink ${spec}`, result.issues));
  return result.output;
}
