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
      "CO",
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
