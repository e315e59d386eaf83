/**
 * Reading NDJSON streams line by line, in constant memory: for `evsim replay`
 * and anything else that reads event files of any size.
 *
 * @module
 */
import * as v from "valibot";
import { EventSchema, type SimEvent } from "./event.ts";
import { formatIssues } from "./errors.ts";

/** The lines of a byte stream (without their line breaks), as they arrive. */
export async function* readLines(stream: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  let rest = "";
  for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
    rest += chunk;
    let start = 0;
    let end: number;
    while ((end = rest.indexOf("\n", start)) >= 0) {
      yield rest.slice(start, end).replace(/\r$/, "");
      start = end + 1;
    }
    rest = rest.slice(start);
  }
  if (rest !== "") yield rest;
}

/** A line that is not an event, and why. */
export interface BadLine {
  line: number;
  problem: string;
}

/**
 * The events in NDJSON `lines`: plain event lines, or dead-letter entries
 * (`{"reason": …, "event": {…}}`), whose event is taken. Lines that are
 * neither are reported to `onBad` and skipped; blank lines are ignored.
 */
export async function* readEvents(
  lines: AsyncIterable<string> | Iterable<string>,
  onBad: (bad: BadLine) => void,
): AsyncGenerator<SimEvent> {
  let n = 0;
  for await (const text of lines) {
    n++;
    if (text.trim() === "") continue;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      onBad({ line: n, problem: `invalid JSON: ${(error as Error).message}` });
      continue;
    }
    if (value && typeof value === "object" && "event" in value && "reason" in value) {
      value = value.event;
    }
    const result = v.safeParse(EventSchema, value);
    if (result.success) yield result.output;
    else onBad({ line: n, problem: formatIssues("event", result.issues).join("; ") });
  }
}
