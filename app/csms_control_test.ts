import assert from "node:assert/strict";
import { startCsms } from "../ocpp/csms.ts";
import { getOcppFleet } from "../ocpp/fleet.ts";
import { readFrames } from "../tests/_sse.ts";
import { networkOf, simulate } from "../tests/_ocpp.ts";
import type { DeltaFrame, SnapshotFrame } from "../web/frame.ts";
import { createCsmsControlApp, prefersHtml } from "./csms_control.ts";
import { embeddedStationPorts } from "./csms_stations.ts";

const CHROMIUM_ACCEPT =
  "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8";

Deno.test("prefersHtml(): a browser gets the page; curl, fetch, scripts and ties get JSON", () => {
  assert.equal(prefersHtml(CHROMIUM_ACCEPT), true);
  assert.equal(prefersHtml("text/html"), true);
  for (
    const accept of [
      undefined,
      null,
      "",
      "*/*",
      "application/json",
      "application/json, text/html",
      "text/html;q=0.5, application/json",
      "text/html;q=0",
      "text/html;q=x",
    ]
  ) {
    assert.equal(prefersHtml(accept), false, String(accept));
  }
});

Deno.test("the control app: GET / is the page for a browser and the summary for others; the API as it was", async () => {
  await using csms = await startCsms();
  const closing = new AbortController();
  const app = createCsmsControlApp(csms, { stations: () => undefined, signal: closing.signal });
  try {
    const page = await app.request("/", { headers: { accept: CHROMIUM_ACCEPT } });
    assert.equal(page.status, 200);
    assert.equal(page.headers.get("content-type"), "text/html; charset=utf-8");
    assert.equal(page.headers.get("vary"), "Accept");
    assert.match(await page.text(), /^<!doctype html>/);
    for (const path of ["/", "/summary"]) {
      const summary = await app.request(path);
      assert.equal(summary.status, 200, path);
      assert.deepEqual(
        Object.keys(await summary.json()),
        ["chargePoints", "calls", "transactions", "violations"],
        path,
      );
    }
    assert.equal((await app.request("/")).headers.get("vary"), "Accept");
    for (const path of ["/live.js", "/live.css", "/us.json", "/live/sessions"]) {
      const res = await app.request(path);
      assert.equal(res.status, 200, path);
      await res.body?.cancel();
    }
    assert.deepEqual(await (await app.request("/stations")).json(), []);
    const get = await app.request("/call/CP-1/Reset");
    assert.equal(get.status, 405);
    assert.match((await get.json()).error, /a call is a POST/);
    const absent = await app.request("/call/CP-1/Reset", {
      method: "POST",
      body: JSON.stringify({ type: "Soft" }),
    });
    assert.equal(absent.status, 404);
    assert.match((await absent.json()).error, /CP-1 is not connected/);
    const notJson = await app.request("/call/CP-1/Reset", { method: "POST", body: "{" });
    assert.equal(notJson.status, 400);
    await notJson.body?.cancel();
    const array = await app.request("/call/CP-1/Reset", { method: "POST", body: "[]" });
    assert.match((await array.json()).error, /a JSON object/);
    const other = await app.request("/nope");
    assert.equal(other.status, 404);
    assert.match((await other.json()).error, /no route GET \/nope: expected GET \/ .*GET \/live/);
    const station = await app.request("/live/stations/nope");
    assert.equal(station.status, 404);
    assert.match((await station.json()).error, /no station "nope"/);
  } finally {
    closing.abort();
  }
});

Deno.test("the control app's live page shows what the central system received from real charge points", async () => {
  const { stations, events, start } = simulate({ stations: 3, hours: 12 });
  await using csms = await startCsms();
  const closing = new AbortController();
  const app = createCsmsControlApp(csms, {
    stations: embeddedStationPorts(),
    liveIntervalMs: 20,
    signal: closing.signal,
  });
  try {
    await using fleet = getOcppFleet(stations, {
      url: csms.url,
      version: "2.0.1",
      start,
      pingIntervalMs: 0,
    });
    await fleet.start();
    for (const e of events) fleet(e);
    await fleet.idle();

    const res = await app.request("/live");
    const reader = res.body!.getReader();
    const { frames } = await readFrames(reader, 2);
    await reader.cancel();
    const snapshot = JSON.parse(frames[0].data) as SnapshotFrame;
    const delta = JSON.parse(frames[1].data) as DeltaFrame;
    const placed = [...snapshot.stations, ...delta.added];
    const chargers = networkOf("Boulder, CO").chargers;
    assert.deepEqual(
      placed.map((s) => [s.id, s.ports, s.latitude, s.longitude]).sort(),
      stations.map((s) => {
        const c = chargers.find((c) => c.stationId === s.stationId)!;
        return [s.stationId, s.ports.length, c.latitude, c.longitude];
      }).sort(),
    );
    const transactions = csms.transactions().length;
    const ended = csms.transactions().filter((t) => t.energyWh !== undefined);
    assert.ok(ended.length > 0, "some sessions ended");
    assert.equal(delta.totals.arrivals - delta.totals.failedStarts, transactions);
    assert.equal(delta.totals.sessions, transactions - ended.length);
    const sessions = await (await app.request("/live/sessions?limit=1000")).json() as {
      sessionId: string;
      active: boolean;
      energyKwh: number;
    }[];
    for (const tx of ended) {
      const s = sessions.find((s) => s.sessionId === `${tx.identity}/${tx.id}`)!;
      assert.ok(s && !s.active, tx.id);
      assert.ok(Math.abs(s.energyKwh * 1000 - tx.energyWh!) < 1e-6, tx.id);
    }
  } finally {
    closing.abort();
  }
});
