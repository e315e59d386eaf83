import assert from "node:assert/strict";
import type { SimEvent } from "../core/event.ts";
import { simEvents, testNetwork } from "../tests/_events.ts";
import { SITE_TYPES } from "./frame.ts";
import { LiveState } from "./live_state.ts";

const REAL = simEvents(20_000);
const STARTED = REAL.find((e) => e.type === "session.started")!;

/** An event of charger `chargerId` (station `stationId`) at minute `minute` of 2026-01-05. */
function event(
  type: SimEvent["type"],
  minute: number,
  fields: Record<string, unknown> = {},
): SimEvent {
  const time = new Date(Date.UTC(2026, 0, 5) + minute * 60_000).toISOString();
  const base: Record<string, unknown> = {
    ...STARTED,
    type,
    time,
    seq: minute + 1,
    eventId: `e-${type}-${minute}-${JSON.stringify(fields)}`,
    chargerId: "C1",
    stationId: "S1",
    locationName: "Main Street",
    city: "Boulder",
    siteType: "public",
    sessionId: "s1",
    startTime: new Date(Date.UTC(2026, 0, 5)).toISOString(),
    estimatedChargingMinutes: 60,
    status: "In Use",
    ...fields,
  };
  if (type === "session.ended") {
    Object.assign(base, {
      endTime: time,
      endReason: "target_reached",
      connectedMinutes: 1,
      chargingMinutes: 1,
      idleMinutes: 0,
      totalEnergyKwh: base.energyKwh,
      status: "Ended",
    });
  }
  if (type === "charger.status" || type === "session.rejected") {
    for (const key of ["sessionId", "powerKw", "energyKwh", "startTime"]) delete base[key];
  }
  return base as unknown as SimEvent;
}

Deno.test("LiveState learns stations from their first event and announces each once", () => {
  const live = new LiveState();
  live.add(event("charger.status", 0, { status: "Idle" }));
  live.add(event("charger.status", 1, { chargerId: "C2", status: "Idle" }));
  assert.deepEqual(live.snapshot().stations, [], "not before the frame that announces it");
  const first = live.delta(0);
  assert.deepEqual(first.added.map((s) => [s.id, s.ports, s.status]), [["S1", 2, "available"]]);
  assert.deepEqual(live.delta(250).added, []);
  assert.deepEqual(live.snapshot().stations.map((s) => s.id), ["S1"]);
  live.add(event("charger.status", 2, { chargerId: "C3", status: "Idle" }));
  assert.deepEqual(live.delta(500).added.map((s) => [s.id, s.ports]), [["S1", 3]], "ports grew");
});

Deno.test("LiveState given the chargers lists every station in its first snapshot", () => {
  const live = new LiveState({ chargers: testNetwork.chargers });
  const stations = new Set(testNetwork.chargers.map((c) => c.stationId));
  const snapshot = live.snapshot();
  assert.equal(snapshot.stations.length, stations.size);
  assert.equal(
    snapshot.stations.reduce((n, s) => n + s.ports, 0),
    testNetwork.chargers.length,
  );
  assert.ok(snapshot.stations.every((s) => s.status === "available"));
  assert.deepEqual(live.delta(0).added, [], "known stations are not announced again");
});

Deno.test("LiveState given the chargers sends their stations' changes in later deltas", () => {
  const live = new LiveState({ chargers: testNetwork.chargers });
  live.add(STARTED);
  const delta = live.delta(0);
  assert.deepEqual(delta.changed, [[STARTED.stationId, "occupied"]]);
  assert.equal(
    live.snapshot().stations.find((s) => s.id === STARTED.stationId)?.status,
    "occupied",
  );
});

Deno.test("LiveState follows a session: charging, plugged in when full, free once unplugged", () => {
  const live = new LiveState();
  live.add(event("session.started", 0, { powerKw: 7, energyKwh: 0, socPercent: 20 }));
  let frame = live.delta(0);
  assert.equal(frame.added[0].status, "charging");
  assert.deepEqual(frame.totals, {
    powerKw: SITE_TYPES.map((s) => s === "public" ? 7 : 0),
    sessions: 1,
    charging: 1,
    arrivals: 1,
    failedStarts: 0,
    faults: 0,
    events: 1,
  });
  live.add(event("session.updated", 1, { powerKw: 6.5, energyKwh: 0.1, socPercent: 21 }));
  frame = live.delta(250);
  assert.deepEqual(frame.changed, [], "still charging");
  assert.equal(frame.totals.powerKw[SITE_TYPES.indexOf("public")], 6.5);
  live.add(event("session.completed", 2, {
    status: "Completed",
    powerKw: 0,
    energyKwh: 0.2,
    endTime: new Date(Date.UTC(2026, 0, 5, 0, 2)).toISOString(),
    actualChargingMinutes: 2,
    totalEnergyKwh: 0.2,
  }));
  frame = live.delta(500);
  assert.deepEqual(frame.changed, [["S1", "occupied"]]);
  assert.deepEqual([frame.totals.sessions, frame.totals.charging], [1, 0]);
  assert.deepEqual(live.station("S1")!.portList.map((p) => [p.activity, p.session?.status]), [
    ["occupied", "Completed"],
  ]);
  live.add(event("session.ended", 3, { powerKw: 0, energyKwh: 0.2 }));
  frame = live.delta(750);
  assert.deepEqual(frame.changed, [["S1", "available"]]);
  assert.deepEqual([frame.totals.sessions, frame.totals.powerKw[1]], [0, 0]);
  assert.deepEqual(live.station("S1")!.portList[0].session, undefined);
  live.add(event("session.updated", 4, { powerKw: 6 }));
  assert.equal(live.delta(1000).totals.sessions, 0, "a late event of an ended session is ignored");
});

Deno.test("LiveState counts failed starts and faults, and shows faulted and maintenance stations", () => {
  const live = new LiveState();
  live.add(event("session.rejected", 0, { status: "Idle", rejectReason: "authorization_failed" }));
  live.add(event("charger.status", 1, { status: "Faulted", repair: "remote" }));
  live.add(event("charger.status", 2, { status: "Faulted", repair: "remote" }));
  live.add(event("charger.status", 3, { chargerId: "C2", stationId: "S2", status: "Maintenance" }));
  const frame = live.delta(0);
  assert.deepEqual(frame.added.map((s) => [s.id, s.status]), [
    ["S1", "faulted"],
    ["S2", "maintenance"],
  ]);
  assert.deepEqual(
    [frame.totals.arrivals, frame.totals.failedStarts, frame.totals.faults],
    [1, 1, 1],
    "a charger already faulted does not fault again",
  );
  live.add(event("charger.status", 4, { status: "Idle" }));
  assert.deepEqual(live.delta(250).changed, [["S1", "available"]]);
});

Deno.test("LiveState adds a chart point when the simulated clock moves, and measures the speed", () => {
  const live = new LiveState({ maxPoints: 3 });
  assert.deepEqual([live.delta(0).time, live.delta(0).point], [null, undefined]);
  live.add(event("charger.status", 0, { status: "Idle" }));
  const first = live.delta(1000);
  assert.equal(first.point?.t, Date.UTC(2026, 0, 5));
  assert.equal(first.speed, null, "one clock reading is not a speed");
  assert.equal(live.delta(1250).point, undefined, "the clock did not move");
  for (let minute = 1; minute <= 4; minute++) {
    live.add(event("charger.status", minute, { status: "Idle" }));
    live.delta(1250 + minute * 1000);
  }
  const snapshot = live.snapshot();
  assert.deepEqual(snapshot.points.map((p) => (p.t - Date.UTC(2026, 0, 5)) / 60_000), [2, 3, 4]);
  assert.equal(snapshot.time, Date.UTC(2026, 0, 5, 0, 4));
  // 4 simulated minutes over the 4.25 s from the first reading (at 1 s) to the last.
  assert.equal(snapshot.speed, (4 * 60_000) / 4250);
});

Deno.test("LiveState lists sessions plugged in, newest first, then those ended lately, filtered", () => {
  const live = new LiveState({ maxEndedSessions: 1 });
  live.add(event("session.started", 0, { sessionId: "a", powerKw: 7 }));
  live.add(event("session.started", 1, { sessionId: "b", chargerId: "C2", powerKw: 7 }));
  live.add(event("session.started", 2, {
    sessionId: "c",
    chargerId: "C3",
    stationId: "S3",
    city: "Denver",
    siteType: "dc_fast",
    powerKw: 50,
  }));
  live.add(event("session.ended", 3, { sessionId: "a" }));
  live.add(event("session.started", 4, { sessionId: "d", chargerId: "C4", powerKw: 7 }));
  live.add(event("session.ended", 5, { sessionId: "d", chargerId: "C4" }));
  live.delta(0);
  assert.deepEqual(live.sessions().map((s) => [s.sessionId, s.active]), [
    ["c", true],
    ["b", true],
    ["d", false],
  ], "a is forgotten: one ended session is kept");
  assert.deepEqual(live.sessions({ city: "Denver" }).map((s) => s.sessionId), ["c"]);
  assert.deepEqual(live.sessions({ siteType: "public" }).map((s) => s.sessionId), ["b", "d"]);
  assert.deepEqual(live.sessions({ status: "available" }).map((s) => s.sessionId), []);
  assert.deepEqual(live.sessions({}, 1).map((s) => s.sessionId), ["c"]);
  const [c] = live.sessions();
  assert.equal(c.etaMs, Date.UTC(2026, 0, 5, 1));
  assert.equal("eventTime" in c, false);
});

Deno.test("LiveState's totals match the latest event of every session, over a real run", () => {
  const live = new LiveState();
  const latest = new Map<string, SimEvent>();
  for (const e of REAL) {
    live.add(e);
    if ("sessionId" in e) latest.set(e.chargerId, e);
  }
  const plugged = [...latest.values()].filter((e) => e.type !== "session.ended");
  const frame = live.delta(0);
  const power = SITE_TYPES.map((site) =>
    plugged.filter((e) => e.siteType === site).reduce(
      (kw, e) => kw + (e as { powerKw: number }).powerKw,
      0,
    )
  );
  frame.totals.powerKw.forEach((kw, i) => assert.ok(Math.abs(kw - power[i]) < 1e-3, SITE_TYPES[i]));
  assert.equal(frame.totals.sessions, plugged.length);
  assert.equal(frame.totals.events, REAL.length);
  assert.equal(
    frame.totals.arrivals,
    REAL.filter((e) => e.type === "session.started" || e.type === "session.rejected").length,
  );
  assert.equal(live.stations, new Set(REAL.map((e) => e.stationId)).size);
  assert.equal(frame.added.length, live.stations);
});

Deno.test("LiveState.place() adds ports after the start, announced by the next frame, as no event", () => {
  const live = new LiveState();
  live.add(event("charger.status", 0, { status: "Idle" }));
  live.delta(0);
  const charger = {
    id: "C9",
    stationId: "S9",
    name: "Later",
    city: "Boulder",
    state: "CO",
    latitude: 40,
    longitude: -105,
    level: "DCFC" as const,
  };
  live.place([charger, { ...charger, id: "C10" }, { ...charger, id: "C1", stationId: "S1" }]);
  const frame = live.delta(250);
  assert.deepEqual(frame.added.map((s) => [s.id, s.ports, s.siteType, s.status]), [
    ["S9", 2, "dc_fast", "available"],
  ]);
  assert.equal(frame.totals.events, 1, "placing is no event");
  assert.equal(live.station("S1")!.ports, 1, "a port already known is left as it is");
});
