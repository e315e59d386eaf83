/**
 * Delivery under faults: a backfill of the default network (the real stations
 * of the 50 largest US cities, seed 1, from 2026-01-05) through the HTTP sink
 * into a loopback receiver that answers 40 % of requests with HTTP 503, as a
 * share of the throughput into the same receiver without faults, measured in
 * the same run, at batch sizes 1 and 100. Target: at least 50 % at both.
 *
 *     deno run --allow-read --allow-net=127.0.0.1 tests/fault_bench.ts [SPAN] [--quick] \
 *       [--fail-rate 0.4] [--batch-sizes 1,100] [--concurrency 4] [--max-attempts 8] \
 *       [--retry-base-ms 200] [--seed 1]
 *
 * `--concurrency adaptive` gives the sink an adaptive limit (`sinks/adaptive_limit.ts`).
 *
 * SPAN is the simulated time (default `1d`, about 2.3 million events);
 * `--quick` is `1h`. The faults are drawn from a seeded stream (core/random.ts),
 * one draw per request in the order they arrive, and so is the sink's jitter,
 * so runs are comparable. The receiver runs in this process (it shares the
 * event loop with the simulator and the sink): it reads each body, counts its
 * events (a JSON array's length, or one) and answers, keeping nothing.
 * Seconds run from the first event handed to the sink to the end of its
 * disposal, which waits for every retry; `fed s` is when the last event was
 * handed over. Each case checks that acknowledged + dead-lettered = events.
 */
// deno-lint-ignore-file no-console
import { parseArgs } from "node:util";
import { defaults } from "../data/mod.ts";
import { defaultDemand } from "../core/arrivals.ts";
import { Random } from "../core/random.ts";
import { runSimulation } from "../core/run.ts";
import { Simulation } from "../core/simulation.ts";
import { parseDuration } from "../core/time.ts";
import { memoryDeadLetter } from "../sinks/dead_letter.ts";
import { getHttpSink } from "../sinks/http.ts";
import { AdaptiveLimit } from "../sinks/adaptive_limit.ts";

const START = Date.UTC(2026, 0, 5);

/** A receiver on 127.0.0.1 port 0 failing `failRate` of requests with 503. */
interface LeanReceiver extends AsyncDisposable {
  url: string;
  requests: number;
  failed: number;
  /** Events in requests answered 2xx. */
  acknowledged: number;
}

function startReceiver(failRate: number, seed: number): LeanReceiver {
  const faults = Random.stream(seed, "faults");
  const receiver = {
    url: "",
    requests: 0,
    failed: 0,
    acknowledged: 0,
  };
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    async (request) => {
      const text = await request.text();
      const events = text.charCodeAt(0) === 0x5b ? (JSON.parse(text) as unknown[]).length : 1;
      receiver.requests++;
      if (failRate > 0 && faults.chance(failRate)) {
        receiver.failed++;
        return new Response("unavailable", { status: 503 });
      }
      receiver.acknowledged += events;
      return new Response(null, { status: 204 });
    },
  );
  receiver.url = `http://127.0.0.1:${server.addr.port}/events`;
  return Object.assign(receiver, {
    async [Symbol.asyncDispose]() {
      await server.shutdown();
    },
  });
}

interface SinkSettings {
  concurrency: number | "adaptive";
  maxAttempts: number;
  retryBaseMs: number;
  seed: number;
}

interface CaseResult {
  batchSize: number;
  failRate: number;
  events: number;
  fed: number;
  seconds: number;
  rate: number;
  requests: number;
  retried: number;
  deadLettered: number;
  acknowledged: number;
  peakQueued: number;
  holds: boolean;
}

function newSimulation(seed: number): Simulation {
  return new Simulation({
    seed,
    start: START,
    network: defaults.network,
    model: defaults.model,
    demand: defaultDemand(defaults.model),
  });
}

/** One backfill of `spanMs` from START into a fresh receiver. */
async function runCase(
  batchSize: number,
  failRate: number,
  spanMs: number,
  settings: SinkSettings,
): Promise<CaseResult> {
  const sim = newSimulation(settings.seed);
  await using receiver = startReceiver(failRate, settings.seed);
  const deadLetter = memoryDeadLetter();
  const jitter = Random.stream(settings.seed, "jitter");
  const sink = getHttpSink(receiver.url, {
    batchSize,
    concurrency: settings.concurrency === "adaptive" ? new AdaptiveLimit() : settings.concurrency,
    maxAttempts: settings.maxAttempts,
    retryBaseMs: settings.retryBaseMs,
    deadLetter,
    random: () => jitter.next(),
  });
  let peakQueued = 0;
  const sampler = setInterval(() => {
    peakQueued = Math.max(peakQueued, sink.stats.queued ?? 0);
  }, 50);
  const started = performance.now();
  await runSimulation(sim, sink, { end: START + spanMs });
  const fed = (performance.now() - started) / 1000;
  await sink[Symbol.asyncDispose]();
  const seconds = (performance.now() - started) / 1000;
  clearInterval(sampler);
  const events = sim.stats.events;
  const { acknowledged, retried, received, lost, dropped } = sink.stats;
  const deadLettered = deadLetter.entries.length;
  const holds = received === events && acknowledged + deadLettered === events &&
    lost === 0 && dropped === 0 && receiver.acknowledged === acknowledged;
  return {
    batchSize,
    failRate,
    events,
    fed,
    seconds,
    rate: events / seconds,
    requests: receiver.requests,
    retried,
    deadLettered,
    acknowledged,
    peakQueued,
    holds,
  };
}

const n0 = (x: number) => Math.round(x).toLocaleString("en-US");
const n1 = (x: number) => x.toFixed(1);
const pct = (x: number) => `${(x * 100).toFixed(1)} %`;

/** Runs the benchmark with the command-line options in the module comment. */
async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    args: Deno.args,
    allowPositionals: true,
    options: {
      quick: { type: "boolean", default: false },
      "fail-rate": { type: "string", default: "0.4" },
      "batch-sizes": { type: "string", default: "1,100" },
      concurrency: { type: "string", default: "4" },
      "max-attempts": { type: "string", default: "8" },
      "retry-base-ms": { type: "string", default: "200" },
      seed: { type: "string", default: "1" },
    },
  });
  const span = positionals[0] ?? (values.quick ? "1h" : "1d");
  const spanMs = parseDuration(span);
  if (spanMs === undefined) throw new Error(`not a duration: ${span}`);
  const failRate = Number(values["fail-rate"]);
  const batchSizes = values["batch-sizes"].split(",").map(Number);
  const settings: SinkSettings = {
    concurrency: values.concurrency === "adaptive" ? "adaptive" : Number(values.concurrency),
    maxAttempts: Number(values["max-attempts"]),
    retryBaseMs: Number(values["retry-base-ms"]),
    seed: Number(values.seed),
  };
  const TARGET = 0.5;

  const chargers = defaults.network.chargers.length;
  console.log(
    `${navigator.hardwareConcurrency} cores · Deno ${Deno.version.deno} · ${
      n0(chargers)
    } chargers, ${span} simulated from 2026-01-05, seed ${settings.seed}`,
  );
  console.log(
    `HTTP sink: concurrency ${settings.concurrency}, maxAttempts ${settings.maxAttempts}, ` +
      `retryBaseMs ${settings.retryBaseMs}, buffer 10,000 events · receiver in this process, ` +
      `faults: HTTP 503 for ${pct(failRate)} of requests (seeded)`,
  );
  // Untimed: compiles the engine, the sink and the receiver's paths first.
  for (const batchSize of batchSizes) await runCase(batchSize, failRate, 600_000, settings);
  console.log("");
  console.log(
    "batch\tfaults\tevents\tfed s\tseconds\tevents/s\tfed events/s\trequests\tretried\tdead-lettered\t" +
      "peak queued\tacknowledged + dead-lettered = events",
  );
  const started = performance.now();
  const ratios: { batchSize: number; ratio: number; fed: number }[] = [];
  let allHold = true;
  for (const batchSize of batchSizes) {
    const pair: CaseResult[] = [];
    for (const rate of [0, failRate]) {
      const r = await runCase(batchSize, rate, spanMs, settings);
      pair.push(r);
      allHold &&= r.holds;
      console.log(
        `${r.batchSize}\t${pct(r.failRate)}\t${n0(r.events)}\t${n1(r.fed)}\t${n1(r.seconds)}\t` +
          `${n0(r.rate)}\t${n0(r.events / r.fed)}\t${n0(r.requests)}\t${n0(r.retried)}\t${
            n0(r.deadLettered)
          }\t` +
          `${n0(r.peakQueued)}\t${n0(r.acknowledged)} + ${n0(r.deadLettered)} = ${
            n0(r.acknowledged + r.deadLettered)
          } ${r.holds ? "=" : "≠"} ${n0(r.events)} ${r.holds ? "ok" : "VIOLATED"}`,
      );
    }
    ratios.push({
      batchSize,
      ratio: pair[1].rate / pair[0].rate,
      fed: (pair[1].events / pair[1].fed) / (pair[0].events / pair[0].fed),
    });
  }
  console.log("");
  console.log(
    `throughput with ${pct(failRate)} faults as a share of without (target: at least ${
      pct(TARGET)
    } at every batch size):`,
  );
  for (const { batchSize, ratio, fed } of ratios) {
    console.log(
      `  batch ${batchSize}: ${pct(ratio)} ${ratio >= TARGET ? "met" : "MISSED"} ` +
        `(events/s until the last retry settled; until the last event was handed over: ${
          pct(fed)
        })`,
    );
  }
  console.log(
    `invariant ${allHold ? "holds" : "VIOLATED"} in every case · measured cases took ${
      n1((performance.now() - started) / 1000)
    } s`,
  );
  if (!allHold) Deno.exitCode = 1;
}

// Only as a script, like the other benchmark scripts.
if (import.meta.main) await main();
