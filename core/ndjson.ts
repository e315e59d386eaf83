/**
 * Reading NDJSON streams line by line, in constant memory: for `evsim replay`
 * and anything else that reads event files of any size.
 *
 * @module
 */
import * as v from "valibot";
import { EventSchema, type SimEvent } from "./event.ts";
import { ConfigError, formatIssues } from "./errors.ts";

/** Options of {@link readLines}. */
export interface ReadLinesOptions {
  /**
   * The longest line allowed, without its line break, in UTF-16 code units
   * (string length; one per byte for ASCII text). Default 16 MiB (16,777,216).
   */
  maxLineLength?: number;
}

const DEFAULT_MAX_LINE = 16 * 1024 * 1024;

/**
 * The lines of a byte stream (UTF-8, without their "\n" or "\r\n"), as they
 * arrive; a last line without a line break too. Time is linear in the input,
 * memory in the longest line.
 *
 * @throws {ConfigError} if a line is longer than `maxLineLength`.
 */
export async function* readLines(
  stream: ReadableStream<Uint8Array>,
  options: ReadLinesOptions = {},
): AsyncGenerator<string> {
  const max = options.maxLineLength ?? DEFAULT_MAX_LINE;
  // The unfinished line, in pieces, joined once its "\n" arrives.
  let pieces: string[] = [];
  let pending = 0;
  let n = 0;
  for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
    let start = 0;
    let end: number;
    while ((end = chunk.indexOf("\n", start)) >= 0) {
      let text = chunk.slice(start, end);
      if (pieces.length > 0) {
        pieces.push(text);
        text = pieces.join("");
        pieces = [];
        pending = 0;
      }
      n++;
      if (text.endsWith("\r")) text = text.slice(0, -1);
      if (text.length > max) throw tooLong(n, max);
      yield text;
      start = end + 1;
    }
    if (start < chunk.length) {
      pieces.push(chunk.slice(start));
      pending += chunk.length - start;
      // A last "\r" may yet turn out to be part of the line break.
      if (pending - (chunk.endsWith("\r") ? 1 : 0) > max) throw tooLong(n + 1, max);
    }
  }
  if (pieces.length > 0) {
    const text = pieces.join("");
    if (text.length > max) throw tooLong(n + 1, max);
    yield text;
  }
}

function tooLong(line: number, max: number): ConfigError {
  const size = max >= 1024 * 1024 && max % (1024 * 1024) === 0
    ? `${max / (1024 * 1024)} MiB (${max} characters)`
    : `${max} characters`;
  return new ConfigError(`line ${line}: longer than ${size}; is this an NDJSON file?`);
}

/** A line that is not an event, and why. */
export interface BadLine {
  line: number;
  problem: string;
}

/** Options of {@link readEvents}. */
export interface ReadEventsOptions {
  /**
   * Turns each parsed line into the value checked as an event: `deadLetterEvent`
   * of `sinks/dead_letter.ts` takes the event of a dead-letter entry, so that
   * dead-letter files read as event files.
   * @default {the value itself}
   */
  unwrap?: (value: unknown) => unknown;
}

/**
 * The events in NDJSON `lines` (after `options.unwrap`). Lines that are not
 * events are reported to `onBad` and skipped; blank lines are ignored.
 */
export async function* readEvents(
  lines: AsyncIterable<string> | Iterable<string>,
  onBad: (bad: BadLine) => void,
  options: ReadEventsOptions = {},
): AsyncGenerator<SimEvent> {
  const unwrap = options.unwrap ?? ((value: unknown) => value);
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
    const result = v.safeParse(EventSchema, unwrap(value));
    if (result.success) yield result.output;
    else onBad({ line: n, problem: formatIssues("event", result.issues).join("; ") });
  }
}
