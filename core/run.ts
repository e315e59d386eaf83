/**
 * The run loop: takes events from a {@link Simulation}, paces them against the
 * wall clock (realtime, accelerated) or not at all (backfill), and hands them
 * to a sink, waiting whenever the sink asks it to.
 *
 * @module
 */
import { type Clock, systemClock } from "./clock.ts";
import type { SimEvent } from "./event.ts";
import type { Simulation } from "./simulation.ts";
import type { Sink } from "./sink.ts";

/** Progress of a run, for a status line. */
export interface Progress {
  /** Simulated time reached, epoch ms. */
  simTime: number;
  events: number;
  /** Wall milliseconds since the run started. */
  elapsedMs: number;
}

/** Options of {@link runSimulation}. */
export interface RunOptions {
  /** Simulated end (exclusive), epoch ms; Infinity runs until `signal` aborts. */
  end: number;
  /** Simulated seconds per wall second; Infinity (backfill) never waits. @default {Infinity} */
  speed?: number;
  /** The wall clock. @default {systemClock} */
  clock?: Clock;
  /** Stops the run after the current event. */
  signal?: AbortSignal;
  /** Called about every `progressIntervalMs` of wall time. */
  onProgress?: (progress: Progress) => void;
  /** @default {1000} */
  progressIntervalMs?: number;
}

/** How a run ended. */
export type RunEnd = "finished" | "stopped";

/** Runs `sim` into `sink` until the end time or until `signal` aborts. */
export async function runSimulation(
  sim: Simulation,
  sink: Sink,
  options: RunOptions,
): Promise<RunEnd> {
  const { end, speed = Infinity, clock = systemClock, signal, onProgress } = options;
  const progressMs = options.progressIntervalMs ?? 1000;
  const wallStart = clock.now();
  const simStart = sim.now;
  let lastProgress = wallStart;
  let steps = 0;
  const out: SimEvent[] = [];
  try {
    while (!signal?.aborted) {
      const next = sim.peek();
      if (next >= end) return "finished";
      if (speed !== Infinity) {
        const wait = wallStart + (next - simStart) / speed - clock.now();
        if (wait > 0) {
          await sink.flush?.();
          await clock.sleep(wait, signal);
          continue;
        }
      }
      out.length = 0;
      sim.step(out);
      for (let i = 0; i < out.length; i++) {
        const r = sink(out[i]);
        if (r) await r;
      }
      if (onProgress && (++steps & 4095) === 0) {
        const t = clock.now();
        if (t - lastProgress >= progressMs) {
          lastProgress = t;
          onProgress({ simTime: sim.now, events: sim.stats.events, elapsedMs: t - wallStart });
        }
      }
    }
    return "stopped";
  } finally {
    await sink.flush?.();
  }
}
