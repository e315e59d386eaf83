import assert from "node:assert/strict";
import * as v from "valibot";
import { EventSchema, type SessionEndedEvent, type SimEvent } from "../core/event.ts";
import type { ReceivedCall } from "../ocpp/csms.ts";
import { transactionIdOf } from "../ocpp/identity.ts";
import { step16 } from "../ocpp/messages_16.ts";
import { step201 } from "../ocpp/messages_201.ts";
import { DEFAULT_SETTINGS, type Settings } from "../ocpp/settings.ts";
import type { StationSpec } from "../ocpp/station.ts";
import { initialState, type StationState, type Step } from "../ocpp/station_state.ts";
import type { OcppVersion, Payload } from "../ocpp/transport.ts";
import { networkOf, simulate } from "../tests/_ocpp.ts";
import {
  CsmsLiveAdapter,
  type CsmsLiveInput,
  type StationPorts,
  UNKNOWN_CITY,
} from "./csms_live.ts";
import { LiveState } from "./live_state.ts";

const { stations, events } = simulate();
const network = networkOf("Boulder, CO");
const chargerById = new Map(network.chargers.map((c) => [c.id, c]));
const specs = new Map(stations.map((s) => [s.stationId, s]));

/** The Boulder stations by identity (their station ID), ports in connector order. */
const boulder: StationPorts = (identity) =>
  specs.get(identity)?.ports.map((p) => chargerById.get(p.chargerId)!);

/** Every sample sent: each session event's reading reaches the central system. */
const EVERY_UPDATE: Settings = { ...DEFAULT_SETTINGS, sampleIntervalSec: 1 };

/** A run's calls in the order its events made them, answered as `evsim csms` answers them. */
function callsOf(version: OcppVersion, settings: Settings = DEFAULT_SETTINGS) {
  const step: (s: StationSpec, st: StationState, se: Settings, e: SimEvent) => Step =
    version === "1.6" ? step16 : step201;
  const states = new Map(stations.map((s) => [s.stationId, initialState(s)]));
  const transactionIds = new Map<string, number>();
  /** The run's session of each central-system session ID. */
  const sessionOf = new Map<string, string>();
  // Every charge point boots first.
  const out: { call: ReceivedCall; answer: Payload }[] = stations.map((s) => ({
    call: {
      identity: s.stationId,
      version,
      action: "BootNotification",
      payload: version === "1.6"
        ? { chargePointVendor: "evsim", chargePointModel: "sim" }
        : { reason: "PowerUp", chargingStation: { vendorName: "evsim", model: "sim" } },
      at: 0,
    },
    answer: { status: "Accepted", interval: 300, currentTime: "2026-01-05T00:00:00.000Z" },
  }));
  for (const event of events) {
    const spec = specs.get(event.stationId)!;
    const result = step(spec, states.get(spec.stationId)!, settings, event);
    states.set(spec.stationId, result.state);
    for (const c of result.calls) {
      let payload = c.payload;
      let answer: Payload = {};
      if (version === "1.6" && c.action === "StartTransaction") {
        const id = transactionIds.size + 1;
        transactionIds.set(c.session!, id);
        sessionOf.set(`${spec.stationId}/${id}`, c.session!);
        answer = { transactionId: id, idTagInfo: { status: "Accepted" } };
      } else if (version === "1.6" && c.session !== undefined) {
        // As the charge point sends it: with the ID the central system gave.
        payload = { ...payload, transactionId: transactionIds.get(c.session) };
      }
      if (version === "2.0.1" && c.action === "TransactionEvent") {
        const id = (payload.transactionInfo as { transactionId: string }).transactionId;
        sessionOf.set(`${spec.stationId}/${id}`, "sessionId" in event ? event.sessionId : "");
      }
      const call = { identity: spec.stationId, version, action: c.action, payload, at: 0 };
      out.push({ call, answer });
    }
  }
  return { calls: out, sessionOf };
}

/** Everything `calls` mean, through one adapter. */
function translateAll(
  calls: { call: ReceivedCall; answer: Payload }[],
  adapter = new CsmsLiveAdapter({ stations: boulder }),
): CsmsLiveInput {
  const all: CsmsLiveInput = { chargers: [], events: [], problems: [] };
  for (const { call, answer } of calls) {
    const { chargers, events, problems } = adapter.translate(call, answer);
    all.chargers.push(...chargers);
    all.events.push(...events);
    all.problems.push(...problems);
  }
  return all;
}

/** A live state fed `input`. */
function liveOf(input: CsmsLiveInput): LiveState {
  const live = new LiveState({ maxEndedSessions: 100_000 });
  live.place(input.chargers);
  for (const event of input.events) live.add(event);
  live.delta(0);
  return live;
}

for (const version of ["1.6", "2.0.1"] as const) {
  Deno.test(`CsmsLiveAdapter over a simulated day of OCPP ${version}: valid evsim events, each session's energy the run's`, () => {
    const { calls, sessionOf } = callsOf(version);
    const { events: made, problems } = translateAll(calls);
    assert.deepEqual(problems, []);
    for (const event of made) {
      const result = v.safeParse(EventSchema, event);
      assert.ok(result.success, `${JSON.stringify(event)}: ${result.issues?.[0].message}`);
    }
    const ended = new Map(
      events.filter((e): e is SessionEndedEvent => e.type === "session.ended")
        .map((e) => [e.sessionId, e]),
    );
    const csmsEnded = made.filter((e): e is SessionEndedEvent => e.type === "session.ended");
    assert.ok(csmsEnded.length > 50, `${csmsEnded.length} sessions ended`);
    assert.equal(
      csmsEnded.length,
      [...ended.values()].filter((e) =>
        made.some((m) => m.type === "session.started" && sessionOf.get(m.sessionId) === e.sessionId)
      ).length,
    );
    for (const e of csmsEnded) {
      const run = ended.get(sessionOf.get(e.sessionId)!)!;
      assert.ok(run, e.sessionId);
      assert.equal(
        Math.round(e.totalEnergyKwh * 1000),
        Math.round(run.totalEnergyKwh * 1000),
        `${e.sessionId}: energy`,
      );
      assert.equal(e.chargerId, run.chargerId, `${e.sessionId}: the run's charger`);
      if (version === "2.0.1") {
        assert.equal(e.sessionId, `${run.stationId}/${transactionIdOf(run.sessionId)}`);
      }
    }
  });

  Deno.test(`CsmsLiveAdapter: the live state of what a central system received over OCPP ${version} is the run's`, () => {
    const { calls } = callsOf(version, EVERY_UPDATE);
    const csms = liveOf(translateAll(calls));
    const run = new LiveState({ chargers: network.chargers, maxEndedSessions: 100_000 });
    for (const event of events) run.add(event);
    run.delta(0);

    // Every station placed where it is, with all its ports.
    const view = (live: LiveState) =>
      live.snapshot().stations.map(({ status: _, ...s }) => s).sort((a, b) => a.id < b.id ? -1 : 1);
    assert.deepEqual(view(csms), view(run));

    const a = csms.snapshot().totals;
    const b = run.snapshot().totals;
    assert.equal(a.sessions, b.sessions, "sessions in progress");
    assert.equal(a.arrivals - a.failedStarts, b.arrivals - b.failedStarts, "sessions started");
    assert.ok(a.failedStarts > 0 && a.failedStarts <= b.failedStarts, "failed starts");
    assert.equal(a.faults, b.faults, "faults");

    // Sessions in progress: power, energy and state of charge as the last sample said, which
    // is the run's latest reading unless it came by a StartTransaction (1.6 sends no sample).
    const key = (s: { chargerId: string }) => s.chargerId;
    const runActive = new Map(
      run.sessions({}, 100_000).filter((s) => s.active).map((s) => [key(s), s]),
    );
    const csmsActive = csms.sessions({}, 100_000).filter((s) => s.active);
    assert.equal(csmsActive.length, runActive.size);
    const lastType = new Map<string, string>();
    for (const e of events) if ("sessionId" in e) lastType.set(e.sessionId, e.type);
    let compared = 0;
    for (const s of csmsActive) {
      const r = runActive.get(key(s))!;
      assert.ok(r, s.chargerId);
      if (lastType.get(r.sessionId) !== "session.updated") continue;
      compared++;
      assert.ok(
        Math.abs(s.powerKw - r.powerKw) < 0.0006,
        `${s.sessionId}: ${s.powerKw} kW vs ${r.powerKw}`,
      );
      assert.ok(Math.abs(s.energyKwh - r.energyKwh) < 0.0006, `${s.sessionId}: energy`);
      const dc = chargerById.get(s.chargerId)!.level === "DCFC";
      if (dc) assert.equal(s.socPercent, r.socPercent, `${s.sessionId}: SoC`);
    }
    assert.ok(compared > 0);
    const power = (t: { powerKw: number[] }) => t.powerKw.reduce((x, y) => x + y, 0);
    assert.ok(power(a) > 0, "power is counted");
  });
}

// --- one call at a time ---------------------------------------------------------

const STATION =
  stations.find((s) => s.ports.length >= 2 && s.ports.some((p) => p.level === "DCFC")) ??
    stations.find((s) => s.ports.length >= 2)!;
const T0 = "2026-01-05T10:00:00.000Z";
const at = (minutes: number) => new Date(Date.parse(T0) + minutes * 60_000).toISOString();

/** A call of `identity` (a Boulder station by default). */
const call = (
  version: OcppVersion,
  action: string,
  payload: Payload,
  identity = STATION.stationId,
): ReceivedCall => ({ identity, version, action, payload, at: Date.parse("2030-01-01") });

Deno.test("CsmsLiveAdapter places a known station's ports at its first call, connector n its nth charger", () => {
  const adapter = new CsmsLiveAdapter({ stations: boulder });
  const boot = adapter.translate(
    call("1.6", "BootNotification", { chargePointVendor: "evsim", chargePointModel: "x" }),
    { status: "Accepted", interval: 300, currentTime: T0 },
  );
  assert.deepEqual(boot.events, [], "a boot is no event");
  assert.deepEqual(
    boot.chargers.map((c) => c.id),
    STATION.ports.map((p) => p.chargerId).sort((a, b) =>
      Number(a.includes("-DC-")) - Number(b.includes("-DC-"))
    ),
    "every port, Level 2 first as the table lists them",
  );
  const charger = chargerById.get(STATION.ports[0].chargerId)!;
  assert.deepEqual(
    [boot.chargers[0].latitude, boot.chargers[0].longitude, boot.chargers[0].name],
    [charger.latitude, charger.longitude, charger.name],
  );
  const status = adapter.translate(call("1.6", "StatusNotification", {
    connectorId: 2,
    errorCode: "NoError",
    status: "Available",
    timestamp: T0,
  }));
  assert.deepEqual(status.chargers, [], "placed once");
  assert.equal(status.events[0].chargerId, STATION.ports[1].chargerId);
  assert.equal(status.events[0].time, T0);
  const first = adapter.translate(call("1.6", "StatusNotification", {
    connectorId: 1,
    errorCode: "NoError",
    status: "Available",
    timestamp: T0,
  }));
  assert.equal(first.events[0].chargerId, STATION.ports[0].chargerId);
  const beyond = adapter.translate(call("2.0.1", "StatusNotification", {
    timestamp: T0,
    connectorStatus: "Available",
    evseId: STATION.ports.length + 1,
    connectorId: 1,
  }));
  assert.deepEqual(
    beyond.chargers.map((c) => [c.id, c.stationId, c.latitude]),
    [[`${STATION.stationId}#${STATION.ports.length + 1}`, STATION.stationId, charger.latitude]],
    "a connector past the station's ports is one more at the same place",
  );
});

Deno.test("CsmsLiveAdapter maps OCPP statuses to the page's port statuses", async (t) => {
  const cases: [OcppVersion, string, string][] = [
    ["1.6", "Available", "Idle"],
    ["1.6", "Preparing", "In Use"],
    ["1.6", "Charging", "In Use"],
    ["1.6", "SuspendedEV", "In Use"],
    ["1.6", "SuspendedEVSE", "Interruption"],
    ["1.6", "Finishing", "In Use"],
    ["1.6", "Reserved", "In Use"],
    ["1.6", "Unavailable", "Maintenance"],
    ["1.6", "Faulted", "Faulted"],
    ["2.0.1", "Available", "Idle"],
    ["2.0.1", "Occupied", "In Use"],
    ["2.0.1", "Reserved", "In Use"],
    ["2.0.1", "Unavailable", "Maintenance"],
    ["2.0.1", "Faulted", "Faulted"],
  ];
  for (const [version, ocpp, status] of cases) {
    await t.step(`${version} ${ocpp} → ${status}`, () => {
      const adapter = new CsmsLiveAdapter({ stations: boulder });
      const payload = version === "1.6"
        ? { connectorId: 1, errorCode: "NoError", status: ocpp, timestamp: T0 }
        : { timestamp: T0, connectorStatus: ocpp, evseId: 1, connectorId: 1 };
      const { events } = adapter.translate(call(version, "StatusNotification", payload));
      assert.deepEqual(events.map((e) => [e.type, e.status]), [["charger.status", status]]);
    });
  }
  await t.step("1.6 connector 0, the charge point itself, is no port", () => {
    const adapter = new CsmsLiveAdapter({ stations: boulder });
    const { events } = adapter.translate(
      call("1.6", "StatusNotification", {
        connectorId: 0,
        errorCode: "NoError",
        status: "Available",
      }),
    );
    assert.deepEqual(events, []);
  });
});

Deno.test("CsmsLiveAdapter: a plug-in that ends without a transaction is a failed start", () => {
  const adapter = new CsmsLiveAdapter({ stations: boulder });
  const status = (s: string, errorCode = "NoError", minute = 0) =>
    adapter.translate(call("1.6", "StatusNotification", {
      connectorId: 1,
      errorCode,
      status: s,
      timestamp: at(minute),
    })).events.map((e) => e.type === "session.rejected" ? `rejected ${e.rejectReason}` : e.type);
  assert.deepEqual(status("Preparing"), ["charger.status"]);
  assert.deepEqual(status("Available", "ConnectorLockFailure", 1), ["rejected connector_error"]);
  assert.deepEqual(status("Available", "NoError", 2), ["charger.status"], "once");
  status("Preparing", "NoError", 3);
  adapter.translate(
    call("1.6", "StartTransaction", {
      connectorId: 1,
      idTag: "04AABBCCDDEEFF",
      meterStart: 0,
      timestamp: at(4),
    }),
    { transactionId: 7, idTagInfo: { status: "Accepted" } },
  );
  adapter.translate(call("1.6", "StopTransaction", {
    transactionId: 7,
    meterStop: 10,
    timestamp: at(5),
    reason: "EVDisconnected",
  }));
  assert.deepEqual(status("Available", "NoError", 6), ["charger.status"], "a charge is no failure");
});

Deno.test("CsmsLiveAdapter: a 1.6 transaction's power, energy and SoC, in any unit the meter uses", () => {
  const adapter = new CsmsLiveAdapter({ stations: boulder });
  const identity = STATION.stationId;
  const started = adapter.translate(
    call("1.6", "StartTransaction", {
      connectorId: 1,
      idTag: "04AABBCCDDEEFF",
      meterStart: 12_000,
      timestamp: at(0),
    }),
    { transactionId: 42, idTagInfo: { status: "Accepted" } },
  ).events[0];
  assert.equal(started.type, "session.started");
  if (started.type !== "session.started") return;
  assert.equal(started.sessionId, `${identity}/42`);
  assert.equal(started.vehicleType, "idTag 04AABBCCDDEEFF");
  assert.equal(started.startTime, at(0));
  const meter = (minute: number, sampledValue: Payload[]) =>
    adapter.translate(call("1.6", "MeterValues", {
      connectorId: 1,
      transactionId: 42,
      meterValue: [{ timestamp: at(minute), sampledValue }],
    }));
  const [wh] = meter(1, [
    {
      value: "13500",
      context: "Sample.Periodic",
      format: "Raw",
      measurand: "Energy.Active.Import.Register",
      unit: "Wh",
    },
    { value: "7200.5", context: "Sample.Periodic", measurand: "Power.Active.Import", unit: "W" },
    { value: "41", context: "Sample.Periodic", measurand: "SoC", unit: "Percent", location: "EV" },
  ]).events;
  assert.deepEqual(
    [
      wh.type,
      "powerKw" in wh && wh.powerKw,
      "energyKwh" in wh && wh.energyKwh,
      "socPercent" in wh && wh.socPercent,
    ],
    ["session.updated", 7.2005, 1.5, 41],
  );
  const [kwh] = meter(2, [
    { value: "14.25", measurand: "Energy.Active.Import.Register", unit: "kWh" },
    { value: "2.4", measurand: "Power.Active.Import", unit: "kW", phase: "L1" },
    { value: "2.4", measurand: "Power.Active.Import", unit: "kW", phase: "L2" },
    { value: "2.4", measurand: "Power.Active.Import", unit: "kW", phase: "L3" },
    { value: "signed", format: "SignedData", measurand: "SoC" },
  ]).events;
  assert.ok("powerKw" in kwh);
  assert.ok(Math.abs(kwh.powerKw - 7.2) < 1e-9, "the phases summed");
  assert.ok(Math.abs(kwh.energyKwh - 2.25) < 1e-9);
  assert.equal(kwh.socPercent, 41, "a signed value is not read");
  const [paused] = meter(3, [
    { value: "14300", context: "Interruption.Begin" },
  ]).events;
  assert.deepEqual([paused.type, paused.status, "powerKw" in paused && paused.powerKw], [
    "session.interrupted",
    "Interruption",
    0,
  ]);
  const [full] = adapter.translate(call("1.6", "StatusNotification", {
    connectorId: 1,
    errorCode: "NoError",
    status: "SuspendedEV",
    timestamp: at(4),
  })).events.slice(1);
  assert.deepEqual([full.type, full.status], ["session.resumed", "In Use"]);
  const stopped = adapter.translate(call("1.6", "StopTransaction", {
    transactionId: 42,
    meterStop: 14_400,
    timestamp: at(10),
    reason: "Local",
    idTag: "04AABBCCDDEEFF",
  })).events[0];
  assert.equal(stopped.type, "session.ended");
  if (stopped.type !== "session.ended") return;
  assert.deepEqual(
    [stopped.totalEnergyKwh, stopped.powerKw, stopped.endReason, stopped.connectedMinutes],
    [2.4, 0, "target_reached", 10],
  );
});

Deno.test("CsmsLiveAdapter: a 2.0.1 transaction from Started to Ended, its multipliers and charging states", () => {
  const adapter = new CsmsLiveAdapter({ stations: boulder });
  const tx = (eventType: string, minute: number, extra: Payload = {}, info: Payload = {}) =>
    adapter.translate(call("2.0.1", "TransactionEvent", {
      eventType,
      timestamp: at(minute),
      triggerReason: "Authorized",
      seqNo: minute,
      transactionInfo: { transactionId: "tx-1", ...info },
      ...extra,
    })).events;
  const [started] = tx("Started", 0, {
    evse: { id: 2, connectorId: 1 },
    idToken: { idToken: "USFORC3A9F01B2", type: "eMAID" },
    meterValue: [{
      timestamp: at(0),
      sampledValue: [{
        value: 5000,
        context: "Transaction.Begin",
        measurand: "Energy.Active.Import.Register",
        unitOfMeasure: { unit: "Wh" },
      }],
    }],
  }, { chargingState: "EVConnected" });
  assert.equal(started.type, "session.started");
  assert.equal(started.chargerId, STATION.ports[1].chargerId);
  assert.ok("vehicleType" in started && started.vehicleType === "eMAID USFORC3A9F01B2");
  const [charging] = tx("Updated", 1, {
    meterValue: [{
      timestamp: at(1),
      sampledValue: [
        { value: 6.5, measurand: "Energy.Active.Import.Register", unitOfMeasure: { unit: "kWh" } },
        {
          value: 50,
          measurand: "Power.Active.Import",
          unitOfMeasure: { unit: "W", multiplier: 3 },
        },
        { value: 62.5, measurand: "SoC", unitOfMeasure: { unit: "Percent" } },
      ],
    }],
  }, { chargingState: "Charging" });
  assert.ok("powerKw" in charging);
  assert.deepEqual([charging.type, charging.powerKw, charging.energyKwh, charging.socPercent], [
    "session.updated",
    50,
    1.5,
    62.5,
  ]);
  const [paused] = tx("Updated", 2, {}, { chargingState: "SuspendedEVSE" });
  assert.deepEqual([paused.type, "powerKw" in paused && paused.powerKw], [
    "session.interrupted",
    0,
  ]);
  const [resumed] = tx("Updated", 3, {}, { chargingState: "Charging" });
  assert.equal(resumed.type, "session.resumed");
  const [full] = tx("Updated", 4, {}, { chargingState: "SuspendedEV" });
  assert.deepEqual([full.type, "powerKw" in full && full.powerKw], ["session.updated", 0]);
  const [ended] = tx("Ended", 30, {
    meterValue: [{
      timestamp: at(30),
      sampledValue: [{ value: 7000, context: "Transaction.End", unitOfMeasure: { unit: "Wh" } }],
    }],
  }, { stoppedReason: "EVDisconnected", timeSpentCharging: 600, chargingState: "Idle" });
  assert.equal(ended.type, "session.ended");
  if (ended.type !== "session.ended") return;
  assert.deepEqual(
    [
      ended.totalEnergyKwh,
      ended.endReason,
      ended.connectedMinutes,
      ended.chargingMinutes,
      ended.idleMinutes,
    ],
    [2, "departed", 30, 10, 20],
  );
});

Deno.test("CsmsLiveAdapter: a charge point that is no known station counts, off the map", () => {
  const adapter = new CsmsLiveAdapter({ stations: boulder });
  const live = new LiveState();
  const feed = (c: ReceivedCall, answer?: Payload) => {
    const { chargers, events } = adapter.translate(c, answer);
    live.place(chargers);
    for (const e of events) live.add(e);
  };
  feed(call("1.6", "BootNotification", { chargePointVendor: "X", chargePointModel: "Y" }, "CP-7"));
  feed(
    call(
      "1.6",
      "StartTransaction",
      { connectorId: 1, idTag: "TAG", meterStart: 0, timestamp: T0 },
      "CP-7",
    ),
    { transactionId: 1, idTagInfo: { status: "Accepted" } },
  );
  feed(call("1.6", "MeterValues", {
    connectorId: 1,
    transactionId: 1,
    meterValue: [{
      timestamp: at(1),
      sampledValue: [{ value: "11000", measurand: "Power.Active.Import", unit: "W" }],
    }],
  }, "CP-7"));
  live.delta(0);
  const [station] = live.snapshot().stations;
  assert.deepEqual(
    [station.id, station.name, station.city, station.latitude, station.longitude, station.ports],
    ["CP-7", "CP-7", UNKNOWN_CITY, 0, 0, 1],
  );
  const totals = live.snapshot().totals;
  assert.deepEqual([totals.sessions, totals.charging, totals.powerKw[1]], [1, 1, 11]);
  assert.equal(live.sessions()[0].sessionId, "CP-7/1");
});

Deno.test("CsmsLiveAdapter: a message without a timestamp takes the charge point's latest time", () => {
  const adapter = new CsmsLiveAdapter({ stations: boulder });
  const status = (payload: Payload, identity?: string) =>
    adapter.translate(call("1.6", "StatusNotification", payload, identity)).events[0].time;
  assert.equal(
    status({ connectorId: 1, errorCode: "NoError", status: "Available" }),
    "2030-01-01T00:00:00.000Z",
    "nothing sent before: the wall time it came",
  );
  status({
    connectorId: 1,
    errorCode: "NoError",
    status: "Available",
    timestamp: "2026-01-05T11:00:00+01:00",
  });
  assert.equal(status({ connectorId: 2, errorCode: "NoError", status: "Available" }), T0);
  assert.equal(
    status({ connectorId: 1, errorCode: "NoError", status: "Available" }, "CP-other"),
    T0,
  );
});

Deno.test("CsmsLiveAdapter skips a call not as OCPP says, naming the charge point, action and field", () => {
  const adapter = new CsmsLiveAdapter({ stations: boulder });
  const cases: [OcppVersion, string, Payload, RegExp][] = [
    [
      "1.6",
      "StatusNotification",
      { connectorId: -1, errorCode: "NoError", status: "Available" },
      /StatusNotification: connectorId: /,
    ],
    [
      "1.6",
      "StatusNotification",
      { connectorId: 1, errorCode: "NoError", status: "Sideways" },
      /status: Invalid type: Expected .*"Available"/,
    ],
    ["1.6", "MeterValues", {
      connectorId: 1,
      meterValue: [{ timestamp: "yesterday", sampledValue: [] }],
    }, /MeterValues: meterValue\[0\]\.timestamp: /],
    [
      "1.6",
      "StopTransaction",
      { transactionId: 99, meterStop: 1, timestamp: T0 },
      /StopTransaction: transactionId: 99 is not open/,
    ],
    ["2.0.1", "TransactionEvent", {
      eventType: "Updated",
      timestamp: T0,
      triggerReason: "Trigger",
      seqNo: 1,
      transactionInfo: { transactionId: "nope" },
    }, /TransactionEvent: evse: transaction nope is not open/],
  ];
  for (const [version, action, payload, message] of cases) {
    const { events, problems } = adapter.translate(call(version, action, payload));
    assert.deepEqual(events, [], action);
    assert.equal(problems.length, 1, action);
    assert.match(problems[0], new RegExp(`^${STATION.stationId} `));
    assert.match(problems[0], message);
  }
  const noId = adapter.translate(
    call("1.6", "StartTransaction", { connectorId: 1, idTag: "T", meterStart: 0, timestamp: T0 }),
    { idTagInfo: { status: "Accepted" } },
  );
  assert.match(noId.problems[0], /StartTransaction: the answer's transactionId: /);
});

Deno.test("CsmsLiveAdapter: calls the page does not show are no events", () => {
  const adapter = new CsmsLiveAdapter({ stations: boulder });
  for (const action of ["Heartbeat", "Authorize", "DataTransfer", "FirmwareStatusNotification"]) {
    const { events, problems } = adapter.translate(call("1.6", action, {}));
    assert.deepEqual([events, problems], [[], []], action);
  }
});
