/**
 * `evsim csms --control-port 0` shows its live page: a run of Boulder's
 * stations over OCPP 2.0.1 against it, each its own process, and the frames
 * of `GET /live` on the control port read as the page reads them
 * (`web/client/live_model.ts`): every station placed where the station table
 * has it, and the sessions, starts and energy the central system received.
 */
import assert from "node:assert/strict";
import type { SessionEndedEvent, SimEvent } from "../core/event.ts";
import { regionNetwork } from "../data/mod.ts";
import { transactionIdOf } from "../ocpp/identity.ts";
import { LiveModel } from "../web/client/live_model.ts";
import type { Frame, SessionView } from "../web/frame.ts";
import { startCsmsProcess } from "./_csms_process.ts";
import { decode, evsimCommand, inTempDir, readNdjson } from "./_evsim.ts";

/** Reads the SSE frames of `body` into `model` until the stream ends or is cancelled. */
async function follow(body: ReadableStream<Uint8Array>, model: LiveModel, seen: Frame[]) {
  let text = "";
  for await (const chunk of body.pipeThrough(new TextDecoderStream())) {
    text += chunk;
    let end;
    while ((end = text.indexOf("\n\n")) >= 0) {
      const data = text.slice(0, end).split("\n").find((line) => line.startsWith("data: "));
      text = text.slice(end + 2);
      if (data === undefined) continue;
      const frame = JSON.parse(data.slice(6)) as Frame;
      seen.push(frame);
      assert.notEqual(model.apply(frame), "gap", `frame ${frame.id} follows the one before`);
    }
  }
}

/** Waits until `done` holds, checked every 50 ms, for at most `ms`. */
async function until(done: () => boolean, what: string, ms = 10_000): Promise<void> {
  const deadline = performance.now() + ms;
  while (!done()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

Deno.test("evsim csms --control-port: its live page places the run's stations and counts what it received", async () => {
  await inTempDir(async (cwd) => {
    const csms = await startCsmsProcess(cwd, ["--control-port", "0"]);
    assert.ok(csms.control);
    let stopped = false;
    try {
      const page = await fetch(`${csms.control}/`, { headers: { accept: "text/html" } });
      assert.match(await page.text(), /^<!doctype html>/, "a browser gets the page at /");

      const model = new LiveModel();
      const frames: Frame[] = [];
      const stream = await fetch(`${csms.control}/live`);
      assert.equal(stream.headers.get("content-type"), "text/event-stream");
      const following = follow(stream.body!, model, frames);

      const run = await evsimCommand([
        "--region",
        "Boulder, CO",
        "--from",
        "2026-01-05T15:00:00Z",
        "--duration",
        "4h",
        "--speed",
        "3600",
        "--ocpp",
        csms.url,
        "--ocpp-version",
        "2.0.1",
        "--sink",
        "file:events.ndjson",
      ], cwd).output();
      assert.equal(run.code, 0, decode(run.stderr));

      // What the central system received, all of it in now that the run has ended.
      const summary = await (await fetch(`${csms.control}/summary`)).json();
      const { started, ended } = summary.transactions;
      assert.ok(ended > 10, `${ended} transactions ended`);
      const counted = () => {
        const t = model.totals;
        return t !== undefined && t.arrivals - t.failedStarts === started &&
          t.sessions === started - ended;
      };
      await until(counted, `the page counts ${started} sessions started, ${ended} ended`).catch(
        (error) => {
          throw new Error(`${error.message}: ${JSON.stringify(model.totals)}`);
        },
      );

      // Every station of the run, on the map where the station table has it, with its ports.
      const network = regionNetwork("Boulder, CO");
      assert.equal(model.stations.size, summary.chargePoints.length);
      assert.equal(model.stations.size, 152);
      for (const station of model.stations.values()) {
        const chargers = network.chargers.filter((c) => c.stationId === station.id);
        assert.equal(station.ports, chargers.length, station.id);
        assert.deepEqual(
          [station.latitude, station.longitude, station.name, station.city],
          [chargers[0].latitude, chargers[0].longitude, chargers[0].name, "Boulder"],
          station.id,
        );
      }
      assert.ok(frames.some((f) => f.totals.charging > 0), "ports charging");
      assert.ok(
        frames.some((f) => f.totals.powerKw.reduce((a, b) => a + b, 0) > 0),
        "power counted",
      );
      assert.ok(model.points.length > 2, "chart points");

      // The sessions that ended: the energy of each is the run's, to the Wh.
      const events = await readNdjson<SimEvent>(`${cwd}/events.ndjson`);
      const runEnded = new Map(
        events.filter((e): e is SessionEndedEvent => e.type === "session.ended")
          .map((e) => [`${e.stationId}/${transactionIdOf(e.sessionId)}`, e]),
      );
      const sessions = await (await fetch(`${csms.control}/live/sessions?limit=1000`))
        .json() as SessionView[];
      const over = sessions.filter((s) => !s.active);
      assert.equal(over.length, Math.min(ended, 200), "the sessions that ended, as many as kept");
      for (const s of over) {
        const e = runEnded.get(s.sessionId);
        assert.ok(e, s.sessionId);
        assert.equal(Math.round(s.energyKwh * 1000), Math.round(e.totalEnergyKwh * 1000));
        assert.equal(s.chargerId, e.chargerId);
      }
      assert.equal(sessions.filter((s) => s.active).length, started - ended);

      const result = await csms.stop();
      stopped = true;
      assert.equal(result.code, 0, result.stderr);
      assert.deepEqual(result.summary.violations, []);
      await following.catch(() => {}); // the stream ends as the central system stops
    } finally {
      if (!stopped) await csms.stop().catch(() => {});
    }
  });
});
