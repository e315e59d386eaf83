/**
 * The rules of OCPP that its JSON schemas cannot express, checked by the test
 * central system on what one charge point sends: nothing but a
 * BootNotification before the boot is accepted; transaction IDs that exist
 * and belong to their connector; energy registers that never go back, per
 * connector and across transactions; voltage times current that matches the
 * power; 2.0.1 `seqNo` in order without gaps; the connector status state
 * machine (1.6 §4.9); timestamps that never go back; no message sent twice.
 * Pure bookkeeping: `observe` takes each call, in order, and returns what it
 * breaks.
 *
 * @module
 */
import type { OcppVersion, Payload } from "./transport.ts";

/** 1.6 status transitions allowed (OCPP 1.6 §4.9, table "Status transitions"). */
const TRANSITIONS_16: Readonly<Record<string, readonly string[]>> = {
  Available: ["Preparing", "Charging", "SuspendedEV", "SuspendedEVSE", "Reserved", "Unavailable"],
  Preparing: ["Available", "Charging", "SuspendedEV", "SuspendedEVSE", "Finishing"],
  Charging: ["Available", "SuspendedEV", "SuspendedEVSE", "Finishing", "Unavailable"],
  SuspendedEV: ["Available", "Charging", "SuspendedEVSE", "Finishing", "Unavailable"],
  SuspendedEVSE: ["Available", "Charging", "SuspendedEV", "Finishing", "Unavailable"],
  Finishing: ["Available", "Preparing", "Unavailable"],
  Reserved: ["Available", "Preparing", "Unavailable"],
  Unavailable: ["Available", "Preparing", "Charging", "SuspendedEV", "SuspendedEVSE"],
  Faulted: [
    "Available",
    "Preparing",
    "Charging",
    "SuspendedEV",
    "SuspendedEVSE",
    "Finishing",
    "Reserved",
    "Unavailable",
  ],
};

/** 1.6 statuses that need a transaction on the connector. */
const IN_TRANSACTION_16 = new Set(["Charging", "SuspendedEV", "SuspendedEVSE"]);

/** A transaction as the central system saw it. */
export interface TransactionRecord {
  /** Its ID (a 1.6 integer as text). */
  id: string;
  /** Connector (1.6) or EVSE (2.0.1). */
  connector: number;
  idToken: string;
  startTime: string;
  /** The register at its start, Wh. */
  meterStartWh: number;
  /** The latest register, Wh. */
  registerWh: number;
  stopTime?: string;
  stopReason?: string;
  /** Energy delivered (stop register − start register), Wh, once ended. */
  energyWh?: number;
  /** 2.0.1: the last `seqNo`. */
  seqNo?: number;
}

interface Sample {
  timestamp: string;
  sampledValue: {
    value: string | number;
    measurand?: string;
    unit?: string;
    unitOfMeasure?: { unit?: string; multiplier?: number };
    phase?: string;
    context?: string;
  }[];
}

/** The checks of one charge point's messages. */
export class StationRules {
  readonly version: OcppVersion;
  /** Transactions, open and ended, in the order started. */
  readonly transactions: TransactionRecord[] = [];
  /** The boot answer last given. */
  bootStatus: string | undefined;
  readonly #open = new Map<string, TransactionRecord>();
  readonly #openByConnector = new Map<number, TransactionRecord>();
  readonly #registers = new Map<number, number>();
  readonly #status = new Map<number, string>();
  #lastTimestamp = "";
  #lastTransactionMessage = "";
  #notifySeq = -1;

  constructor(version: OcppVersion) {
    this.version = version;
  }

  /** The open transaction on `connector`, if any. */
  openOn(connector: number): TransactionRecord | undefined {
    return this.#openByConnector.get(connector);
  }

  /** The status last reported for `connector`. */
  statusOf(connector: number): string | undefined {
    return this.#status.get(connector);
  }

  /** Records the answer to a BootNotification. */
  booted(status: string): void {
    this.bootStatus = status;
    // A boot starts the connectors' reports afresh.
    if (status === "Accepted") this.#status.clear();
  }

  /**
   * Checks one call and records it; returns the rules it breaks. For a 1.6
   * StartTransaction, `transactionId` is the ID the central system answers.
   */
  observe(action: string, payload: Payload, transactionId?: number): string[] {
    const problems: string[] = [];
    if (action !== "BootNotification" && this.bootStatus !== "Accepted") {
      problems.push(`${action} sent before the boot was accepted (boot: ${this.bootStatus})`);
    }
    for (const t of timestampsOf(action, payload)) {
      if (t < this.#lastTimestamp) {
        problems.push(`timestamp ${t} goes back (after ${this.#lastTimestamp})`);
      } else this.#lastTimestamp = t;
    }
    if (isTransactionMessage(action, payload)) {
      const text = JSON.stringify([action, payload]);
      if (text === this.#lastTransactionMessage) problems.push(`${action} sent twice`);
      this.#lastTransactionMessage = text;
    }
    if (this.version === "1.6") this.#observe16(action, payload, problems, transactionId);
    else this.#observe201(action, payload, problems);
    return problems;
  }

  #register(connector: number, wh: number, problems: string[], what: string): void {
    const last = this.#registers.get(connector);
    if (last !== undefined && wh < last) {
      problems.push(
        `${what}: energy register of connector ${connector} goes back: ${last} → ${wh} Wh`,
      );
    }
    this.#registers.set(connector, Math.max(wh, last ?? wh));
  }

  #samples(connector: number, samples: Sample[], problems: string[], tx?: TransactionRecord) {
    for (const s of samples) {
      const wh = registerOf(s);
      if (wh !== undefined) {
        this.#register(connector, wh, problems, "meter value");
        if (tx) {
          if (wh < tx.meterStartWh) {
            problems.push(
              `transaction ${tx.id}: register ${wh} Wh below its start ${tx.meterStartWh} Wh`,
            );
          }
          tx.registerWh = Math.max(tx.registerWh, wh);
        }
      }
      const coherence = coherenceOf(s);
      if (coherence) problems.push(coherence);
    }
  }

  #status16(connector: number, status: string, problems: string[]): void {
    const before = this.#status.get(connector);
    if (connector > 0 && before !== undefined && before !== status && status !== "Faulted") {
      if (!TRANSITIONS_16[before]?.includes(status)) {
        problems.push(`connector ${connector}: ${before} → ${status} is not an allowed transition`);
      }
    }
    const tx = this.#openByConnector.get(connector);
    if (connector > 0 && IN_TRANSACTION_16.has(status) && !tx) {
      problems.push(`connector ${connector}: ${status} with no transaction open`);
    }
    if (connector > 0 && status === "Available" && tx) {
      problems.push(`connector ${connector}: Available while transaction ${tx.id} is open`);
    }
    this.#status.set(connector, status);
  }

  #observe16(action: string, p: Payload, problems: string[], transactionId?: number): void {
    switch (action) {
      case "StatusNotification":
        this.#status16(p.connectorId as number, p.status as string, problems);
        break;
      case "StartTransaction": {
        const connector = p.connectorId as number;
        if (connector < 1) problems.push(`StartTransaction on connector ${connector}`);
        const open = this.#openByConnector.get(connector);
        if (open) {
          problems.push(
            `StartTransaction on connector ${connector}: transaction ${open.id} is open`,
          );
        }
        const wh = p.meterStart as number;
        this.#register(connector, wh, problems, "StartTransaction.meterStart");
        const tx: TransactionRecord = {
          id: String(transactionId ?? this.transactions.length + 1),
          connector,
          idToken: p.idTag as string,
          startTime: p.timestamp as string,
          meterStartWh: wh,
          registerWh: wh,
        };
        this.#openTx(tx);
        break;
      }
      case "MeterValues": {
        const connector = p.connectorId as number;
        let tx: TransactionRecord | undefined;
        if (p.transactionId !== undefined) {
          tx = this.#open.get(String(p.transactionId));
          if (!tx) problems.push(`MeterValues for transaction ${p.transactionId}, not open`);
          else if (tx.connector !== connector) {
            problems.push(
              `MeterValues: transaction ${tx.id} is on connector ${tx.connector}, not ${connector}`,
            );
          }
        }
        this.#samples(connector, p.meterValue as Sample[], problems, tx);
        break;
      }
      case "StopTransaction": {
        const id = String(p.transactionId);
        const tx = this.#open.get(id);
        if (!tx) {
          problems.push(`StopTransaction for transaction ${id}, not open`);
          break;
        }
        const wh = p.meterStop as number;
        if (wh < tx.meterStartWh) {
          problems.push(`transaction ${id}: meterStop ${wh} below meterStart ${tx.meterStartWh}`);
        }
        this.#register(tx.connector, wh, problems, "StopTransaction.meterStop");
        for (const s of (p.transactionData ?? []) as Sample[]) {
          const r = registerOf(s);
          const context = s.sampledValue.find((v) =>
            (v.measurand ?? "Energy.Active.Import.Register") === "Energy.Active.Import.Register"
          )?.context;
          if (r === undefined) continue;
          if (context === "Transaction.Begin" && r !== tx.meterStartWh) {
            problems.push(
              `transaction ${id}: begin sample ${r} Wh ≠ meterStart ${tx.meterStartWh}`,
            );
          }
          if (context === "Transaction.End" && r !== wh) {
            problems.push(`transaction ${id}: end sample ${r} Wh ≠ meterStop ${wh}`);
          }
          const coherence = coherenceOf(s);
          if (coherence) problems.push(coherence);
        }
        tx.registerWh = wh;
        this.#closeTx(tx, p.timestamp as string, (p.reason as string) ?? "Local");
        break;
      }
    }
  }

  #observe201(action: string, p: Payload, problems: string[]): void {
    switch (action) {
      case "StatusNotification": {
        const evse = p.evseId as number;
        const status = p.connectorStatus as string;
        const before = this.#status.get(evse);
        if (before === "Occupied" && status === "Reserved") {
          problems.push(`EVSE ${evse}: Occupied → Reserved is not an allowed transition`);
        }
        const tx = this.#openByConnector.get(evse);
        if (status === "Available" && tx) {
          problems.push(`EVSE ${evse}: Available while transaction ${tx.id} is open`);
        }
        this.#status.set(evse, status);
        break;
      }
      case "NotifyEvent": {
        const seq = p.seqNo as number;
        if (seq <= this.#notifySeq) {
          problems.push(`NotifyEvent seqNo ${seq} after ${this.#notifySeq}`);
        }
        this.#notifySeq = seq;
        break;
      }
      case "MeterValues":
        this.#samples(p.evseId as number, p.meterValue as Sample[], problems);
        break;
      case "TransactionEvent": {
        const info = p.transactionInfo as { transactionId: string; stoppedReason?: string };
        const id = info.transactionId;
        const seq = p.seqNo as number;
        const samples = (p.meterValue ?? []) as Sample[];
        if (p.eventType === "Started") {
          const evse = (p.evse as { id: number } | undefined)?.id;
          if (evse === undefined) {
            problems.push(`TransactionEvent Started of ${id} names no EVSE`);
            break;
          }
          if (this.transactions.some((t) => t.id === id)) {
            problems.push(`TransactionEvent Started of ${id}: the transaction ID is not new`);
            break;
          }
          const open = this.#openByConnector.get(evse);
          if (open) problems.push(`TransactionEvent Started on EVSE ${evse}: ${open.id} is open`);
          const begin = samples.map(registerOf).find((r) => r !== undefined);
          const start = begin ?? this.#registers.get(evse) ?? 0;
          const tx: TransactionRecord = {
            id,
            connector: evse,
            idToken: (p.idToken as { idToken: string } | undefined)?.idToken ?? "",
            startTime: p.timestamp as string,
            meterStartWh: start,
            registerWh: start,
            seqNo: seq,
          };
          this.#openTx(tx);
          this.#samples(evse, samples, problems, tx);
          break;
        }
        const tx = this.#open.get(id);
        if (!tx) {
          problems.push(`TransactionEvent ${p.eventType} of ${id}, not open`);
          break;
        }
        const expected = (tx.seqNo ?? -1) + 1;
        if (seq > expected) {
          problems.push(`transaction ${id}: seqNo gap, ${expected} expected, got ${seq}`);
        } else if (seq < expected) {
          problems.push(`transaction ${id}: seqNo ${seq} out of order (after ${tx.seqNo})`);
        }
        tx.seqNo = Math.max(seq, tx.seqNo ?? seq);
        const evse = (p.evse as { id: number } | undefined)?.id;
        if (evse !== undefined && evse !== tx.connector) {
          problems.push(`transaction ${id} is on EVSE ${tx.connector}, not ${evse}`);
        }
        this.#samples(tx.connector, samples, problems, tx);
        if (p.eventType === "Ended") {
          this.#closeTx(tx, p.timestamp as string, info.stoppedReason ?? "Local");
        }
        break;
      }
    }
  }

  #openTx(tx: TransactionRecord): void {
    this.transactions.push(tx);
    this.#open.set(tx.id, tx);
    this.#openByConnector.set(tx.connector, tx);
  }

  #closeTx(tx: TransactionRecord, time: string, reason: string): void {
    tx.stopTime = time;
    tx.stopReason = reason;
    tx.energyWh = tx.registerWh - tx.meterStartWh;
    this.#open.delete(tx.id);
    if (this.#openByConnector.get(tx.connector) === tx) this.#openByConnector.delete(tx.connector);
  }
}

function isTransactionMessage(action: string, payload: Payload): boolean {
  return action === "StartTransaction" || action === "StopTransaction" ||
    action === "TransactionEvent" || (action === "MeterValues" && "transactionId" in payload);
}

/** Every timestamp a call carries, in order. */
function timestampsOf(action: string, p: Payload): string[] {
  const out: string[] = [];
  if (typeof p.timestamp === "string") out.push(p.timestamp);
  if (action === "NotifyEvent" && typeof p.generatedAt === "string") out.push(p.generatedAt);
  if (action === "MeterValues" || action === "TransactionEvent") {
    for (const s of (p.meterValue ?? []) as Sample[]) out.push(s.timestamp);
  }
  return out.map((t) => new Date(t).toISOString());
}

function unitOf(v: Sample["sampledValue"][number]): string | undefined {
  return v.unit ?? v.unitOfMeasure?.unit;
}

function valueOf(v: Sample["sampledValue"][number]): number {
  const x = Number(v.value) * 10 ** (v.unitOfMeasure?.multiplier ?? 0);
  const unit = unitOf(v);
  return unit === "kWh" || unit === "kW" ? x * 1000 : x;
}

/** The energy register a sample holds, Wh (a value without a measurand is one, as the spec says). */
function registerOf(s: Sample): number | undefined {
  const v = s.sampledValue.find((v) =>
    (v.measurand ?? "Energy.Active.Import.Register") === "Energy.Active.Import.Register"
  );
  return v === undefined ? undefined : valueOf(v);
}

/** A problem if a sample's power and its voltage times current disagree. */
function coherenceOf(s: Sample): string | undefined {
  const of = (m: string) => s.sampledValue.filter((v) => v.measurand === m).map(valueOf);
  const [power] = of("Power.Active.Import");
  const volts = of("Voltage");
  const amps = of("Current.Import");
  if (power === undefined || volts.length === 0 || amps.length === 0) return undefined;
  const v = volts.reduce((a, b) => a + b, 0) / volts.length;
  const vi = v * amps.reduce((a, b) => a + b, 0);
  const tolerance = 0.01 * power + 0.01 * v * amps.length + 1;
  return Math.abs(vi - power) > tolerance
    ? `meter value at ${s.timestamp}: ${power} W ≠ ${v} V × ${amps.join("+")} A`
    : undefined;
}
