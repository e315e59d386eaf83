/**
 * Delivery throughput: events from the simulator through the HTTP sink into
 * the echo server (validation on) on loopback, with batches of 1 and 100. The
 * server runs as its own `evsim serve` process, as it would in production, so
 * events/s = events per iteration × iter/s. Figures are in the README.
 */
import { defaults } from "../data/mod.ts";
import type { SimEvent } from "../core/event.ts";
import { Simulation } from "../core/simulation.ts";
import { getHttpSink } from "../sinks/http.ts";
import { startListening } from "./_listening.ts";

const MAIN = new URL("../main.ts", import.meta.url).pathname;

/** Starts `evsim serve --port 0`, in its own process. */
async function startServer() {
  const dir = await Deno.makeTempDir({ prefix: "evsim-bench-" });
  return await startListening(
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
  );
}

const server = await startServer();
const sim = new Simulation({ seed: 1, start: Date.UTC(2026, 0, 5), ...defaults });
const out: SimEvent[] = [];

async function deliver(n: number, batchSize: number) {
  const sink = getHttpSink(server.url, { batchSize, concurrency: 4 });
  let sent = 0;
  while (sent < n) {
    out.length = 0;
    sim.step(out);
    for (const e of out) {
      const r = sink(e);
      if (r) await r;
    }
    sent += out.length;
  }
  await sink[Symbol.asyncDispose]();
  if (sink.stats.acknowledged !== sink.stats.received) {
    throw new Error(`only ${sink.stats.acknowledged} of ${sink.stats.received} acknowledged`);
  }
}

/** The request-rate ceiling: 2,000 POSTs of one serialized event, 4 at a time (the sink's default concurrency), no simulator. */
async function bareRequests(n: number) {
  if (out.length === 0) sim.step(out);
  const body = JSON.stringify(out[0]);
  let next = 0;
  const worker = async () => {
    while (next++ < n) {
      const response = await fetch(server.url, {
        method: "POST",
        headers: { "Content-Type": "application/json", "Prefer": "return=minimal" },
        body,
      });
      await response.body?.cancel();
    }
  };
  await Promise.all(Array.from({ length: 4 }, worker));
}

Deno.bench({
  name: "2,000 bare POSTs of one event (request-rate ceiling)",
  group: "batch 1",
  baseline: true,
  async fn() {
    await bareRequests(2_000);
  },
});

Deno.bench({
  name: "2,000 events, batch size 1",
  group: "batch 1",
  async fn() {
    await deliver(2_000, 1);
  },
});

Deno.bench({
  name: "100,000 events, batch size 100",
  group: "batch 100",
  async fn() {
    await deliver(100_000, 100);
  },
});

globalThis.addEventListener("unload", () => server.stop());
