/**
 * The sink contract, in the spirit of LogTape's function sinks: a sink is a
 * function that takes each event. Returning a promise asks the caller to wait
 * before the next event (backpressure); sinks that hold resources are
 * `AsyncDisposable`.
 *
 * @module
 */
import type { SimEvent } from "./event.ts";

/** Receives every event, in order. */
export type Sink = ((event: SimEvent) => void | Promise<void>) & {
  /** Delivers anything buffered now; called before the run waits on the clock. */
  flush?: () => Promise<void>;
};

/** A sink that holds resources and must be closed. */
export type DisposableSink = Sink & AsyncDisposable;

/** One sink that hands every event to each of `sinks`, and flushes and closes them in order. */
export function fanOut(sinks: readonly Sink[]): DisposableSink {
  if (sinks.length === 1) {
    const only = sinks[0];
    const sink: Sink = (event) => only(event);
    sink.flush = () => only.flush?.() ?? Promise.resolve();
    return Object.assign(sink, {
      [Symbol.asyncDispose]: () => dispose(only),
    });
  }
  const sink: Sink = (event) => {
    let waits: Promise<void>[] | undefined;
    for (const s of sinks) {
      const r = s(event);
      if (r) (waits ??= []).push(r);
    }
    if (waits) return Promise.all(waits).then(() => {});
  };
  sink.flush = async () => {
    await Promise.all(sinks.map((s) => s.flush?.()));
  };
  return Object.assign(sink, {
    async [Symbol.asyncDispose]() {
      for (const s of sinks) await dispose(s);
    },
  });
}

/** Closes a sink if it holds resources. */
export async function dispose(sink: Sink): Promise<void> {
  const d = (sink as Partial<AsyncDisposable>)[Symbol.asyncDispose];
  if (d) await d.call(sink);
}
