/**
 * The dead-letter file: events a sink could not deliver, one JSON line each
 * with the reason, so nothing is lost silently and `evsim replay` can send
 * them again.
 *
 * @module
 */
import type { SimEvent } from "../core/event.ts";

/** One undeliverable event and why. */
export interface DeadLetterEntry {
  /** Why it was not delivered: `HTTP 400: …`, `attempts exhausted: …`, `shutdown deadline passed`. */
  reason: string;
  /** Delivery attempts made. */
  attempts: number;
  /** The sink that gave up, e.g. `http http://127.0.0.1:8080/events`. */
  sink: string;
  event: SimEvent;
}

/**
 * The event a line of a dead-letter file holds: for an entry
 * (`{"reason": …, "event": {…}}`), its `event`; for anything else, `value`
 * itself. With it, `evsim replay` and `evsim stats` read a dead-letter file as
 * they read a file of events.
 */
export function deadLetterEvent(value: unknown): unknown {
  return value && typeof value === "object" && "event" in value && "reason" in value
    ? value.event
    : value;
}

/** Where undeliverable events go. */
export interface DeadLetter extends AsyncDisposable {
  /** The file, if there is one: named in the summary. */
  readonly path?: string;
  /** Appends entries, in order; resolves once they are written. */
  write(entries: readonly DeadLetterEntry[]): Promise<void>;
}

/**
 * A dead-letter NDJSON file at `path`, appended to and created on the first
 * entry (no file appears when nothing fails).
 */
export function openDeadLetterFile(path: string): DeadLetter {
  const encoder = new TextEncoder();
  let file: Deno.FsFile | undefined;
  let chain = Promise.resolve();
  return {
    path,
    write(entries) {
      if (entries.length === 0) return chain;
      const text = entries.map((e) => JSON.stringify(e) + "\n").join("");
      chain = chain.then(async () => {
        file ??= await Deno.open(path, { append: true, create: true });
        const bytes = encoder.encode(text);
        let done = 0;
        while (done < bytes.length) done += await file.write(bytes.subarray(done));
      });
      return chain;
    },
    async [Symbol.asyncDispose]() {
      await chain;
      file?.close();
      file = undefined;
    },
  };
}

/** A dead letter kept in memory, for tests and for library users who handle it themselves. */
export function memoryDeadLetter(): DeadLetter & { entries: DeadLetterEntry[] } {
  const entries: DeadLetterEntry[] = [];
  return {
    entries,
    write(list) {
      entries.push(...list);
      return Promise.resolve();
    },
    [Symbol.asyncDispose]: () => Promise.resolve(),
  };
}
