/**
 * Faulty receivers through the real command line, checked from both ends:
 * every event evsim made is acknowledged by the receiver or in the
 * dead-letter file, and what must not leave (a secret in the sink's URL) is in
 * none of the outputs.
 */
import assert from "node:assert/strict";
import { Simulation } from "../core/simulation.ts";
import { runSimulation } from "../core/run.ts";
import { fanOut } from "../core/sink.ts";
import { defaults } from "../data/mod.ts";
import { memoryDeadLetter } from "../sinks/dead_letter.ts";
import { getHttpSink } from "../sinks/http.ts";
import { getMetricsSink } from "../sinks/metrics.ts";
import { serveEcho } from "../sinks/server.ts";
import { closedPort, startReceiver } from "./_receiver.ts";
import { decode, evsimCommand, inTempDir, readNdjson } from "./_evsim.ts";

const SECRET = "s3cr3t-k3y-4711";

interface DeadLine {
  reason: string;
  sink: string;
  event: { eventId: string };
}

Deno.test("a receiver answering 301 delivers nothing: every event is dead-lettered, none reported acknowledged", async () => {
  await using target = startReceiver(() => ({ status: 200 }));
  await using moved = startReceiver(() => ({
    status: 301,
    headers: { Location: target.url },
  }));
  await inTempDir(async (dir) => {
    const { code, stderr } = await evsimCommand([
      "--region",
      "CO",
      "--duration",
      "20m",
      "--sink",
      moved.url,
      "--sink",
      "file:all.ndjson",
    ], dir).output();
    const all = await readNdjson<{ eventId: string }>(`${dir}/all.ndjson`);
    const dead = await readNdjson<DeadLine>(`${dir}/evsim-dead-letter.ndjson`);
    assert.ok(all.length > 50, `${all.length} events`);
    assert.equal(code, 3, decode(stderr));
    assert.equal(target.requests.length, 0, "the redirect was not followed");
    assert.equal(moved.acknowledged.size, 0);
    assert.deepEqual(dead.map((d) => d.event.eventId).sort(), all.map((e) => e.eventId).sort());
    assert.ok(dead.every((d) => d.reason.startsWith("HTTP 301 redirect to ")), dead[0]?.reason);
    assert.match(decode(stderr), /acknowledged 0\b/);
  });
});

Deno.test("a secret in the sink's URL is in no log line, message, dead letter or summary", async () => {
  await using receiver = startReceiver((n) => ({ status: n % 2 === 0 ? 503 : 400 }));
  await inTempDir(async (dir) => {
    const url = `${receiver.url}?api_key=${SECRET}&tenant=a`;
    const { code, stderr } = await evsimCommand([
      "--region",
      "Boulder, CO",
      "--duration",
      "10m",
      "--sink",
      url,
      "-v",
    ], dir).output();
    const log = await Deno.readTextFile(`${dir}/charging_sessions.log`);
    const dead = await Deno.readTextFile(`${dir}/evsim-dead-letter.ndjson`);
    assert.equal(code, 3, decode(stderr));
    assert.ok(dead.length > 0, "events were dead-lettered");
    assert.ok(receiver.requests.length > 0);
    for (const [name, text] of [["stderr", decode(stderr)], ["log", log], ["dead", dead]]) {
      assert.ok(!text.includes(SECRET), `the secret is in ${name}`);
    }
    assert.match(decode(stderr), /api_key=REDACTED/);
  });

  // The metrics labels name the sink the same way.
  const sink = getHttpSink(`http://127.0.0.1:${closedPort()}/e?api_key=${SECRET}`, {
    maxAttempts: 1,
    deadLetter: memoryDeadLetter(),
  });
  const metrics = getMetricsSink([sink]);
  const sim = new Simulation({ seed: 1, start: Date.UTC(2026, 0, 5), ...defaults });
  const both = fanOut([metrics, sink]);
  await runSimulation(sim, both, { end: Date.UTC(2026, 0, 5, 0, 1) });
  await both[Symbol.asyncDispose]();
  const text = await metrics.registry.metrics();
  assert.match(text, /sink="http http:\/\/127\.0\.0\.1:\d+\/e\?api_key=REDACTED"/);
  assert.ok(!text.includes(SECRET), "the secret is in a metrics label");
});

Deno.test("two spans of one seed into one echo server: none is taken for the other's duplicate; the same span again is", async () => {
  await using server = await serveEcho({ port: 0 });
  await inTempDir(async (dir) => {
    const run = async (from: string, out: string) => {
      const { code, stderr } = await evsimCommand([
        "--region",
        "CO",
        "--seed",
        "3",
        "--from",
        from,
        "--duration",
        "1h",
        "--sink",
        `${server.url}/events`,
        "--sink",
        `file:${out}`,
      ], dir).output();
      assert.equal(code, 0, decode(stderr));
      return await readNdjson<{ eventId: string }>(`${dir}/${out}`);
    };
    const january = await run("2026-01-05", "january.ndjson");
    const february = await run("2026-02-05", "february.ndjson");
    assert.ok(january.length > 100 && february.length > 100);
    let stats = server.store.stats();
    assert.equal(stats.duplicates, 0);
    assert.equal(stats.accepted, january.length + february.length);

    const again = await run("2026-01-05", "again.ndjson");
    assert.deepEqual(again.map((e) => e.eventId), january.map((e) => e.eventId));
    stats = server.store.stats();
    assert.equal(stats.duplicates, january.length, "the same span repeats every eventId");
    assert.equal(stats.accepted, january.length + february.length);
  });
});

Deno.test("a disk buffer through the command line: receiver down, evsim killed and started again, then every event arrives once in order", async () => {
  let down = true;
  await using receiver = startReceiver(() => ({ status: down ? 503 : 200 }));
  const run = ["--region", "CO", "--seed", "4", "--from", "2026-01-05", "--duration", "6h"];
  await inTempDir(async (dir) => {
    const whole = await evsimCommand([...run, "--sink", "file:whole.ndjson"], dir).output();
    assert.equal(whole.code, 0, decode(whole.stderr));
    const expected = await readNdjson<{ eventId: string; seq: number }>(`${dir}/whole.ndjson`);
    await Deno.writeTextFile(
      `${dir}/c.json`,
      JSON.stringify({
        sinks: [{
          type: "http",
          url: receiver.url,
          batchSize: 50,
          concurrency: 1,
          retryBaseMs: 20,
          retryMaxMs: 100,
          buffer: { type: "disk", path: "buffer" },
        }],
      }),
    );
    const args = ["-c", "c.json", ...run, "--speed", "7200", "--state", "run.state"];
    const first = evsimCommand([...args, "--state-interval", "0.2"], dir).spawn();
    // Killed once a part of the run waits on disk, with the receiver still down.
    while (receiver.requests.length < 20) await new Promise((r) => setTimeout(r, 20));
    first.kill("SIGKILL");
    await first.output();
    assert.equal(receiver.acknowledged.size, 0);

    down = false;
    const firstUp = receiver.requests.length;
    const second = await evsimCommand(args, dir).output();
    assert.equal(second.code, 0, decode(second.stderr));
    const missing = expected.filter((e) => !receiver.acknowledged.has(e.eventId));
    assert.equal(missing.length, 0, `${missing.length} of ${expected.length} never arrived`);
    assert.equal(receiver.acknowledged.size, expected.length);
    // First arrivals keep the run's order: what waited on disk, then the rest.
    const seen = new Set<string>();
    const order: number[] = [];
    for (const request of receiver.requests.slice(firstUp)) {
      for (const e of request.events) {
        if (seen.has(e.eventId)) continue;
        seen.add(e.eventId);
        order.push(e.seq);
      }
    }
    assert.ok(order.every((seq, i) => i === 0 || seq > order[i - 1]), "first arrivals in order");
    assert.equal(await readNdjson(`${dir}/evsim-dead-letter.ndjson`).then((l) => l.length), 0);
  });
});
