/**
 * Memory of `evsim stats` on a growing stream: NDJSON lines of a 10,000-charger
 * simulation, generated on the fly (never stored), read by one
 * `StatsCollector`. Prints the heap (after a full GC, simulation included) and
 * the resident set at 1, 5, 10 and 20 million lines; a flat heap shows that
 * the collector's memory does not grow with the stream. The load curve grows
 * until its 2,000-point cap (20.8 simulated days of 15-minute steps), then
 * halves and fills again with 30-minute steps. Part of `deno task bench`.
 *
 *     deno run --v8-flags=--expose-gc tests/stats_memory.ts [millions of lines...]
 */
// deno-lint-ignore-file no-console
import { defaults } from "../data/mod.ts";
import { defaultDemand } from "../core/arrivals.ts";
import type { SimEvent } from "../core/event.ts";
import { Simulation } from "../core/simulation.ts";
import { networkOfAbout } from "./_events.ts";
import { StatsCollector } from "../stats/stats.ts";

const checkpoints = (Deno.args.length > 0 ? Deno.args.map(Number) : [1, 5, 10, 20])
  .map((m) => m * 1_000_000);
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) console.error("warning: run with --v8-flags=--expose-gc for heap figures after GC");

const network = networkOfAbout(10_000);
const chargers = network.chargers;
const sim = new Simulation({
  seed: 1,
  start: Date.UTC(2026, 0, 5),
  network,
  model: defaults.model,
  demand: defaultDemand(defaults.model),
});
const stats = new StatsCollector();
const mb = (n: number) => (n / 1024 / 1024).toFixed(1);

console.log(`${chargers.length} chargers; lines generated and read on the fly`);
console.log("lines\tsimulated days\theap MB (after GC)\tRSS MB\treport ms\tload-curve points");
const out: SimEvent[] = [];
let lines = 0;
let peakRss = 0;
const started = performance.now();
for (const checkpoint of checkpoints) {
  while (lines < checkpoint) {
    out.length = 0;
    sim.step(out);
    for (const event of out) stats.addLine(JSON.stringify(event));
    lines += out.length;
  }
  const t = performance.now();
  const report = stats.report({ charts: true });
  const reportMs = performance.now() - t;
  gc?.();
  const { heapUsed, rss } = Deno.memoryUsage();
  peakRss = Math.max(peakRss, rss);
  const curve = report.charts!.loadCurve;
  console.log(
    `${lines}\t${report.days.toFixed(1)}\t${mb(heapUsed)}\t${mb(rss)}\t${reportMs.toFixed(0)}\t${
      curve.kw[0].length
    } × ${curve.stepMinutes} min`,
  );
}
const seconds = (performance.now() - started) / 1000;
console.log(
  `peak RSS ${mb(peakRss)} MB · ${lines} lines generated and read in ${seconds.toFixed(1)} s (${
    Math.round(lines / seconds)
  } lines/s, simulation included)`,
);
