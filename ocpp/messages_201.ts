/**
 * OCPP 2.0.1 messages of a charging station, as pure functions of its state
 * and an evsim event (see the README's mapping table). EVSE n is the
 * station's port n, with one connector (1). A transaction starts when the
 * driver is authorized (TxStartPoint `Authorized`) and ends when the vehicle
 * leaves or the driver stops it (TxStopPoint `EVConnected,Authorized`).
 *
 * @module
 */
import type { SimEvent } from "../core/event.ts";
import { faultCode, interruptionOf } from "./faults.ts";
import { idTokenOf } from "./identity.ts";
import { meterValue, type Reading, type ReadingContext } from "./meter.ts";
import type { Measurand, Settings } from "./settings.ts";
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
  type Transaction,
} from "./station_state.ts";
import { transactionIdOf } from "./identity.ts";
import type { Payload } from "./transport.ts";

/** The trigger of a transaction the central system ended, by its stop reason. */
const REMOTE_TRIGGERS: Record<string, TriggerReason> = {
  Remote: "RemoteStop",
  DeAuthorized: "Deauthorized",
  ImmediateReset: "ResetCommand",
};

/** The connector status of a port, as 2.0.1 says it. */
export function status201(p: PortState): string {
  if (p.outage?.kind === "Faulted") return "Faulted";
  if (p.outage) return "Unavailable";
  return p.tx || p.plugged ? "Occupied" : "Available";
}

/** The charging state of a transaction. */
export function chargingState(tx: Transaction): string {
  if (tx.interrupted) return "SuspendedEVSE";
  if (tx.completed) return "SuspendedEV";
  if (tx.last.powerW > 0) return "Charging";
  return tx.started ? "SuspendedEV" : "EVConnected";
}

function statusCall(evseId: number, status: string, time: string): OutCall {
  return {
    action: "StatusNotification",
    payload: { timestamp: time, connectorStatus: status, evseId, connectorId: 1 },
    kind: "status",
  };
}

function sync(d: Draft, p: PortState, spec: PortSpec, time: string): void {
  const s = status201(p);
  if (p.reported === s) return;
  p.reported = s;
  d.push(statusCall(spec.number, s, time));
}

/** A NotifyEvent saying that EVSE `evseId` has a problem (`on`) or no longer has it. */
function problem(d: Draft, evseId: number, on: boolean, message: string, time: string): void {
  const data: Payload = {
    eventId: d.eventId++,
    timestamp: time,
    trigger: "Delta",
    actualValue: on ? "true" : "false",
    techCode: faultCode(message),
    techInfo: info(message, 500),
    cleared: !on,
    eventNotificationType: "HardWiredMonitor",
    component: { name: "EVSE", evse: { id: evseId } },
    variable: { name: "Problem" },
  };
  d.push({
    action: "NotifyEvent",
    payload: { generatedAt: time, seqNo: d.notifySeq++, tbc: false, eventData: [data] },
    kind: "status",
  });
}

function meterValues(
  spec: PortSpec,
  reading: Reading,
  measurands: readonly Measurand[],
  context: ReadingContext,
): Payload[] | undefined {
  const mv = meterValue("2.0.1", spec, reading, measurands, context);
  return (mv.sampledValue as unknown[]).length > 0 ? [mv] : undefined;
}

type TriggerReason =
  | "Authorized"
  | "ChargingStateChanged"
  | "MeterValuePeriodic"
  | "MeterValueClock"
  | "AbnormalCondition"
  | "StopAuthorized"
  | "EVDeparted"
  | "RemoteStart"
  | "RemoteStop"
  | "Deauthorized"
  | "ResetCommand"
  | "Trigger";

/** A TransactionEvent of `tx`, its charging state included if it changed. */
function transactionEvent(
  spec: PortSpec,
  tx: Transaction,
  eventType: "Started" | "Updated" | "Ended",
  triggerReason: TriggerReason,
  time: string,
  extra: { meterValue?: Payload[]; info?: Payload; idToken?: boolean; state?: string } = {},
): OutCall {
  const state = extra.state ?? chargingState(tx);
  const transactionInfo: Payload = { transactionId: tx.transactionId, ...extra.info };
  if (state !== tx.chargingState) {
    transactionInfo.chargingState = state;
    tx.chargingState = state;
  }
  const payload: Payload = {
    eventType,
    timestamp: time,
    triggerReason,
    seqNo: tx.seqNo++,
    transactionInfo,
  };
  if (extra.idToken) payload.idToken = tx.idToken;
  if (eventType === "Started") payload.evse = { id: spec.number, connectorId: 1 };
  if (extra.meterValue) payload.meterValue = extra.meterValue;
  return {
    action: "TransactionEvent",
    payload,
    kind: "transaction",
    periodic: triggerReason === "MeterValuePeriodic",
  };
}

/** The state after `event` and the 2.0.1 calls it leads to. */
export function step201(
  station: StationSpec,
  state: StationState,
  settings: Settings,
  event: SimEvent,
): Step {
  const i = portIndex(station, event.chargerId);
  if (i < 0) return { state, calls: [] };
  const spec = station.ports[i];
  const d = new Draft(state);
  const p = d.port(i, new Set());
  const time = event.time;

  if (event.type === "charger.status") {
    switch (event.status) {
      case "In Use":
        if (!p.tx && !p.plugged) p.plugged = true;
        sync(d, p, spec, time);
        break;
      case "Idle": {
        const was = p.outage;
        p.outage = undefined;
        if (!p.tx) p.plugged = false;
        sync(d, p, spec, time);
        if (was?.kind === "Faulted") problem(d, spec.number, false, was.message, time);
        break;
      }
      case "Faulted":
      case "Maintenance":
        p.outage = { kind: event.status, message: event.statusMessage };
        sync(d, p, spec, time);
        if (event.status === "Faulted") problem(d, spec.number, true, event.statusMessage, time);
        break;
      default:
        return { state, calls: [] };
    }
    return d.result();
  }

  if (event.type === "session.rejected") {
    if (event.rejectReason === "out_of_service" || p.tx || p.plugged || p.outage) {
      return { state, calls: [] };
    }
    p.plugged = true;
    sync(d, p, spec, time);
    if (event.rejectReason === "authorization_failed") {
      const token = idTokenOf(event, { dc: spec.level === "DCFC", ...station }, "2.0.1");
      d.push({ action: "Authorize", payload: { idToken: token }, kind: "online" });
    }
    p.plugged = false;
    sync(d, p, spec, time);
    return d.result();
  }

  if (!isSessionEvent(event)) return { state, calls: [] };

  if (event.type === "session.started") {
    if (p.tx || p.outage) return { state, calls: [] };
    p.plugged = true;
    sync(d, p, spec, time);
    // A remote start's token is authorized already.
    const remote = p.remote;
    p.remote = undefined;
    const token = remote?.idToken ??
      idTokenOf(event, { dc: spec.level === "DCFC", ...station }, "2.0.1");
    if (!remote?.idToken) {
      d.push({ action: "Authorize", payload: { idToken: token }, kind: "online" });
    }
    const begin = readingOf({ startRegisterWh: p.registerWh }, event, 0);
    const tx: Transaction = {
      sessionId: event.sessionId,
      transactionId: transactionIdOf(event.sessionId),
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
    p.tx = tx;
    d.push(
      transactionEvent(spec, tx, "Started", remote?.idToken ? "RemoteStart" : "Authorized", time, {
        idToken: true,
        info: remote?.remoteStartId !== undefined
          ? { remoteStartId: remote.remoteStartId }
          : undefined,
        meterValue: meterValues(spec, begin, settings.begin, "Transaction.Begin"),
      }),
    );
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
      const due = every > 0 && ms - tx.lastSampleMs >= every;
      const changed = chargingState(tx) !== tx.chargingState;
      if (due) tx.lastSampleMs = ms;
      if (due || changed) {
        d.push(transactionEvent(
          spec,
          tx,
          "Updated",
          changed ? "ChargingStateChanged" : "MeterValuePeriodic",
          time,
          {
            meterValue: due
              ? meterValues(spec, tx.last, settings.periodic, "Sample.Periodic")
              : undefined,
          },
        ));
      }
      if (alignedDue(tx, settings, ms)) {
        const meterValue = meterValues(spec, tx.last, settings.aligned, "Sample.Clock");
        if (meterValue) {
          d.push(transactionEvent(spec, tx, "Updated", "MeterValueClock", time, { meterValue }));
        }
      }
      break;
    }
    case "session.interrupted":
    case "session.resumed": {
      tx.last = readingOf(tx, event);
      const begins = event.type === "session.interrupted";
      tx.interrupted = begins ? event.statusMessage : undefined;
      if (begins) tx.lastInterruption = event.statusMessage;
      d.push(transactionEvent(
        spec,
        tx,
        "Updated",
        begins ? "AbnormalCondition" : "ChargingStateChanged",
        time,
        {
          meterValue: meterValues(
            spec,
            tx.last,
            settings.periodic,
            begins ? "Interruption.Begin" : "Interruption.End",
          ),
        },
      ));
      break;
    }
    case "session.completed":
      tx.last = readingOf(tx, event);
      tx.completed = true;
      d.push(transactionEvent(spec, tx, "Updated", "ChargingStateChanged", time));
      break;
    case "session.failed":
      tx.last = readingOf(tx, event);
      break;
    case "session.ended": {
      const end = readingOf(tx, event, event.totalEnergyKwh);
      tx.last = end;
      // Ended by the central system: a remote stop, a refused token, a reset.
      const remote = p.remote?.stopReason;
      p.remote = undefined;
      const local = event.endReason === "target_reached" && !remote;
      const stoppedReason = remote ??
        (local
          ? "Local"
          : event.endReason === "departed"
          ? "EVDisconnected"
          : interruptionOf(tx.lastInterruption).stop201);
      d.push(transactionEvent(
        spec,
        tx,
        "Ended",
        remote
          ? REMOTE_TRIGGERS[remote] ?? "RemoteStop"
          : local
          ? "StopAuthorized"
          : event.endReason === "departed"
          ? "EVDeparted"
          : "AbnormalCondition",
        time,
        {
          state: local ? "EVConnected" : "Idle",
          idToken: local,
          info: { stoppedReason, timeSpentCharging: Math.round(event.chargingMinutes * 60) },
          meterValue: meterValues(spec, end, settings.end, "Transaction.End"),
        },
      ));
      p.registerWh = end.registerWh;
      p.tx = undefined;
      p.plugged = false;
      sync(d, p, spec, time);
      break;
    }
  }
  return d.result();
}

/** StatusNotifications of every EVSE (or of `evseId` only), as now. */
export function statusCalls201(
  station: StationSpec,
  state: StationState,
  time: string,
  evseId?: number,
): Step {
  const d = new Draft(state);
  const copied = new Set<number>();
  station.ports.forEach((spec, i) => {
    if (evseId !== undefined && evseId !== spec.number) return;
    const p = d.port(i, copied);
    p.reported = status201(p);
    d.push(statusCall(spec.number, p.reported, time));
  });
  return d.result();
}

/** MeterValues of every EVSE without a transaction, TransactionEvents (Trigger) of those with one. */
export function meterCalls201(
  station: StationSpec,
  state: StationState,
  settings: Settings,
  time: string,
  what: "MeterValues" | "TransactionEvent",
  evseId?: number,
): Step {
  const d = new Draft(state);
  const copied = new Set<number>();
  station.ports.forEach((spec, i) => {
    if (evseId !== undefined && evseId !== spec.number) return;
    const p = d.port(i, copied);
    if (p.tx) {
      const reading = { ...p.tx.last, time };
      d.push(transactionEvent(spec, p.tx, "Updated", "Trigger", time, {
        meterValue: meterValues(spec, reading, settings.periodic, "Trigger"),
      }));
    } else if (what === "MeterValues") {
      const reading = { time, registerWh: p.registerWh, powerW: 0, socPercent: 0, vehicleType: "" };
      const mv = meterValues(spec, reading, ["Energy.Active.Import.Register"], "Trigger");
      if (mv) {
        d.push({
          action: "MeterValues",
          payload: { evseId: spec.number, meterValue: mv },
          kind: "status",
        });
      }
    }
  });
  return d.result();
}
