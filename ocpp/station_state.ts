/**
 * What a charge point knows of its ports between events: each port's energy
 * register, whether a vehicle is plugged in, an outage, the transaction in
 * progress, and the status it last reported. The message builders of each
 * version (`messages_16.ts`, `messages_201.ts`) are pure functions from this
 * state and an event to the next state and the calls to send.
 *
 * @module
 */
import type { SimEvent } from "../core/event.ts";
import type { IdToken } from "./identity.ts";
import type { Reading } from "./meter.ts";
import type { StationSpec } from "./station.ts";
import type { Payload } from "./transport.ts";

/** A transaction in progress on a port. */
export interface Transaction {
  /** evsim's session ID; also the key that binds a 1.6 transaction ID to it. */
  sessionId: string;
  /** The 2.0.1 transaction ID (the charge point makes it). */
  transactionId: string;
  idToken: IdToken;
  /** The register when the transaction began, Wh. */
  startRegisterWh: number;
  /** The reading when it began. */
  begin: Reading;
  /** The latest reading. */
  last: Reading;
  /** Simulated ms of the last periodic sample, and of the last clock-aligned one. */
  lastSampleMs: number;
  lastAlignedMs: number;
  /** Whether power has flowed yet. */
  started: boolean;
  /** The reason of the fault pausing it, if paused. */
  interrupted?: string;
  /** The reason of the last fault that paused it, for the stop reason of a failed charge. */
  lastInterruption?: string;
  /** The target was reached; the vehicle stays plugged in. */
  completed: boolean;
  /** 2.0.1: the next `seqNo` and the charging state last reported. */
  seqNo: number;
  chargingState: string;
}

/** A port's state. */
export interface PortState {
  /** The energy register, Wh: monotone across sessions. */
  registerWh: number;
  plugged: boolean;
  outage?: { kind: "Faulted" | "Maintenance"; message: string };
  tx?: Transaction;
  /** The status last reported (with its error code, in 1.6), to report changes only. */
  reported?: string;
  /**
   * What the central system asked for: the token of a remote start (its next
   * transaction takes it, authorized already), and the reason a transaction
   * it stops will end with (1.6 `Remote`, `UnlockCommand`).
   */
  remote?: { idToken?: IdToken; remoteStartId?: number; stopReason?: string };
}

/** A station's state. */
export interface StationState {
  /** By port number − 1. */
  ports: readonly PortState[];
  /** 2.0.1: the next NotifyEvent `seqNo` and `eventId`. */
  notifySeq: number;
  eventId: number;
}

/** What a call is, for the outbox that sends it. */
export type CallKind =
  /** A transaction message: kept while offline and retried as the spec says. */
  | "transaction"
  /** A status report: kept while offline, in order, so the central system sees every change. */
  | "status"
  /** Meaningful only when online (Authorize): not made while offline. */
  | "online";

/** A call to make, as a builder returns it. */
export interface OutCall {
  action: string;
  payload: Payload;
  kind: CallKind;
  /**
   * 1.6: the session whose transaction this call belongs to. A StartTransaction
   * binds the ID the central system gives to it; the MeterValues and
   * StopTransaction that follow take that ID (their payload holds 0 until sent).
   */
  session?: string;
  /** A periodic sample: the first thing a full outbox gives up. */
  periodic?: boolean;
}

/** The next state and the calls an event leads to. */
export interface Step {
  state: StationState;
  calls: OutCall[];
}

/**
 * How a port is when its charge point starts: a vehicle may already be
 * plugged in (a session that began before the charge point connected is not
 * a transaction of it), or the port may be out of service.
 */
export type PortStart = Partial<Pick<PortState, "registerWh" | "plugged" | "outage">>;

/** A station with nothing plugged in and every register at 0, or as `ports` (by index) say. */
export function initialState(spec: StationSpec, ports: readonly PortStart[] = []): StationState {
  return {
    ports: spec.ports.map((_, i) => ({
      registerWh: ports[i]?.registerWh ?? 0,
      plugged: ports[i]?.plugged ?? false,
      ...(ports[i]?.outage && { outage: ports[i].outage }),
    })),
    notifySeq: 0,
    eventId: 1,
  };
}

/**
 * Whether a clock-aligned sample of `tx` is due at `ms`: a multiple of the
 * aligned interval passed since its last one (which it then becomes).
 */
export function alignedDue(
  tx: Transaction,
  settings: { alignedIntervalSec: number },
  ms: number,
): boolean {
  const every = settings.alignedIntervalSec * 1000;
  if (!(every > 0) || Math.floor(ms / every) === Math.floor(tx.lastAlignedMs / every)) {
    return false;
  }
  tx.lastAlignedMs = ms;
  return true;
}

/** The index of the port an event is about, or -1. */
export function portIndex(spec: StationSpec, chargerId: string): number {
  return spec.ports.findIndex((p) => p.chargerId === chargerId);
}

/** The session fields of an event as a reading of the port's meter during `tx`. */
export function readingOf(
  tx: { startRegisterWh: number },
  event: {
    time: string;
    energyKwh: number;
    powerKw: number;
    socPercent: number;
    vehicleType: string;
  },
  energyKwh = event.energyKwh,
): Reading {
  return {
    time: event.time,
    registerWh: tx.startRegisterWh + Math.round(energyKwh * 1000),
    powerW: Math.round(event.powerKw * 1000),
    socPercent: event.socPercent,
    vehicleType: event.vehicleType,
  };
}

/** A port as an event changes it, and the calls it leads to: the builders' scratch pad. */
export class Draft {
  readonly ports: PortState[];
  readonly calls: OutCall[] = [];
  notifySeq: number;
  eventId: number;

  constructor(state: StationState) {
    this.ports = state.ports.slice();
    this.notifySeq = state.notifySeq;
    this.eventId = state.eventId;
  }

  /** Port `i`, copied once so that the state given stays as it was. */
  port(i: number, copied: Set<number>): PortState {
    if (!copied.has(i)) {
      copied.add(i);
      const p = this.ports[i];
      this.ports[i] = { ...p, tx: p.tx && { ...p.tx } };
    }
    return this.ports[i];
  }

  push(call: OutCall): void {
    this.calls.push(call);
  }

  result(): Step {
    return {
      state: { ports: this.ports, notifySeq: this.notifySeq, eventId: this.eventId },
      calls: this.calls,
    };
  }
}

/** The `info` or `techInfo` of a status: the event's message, cut to `max` characters. */
export function info(message: string, max = 50): string {
  return message.length <= max ? message : message.slice(0, max);
}

/** Whether an event is about a session (it has a `sessionId`). */
export function isSessionEvent(
  event: SimEvent,
): event is Extract<SimEvent, { sessionId: string }> {
  return "sessionId" in event;
}
