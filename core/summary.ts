/**
 * Human-readable lines for the end-of-run summary and the progress line.
 *
 * @module
 */
import type { Progress } from "./run.ts";
import type { SimulationStats } from "./simulation.ts";
import { latencyQuantile, type SinkStats } from "./sink.ts";

const count = (n: number) => Math.round(n).toLocaleString("en-US");

/** The end-of-run summary. */
export function formatSummary(stats: SimulationStats): string {
  return [
    `events ${count(stats.events)}`,
    `sessions started ${count(stats.sessionsStarted)}`,
    `completed ${count(stats.sessionsCompleted)}`,
    `failed ${count(stats.sessionsFailed)}`,
    `rejected ${count(stats.sessionsRejected)}`,
    `interruptions ${count(stats.interruptions)}`,
    `faults ${count(stats.faults)}`,
    `energy delivered ${stats.energyKwh.toLocaleString("en-US", { maximumFractionDigits: 1 })} kWh`,
  ].join(" · ");
}

/** What happened between two readings of a simulation's counters: `end` minus `start`. */
export function statsBetween(start: SimulationStats, end: SimulationStats): SimulationStats {
  const out = { ...end };
  for (const key of Object.keys(out) as (keyof SimulationStats)[]) out[key] -= start[key];
  return out;
}

/**
 * The summary of a run that resumed a saved state at `at` (epoch ms), where
 * the counters stood at `before`: first what this run did (what its sinks
 * received), then the totals since the run first started.
 */
export function formatResumedSummary(
  stats: SimulationStats,
  resumed: { at: number; stats: SimulationStats },
): string[] {
  return [
    `this run, from ${new Date(resumed.at).toISOString()}: ${
      formatSummary(statsBetween(resumed.stats, stats))
    }`,
    `in all since the first start: ${formatSummary(stats)}`,
  ];
}

/** What a progress line measures against. */
export interface ProgressSpan {
  /** The simulated start of the run, epoch ms. */
  start: number;
  /** Its simulated end (exclusive), epoch ms; Infinity shows no share done or time left. */
  end: number;
  /**
   * Where this process began, when it resumed a saved state: the simulated
   * time and the count of events then. @default {the start, no events}
   */
  resumedAt?: { simTime: number; events: number };
}

/** Wall time to wait, rounded for reading: `8 s`, `3 min 20 s`, `2 h 05 min`. */
export function formatWait(ms: number): string {
  const s = Math.ceil(ms / 1000);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, "0")} s`;
  const min = Math.round(s / 60);
  return `${Math.floor(min / 60)} h ${String(min % 60).padStart(2, "0")} min`;
}

/**
 * One status line: the simulated time reached, and with a `span`, the share
 * of it done and the wall time left at the speed so far; then this process's
 * events and their rate:
 * `simulated 2026-01-07T12:00Z · 35.7 % · about 1 min 40 s left · 1,234,567 events · 190,000 events/s`.
 */
export function formatProgress(p: Progress, span?: ProgressSpan): string {
  const from = span?.resumedAt ?? { simTime: span?.start ?? p.simTime, events: 0 };
  const events = p.events - from.events;
  const parts = [`simulated ${new Date(p.simTime).toISOString().slice(0, 16)}Z`];
  if (span && Number.isFinite(span.end) && span.end > span.start) {
    const done = Math.min(1, Math.max(0, (p.simTime - span.start) / (span.end - span.start)));
    parts.push(`${(100 * done).toFixed(1)} %`);
    // Simulated milliseconds per wall millisecond since this process began.
    const speed = p.elapsedMs > 0 ? (p.simTime - from.simTime) / p.elapsedMs : 0;
    if (speed > 0) parts.push(`about ${formatWait((span.end - p.simTime) / speed)} left`);
  }
  const rate = p.elapsedMs > 0 ? events / (p.elapsedMs / 1000) : 0;
  parts.push(`${count(events)} events`, `${count(rate)} events/s`);
  return parts.join(" · ");
}

const bytes = (n: number) =>
  n >= 1e9
    ? `${(n / 1e9).toFixed(2)} GB`
    : n >= 1e6
    ? `${(n / 1e6).toFixed(1)} MB`
    : `${(n / 1e3).toFixed(1)} kB`;

/** Milliseconds, rounded for reading: 0.4, 12, 495. */
const ms = (n: number) => n < 10 ? n.toFixed(1) : Math.round(n).toString();

/** One line of a sink's delivery counters, leaving out those it does not use. */
export function formatSinkStats(s: SinkStats): string {
  const parts = [`received ${count(s.received)}`, `sent ${count(s.sent)}`];
  if (s.latency.count > 0) parts.push(`acknowledged ${count(s.acknowledged)}`);
  if (s.retried) parts.push(`retried ${count(s.retried)}`);
  if (s.deadLettered) {
    parts.push(
      `dead-lettered ${count(s.deadLettered)}${s.deadLetterFile ? ` to ${s.deadLetterFile}` : ""}`,
    );
  }
  if (s.lost) parts.push(`LOST ${count(s.lost)} (the dead-letter file could not be written)`);
  if (s.leftOnDisk?.events) {
    parts.push(
      `${count(s.leftOnDisk.events)} left in the disk buffer ${s.leftOnDisk.path} ` +
        "(sent when the sink starts again)",
    );
  }
  if (s.dropped) parts.push(`dropped ${count(s.dropped)}`);
  if (s.errors) parts.push(`errors ${count(s.errors)}`);
  if (s.bytes) parts.push(bytes(s.bytes));
  if (s.latency.count > 0) {
    const mean = s.latency.totalMs / s.latency.count;
    parts.push(
      `latency mean ${ms(mean)} ms, p99 ≤ ${ms(latencyQuantile(s.latency, 0.99))} ms, max ${
        ms(s.latency.maxMs)
      } ms`,
    );
  }
  return `${s.name}: ${parts.join(" · ")}`;
}
