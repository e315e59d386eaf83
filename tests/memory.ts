/**
 * Memory of a long backfill: 10,000 chargers over 30 simulated days written as
 * NDJSON to a null writer. Prints the heap (after a full GC) and the resident
 * set at each simulated day, and the peak. Part of `deno task bench`.
 *
 *     deno run --v8-flags=--expose-gc tests/memory.ts [chargers|REGION] [days]
 *
 * A number makes a synthetic network of about that many chargers (as the
 * figures in the README); a region (`us`, `CO`, …) takes the real stations.
 */
// deno-lint-ignore-file no-console
import { defaults, regionNetwork } from "../data/mod.ts";
import { networkOfAbout } from "./_events.ts";
import { getNdjsonSink } from "../sinks/ndjson.ts";
import { runSimulation } from "../core/run.ts";
import { Simulation } from "../core/simulation.ts";
import { defaultDemand } from "../core/arrivals.ts";

const size = Deno.args[0] ?? "10000";
const days = Number(Deno.args[1] ?? 30);
const START = Date.UTC(2026, 0, 5);
const DAY = 86_400_000;
const gc = (globalThis as { gc?: () => void }).gc;

const network = /^\d+$/.test(size) ? networkOfAbout(Number(size)) : regionNetwork(size);
const sim = new Simulation({
  seed: 1,
  start: START,
  network,
  model: defaults.model,
  demand: defaultDemand(defaults.model, {
    peakHours: [{ from: 7, to: 10 }, { from: 16, to: 20 }],
    peakMultiplier: 2,
  }),
});
const sink = getNdjsonSink({ write: (p) => Promise.resolve(p.length) });
const mb = (n: number) => (n / 1024 / 1024).toFixed(1);
let peakRss = 0;
console.log(`${network.chargers.length} chargers, ${days} simulated days`);
console.log("day\tevents\theap MB (after GC)\tRSS MB");
const started = performance.now();
for (let day = 1; day <= days; day++) {
  await runSimulation(sim, sink, { end: START + day * DAY });
  gc?.();
  const { heapUsed, rss } = Deno.memoryUsage();
  peakRss = Math.max(peakRss, rss);
  if (day === 1 || day % 5 === 0) {
    console.log(`${day}\t${sim.stats.events}\t${mb(heapUsed)}\t${mb(rss)}`);
  }
}
const seconds = (performance.now() - started) / 1000;
console.log(
  `peak RSS ${mb(peakRss)} MB · ${sim.stats.events} events in ${seconds.toFixed(1)} s (${
    Math.round(sim.stats.events / seconds)
  } events/s)`,
);
