/**
 * Two engines compared in one process: this checkout's and another's (the
 * code before a change, say), each warmed up on the same network, then
 * batches of 20,000 events through the NDJSON sink to a null writer,
 * alternating between the two (ABBA), so that the machine's noise falls on
 * both alike. It prints the median time of a batch of each and the median
 * ratio of the paired batches, which on this shared machine is much steadier
 * than two runs of `tests/simulation_bench.ts`.
 *
 *     deno run --allow-read --allow-env tests/engine_compare.ts OTHER_CHECKOUT \
 *       [--chargers 1000] [--batches 60]
 *
 * Both engines' imports resolve through this checkout's import map: against a
 * checkout that imports a package this one no longer maps (`flatqueue`, before
 * `core/timer_queue.ts`), run the compare from that checkout, naming this one.
 */
// deno-lint-ignore-file no-console
import { parseArgs } from "node:util";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { BACKFILL_START, BENCH_PEAKS, type Engine, serializeBatch, warmedUp } from "./_backfill.ts";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    chargers: { type: "string", default: "1000" },
    batches: { type: "string", default: "60" },
  },
});
if (positionals.length !== 1) {
  console.error("usage: tests/engine_compare.ts OTHER_CHECKOUT [--chargers N] [--batches N]");
  Deno.exit(2);
}
const BATCH = 20_000;
const chargers = Number(values.chargers);

/** The engine of the checkout at `root`, warmed up as the benchmarks do (`_backfill.ts`). */
async function warmedEngine(root: URL): Promise<Engine> {
  const load = (path: string) => import(new URL(path, root).href);
  const { Simulation } = await load("core/simulation.ts");
  const { defaults } = await load("data/mod.ts");
  const { networkOfAbout } = await load("tests/_events.ts");
  const { defaultDemand } = await load("core/arrivals.ts");
  return warmedUp(
    new Simulation({
      seed: 1,
      start: BACKFILL_START,
      network: networkOfAbout(chargers),
      model: defaults.model,
      demand: defaultDemand(defaults.model, BENCH_PEAKS),
    }),
  );
}

/** Milliseconds for the next {@link BATCH} events of `sim`, serialized. */
async function batch(sim: Engine): Promise<number> {
  const started = performance.now();
  await serializeBatch(sim, BATCH);
  return performance.now() - started;
}

const here = new URL("../", import.meta.url);
const other = pathToFileURL(resolve(positionals[0]) + "/");
const engines = [await warmedEngine(other), await warmedEngine(here)];
const times: [number[], number[]] = [[], []];
for (let i = 0; i < Number(values.batches); i++) {
  for (const which of i % 2 ? [1, 0] : [0, 1]) times[which].push(await batch(engines[which]));
}
const median = (xs: number[]) => xs.toSorted((a, b) => a - b)[Math.floor(xs.length / 2)];
const perSecond = (ms: number) => Math.round(BATCH / ms * 1000).toLocaleString("en-US");
const [a, b] = times.map(median);
const ratio = median(times[1].map((t, i) => t / times[0][i]));
console.log(`${chargers.toLocaleString("en-US")} chargers, ${values.batches} batches of ${BATCH}:`);
console.log(`  ${positionals[0]}: ${a.toFixed(1)} ms a batch (${perSecond(a)} events/s)`);
console.log(`  this checkout: ${b.toFixed(1)} ms a batch (${perSecond(b)} events/s)`);
console.log(`  this checkout's time ÷ the other's, batch by batch: median ${ratio.toFixed(3)}`);
