/**
 * Metrics end to end: a run in process and the real `evsim run --metrics-port`
 * process, scraped over loopback while they deliver to a file and to the echo
 * server.
 */
import assert from "node:assert/strict";
import type { SimEvent } from "../core/event.ts";
import { runSimulation } from "../core/run.ts";
import { Simulation } from "../core/simulation.ts";
import { fanOut, type Sink } from "../core/sink.ts";
import { defaults } from "../data/mod.ts";
import { getHttpSink } from "../sinks/http.ts";
import { getMetricsSink, serveMetrics } from "../sinks/metrics.ts";
import { serveEcho } from "../sinks/server.ts";
import { byLabel, parseMetrics, type Sample, valueOf } from "./_prometheus.ts";
import { evsimCommand, inTempDir } from "./_evsim.ts";

const sum = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0);

function countByType(events: readonly { type: string }[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const e of events) counts[e.type] = (counts[e.type] ?? 0) + 1;
  return counts;
}

/** The nonzero entries of `counts`. */
const nonzero = (counts: Record<string, number>) =>
  Object.fromEntries(Object.entries(counts).filter(([, n]) => n > 0));

async function scrape(url: string): Promise<Sample[]> {
  const res = await fetch(url);
  assert.equal(res.status, 200);
  return parseMetrics(await res.text());
}

Deno.test("a run's /metrics counts its events and its sinks' deliveries", async () => {
  await using echo = await serveEcho({ port: 0 });
  const start = Date.UTC(2026, 0, 5);
  const sim = new Simulation({ seed: 1, start, ...defaults });
  const seen: SimEvent[] = [];
  const http = getHttpSink(`${echo.url}/events`, { batchSize: 50, flushIntervalMs: 10 });
  const outputs: Sink[] = [(e) => void seen.push(e), http];
  const metrics = getMetricsSink(outputs, { start });
  await using server = serveMetrics(metrics.registry, { port: 0 });
  await runSimulation(sim, fanOut([metrics, ...outputs]), { end: start + 3 * 3600_000 });
  await http[Symbol.asyncDispose]();

  const all = await scrape(server.url);
  const counts = byLabel(all, "evsim_events_total", "type");
  assert.deepEqual(nonzero(counts), countByType(seen));
  const started = seen.filter((e) => e.type === "session.started").length;
  const ended = seen.filter((e) => e.type === "session.ended").length;
  assert.ok(started > ended && ended > 0);
  assert.equal(valueOf(all, "evsim_active_sessions"), started - ended);
  assert.equal(valueOf(all, "evsim_simulated_time_seconds"), Date.parse(seen.at(-1)!.time) / 1000);

  const sink = { sink: `http ${echo.url}/events` };
  assert.equal(valueOf(all, "evsim_sink_received_total", sink), seen.length);
  assert.equal(valueOf(all, "evsim_sink_sent_total", sink), seen.length);
  assert.equal(valueOf(all, "evsim_sink_acknowledged_total", sink), seen.length);
  assert.equal(valueOf(all, "evsim_sink_dead_lettered_total", sink), 0);
  assert.equal(valueOf(all, "evsim_sink_queue_depth", sink), 0);
  const requests = Math.ceil(seen.length / 50);
  const latency = valueOf(all, "evsim_sink_delivery_latency_seconds_count", sink)!;
  assert.ok(latency >= requests && latency <= requests + 5, `${latency} requests`);
  assert.equal(
    valueOf(all, "evsim_sink_delivery_latency_seconds_bucket", { ...sink, le: "+Inf" }),
    latency,
  );
  assert.equal(echo.store.stats().accepted, seen.length);
});

/** Whether `status` settles within `ms`. */
async function exitsWithin(status: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<false>((resolve) => timer = setTimeout(() => resolve(false), ms));
  const result = await Promise.race([status.then(() => true), late]);
  clearTimeout(timer);
  return result;
}

/** Reads `stream` line by line into `lines`, calling `onLine` with each. */
async function readLines(
  stream: ReadableStream<Uint8Array>,
  lines: string[],
  onLine: (line: string) => void,
): Promise<void> {
  let rest = "";
  for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
    const parts = (rest + chunk).split("\n");
    rest = parts.pop()!;
    for (const line of parts) {
      lines.push(line);
      onLine(line);
    }
  }
  if (rest) lines.push(rest);
}

Deno.test("evsim run --metrics-port 0 serves /metrics while the run lasts", async () => {
  await using echo = await serveEcho({ port: 0 });
  await inTempDir(async (dir) => {
    const child = evsimCommand([
      "run",
      "--region",
      "CO",
      "--from",
      "2026-01-05",
      "--duration",
      "3h",
      "--speed",
      "3600",
      "--sink",
      "file:out.ndjson",
      "--sink",
      `${echo.url}/events`,
      "--metrics-port",
      "0",
      // From an idle network, as the counts below start from zero.
      "--warm-up",
      "0",
      "-v",
    ], dir).spawn();
    const stderr: string[] = [];
    let found: (url: string) => void;
    const listening = new Promise<string>((resolve) => found = resolve);
    const reading = readLines(child.stderr, stderr, (line) => {
      const m = /Metrics server listening on (http:\/\/127\.0\.0\.1:\d+\/metrics)/.exec(line);
      if (m) found(m[1]);
    });
    const stdout = child.stdout.cancel();
    let exited = false;
    const status = child.status.then((s) => {
      exited = true;
      found("");
      return s;
    });

    const url = await listening;
    assert.ok(url, `no metrics address logged:\n${stderr.join("\n")}`);
    const scrapes: Sample[][] = [];
    while (!exited) {
      let res;
      try {
        res = await fetch(url);
      } catch (error) {
        // The server stops as the run ends, just before the process exits.
        if (await exitsWithin(status, 5000)) break;
        throw error;
      }
      assert.equal(res.status, 200);
      scrapes.push(parseMetrics(await res.text()));
      await new Promise((r) => setTimeout(r, 150));
    }
    const { code } = await status;
    await Promise.all([reading, stdout]);
    assert.equal(code, 0, stderr.join("\n"));
    assert.ok(scrapes.length >= 3, `only ${scrapes.length} scrapes`);

    const from = Date.UTC(2026, 0, 5) / 1000;
    let previous = 0;
    for (const all of scrapes) {
      const counts = byLabel(all, "evsim_events_total", "type");
      const total = sum(counts);
      // The metrics sink and the file sink see each event in the same turn.
      assert.equal(valueOf(all, "evsim_sink_received_total", { sink: "file out.ndjson" }), total);
      assert.equal(
        valueOf(all, "evsim_sink_received_total", { sink: `http ${echo.url}/events` }),
        total,
      );
      assert.equal(
        valueOf(all, "evsim_active_sessions"),
        counts["session.started"] - counts["session.ended"],
      );
      const simTime = valueOf(all, "evsim_simulated_time_seconds")!;
      assert.ok(simTime >= from && simTime < from + 3 * 3600, `simulated ${simTime}`);
      assert.ok(total >= previous, "the counts never go back");
      previous = total;
    }
    const written = (await Deno.readTextFile(`${dir}/out.ndjson`)).trimEnd().split("\n")
      .map((l) => JSON.parse(l) as SimEvent);
    const last = byLabel(scrapes.at(-1)!, "evsim_events_total", "type");
    assert.ok(sum(last) > 0 && sum(last) <= written.length);
    assert.ok(sum(byLabel(scrapes[0], "evsim_events_total", "type")) < written.length, "live");
    const final = countByType(written);
    for (const [type, n] of Object.entries(last)) assert.ok(n <= (final[type] ?? 0), type);
    assert.equal(echo.store.stats().accepted, written.length);
  });
});
