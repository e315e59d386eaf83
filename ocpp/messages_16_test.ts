import assert from "node:assert/strict";
import type { SessionEndedEvent, SessionEndEvent, SimEvent } from "../core/event.ts";
import { buildAll, simulate } from "../tests/_ocpp.ts";
import { StationRules } from "./csms_rules.ts";
import { step16 } from "./messages_16.ts";
import { schemaCheck } from "./rpc_transport.ts";
import { DEFAULT_SETTINGS } from "./settings.ts";
import { initialState } from "./station_state.ts";

const { stations, events } = simulate();
const built = buildAll(stations, events, step16);
const all = [...built.values()].flatMap((b) => b.calls);

Deno.test("step16() over a simulated day: every call is valid against the 1.6 schemas", () => {
  const check = schemaCheck("1.6");
  const actions = new Set(all.map((c) => c.action));
  for (
    const a of [
      "StatusNotification",
      "Authorize",
      "StartTransaction",
      "MeterValues",
      "StopTransaction",
    ]
  ) assert.ok(actions.has(a), `the day has a ${a}`);
  for (const c of all) assert.equal(check(c.action, "req", c.payload), undefined, c.action);
});

Deno.test("step16(): each session's meterStop − meterStart is the energy of its events, to the Wh", () => {
  const start = new Map<string, number>();
  const energy = new Map<string, number>();
  for (const c of all) {
    if (c.action === "StartTransaction") start.set(c.session!, c.payload.meterStart as number);
    if (c.action === "StopTransaction") {
      energy.set(c.session!, (c.payload.meterStop as number) - start.get(c.session!)!);
    }
  }
  const ended = events.filter((e): e is SessionEndedEvent => e.type === "session.ended");
  assert.ok(ended.length > 50);
  for (const e of ended) {
    assert.equal(energy.get(e.sessionId), Math.round(e.totalEnergyKwh * 1000), e.sessionId);
  }
});

Deno.test("step16(): what a station sends keeps every rule a central system checks", () => {
  for (const [id, { calls }] of built) {
    const ids = new Map<string, number>();
    const rules = new StationRules("1.6");
    rules.booted("Accepted");
    let tx = 1;
    for (const c of calls) {
      // The central system's transaction IDs, in the order of the StartTransactions.
      const payload = c.session && c.action !== "StartTransaction"
        ? { ...c.payload, transactionId: ids.get(c.session) }
        : c.payload;
      if (c.action === "StartTransaction") ids.set(c.session!, tx);
      assert.deepEqual(rules.observe(c.action, payload, tx), [], `${id} ${c.action}`);
      if (c.action === "StartTransaction") tx++;
    }
  }
});

Deno.test("step16(): a full vehicle left plugged in is SuspendedEV, then Finishing, then Available", () => {
  const completed = events.find((e) =>
    e.type === "session.completed" && e.energyKwh > 1 &&
    !events.some((x) => x.type === "session.interrupted" && x.sessionId === e.sessionId)
  ) as SessionEndEvent;
  const ended = events.find((e) =>
    e.type === "session.ended" && e.sessionId === completed.sessionId
  )!;
  const port = stations.find((s) => s.stationId === completed.stationId)!.ports
    .find((p) => p.chargerId === completed.chargerId)!;
  const { calls } = built.get(completed.stationId)!;
  const statuses = calls
    .filter((c) =>
      c.action === "StatusNotification" && c.payload.connectorId === port.number &&
      c.payload.timestamp as string >= completed.startTime &&
      c.payload.timestamp as string <= ended.time
    )
    .map((c) => c.payload.status);
  assert.deepEqual(
    statuses.filter((s, i) => s !== "SuspendedEV" || statuses[i + 1] !== "Charging"),
    ["Preparing", "Charging", "SuspendedEV", "Finishing", "Available"],
  );
});

Deno.test("step16(): a fault is Faulted with its error code and message", () => {
  const fault = events.find((e) => e.type === "charger.status" && e.status === "Faulted")!;
  const { calls } = built.get(fault.stationId)!;
  const faulted = calls.find((c) =>
    c.action === "StatusNotification" && c.payload.status === "Faulted" &&
    c.payload.timestamp === fault.time
  );
  assert.ok(faulted);
  assert.notEqual(faulted.payload.errorCode, "NoError");
  assert.equal(faulted.payload.info, fault.statusMessage.slice(0, 50));
});

Deno.test("step16() honours the sample interval, in simulated time", () => {
  const every = { ...DEFAULT_SETTINGS, sampleIntervalSec: 600 };
  const sparse = [...buildAll(stations, events, step16, every).values()].flatMap((b) => b.calls);
  const periodic = (calls: typeof all) =>
    calls.filter((c) =>
      c.action === "MeterValues" &&
      ((c.payload.meterValue as { sampledValue: { context: string }[] }[])[0].sampledValue[0]
        .context === "Sample.Periodic")
    );
  const dense = periodic(all).length;
  const few = periodic(sparse);
  assert.ok(few.length < dense / 5, `${few.length} vs ${dense}`);
  const last = new Map<string, number>();
  for (const c of few) {
    const t = Date.parse((c.payload.meterValue as { timestamp: string }[])[0].timestamp);
    const before = last.get(c.session!);
    if (before !== undefined) assert.ok(t - before >= 600_000);
    last.set(c.session!, t);
  }
  const none = { ...DEFAULT_SETTINGS, sampleIntervalSec: 0 };
  assert.equal(
    periodic([...buildAll(stations, events, step16, none).values()].flatMap((b) => b.calls)).length,
    0,
  );
});

Deno.test("step16() leaves the state it is given as it was", () => {
  const station = stations.find((s) =>
    events.some((e) => e.stationId === s.stationId && e.type === "session.started")
  )!;
  let state = initialState(station);
  for (const e of events.filter((e: SimEvent) => e.stationId === station.stationId)) {
    const before = structuredClone(state);
    const next = step16(station, state, DEFAULT_SETTINGS, e).state;
    assert.deepEqual(state, before);
    state = next;
  }
});
