/**
 * OCPP 1.6 messages of a charge point, as pure functions of its state and an
 * evsim event (see the README's mapping table). Connector n is the station's
 * port n; connector 0 is the charge point itself.
 *
 * @module
 */
import type { SimEvent } from "../core/event.ts";
import { faultCode, interruptionOf, rejectCode } from "./faults.ts";
import { idTokenOf } from "./identity.ts";
import { meterValue, type Reading, type ReadingContext } from "./meter.ts";
import type { Settings } from "./settings.ts";
import type { PortSpec, StationSpec } from "./station.ts";
import {
  alignedDue,
  Draft,
  info,
  isSessionEvent,
  type OutCall,
  portIndex,
  type PortState,
  readingOf,
  type StationState,
  type Step,
} from "./station_state.ts";
import type { Payload } from "./transport.ts";

/** A 1.6 connector status, its error code and info. */
export interface Status16 {
  status: string;
  errorCode: string;
  info?: string;
}

/** The status a port is in, as 1.6 says it (`finishing`: the transaction just stopped, still plugged in). */
export function status16(p: PortState, finishing = false): Status16 {
  if (p.outage?.kind === "Faulted") {
    return { status: "Faulted", errorCode: faultCode(p.outage.message), info: p.outage.message };
  }
  if (p.outage) return { status: "Unavailable", errorCode: "NoError", info: p.outage.message };
  const tx = p.tx;
  if (tx) {
    if (tx.interrupted) {
      return {
        status: "SuspendedEVSE",
        errorCode: interruptionOf(tx.interrupted).code,
        info: tx.interrupted,
      };
    }
    return {
      status: !tx.completed && tx.last.powerW > 0 ? "Charging" : "SuspendedEV",
      errorCode: "NoError",
    };
  }
  if (p.plugged) return { status: finishing ? "Finishing" : "Preparing", errorCode: "NoError" };
  return { status: "Available", errorCode: "NoError" };
}

function statusCall(connectorId: number, s: Status16, time: string): OutCall {
  const payload: Payload = {
    connectorId,
    errorCode: s.errorCode,
    status: s.status,
    timestamp: time,
  };
  if (s.info) payload.info = info(s.info);
  return { action: "StatusNotification", payload, kind: "status" };
}

/** Reports port `i`'s status if it changed. */
function sync(d: Draft, p: PortState, spec: PortSpec, time: string, s = status16(p)): void {
  const key = `${s.status}/${s.errorCode}`;
  if (p.reported === key) return;
  p.reported = key;
  d.push(statusCall(spec.number, s, time));
}

function meterValues(
  spec: PortSpec,
  reading: Reading,
  measurands: Settings["periodic"],
  context: ReadingContext,
  session: string | undefined,
): OutCall | undefined {
  const mv = meterValue("1.6", spec, reading, measurands, context);
  if ((mv.sampledValue as unknown[]).length === 0) return undefined;
  const payload: Payload = { connectorId: spec.number };
  if (session !== undefined) payload.transactionId = 0;
  payload.meterValue = [mv];
  return {
    action: "MeterValues",
    payload,
    kind: session !== undefined ? "transaction" : "status",
    session,
    periodic: context === "Sample.Periodic",
  };
}

/** The state after `event` and the 1.6 calls it leads to. */
export function step16(
  station: StationSpec,
  state: StationState,
  settings: Settings,
  event: SimEvent,
): Step {
  const i = portIndex(station, event.chargerId);
  if (i < 0) return { state, calls: [] };
  const spec = station.ports[i];
  const d = new Draft(state);
  const copied = new Set<number>();
  const p = d.port(i, copied);
  const time = event.time;

  if (event.type === "charger.status") {
    switch (event.status) {
      case "In Use":
        if (!p.tx && !p.plugged) p.plugged = true;
        break;
      case "Idle":
        p.outage = undefined;
        if (!p.tx) p.plugged = false;
        break;
      case "Faulted":
      case "Maintenance":
        p.outage = { kind: event.status, message: event.statusMessage };
        break;
      default:
        return { state, calls: [] };
    }
    sync(d, p, spec, time);
    return d.result();
  }

  if (event.type === "session.rejected") {
    if (event.rejectReason === "out_of_service" || p.tx || p.plugged || p.outage) {
      return { state, calls: [] };
    }
    p.plugged = true;
    sync(d, p, spec, time);
    if (event.rejectReason === "authorization_failed") {
      const token = idTokenOf(event, { dc: spec.level === "DCFC", ...station }, "1.6");
      d.push({ action: "Authorize", payload: { idTag: token.idToken }, kind: "online" });
    }
    p.plugged = false;
    const code = rejectCode(event.rejectReason);
    sync(d, p, spec, time, { status: "Available", errorCode: code, info: event.statusMessage });
    return d.result();
  }

  if (!isSessionEvent(event)) return { state, calls: [] };

  if (event.type === "session.started") {
    if (p.tx || p.outage) return { state, calls: [] };
    if (!p.plugged) {
      p.plugged = true;
      sync(d, p, spec, time);
    }
    // A remote start's token is authorized already (AuthorizeRemoteTxRequests is false).
    const remote = p.remote?.idToken;
    p.remote = undefined;
    const token = remote ?? idTokenOf(event, { dc: spec.level === "DCFC", ...station }, "1.6");
    if (!remote) d.push({ action: "Authorize", payload: { idTag: token.idToken }, kind: "online" });
    const begin = readingOf({ startRegisterWh: p.registerWh }, event, 0);
    p.tx = {
      sessionId: event.sessionId,
      transactionId: event.sessionId,
      idToken: token,
      startRegisterWh: p.registerWh,
      begin,
      last: begin,
      lastSampleMs: Date.parse(time),
      lastAlignedMs: Date.parse(time),
      started: begin.powerW > 0,
      completed: false,
      seqNo: 0,
      chargingState: "",
    };
    d.push({
      action: "StartTransaction",
      payload: {
        connectorId: spec.number,
        idTag: token.idToken,
        meterStart: p.registerWh,
        timestamp: time,
      },
      kind: "transaction",
      session: event.sessionId,
    });
    sync(d, p, spec, time);
    return d.result();
  }

  const tx = p.tx;
  if (!tx || tx.sessionId !== event.sessionId) return { state, calls: [] };
  const ms = Date.parse(time);

  switch (event.type) {
    case "session.updated": {
      tx.last = readingOf(tx, event);
      if (tx.last.powerW > 0) tx.started = true;
      const every = settings.sampleIntervalSec * 1000;
      if (every > 0 && ms - tx.lastSampleMs >= every) {
        tx.lastSampleMs = ms;
        const call = meterValues(spec, tx.last, settings.periodic, "Sample.Periodic", tx.sessionId);
        if (call) d.push(call);
      }
      if (alignedDue(tx, settings, ms)) {
        const call = meterValues(spec, tx.last, settings.aligned, "Sample.Clock", tx.sessionId);
        if (call) d.push(call);
      }
      break;
    }
    case "session.interrupted":
    case "session.resumed": {
      tx.last = readingOf(tx, event);
      const begins = event.type === "session.interrupted";
      tx.interrupted = begins ? event.statusMessage : undefined;
      if (begins) tx.lastInterruption = event.statusMessage;
      const context = begins ? "Interruption.Begin" : "Interruption.End";
      const call = meterValues(spec, tx.last, settings.periodic, context, tx.sessionId);
      if (call) d.push(call);
      break;
    }
    case "session.completed":
      tx.last = readingOf(tx, event);
      tx.completed = true;
      break;
    case "session.failed":
      tx.last = readingOf(tx, event);
      break;
    case "session.ended": {
      const end = readingOf(tx, event, event.totalEnergyKwh);
      const reason = p.remote?.stopReason ??
        (event.endReason === "target_reached"
          ? "Local"
          : event.endReason === "departed"
          ? "EVDisconnected"
          : interruptionOf(tx.lastInterruption).stop16);
      p.remote = undefined;
      const transactionData = [
        meterValue("1.6", spec, tx.begin, settings.end, "Transaction.Begin"),
        meterValue("1.6", spec, end, settings.end, "Transaction.End"),
      ].filter((mv) => (mv.sampledValue as unknown[]).length > 0);
      const payload: Payload = {
        transactionId: 0,
        meterStop: end.registerWh,
        timestamp: time,
        reason,
      };
      if (reason === "Local") payload.idTag = tx.idToken.idToken;
      if (transactionData.length > 0) payload.transactionData = transactionData;
      d.push({ action: "StopTransaction", payload, kind: "transaction", session: tx.sessionId });
      p.registerWh = end.registerWh;
      p.tx = undefined;
      // Stopped by the driver's card or the central system: Finishing until the cable is out,
      // at the same moment.
      if (reason !== "EVDisconnected" && event.endReason !== "failed") {
        sync(d, p, spec, time, status16(p, true));
      }
      p.plugged = false;
      break;
    }
  }
  sync(d, p, spec, time);
  return d.result();
}

/** StatusNotifications of connector 0 and every port (or of `connector` only), as now. */
export function statusCalls16(
  station: StationSpec,
  state: StationState,
  time: string,
  connector?: number,
): Step {
  const d = new Draft(state);
  const copied = new Set<number>();
  if (connector === undefined || connector === 0) {
    d.push(statusCall(0, { status: "Available", errorCode: "NoError" }, time));
  }
  station.ports.forEach((spec, i) => {
    if (connector !== undefined && connector !== spec.number) return;
    const p = d.port(i, copied);
    const s = status16(p);
    p.reported = `${s.status}/${s.errorCode}`;
    d.push(statusCall(spec.number, s, time));
  });
  return d.result();
}

/** MeterValues of every port (or of `connector`) as they read now (TriggerMessage). */
export function meterCalls16(
  station: StationSpec,
  state: StationState,
  settings: Settings,
  time: string,
  connector?: number,
): OutCall[] {
  const calls: OutCall[] = [];
  station.ports.forEach((spec, i) => {
    if (connector !== undefined && connector !== 0 && connector !== spec.number) return;
    const p = state.ports[i];
    const reading: Reading = p.tx
      ? { ...p.tx.last, time }
      : { time, registerWh: p.registerWh, powerW: 0, socPercent: 0, vehicleType: "" };
    const measurands = p.tx ? settings.periodic : ["Energy.Active.Import.Register" as const];
    const call = meterValues(spec, reading, measurands, "Trigger", p.tx?.sessionId);
    if (call) calls.push(call);
  });
  return calls;
}
