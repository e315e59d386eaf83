/**
 * Human-readable lines for the end-of-run summary and the progress line.
 *
 * @module
 */
import type { Progress } from "./run.ts";
import type { SimulationStats } from "./simulation.ts";

const count = (n: number) => Math.round(n).toLocaleString("en-US");

/** The end-of-run summary. */
export function formatSummary(stats: SimulationStats): string {
  return [
    `events ${count(stats.events)}`,
    `sessions started ${count(stats.sessionsStarted)}`,
    `completed ${count(stats.sessionsCompleted)}`,
    `failed ${count(stats.sessionsFailed)}`,
    `interruptions ${count(stats.interruptions)}`,
    `energy delivered ${stats.energyKwh.toLocaleString("en-US", { maximumFractionDigits: 1 })} kWh`,
  ].join(" · ");
}

/** One status line: simulated time reached and speed. */
export function formatProgress(p: Progress): string {
  const rate = p.elapsedMs > 0 ? p.events / (p.elapsedMs / 1000) : 0;
  return `simulated ${new Date(p.simTime).toISOString().slice(0, 16)}Z · ${
    count(p.events)
  } events · ${count(rate)} events/s`;
}
