/**
 * The run loop: takes events from a {@link Simulation}, paces them against the
 * wall clock (realtime, accelerated) or not at all (backfill), and hands them
 * to a sink, waiting whenever the sink asks it to.
 *
 * @module
 */
import { type Clock, systemClock } from "./clock.ts";
import type { CommandInbox } from "./command.ts";
import type { SimEvent } from "./event.ts";
import { newSimulationStats, type Simulation } from "./simulation.ts";
import type { Sink } from "./sink.ts";

const DAY_MS = 86_400_000;

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
  /**
   * Pace against this pairing of wall and simulated time instead of the start
   * of the call: `{ wallMs: 0, simMs: 0 }` follows the wall clock itself, so a
   * realtime run that resumes late catches up first.
   */
  anchor?: { wallMs: number; simMs: number };
  /**
   * Called about every `everyMs` of wall time between two steps, after the
   * sink was flushed and has settled every event so far (`Sink.checkpoint`):
   * the moment to save the simulation's state.
   */
  checkpoint?: { everyMs: number; save: () => Promise<void> };
  /**
   * Commands from outside (a central system's), applied between two steps at
   * the simulated time of the moment they are taken; a wait for the next
   * event ends early when one comes. Those still waiting at the end are refused.
   */
  commands?: CommandInbox;
}

/**
 * Runs `sim` silently until `until` (epoch ms), then starts its counters again
 * from zero, so that the run proper starts from a busy network instead of an
 * empty one. Energy, too, counts from `until`: the sessions plugged in by then
 * have their energy so far subtracted, so that what they take counts, not what
 * they took. A long warm-up goes a day at a time, with `between` called after
 * each day (a caller's chance to look after its memory).
 */
export function warmUp(sim: Simulation, until: number, between?: () => void): void {
  for (let day = sim.now + DAY_MS; day < until; day += DAY_MS) {
    sim.advance(day);
    between?.();
  }
  sim.advance(until);
  Object.assign(sim.stats, newSimulationStats(), { energyKwh: -sim.pluggedInEnergyKwh() });
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
  const { checkpoint, commands } = options;
  const wallStart = clock.now();
  const anchor = options.anchor ?? { wallMs: wallStart, simMs: sim.now };
  let lastProgress = wallStart;
  let lastSave = wallStart;
  let steps = 0;
  // The snapshot covers only what every sink has settled. Stopped while a sink
  // settles, the run skips the save: the caller saves after closing the sinks.
  const save = async () => {
    await sink.flush?.();
    if (sink.checkpoint && !await settledUnlessAborted(sink.checkpoint(), signal)) return;
    await checkpoint!.save();
    lastSave = clock.now();
  };
  const out: SimEvent[] = [];
  /** Hands `out` to the sink from `from` on; a promise only if the sink makes one wait. */
  const deliver = (from = 0): Promise<void> | undefined => {
    for (let i = from; i < out.length; i++) {
      const r = sink(out[i]);
      if (r) return r.then(() => deliver(i + 1));
    }
  };
  try {
    while (!signal?.aborted) {
      if (commands?.size) {
        // Now in simulated time: the clock's, between the last step and the next timer.
        const clockSim = speed === Infinity
          ? sim.now
          : anchor.simMs + (clock.now() - anchor.wallMs) * speed;
        out.length = 0;
        commands.applyAll(sim, Math.min(Math.max(clockSim, sim.now), sim.peek(), end), out);
        await deliver();
      }
      const next = sim.peek();
      if (next >= end) return "finished";
      if (speed !== Infinity) {
        const wait = anchor.wallMs + (next - anchor.simMs) / speed - clock.now();
        if (wait > 0) {
          await sink.flush?.();
          if (checkpoint && clock.now() - lastSave >= checkpoint.everyMs) await save();
          const woken = commands && signal
            ? AbortSignal.any([signal, commands.signal])
            : commands?.signal ?? signal;
          await clock.sleep(wait, woken);
          continue;
        }
      }
      out.length = 0;
      sim.step(out);
      // Most steps' events go to the sink without waiting: no promise to await.
      const delivering = deliver();
      if (delivering) await delivering;
      if ((++steps & 1023) === 0 && (onProgress || checkpoint)) {
        const t = clock.now();
        if (onProgress && t - lastProgress >= progressMs) {
          lastProgress = t;
          onProgress({ simTime: sim.now, events: sim.stats.events, elapsedMs: t - wallStart });
        }
        if (checkpoint && t - lastSave >= checkpoint.everyMs) await save();
      }
    }
    return "stopped";
  } finally {
    commands?.close();
    await sink.flush?.();
  }
}

/** Whether `settling` resolved before `signal` aborted. */
function settledUnlessAborted(settling: Promise<void>, signal?: AbortSignal): Promise<boolean> {
  if (!signal) return settling.then(() => true);
  if (signal.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const stop = () => resolve(false);
    signal.addEventListener("abort", stop, { once: true });
    settling.then(() => {
      signal.removeEventListener("abort", stop);
      resolve(!signal.aborted);
    }, () => resolve(false));
  });
}
