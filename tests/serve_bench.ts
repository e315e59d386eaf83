/**
 * The echo server's intake: the same batches of real events POSTed by the same
 * client to `evsim serve` (validation on, its own process, as in production)
 * and to a receiver that only reads each body and answers 200
 * (`tests/_null_receiver.ts`, also its own process). Rounds alternate between
 * the two, each with a fresh server (so no event is a duplicate); it prints
 * every round and the median events/s of each, and their ratio.
 *
 *     deno run --allow-read --allow-write --allow-env --allow-run --allow-net=127.0.0.1 \
 *       tests/serve_bench.ts [--events 100000] [--batch 100] [--concurrency 4] [--rounds 5] \
 *       [--client sink,raw] [--compare OTHER/main.ts]
 *
 * `--compare` adds a third receiver: `evsim serve` of another checkout (the
 * code before a change, say), in the same rounds.
 * Two clients, each measured against both receivers: `sink`, evsim's HTTP
 * sink (the default concurrency of 4), which serializes each batch as a run
 * does; and `raw`, the same batches serialized beforehand, so that the client
 * costs next to nothing and the receivers alone are compared.
 */
// deno-lint-ignore-file no-console
import { parseArgs } from "node:util";
import type { SimEvent } from "../core/event.ts";
import { getHttpSink } from "../sinks/http.ts";
import { MAIN } from "./_evsim.ts";
import { simEvents } from "./_events.ts";
import { type ListeningServer, startListening } from "./_listening.ts";
import { loadAverage } from "./_proc.ts";

const NULL_RECEIVER = new URL("./_null_receiver.ts", import.meta.url).pathname;

/**
 * Delivers `events` through evsim's HTTP sink, as a run would (it serializes
 * each batch); returns the seconds until every event was acknowledged.
 */
async function deliver(
  url: string,
  events: readonly SimEvent[],
  batchSize: number,
  concurrency: number,
): Promise<number> {
  const started = performance.now();
  const sink = getHttpSink(url, { batchSize, concurrency });
  for (const event of events) {
    const wait = sink(event);
    if (wait) await wait;
  }
  await sink[Symbol.asyncDispose]();
  const seconds = (performance.now() - started) / 1000;
  if (sink.stats.acknowledged !== events.length) {
    throw new Error(`${url}: ${sink.stats.acknowledged} of ${events.length} acknowledged`);
  }
  return seconds;
}

/** POSTs every body, `concurrency` at a time; returns the seconds it took. */
async function send(
  url: string,
  bodies: Uint8Array<ArrayBuffer>[],
  concurrency: number,
): Promise<number> {
  let next = 0;
  const started = performance.now();
  const worker = async () => {
    while (next < bodies.length) {
      const response = await fetch(url, {
        method: "POST",
        headers: { "Content-Type": "application/json", "Prefer": "return=minimal" },
        body: bodies[next++],
      });
      const text = await response.text();
      if (!response.ok) throw new Error(`${url}: ${response.status} ${text.slice(0, 200)}`);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return (performance.now() - started) / 1000;
}

const median = (xs: number[]) => xs.toSorted((a, b) => a - b)[Math.floor(xs.length / 2)];
const n0 = (x: number) => Math.round(x).toLocaleString("en-US");

/** Runs the benchmark with the command-line options in the module comment. */
async function main(): Promise<void> {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      events: { type: "string", default: "100000" },
      batch: { type: "string", default: "100" },
      concurrency: { type: "string", default: "4" },
      rounds: { type: "string", default: "5" },
      client: { type: "string", default: "sink,raw" },
      compare: { type: "string" },
    },
  });
  const [count, batch, concurrency, rounds] = [
    values.events,
    values.batch,
    values.concurrency,
    values.rounds,
  ].map(Number);
  const events = simEvents(count);
  const encoder = new TextEncoder();
  const bodies: Uint8Array<ArrayBuffer>[] = [];
  for (let i = 0; i < events.length; i += batch) {
    bodies.push(encoder.encode(JSON.stringify(events.slice(i, i + batch))));
  }
  const bytes = bodies.reduce((a, b) => a + b.length, 0);
  console.log(
    `${navigator.hardwareConcurrency} cores · Deno ${Deno.version.deno} · ${n0(count)} events ` +
      `in ${bodies.length} POSTs of ${batch} (${(bytes / 1e6).toFixed(1)} MB), ${concurrency} ` +
      `at a time · load before: ${await loadAverage()}`,
  );
  const dir = await Deno.makeTempDir({ prefix: "evsim-serve-bench-" });
  const serve = (main: string) => () =>
    startListening(
      [
        "run",
        "--allow-read",
        "--allow-write=.",
        "--allow-env",
        "--allow-net=127.0.0.1",
        main,
        "serve",
        "--port",
        "0",
      ],
      "stderr",
      dir,
    );
  const receivers: Record<string, () => Promise<ListeningServer>> = {
    "do-nothing receiver": () =>
      startListening(["run", "--allow-net=127.0.0.1", NULL_RECEIVER], "stdout", dir),
    "evsim serve": serve(MAIN),
  };
  if (values.compare) receivers[`evsim serve of ${values.compare}`] = serve(values.compare);

  const clients = values.client.split(",");
  const rates: Record<string, number[]> = {};
  try {
    console.log("round\tclient\treceiver\tseconds\tevents/s");
    for (let round = 1; round <= rounds; round++) {
      for (const client of clients) {
        for (const [name, startServer] of Object.entries(receivers)) {
          const server = await startServer();
          try {
            // One request first, so that the connection and the server's code are warm.
            await send(server.url, [encoder.encode("[]")], 1);
            const seconds = client === "raw"
              ? await send(server.url, bodies, concurrency)
              : await deliver(server.url, events, batch, concurrency);
            (rates[`${client} ${name}`] ??= []).push(count / seconds);
            console.log(
              `${round}\t${client}\t${name}\t${seconds.toFixed(2)}\t${n0(count / seconds)}`,
            );
          } finally {
            await server.stop();
          }
        }
      }
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
  console.log(`load after: ${await loadAverage()}`);
  for (const client of clients) {
    const ceiling = median(rates[`${client} do-nothing receiver`]);
    console.log(`${client} client, medians: do-nothing receiver ${n0(ceiling)} events/s`);
    for (const name of Object.keys(receivers).slice(1)) {
      const rate = median(rates[`${client} ${name}`]);
      console.log(
        `  ${name}: ${n0(rate)} events/s, ${(100 * rate / ceiling).toFixed(0)} % (target 70 %)`,
      );
    }
  }
}

// Only as a script: `deno bench` loads every *_bench.ts file as well.
if (import.meta.main) await main();
