/**
 * How many requests the HTTP sink should keep in flight: throughput of the
 * sink at each concurrency, into receivers in their own processes on loopback
 * (as they would be in production): `evsim serve` (validation on), a receiver
 * that only reads the body, and the same with a fixed answer delay standing
 * in for a receiver across a network. The events are made beforehand (the
 * default network, seed 1), so the figures are the sink's and the
 * receiver's. Rounds are interleaved; each figure is the median.
 *
 *     deno run --allow-read --allow-write --allow-env --allow-run --allow-net=127.0.0.1 \
 *       tests/concurrency_bench.ts [--events 100000] [--rounds 3] [--delay-ms 5]
 *
 * Figures are in the README (HTTP delivery).
 */
// deno-lint-ignore-file no-console
import { parseArgs } from "node:util";
import type { SimEvent } from "../core/event.ts";
import { Simulation } from "../core/simulation.ts";
import { defaults } from "../data/mod.ts";
import { AdaptiveLimit } from "../sinks/adaptive_limit.ts";
import { getHttpSink } from "../sinks/http.ts";
import { startListening } from "./_listening.ts";

const { values } = parseArgs({
  options: {
    events: { type: "string", default: "100000" },
    rounds: { type: "string", default: "3" },
    "delay-ms": { type: "string", default: "5" },
  },
});
const EVENTS = Number(values.events);
const ROUNDS = Number(values.rounds);
const DELAY_MS = Number(values["delay-ms"]);
const CONCURRENCIES = [1, 2, 4, 8, 16, "adaptive"] as const;
const BATCHES = [1, 100];

const MAIN = new URL("../main.ts", import.meta.url).pathname;

const NULL_RECEIVER = new URL("./_null_receiver.ts", import.meta.url).pathname;
const dir = await Deno.makeTempDir({ prefix: "evsim-bench-" });
const receivers = [
  {
    name: "evsim serve",
    ...await startListening(
      [
        "run",
        "--allow-read",
        "--allow-write",
        "--allow-env",
        "--allow-net=127.0.0.1",
        MAIN,
        "serve",
        "--port",
        "0",
      ],
      "stderr",
      dir,
    ),
  },
  {
    name: "reads the body",
    ...await startListening(["run", "--allow-net=127.0.0.1", NULL_RECEIVER], "stdout", dir),
  },
  {
    name: `answers after ${DELAY_MS} ms`,
    ...await startListening(
      ["run", "--allow-net=127.0.0.1", NULL_RECEIVER, String(DELAY_MS)],
      "stdout",
      dir,
    ),
  },
];

const sim = new Simulation({ seed: 1, start: Date.UTC(2026, 0, 5), ...defaults });
const events: SimEvent[] = [];
while (events.length < EVENTS) sim.step(events);
events.length = EVENTS;

/** Events per second through one sink of this concurrency and batch size. */
async function deliver(
  url: string,
  concurrency: typeof CONCURRENCIES[number],
  batchSize: number,
  n: number,
) {
  const sink = getHttpSink(url, {
    batchSize,
    concurrency: concurrency === "adaptive" ? new AdaptiveLimit() : concurrency,
    flushIntervalMs: 50,
  });
  const began = performance.now();
  for (let i = 0; i < n; i++) {
    const r = sink(events[i]);
    if (r) await r;
  }
  await sink[Symbol.asyncDispose]();
  const seconds = (performance.now() - began) / 1000;
  if (sink.stats.acknowledged !== n) {
    throw new Error(`${url}: only ${sink.stats.acknowledged} of ${n} acknowledged`);
  }
  return n / seconds;
}

const median = (xs: number[]) => xs.toSorted((a, b) => a - b)[Math.floor(xs.length / 2)];
const results = new Map<string, number[]>();
for (let round = 0; round < ROUNDS; round++) {
  for (const receiver of receivers) {
    for (const batchSize of BATCHES) {
      // Batch 1 at a delay is slow by nature: fewer events keep the round short.
      const n = batchSize === 1 ? Math.min(EVENTS, 5_000) : EVENTS;
      for (const concurrency of CONCURRENCIES) {
        const key = `${receiver.name}|${batchSize}|${concurrency}`;
        const rate = await deliver(receiver.url, concurrency, batchSize, n);
        results.set(key, [...results.get(key) ?? [], rate]);
      }
    }
  }
  console.error(`round ${round + 1} of ${ROUNDS} done`);
}
for (const r of receivers) await r.stop();

console.log(
  `| receiver | batch | ${
    CONCURRENCIES.map((c) => (c === "adaptive" ? "adaptive" : `concurrency ${c}`)).join(" | ")
  } |`,
);
console.log(`|---|---|${CONCURRENCIES.map(() => "---").join("|")}|`);
for (const receiver of receivers) {
  for (const batchSize of BATCHES) {
    const rates = CONCURRENCIES.map((c) =>
      median(results.get(`${receiver.name}|${batchSize}|${c}`)!)
    );
    const best = Math.max(...rates);
    const cells = rates.map((rate) =>
      `${Math.round(rate).toLocaleString("en-US")} (${Math.round((rate / best) * 100)} %)`
    );
    console.log(`| ${receiver.name} | ${batchSize} | ${cells.join(" | ")} |`);
  }
}
