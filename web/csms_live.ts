/**
 * What a central system receives, as the live page's inputs: each call a
 * charge point made (OCPP 1.6 or 2.0.1) and the answer it got become the
 * ports to place and the evsim events (`core/event.ts`) a {@link LiveState}
 * takes, so that the page of `evsim csms` sums up exactly as the echo
 * server's does.
 *
 * ```ts
 * const live = new LiveState();
 * const adapter = new CsmsLiveAdapter({ stations: lookUp });
 * csms.onCall((call, answer) => {
 *   const { chargers, events } = adapter.translate(call, answer);
 *   live.place(chargers);
 *   for (const event of events) live.add(event);
 * });
 * ```
 *
 * **Placing stations.** A charge point's station comes from `stations`
 * (evsim's embedded table, `app/csms_stations.ts`): its ports in connector
 * (1.6) or EVSE (2.0.1) order, so connector or EVSE `n` is its `n`th port, as
 * `ocpp/station.ts` numbers them. They are placed at the charge point's first
 * call (its BootNotification), Level 2 ports first as the table lists them
 * (a station's site type on the map is its first port's, as on a run's
 * page). A connector past the station's ports is a port more at the same
 * place (`STATION#n`). A charge point that is no known
 * station is a station of its own, `IDENTITY`, with a port `IDENTITY#n` per
 * connector it reports: its sessions, power and status count in the totals
 * and the session table, but it has no dot: it stands at latitude 0,
 * longitude 0, off the map (which draws the United States only), in the city
 * {@link UNKNOWN_CITY}, as a public Level 2 site.
 *
 * **Port status** (a `charger.status` event per StatusNotification of a
 * connector; 1.6 connector 0, the charge point itself, is no port):
 *
 * | OCPP 1.6                          | OCPP 2.0.1  | the page's port status | on the map, without a session |
 * | --------------------------------- | ----------- | ---------------------- | ----------------------------- |
 * | Available                         | Available   | `Idle`                 | available                     |
 * | Preparing, Charging, SuspendedEV, | Occupied    | `In Use`               | available                     |
 * | Finishing                         |             |                        |                               |
 * | SuspendedEVSE                     |             | `Interruption`         | available                     |
 * | Reserved                          | Reserved    | `In Use`               | available                     |
 * | Unavailable                       | Unavailable | `Maintenance`          | maintenance                   |
 * | Faulted                           | Faulted     | `Faulted`              | faulted                       |
 *
 * With a transaction open the port is `charging` (its last power above 0) or
 * `occupied` (none), whatever its status, as on the echo server's page.
 * A port that was plugged in (1.6 Preparing, 2.0.1 Occupied) and comes back
 * to Available without a transaction is a failed start (`session.rejected`;
 * 1.6 error code `ConnectorLockFailure`: `connector_error`,
 * `EVCommunicationError`: `vehicle_communication`, else `authorization_failed`).
 *
 * **Sessions** are transactions: 1.6 StartTransaction (its ID from the
 * answer), MeterValues, StopTransaction; 2.0.1 TransactionEvent Started,
 * Updated, Ended. A session's ID is `IDENTITY/TRANSACTION-ID`, its vehicle the
 * token that started it (`idTag 04A1…`, `ISO14443 04A1…`, `eMAID USFOR…`).
 * From the meter values: power is `Power.Active.Import` (W, or kW; a 2.0.1
 * `multiplier` applied; the phases summed when no total is given), energy the
 * `Energy.Active.Import.Register` (Wh or kWh; a value without a measurand is
 * one, as OCPP says) less the transaction's start (`meterStart`, or its
 * Transaction.Begin sample), and state of charge `SoC` (DC chargers only
 * report it; 0 otherwise). A 1.6 status other than Charging (SuspendedEV,
 * SuspendedEVSE, Finishing, …) and a 2.0.1 charging state other than
 * Charging set the power to 0; Interruption.Begin samples and SuspendedEVSE pause a session
 * (`session.interrupted`), Interruption.End samples and Charging resume it.
 * What a central system cannot know is left empty: no estimated end (the
 * page's ETA is then the start), `chargingMinutes` only from 2.0.1's
 * `timeSpentCharging`.
 *
 * **Time** is the charge points' own (the simulated clock of an evsim run):
 * each message's timestamp, or, for one without (a BootNotification, a 1.6
 * StatusNotification may omit it), the latest time that charge point sent,
 * else the latest any sent, else the wall time it arrived.
 *
 * What it reads of a payload is checked (valibot); a call that is not as
 * OCPP says is skipped, with a problem naming the charge point, the action
 * and the field. In strict mode the central system refuses such calls before.
 *
 * @module
 */
import * as v from "valibot";
import { issuePath } from "../core/errors.ts";
import type { RejectReason, SimEvent, Status } from "../core/event.ts";
import { type Level, type SiteType, siteTypeOf } from "../core/network.ts";
import type { ReceivedCall } from "../ocpp/csms.ts";
import type { OcppVersion, Payload } from "../ocpp/transport.ts";
import type { ChargerInfo } from "./live_state.ts";

/**
 * The ports of the station that charge point `identity` is, in connector
 * (1.6) or EVSE (2.0.1) order; undefined for an identity that is no known
 * station.
 */
export type StationPorts = (identity: string) => readonly ChargerInfo[] | undefined;

/** What one call means to a {@link LiveState}. */
export interface CsmsLiveInput {
  /** Ports to place ({@link LiveState.place}) before the events. */
  chargers: ChargerInfo[];
  /** Events to add, in order. */
  events: SimEvent[];
  /** Why (part of) the call was skipped: `IDENTITY ACTION: field: what was wrong`. */
  problems: string[];
}

/** Options of {@link CsmsLiveAdapter}. */
export interface CsmsLiveOptions {
  /** Where each charge point stands. @default {no station known: none has a dot} */
  stations?: StationPorts;
}

/** The city of a charge point that is no known station. */
export const UNKNOWN_CITY = "(not a known station)";

/** 1.6 ChargePointStatus → the page's port status (see the module documentation). */
export const STATUS_16: Readonly<Record<string, Status>> = {
  Available: "Idle",
  Preparing: "In Use",
  Charging: "In Use",
  SuspendedEV: "In Use",
  SuspendedEVSE: "Interruption",
  Finishing: "In Use",
  Reserved: "In Use",
  Unavailable: "Maintenance",
  Faulted: "Faulted",
};

/** 2.0.1 ConnectorStatusEnumType → the page's port status (see the module documentation). */
export const STATUS_201: Readonly<Record<string, Status>> = {
  Available: "Idle",
  Occupied: "In Use",
  Reserved: "In Use",
  Unavailable: "Maintenance",
  Faulted: "Faulted",
};

/** Statuses that say a vehicle is plugged in. */
const PLUGGED = new Set([
  "Preparing",
  "Charging",
  "SuspendedEV",
  "SuspendedEVSE",
  "Finishing",
  "Occupied",
]);

// --- what is read of a payload ---------------------------------------------

const Timestamp = v.pipe(v.string(), v.isoTimestamp());
const Whole = v.pipe(v.number(), v.integer(), v.minValue(0));
const Integer = v.pipe(v.number(), v.integer());

const SampledValueSchema = v.looseObject({
  value: v.union([v.string(), v.number()]),
  measurand: v.optional(v.string()),
  phase: v.optional(v.string()),
  context: v.optional(v.string()),
  format: v.optional(v.string()),
  /** 1.6. */
  unit: v.optional(v.string()),
  /** 2.0.1. */
  unitOfMeasure: v.optional(v.looseObject({
    unit: v.optional(v.string()),
    multiplier: v.optional(Integer),
  })),
});
const MeterValueSchema = v.looseObject({
  timestamp: Timestamp,
  sampledValue: v.array(SampledValueSchema),
});
type MeterValue = v.InferOutput<typeof MeterValueSchema>;

const SCHEMAS = {
  "1.6": {
    StatusNotification: v.looseObject({
      connectorId: Whole,
      errorCode: v.string(),
      status: v.picklist(Object.keys(STATUS_16)),
      timestamp: v.optional(Timestamp),
    }),
    StartTransaction: v.looseObject({
      connectorId: v.pipe(Whole, v.minValue(1)),
      idTag: v.string(),
      meterStart: Integer,
      timestamp: Timestamp,
    }),
    MeterValues: v.looseObject({
      connectorId: Whole,
      transactionId: v.optional(Integer),
      meterValue: v.array(MeterValueSchema),
    }),
    StopTransaction: v.looseObject({
      transactionId: Integer,
      meterStop: Integer,
      timestamp: Timestamp,
      reason: v.optional(v.string()),
      transactionData: v.optional(v.array(MeterValueSchema)),
    }),
  },
  "2.0.1": {
    StatusNotification: v.looseObject({
      timestamp: Timestamp,
      connectorStatus: v.picklist(Object.keys(STATUS_201)),
      evseId: Whole,
      connectorId: Whole,
    }),
    MeterValues: v.looseObject({
      evseId: Whole,
      meterValue: v.array(MeterValueSchema),
    }),
    TransactionEvent: v.looseObject({
      eventType: v.picklist(["Started", "Updated", "Ended"]),
      timestamp: Timestamp,
      transactionInfo: v.looseObject({
        transactionId: v.pipe(v.string(), v.minLength(1)),
        chargingState: v.optional(v.string()),
        stoppedReason: v.optional(v.string()),
        timeSpentCharging: v.optional(v.pipe(v.number(), v.minValue(0))),
      }),
      evse: v.optional(v.looseObject({ id: v.pipe(Whole, v.minValue(1)) })),
      idToken: v.optional(v.looseObject({ idToken: v.string(), type: v.string() })),
      meterValue: v.optional(v.array(MeterValueSchema)),
    }),
  },
} as const;

/** The 1.6 StartTransaction answer: the transaction's ID. */
const StartAnswerSchema = v.looseObject({ transactionId: Integer });

// --- meter values -------------------------------------------------------------

/** What samples say, the latest of each. */
interface Reading {
  registerWh?: number;
  powerW?: number;
  socPercent?: number;
  /** An Interruption.Begin (true) or Interruption.End (false) sample. */
  interruption?: boolean;
  /** The latest sample's time. */
  time?: string;
}

/** A value in its base unit (Wh, W, %), or undefined for one not a number or of another unit. */
function baseValue(
  s: v.InferOutput<typeof SampledValueSchema>,
  base: "Wh" | "W" | "Percent",
): number | undefined {
  if (s.format === "SignedData") return undefined;
  const raw = typeof s.value === "number" ? s.value : s.value.trim() === "" ? NaN : Number(s.value);
  if (!Number.isFinite(raw)) return undefined;
  const x = raw * 10 ** (s.unitOfMeasure?.multiplier ?? 0);
  const unit = s.unit ?? s.unitOfMeasure?.unit ?? base;
  if (unit === base) return x;
  if (base !== "Percent" && unit === `k${base}`) return x * 1000;
  return undefined;
}

/**
 * The values of one measurand in a sample: its total (a value without a
 * phase, or a phase to neutral `N`), else the sum of its phases.
 */
function measured(
  values: v.InferOutput<typeof SampledValueSchema>[],
  measurand: string,
  base: "Wh" | "W" | "Percent",
): number | undefined {
  let total: number | undefined;
  let phases: number | undefined;
  for (const s of values) {
    if ((s.measurand ?? "Energy.Active.Import.Register") !== measurand) continue;
    const x = baseValue(s, base);
    if (x === undefined) continue;
    if (s.phase === undefined || s.phase === "N") total ??= x;
    else phases = (phases ?? 0) + x;
  }
  return total ?? phases;
}

/** The latest register, power, SoC and interruption of `meterValues`, in the order given. */
function readingOf(meterValues: readonly MeterValue[]): Reading {
  const r: Reading = {};
  for (const mv of meterValues) {
    const wh = measured(mv.sampledValue, "Energy.Active.Import.Register", "Wh");
    const w = measured(mv.sampledValue, "Power.Active.Import", "W");
    const soc = measured(mv.sampledValue, "SoC", "Percent");
    if (wh !== undefined) r.registerWh = wh;
    if (w !== undefined) r.powerW = Math.max(0, w);
    if (soc !== undefined) r.socPercent = Math.min(100, Math.max(0, soc));
    const context = mv.sampledValue.find((s) => s.context !== undefined)?.context;
    if (context === "Interruption.Begin") r.interruption = true;
    else if (context === "Interruption.End") r.interruption = false;
    r.time = mv.timestamp;
  }
  return r;
}

// --- the state kept -------------------------------------------------------------

interface Transaction {
  id: string;
  connector: number;
  sessionId: string;
  /** The token that started it, as the table shows it. */
  token: string;
  userId: string;
  startTime: string;
  meterStartWh: number;
  registerWh: number;
  powerW: number;
  socPercent: number;
  interrupted: boolean;
}

/** A port as its events name it. */
interface PortInfo {
  id: string;
  stationId: string;
  name: string;
  network: string | null;
  city: string;
  state: string;
  country: string;
  latitude: number;
  longitude: number;
  level: Level;
  siteType: SiteType;
}

interface Port {
  info: PortInfo;
  /** A vehicle plugged in since the port was last free. */
  plugged: boolean;
  /** Whether a transaction started since it was plugged in. */
  transacted: boolean;
  registerWh?: number;
  tx?: Transaction;
}

interface Station {
  identity: string;
  /** Its ports by connector (1.6) or EVSE (2.0.1) number. */
  ports: Map<number, Port>;
  /** Its ports as the station table has them; undefined for one not known. */
  known: readonly ChargerInfo[] | undefined;
  /** Open transactions by ID. */
  open: Map<string, Transaction>;
  /** The latest time it sent. */
  time?: string;
}

/** What a central system receives, as evsim events; see the module documentation. */
export class CsmsLiveAdapter {
  readonly #lookUp: StationPorts;
  readonly #stations = new Map<string, Station>();
  #seq = 0;
  /** The latest time any charge point sent. */
  #time: string | undefined;

  constructor(options: CsmsLiveOptions = {}) {
    this.#lookUp = options.stations ?? (() => undefined);
  }

  /** What `call`, answered with `answer`, means to the live page. */
  translate(call: ReceivedCall, answer: Payload = {}): CsmsLiveInput {
    const out: CsmsLiveInput = { chargers: [], events: [], problems: [] };
    const station = this.#station(call.identity, out);
    const schemas: Record<string, v.GenericSchema> = SCHEMAS[call.version];
    const schema = schemas?.[call.action];
    if (!schema) return out;
    const parsed = v.safeParse(schema, call.payload);
    if (!parsed.success) {
      const issue = parsed.issues[0];
      const path = issuePath(issue);
      out.problems.push(
        `${call.identity} ${call.action}: ${path ? `${path}: ` : ""}${issue.message}`,
      );
      return out;
    }
    const p = parsed.output as never;
    const c: Context = { call, station, out };
    switch (`${call.version} ${call.action}`) {
      case "1.6 StatusNotification":
        this.#status16(c, p);
        break;
      case "1.6 StartTransaction":
        this.#start16(c, p, answer);
        break;
      case "1.6 MeterValues":
        this.#meter16(c, p);
        break;
      case "1.6 StopTransaction":
        this.#stop16(c, p);
        break;
      case "2.0.1 StatusNotification":
        this.#status201(c, p);
        break;
      case "2.0.1 MeterValues":
        this.#meter201(c, p);
        break;
      case "2.0.1 TransactionEvent":
        this.#transaction201(c, p);
        break;
    }
    return out;
  }

  /** The station of `identity`, its known ports placed when first seen. */
  #station(identity: string, out: CsmsLiveInput): Station {
    let station = this.#stations.get(identity);
    if (station) return station;
    let known: readonly ChargerInfo[] | undefined;
    try {
      known = this.#lookUp(identity);
    } catch (error) {
      out.problems.push(`${identity}: cannot look its station up: ${(error as Error).message}`);
    }
    station = { identity, ports: new Map(), known, open: new Map() };
    this.#stations.set(identity, station);
    // Placed in the table's order, Level 2 ports first: a station's site type is its first
    // port's, as on the page of the run.
    const numbers = (known ?? []).map((_, i) => i + 1);
    const level = (n: number) => known![n - 1].level === "L2" ? 0 : 1;
    for (const n of numbers.sort((a, b) => level(a) - level(b) || a - b)) {
      this.#port(station, n, out);
    }
    return station;
  }

  /** Port `n` of `station`, made (and placed) when first seen. */
  #port(station: Station, n: number, out: CsmsLiveInput): Port {
    const port = station.ports.get(n);
    if (port) return port;
    const known = station.known?.[n - 1];
    const from = known ?? station.known?.[0];
    const info: PortInfo = from
      ? {
        id: known ? from.id : `${from.stationId ?? from.id}#${n}`,
        stationId: from.stationId ?? from.id,
        name: from.name,
        network: from.network ?? null,
        city: from.city,
        state: from.state ?? "",
        country: "US",
        latitude: from.latitude,
        longitude: from.longitude,
        level: from.level,
        siteType: siteTypeOf(from),
      }
      : {
        id: `${station.identity}#${n}`,
        stationId: station.identity,
        name: station.identity,
        network: null,
        city: UNKNOWN_CITY,
        state: "",
        country: "",
        latitude: 0,
        longitude: 0,
        level: "L2",
        siteType: "public",
      };
    const made: Port = { info, plugged: false, transacted: false };
    station.ports.set(n, made);
    const { network, country: _, ...placed } = info;
    out.chargers.push({ ...placed, ...(network !== null && { network }) });
    return made;
  }

  /** The time of a message: its own, else the latest known (see the module documentation). */
  #timeOf(call: ReceivedCall, station: Station, timestamp?: string): string {
    if (timestamp === undefined) {
      return station.time ?? this.#time ?? new Date(call.at).toISOString();
    }
    const time = new Date(timestamp).toISOString();
    if (station.time === undefined || time > station.time) station.time = time;
    if (this.#time === undefined || time > this.#time) this.#time = time;
    return time;
  }

  // --- the events -----------------------------------------------------------

  /** The fields every event of `port` carries. */
  #head(port: Port, time: string, status: Status, statusMessage: string) {
    const { info } = port;
    return {
      seq: ++this.#seq,
      eventId: `csms-${this.#seq}`,
      time,
      chargerId: info.id,
      stationId: info.stationId,
      locationName: info.name,
      network: info.network,
      city: info.city,
      state: info.state,
      postalCode: null,
      country: info.country,
      timeZone: "UTC",
      latitude: info.latitude,
      longitude: info.longitude,
      level: info.level,
      siteType: info.siteType,
      connectors: [],
      status,
      statusMessage,
    };
  }

  /** The fields every session event of `tx` carries. */
  #session(port: Port, tx: Transaction, time: string, status: Status, message: string) {
    return {
      ...this.#head(port, time, status, message),
      sessionId: tx.sessionId,
      userId: tx.userId,
      vehicleType: tx.token,
      powerKw: tx.powerW / 1000,
      energyKwh: Math.max(0, tx.registerWh - tx.meterStartWh) / 1000,
      socPercent: tx.socPercent,
      percentComplete: 0,
      startTime: tx.startTime,
      estimatedChargingMinutes: 0,
    };
  }

  /**
   * A session event of `tx` as it is now: paused or resumed when it changed
   * from `wasInterrupted`, else updated.
   */
  #progress(
    out: CsmsLiveInput,
    port: Port,
    tx: Transaction,
    time: string,
    wasInterrupted: boolean,
  ): void {
    const status = tx.interrupted ? "Interruption" : "In Use";
    out.events.push({
      type: tx.interrupted === wasInterrupted
        ? "session.updated"
        : tx.interrupted
        ? "session.interrupted"
        : "session.resumed",
      ...this.#session(port, tx, time, status, status),
    });
  }

  /** A port's status: a `charger.status` event, or a failed start (see the module documentation). */
  #portStatus(
    out: CsmsLiveInput,
    port: Port,
    time: string,
    ocpp: string,
    status: Status,
    errorCode?: string,
  ): void {
    const message = errorCode && errorCode !== "NoError" ? `${ocpp} (${errorCode})` : ocpp;
    if (status === "Idle" && port.plugged && !port.transacted && !port.tx) {
      const rejectReason: RejectReason = errorCode === "ConnectorLockFailure"
        ? "connector_error"
        : errorCode === "EVCommunicationError"
        ? "vehicle_communication"
        : "authorization_failed";
      out.events.push({
        type: "session.rejected",
        ...this.#head(port, time, status, message),
        userId: "",
        vehicleType: "",
        socPercent: 0,
        rejectReason,
      });
    } else {
      out.events.push({ type: "charger.status", ...this.#head(port, time, status, message) });
    }
    if (PLUGGED.has(ocpp)) {
      if (!port.plugged) port.transacted = port.tx !== undefined;
      port.plugged = true;
    } else if (ocpp !== "Reserved") {
      port.plugged = false;
      port.transacted = false;
    }
  }

  /** Opens a transaction on `port`. */
  #open(
    c: Context,
    port: Port,
    connector: number,
    id: string,
    token: string,
    userId: string,
    time: string,
    meterStartWh: number,
  ): Transaction {
    if (port.tx) c.station.open.delete(port.tx.id);
    const tx: Transaction = {
      id,
      connector,
      sessionId: `${c.call.identity}/${id}`,
      token,
      userId,
      startTime: time,
      meterStartWh,
      registerWh: meterStartWh,
      powerW: 0,
      socPercent: 0,
      interrupted: false,
    };
    port.tx = tx;
    port.transacted = true;
    port.registerWh = meterStartWh;
    c.station.open.set(id, tx);
    return tx;
  }

  /** Applies a reading to `tx` (and its port's register). */
  #apply(port: Port, tx: Transaction | undefined, r: Reading): void {
    if (r.registerWh !== undefined) port.registerWh = r.registerWh;
    if (!tx) return;
    if (r.registerWh !== undefined) tx.registerWh = r.registerWh;
    if (r.powerW !== undefined) tx.powerW = r.powerW;
    if (r.socPercent !== undefined) tx.socPercent = r.socPercent;
    if (r.interruption !== undefined) {
      tx.interrupted = r.interruption;
      if (r.interruption) tx.powerW = 0;
    }
  }

  /** Ends `tx`: a `session.ended` event. */
  #close(
    c: Context,
    port: Port,
    tx: Transaction,
    time: string,
    reason: string,
    chargingSec?: number,
  ): void {
    tx.powerW = 0;
    const connectedMinutes = Math.max(0, Date.parse(time) - Date.parse(tx.startTime)) / 60_000;
    const chargingMinutes = Math.min(connectedMinutes, (chargingSec ?? 0) / 60);
    const session = this.#session(port, tx, time, "Ended", `Transaction ended (${reason})`);
    c.out.events.push({
      type: "session.ended",
      ...session,
      endTime: time,
      endReason: reason === "Local"
        ? "target_reached"
        : ["EVDisconnected", "Remote", "StoppedByEV"].includes(reason)
        ? "departed"
        : "failed",
      connectedMinutes,
      chargingMinutes,
      idleMinutes: connectedMinutes - chargingMinutes,
      totalEnergyKwh: session.energyKwh,
    });
    c.station.open.delete(tx.id);
    if (port.tx === tx) port.tx = undefined;
    port.registerWh = tx.registerWh;
  }

  // --- OCPP 1.6 --------------------------------------------------------------

  #status16(c: Context, p: Parsed<"1.6", "StatusNotification">): void {
    if (p.connectorId === 0) {
      this.#timeOf(c.call, c.station, p.timestamp);
      return;
    }
    const port = this.#port(c.station, p.connectorId, c.out);
    const time = this.#timeOf(c.call, c.station, p.timestamp);
    this.#portStatus(c.out, port, time, p.status, STATUS_16[p.status], p.errorCode);
    const tx = port.tx;
    if (!tx) return;
    const was = tx.interrupted;
    const power = tx.powerW;
    if (p.status === "SuspendedEVSE") tx.interrupted = true;
    else if (p.status !== "Faulted" && p.status !== "Unavailable") tx.interrupted = false;
    if (p.status !== "Charging") tx.powerW = 0;
    if (tx.interrupted !== was || tx.powerW !== power) this.#progress(c.out, port, tx, time, was);
  }

  #start16(c: Context, p: Parsed<"1.6", "StartTransaction">, answer: Payload): void {
    const parsed = v.safeParse(StartAnswerSchema, answer);
    if (!parsed.success) {
      c.out.problems.push(
        `${c.call.identity} StartTransaction: the answer's transactionId: ${
          parsed.issues[0].message
        }`,
      );
      return;
    }
    const port = this.#port(c.station, p.connectorId, c.out);
    const time = this.#timeOf(c.call, c.station, p.timestamp);
    const id = String(parsed.output.transactionId);
    const tx = this.#open(
      c,
      port,
      p.connectorId,
      id,
      `idTag ${p.idTag}`,
      p.idTag,
      time,
      p.meterStart,
    );
    c.out.events.push({
      type: "session.started",
      ...this.#session(port, tx, time, "In Use", "StartTransaction"),
    });
  }

  #meter16(c: Context, p: Parsed<"1.6", "MeterValues">): void {
    const port = this.#port(c.station, p.connectorId, c.out);
    const r = readingOf(p.meterValue);
    const time = this.#timeOf(c.call, c.station, r.time);
    const tx = p.transactionId === undefined
      ? port.tx
      : c.station.open.get(String(p.transactionId));
    if (tx && tx !== port.tx) {
      c.out.problems.push(
        `${c.call.identity} MeterValues: transaction ${tx.id} is on connector ${tx.connector}, ` +
          `not ${p.connectorId}`,
      );
      return;
    }
    const was = tx?.interrupted ?? false;
    this.#apply(port, tx, r);
    if (tx) this.#progress(c.out, port, tx, time, was);
  }

  #stop16(c: Context, p: Parsed<"1.6", "StopTransaction">): void {
    const time = this.#timeOf(c.call, c.station, p.timestamp);
    const tx = c.station.open.get(String(p.transactionId));
    if (!tx) {
      c.out.problems.push(
        `${c.call.identity} StopTransaction: transactionId: ${p.transactionId} is not open`,
      );
      return;
    }
    const port = this.#port(c.station, tx.connector, c.out);
    const r = readingOf(p.transactionData ?? []);
    if (r.socPercent !== undefined) tx.socPercent = r.socPercent;
    tx.registerWh = p.meterStop;
    this.#close(c, port, tx, time, p.reason ?? "Local");
  }

  // --- OCPP 2.0.1 ------------------------------------------------------------

  #status201(c: Context, p: Parsed<"2.0.1", "StatusNotification">): void {
    const time = this.#timeOf(c.call, c.station, p.timestamp);
    if (p.evseId === 0) return;
    const port = this.#port(c.station, p.evseId, c.out);
    this.#portStatus(c.out, port, time, p.connectorStatus, STATUS_201[p.connectorStatus]);
  }

  #meter201(c: Context, p: Parsed<"2.0.1", "MeterValues">): void {
    const r = readingOf(p.meterValue);
    const time = this.#timeOf(c.call, c.station, r.time);
    if (p.evseId === 0) return;
    const port = this.#port(c.station, p.evseId, c.out);
    const tx = port.tx;
    const was = tx?.interrupted ?? false;
    this.#apply(port, tx, r);
    if (tx) this.#progress(c.out, port, tx, time, was);
  }

  #transaction201(c: Context, p: Parsed<"2.0.1", "TransactionEvent">): void {
    const time = this.#timeOf(c.call, c.station, p.timestamp);
    const { transactionId: id, chargingState, stoppedReason, timeSpentCharging } =
      p.transactionInfo;
    const r = readingOf(p.meterValue ?? []);
    let tx = c.station.open.get(id);
    let started = false;
    if (!tx) {
      const evse = p.evse?.id;
      if (evse === undefined) {
        c.out.problems.push(
          `${c.call.identity} TransactionEvent: evse: transaction ${id} is not open, and the ` +
            `${p.eventType} event names no EVSE`,
        );
        return;
      }
      const port = this.#port(c.station, evse, c.out);
      const token = p.idToken ? `${p.idToken.type} ${p.idToken.idToken}` : "no token";
      tx = this.#open(
        c,
        port,
        evse,
        id,
        token,
        p.idToken?.idToken ?? "",
        time,
        r.registerWh ?? port.registerWh ?? 0,
      );
      started = true;
    }
    const port = this.#port(c.station, tx.connector, c.out);
    const was = tx.interrupted;
    this.#apply(port, tx, r);
    if (chargingState !== undefined) {
      if (chargingState === "SuspendedEVSE") tx.interrupted = true;
      else tx.interrupted = false;
      if (chargingState !== "Charging") tx.powerW = 0;
    }
    if (p.eventType === "Ended") {
      if (started) {
        c.out.events.push({
          type: "session.started",
          ...this.#session(port, tx, time, "In Use", "TransactionEvent Started"),
        });
      }
      this.#close(c, port, tx, time, stoppedReason ?? "Local", timeSpentCharging);
    } else if (started) {
      c.out.events.push({
        type: "session.started",
        ...this.#session(
          port,
          tx,
          time,
          tx.interrupted ? "Interruption" : "In Use",
          `TransactionEvent ${p.eventType}`,
        ),
      });
    } else this.#progress(c.out, port, tx, time, was);
  }
}

/** What the translation of one call works on. */
interface Context {
  call: ReceivedCall;
  station: Station;
  out: CsmsLiveInput;
}

/** A payload as its schema reads it. */
type Parsed<
  V extends OcppVersion,
  A extends keyof typeof SCHEMAS[V],
> = typeof SCHEMAS[V][A] extends v.GenericSchema ? v.InferOutput<typeof SCHEMAS[V][A]> : never;
