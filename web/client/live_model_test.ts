import assert from "node:assert/strict";
import type { ChartPoint, DeltaFrame, SnapshotFrame, StationView } from "../frame.ts";
import {
  type Filter,
  formatClock,
  formatPower,
  formatSpeed,
  LiveModel,
  matches,
  sessionsQuery,
} from "./live_model.ts";

const T0 = Date.UTC(2026, 0, 5, 8);
const ALL: Filter = { city: "", siteType: "", status: "" };

const totals = {
  powerKw: [0, 0, 0, 0],
  sessions: 0,
  charging: 0,
  arrivals: 0,
  failedStarts: 0,
  faults: 0,
  events: 0,
};

function station(id: string, fields: Partial<StationView> = {}): StationView {
  return {
    id,
    name: `Station ${id}`,
    network: null,
    city: "Boulder",
    state: "CO",
    siteType: "public",
    latitude: 40,
    longitude: -105.27,
    ports: 2,
    status: "available",
    ...fields,
  };
}

function point(minutes: number, arrivals: number, fields: Partial<ChartPoint> = {}): ChartPoint {
  return {
    t: T0 + minutes * 60_000,
    powerKw: [1, 2, 3, 0],
    sessions: 4,
    arrivals,
    failedStarts: 0,
    faults: 0,
    ...fields,
  };
}

function snapshot(id: number, stations: StationView[], points: ChartPoint[] = []): SnapshotFrame {
  return { kind: "snapshot", id, time: T0, speed: null, totals, stations, points };
}

function delta(id: number, fields: Partial<DeltaFrame> = {}): DeltaFrame {
  return { kind: "delta", id, time: T0, speed: 3600, totals, added: [], changed: [], ...fields };
}

Deno.test("LiveModel applies a snapshot, then only the delta after the last frame", () => {
  const model = new LiveModel();
  assert.equal(model.apply(delta(1)), "gap", "a delta before any snapshot");
  assert.equal(model.apply(snapshot(7, [station("a"), station("b")])), "reset");
  assert.deepEqual([model.lastId, model.stations.size], [7, 2]);
  assert.equal(model.apply(delta(9)), "gap", "frame 8 is missing");
  assert.equal(model.lastId, 7, "a gap changes nothing");
  const version = model.stationsVersion;
  assert.equal(
    model.apply(delta(8, { added: [station("c")], changed: [["a", "charging"]] })),
    "applied",
  );
  assert.deepEqual(
    [...model.stations.values()].map((s) => [s.id, s.status]),
    [["a", "charging"], ["b", "available"], ["c", "available"]],
  );
  assert.ok(model.stationsVersion > version, "the map needs a redraw");
  assert.equal(model.apply(snapshot(3, [station("z")])), "reset", "a new server starts over");
  assert.deepEqual([...model.stations.keys()], ["z"]);
});

Deno.test("LiveModel keeps the chart points, at most maxPoints, and their series", () => {
  const model = new LiveModel({ maxPoints: 3 });
  model.apply(snapshot(1, [], [point(0, 0), point(15, 1)]));
  model.apply(delta(2, { point: point(30, 2) }));
  model.apply(delta(3, { point: point(45, 3) }));
  const series = model.series();
  assert.deepEqual(series.t, [15, 30, 45].map((m) => (T0 + m * 60_000) / 1000));
  assert.deepEqual(series.powerKw, [[1, 1, 1], [2, 2, 2], [3, 3, 3], [0, 0, 0]]);
  assert.deepEqual(series.sessions, [4, 4, 4]);
});

Deno.test("LiveModel's rates are per simulated hour over the hour before each point", () => {
  const model = new LiveModel();
  // 10 arrivals every half hour, then none for an hour.
  const points = [0, 30, 60, 90, 120, 150].map((m, i) => point(m, Math.min(i, 3) * 10));
  model.apply(snapshot(1, [], points));
  const { arrivalsPerHour } = model.series();
  // At 0: no span yet. At 30: 10 in half an hour. From 60 on: the hour before.
  assert.deepEqual(arrivalsPerHour, [0, 20, 20, 20, 10, 0]);
  model.apply(delta(2, { point: point(160, 25, { faults: 2 }) }));
  const rates = model.series();
  assert.equal(rates.arrivalsPerHour.at(-1), 0, "a counter that went back (a restart) is no rate");
  assert.equal(rates.faultsPerHour.at(-1), 3, "2 faults in the 40 minutes since the point at 120");
});

Deno.test("matches() applies the city, site type and status filters, and the model counts them", () => {
  const model = new LiveModel();
  model.apply(snapshot(1, [
    station("a", { status: "charging" }),
    station("b", { siteType: "dc_fast", status: "charging" }),
    station("c", { city: "Denver", status: "faulted" }),
  ]));
  const ids = (filter: Partial<Filter>) =>
    model.visibleStations({ ...ALL, ...filter }).map((s) => s.id);
  assert.deepEqual(ids({}), ["a", "b", "c"]);
  assert.deepEqual(ids({ city: "Boulder, CO" }), ["a", "b"]);
  assert.deepEqual(ids({ siteType: "dc_fast" }), ["b"]);
  assert.deepEqual(ids({ status: "charging", city: "Denver, CO" }), []);
  assert.deepEqual(model.statusCounts({ ...ALL, city: "Boulder, CO" }), {
    charging: 2,
    occupied: 0,
    faulted: 0,
    maintenance: 0,
    available: 0,
  });
  assert.deepEqual(model.cities(), ["Boulder, CO", "Denver, CO"]);
  assert.equal(matches(station("x", { state: "" }), { ...ALL, city: "Boulder" }), true);
});

Deno.test("sessionsQuery() asks GET /live/sessions for what the filters keep", () => {
  assert.equal(sessionsQuery(ALL, 100), "limit=100");
  assert.equal(
    sessionsQuery({ city: "Boulder, CO", siteType: "dc_fast", status: "charging" }, 5),
    "city=Boulder%2C+CO&siteType=dc_fast&status=charging&limit=5",
  );
});

Deno.test("the page's clock, speed and power read as people write them", () => {
  assert.equal(formatClock(null), "waiting for events");
  assert.equal(formatClock(Date.UTC(2026, 0, 5, 8, 15, 59)), "Mon 2026-01-05 08:15 UTC");
  assert.equal(formatSpeed(null), "–");
  assert.equal(formatSpeed(3599.6), "×3,600");
  assert.equal(formatSpeed(1.04), "×1");
  assert.equal(formatSpeed(0.25), "×0.3");
  assert.equal(formatPower(812.4), "812 kW");
  assert.equal(formatPower(1250), "1.25 MW");
});
