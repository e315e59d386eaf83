/**
 * What the engine benchmarks share: the start and warm-up of their runs, the
 * peak hours of their demand, and a batch of events from an engine through
 * the NDJSON sink to a null writer.
 */
import type { SimEvent } from "../core/event.ts";
import { getNdjsonSink } from "../sinks/ndjson.ts";

/** Where the benchmarks' runs start: a Monday. */
export const BACKFILL_START = Date.UTC(2026, 0, 5);
/** Simulated time stepped through before measuring, so the mix of events is steady. */
export const WARM_UP_MS = 3 * 3_600_000;
/** The peak hours of the benchmarks' demand (`defaultDemand`'s options). */
export const BENCH_PEAKS = {
  peakHours: [{ from: 7, to: 10 }, { from: 16, to: 20 }],
  peakMultiplier: 2,
};

/** What the benchmarks need of an engine (this checkout's, or another's). */
export interface Engine {
  step(out: SimEvent[]): number;
  peek(): number;
}

/** A writer that takes every byte and keeps none. */
export const nullWriter = { write: (p: Uint8Array) => Promise.resolve(p.length) };

/** Steps `sim` through {@link WARM_UP_MS} from {@link BACKFILL_START}; returns it. */
export function warmedUp<T extends Engine>(sim: T): T {
  const out: SimEvent[] = [];
  while (sim.peek() < BACKFILL_START + WARM_UP_MS) {
    sim.step(out);
    out.length = 0;
  }
  return sim;
}

/** The next `count` events of `sim` (or a few more: a step's whole output) written as NDJSON. */
export async function serializeBatch(sim: Engine, count: number): Promise<void> {
  const sink = getNdjsonSink(nullWriter);
  const out: SimEvent[] = [];
  let n = 0;
  while (n < count) {
    out.length = 0;
    n += sim.step(out);
    for (const e of out) {
      const r = sink(e);
      if (r) await r;
    }
  }
  await sink.flush();
}
