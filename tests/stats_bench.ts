/**
 * Throughput of `evsim stats`: NDJSON lines of a default simulation (1,000
 * chargers, after a 3-simulated-hour warm-up) read by a `StatsCollector`,
 * against the ceiling of merely parsing them as JSON. Each iteration reads
 * {@link BATCH} lines, so lines/s = BATCH × iter/s.
 */
import { defaults } from "../data/mod.ts";
import { defaultDemand } from "../core/arrivals.ts";
import type { SimEvent } from "../core/event.ts";
import { Simulation } from "../core/simulation.ts";
import { networkOfAbout } from "./_events.ts";
import { StatsCollector } from "../stats/stats.ts";

const BATCH = 100_000;
const START = Date.UTC(2026, 0, 5);
const WARM_UP_MS = 3 * 3_600_000;

/** {@link BATCH} NDJSON lines of a simulation of about 1,000 chargers, past its warm-up. */
function recordedLines(): string[] {
  const sim = new Simulation({
    seed: 1,
    start: START,
    network: networkOfAbout(1_000),
    model: defaults.model,
    demand: defaultDemand(defaults.model),
  });
  const out: SimEvent[] = [];
  while (sim.peek() < START + WARM_UP_MS) {
    sim.step(out);
    out.length = 0;
  }
  while (out.length < BATCH) sim.step(out);
  return out.slice(0, BATCH).map((e) => JSON.stringify(e));
}

const lines = recordedLines();

Deno.bench({
  name: `JSON.parse ${BATCH.toLocaleString("en-US")} lines (ceiling)`,
  group: "stats",
  baseline: true,
  fn() {
    for (const line of lines) JSON.parse(line);
  },
});

Deno.bench({
  name: `StatsCollector reads ${BATCH.toLocaleString("en-US")} lines`,
  group: "stats",
  fn() {
    const stats = new StatsCollector();
    for (const line of lines) stats.addLine(line);
  },
});

Deno.bench({
  name: `StatsCollector reads ${BATCH.toLocaleString("en-US")} lines and reports with charts`,
  group: "stats",
  fn() {
    const stats = new StatsCollector();
    for (const line of lines) stats.addLine(line);
    stats.report({ charts: true });
  },
});
