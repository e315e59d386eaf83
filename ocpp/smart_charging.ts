/**
 * Smart charging: the charging profiles a central system sets on a charge
 * point (SetChargingProfile, 1.6 and 2.0.1), and the limit they make at a
 * moment, as OCPP composes them: within each purpose the valid profile of the
 * highest stack level with a period running at that moment counts; a
 * transaction's TxProfile takes the place of the TxDefaultProfile; the
 * station's maximum (ChargePointMaxProfile, ChargingStationMaxProfile) caps
 * the result. Pure data and functions; the charge point turns a limit into
 * the engine's power cap.
 *
 * Times are the charge point's, which are simulated time: a profile's
 * `startSchedule`, `validFrom` and `validTo` are read against the timestamps
 * the charge point sends.
 *
 * @module
 */
import type { Payload } from "./transport.ts";

/** What a profile limits: the station, new transactions by default, or one transaction. */
export type Purpose = "max" | "txDefault" | "tx";

/** One charging profile, as both versions describe it. */
export interface Profile {
  id: number;
  stackLevel: number;
  purpose: Purpose;
  kind: "Absolute" | "Recurring" | "Relative";
  recurrency?: "Daily" | "Weekly";
  /** Epoch ms. */
  validFrom?: number;
  validTo?: number;
  /** The transaction a TxProfile is for (1.6: the central system's ID, as text). */
  transactionId?: string;
  /** When the schedule starts (Absolute, Recurring), epoch ms. */
  startMs?: number;
  durationSec?: number;
  unit: "A" | "W";
  /** Sorted by `startSec`, the first at 0. */
  periods: { startSec: number; limit: number; phases?: number }[];
}

/** A profile as a limit applies to: its connector (1.6) or EVSE (2.0.1), 0 for the whole station. */
export interface Placed {
  connector: number;
  profile: Profile;
}

/** A transaction a profile may be for, or be relative to. */
export interface TransactionRef {
  id: string;
  startMs: number;
}

/** The limit of one moment: the value in its unit, and the phases it assumes, if said. */
export interface Limit {
  limit: number;
  unit: "A" | "W";
  phases?: number;
}

/** Both versions' names of the purposes this charge point takes. */
const PURPOSES: Record<string, Purpose> = {
  ChargePointMaxProfile: "max",
  ChargingStationMaxProfile: "max",
  TxDefaultProfile: "txDefault",
  TxProfile: "tx",
};

/** The purpose a version names `name`, if it is one this charge point takes. */
export function purposeOf(name: unknown): Purpose | undefined {
  return typeof name === "string" && Object.hasOwn(PURPOSES, name) ? PURPOSES[name] : undefined;
}

const ms = (iso: unknown) => (typeof iso === "string" ? Date.parse(iso) : undefined);

/**
 * A profile from a 1.6 `csChargingProfiles` or a 2.0.1 `chargingProfile`
 * (its first schedule), or a reason it is not one this charge point takes.
 */
export function profileOf(p: Payload): Profile | string {
  const purpose = purposeOf(p.chargingProfilePurpose);
  if (!purpose) return `purpose ${p.chargingProfilePurpose} is not supported`;
  const schedule =
    (Array.isArray(p.chargingSchedule) ? p.chargingSchedule[0] : p.chargingSchedule) as
      | Payload
      | undefined;
  if (!schedule) return "no charging schedule";
  const periods = (schedule.chargingSchedulePeriod as Payload[]).map((x) => ({
    startSec: x.startPeriod as number,
    limit: x.limit as number,
    ...(x.numberPhases !== undefined && { phases: x.numberPhases as number }),
  })).sort((a, b) => a.startSec - b.startSec);
  if (periods.length === 0 || periods[0].startSec !== 0) {
    return "the first period must start at 0";
  }
  const kind = p.chargingProfileKind as Profile["kind"];
  const startMs = ms(schedule.startSchedule);
  if (kind !== "Relative" && startMs === undefined) return `a ${kind} profile needs startSchedule`;
  if (kind === "Recurring" && !p.recurrencyKind) return "a Recurring profile needs recurrencyKind";
  return {
    id: (p.chargingProfileId ?? p.id) as number,
    stackLevel: p.stackLevel as number,
    purpose,
    kind,
    ...(p.recurrencyKind !== undefined && { recurrency: p.recurrencyKind as "Daily" | "Weekly" }),
    ...(p.validFrom !== undefined && { validFrom: ms(p.validFrom) }),
    ...(p.validTo !== undefined && { validTo: ms(p.validTo) }),
    ...(p.transactionId !== undefined && { transactionId: String(p.transactionId) }),
    ...(startMs !== undefined && { startMs }),
    ...(schedule.duration !== undefined && { durationSec: schedule.duration as number }),
    unit: schedule.chargingRateUnit as "A" | "W",
    periods,
  };
}

/** When the schedule of `profile` that runs at `time` started, if one does. */
function scheduleStart(profile: Profile, time: number, tx?: TransactionRef): number | undefined {
  if (profile.kind === "Relative") return tx?.startMs;
  const start = profile.startMs!;
  if (profile.kind === "Absolute") return start;
  const every = (profile.recurrency === "Weekly" ? 7 : 1) * 86_400_000;
  return start + Math.floor((time - start) / every) * every;
}

/** The period of `profile` running at `time`, if any. */
export function periodAt(profile: Profile, time: number, tx?: TransactionRef): Limit | undefined {
  if (profile.validFrom !== undefined && time < profile.validFrom) return undefined;
  if (profile.validTo !== undefined && time >= profile.validTo) return undefined;
  const start = scheduleStart(profile, time, tx);
  if (start === undefined || time < start) return undefined;
  const offset = (time - start) / 1000;
  if (profile.durationSec !== undefined && offset >= profile.durationSec) return undefined;
  let period = profile.periods[0];
  for (const p of profile.periods) if (p.startSec <= offset) period = p;
  return {
    limit: period.limit,
    unit: profile.unit,
    ...(period.phases && { phases: period.phases }),
  };
}

/** The charging profiles of one charge point. */
export class ChargingProfiles {
  #placed: Placed[] = [];

  /** Every profile, where it applies. */
  get all(): readonly Placed[] {
    return this.#placed;
  }

  /**
   * Installs `profile` on `connector` (0: the station), replacing one of the
   * same ID, and one of the same purpose and stack level there.
   */
  set(connector: number, profile: Profile): void {
    this.#placed = this.#placed.filter((x) =>
      x.profile.id !== profile.id &&
      !(x.connector === connector && x.profile.purpose === profile.purpose &&
        x.profile.stackLevel === profile.stackLevel)
    );
    this.#placed.push({ connector, profile });
  }

  /** Removes the profiles matching every criterion given; returns how many. */
  clear(
    criteria: { id?: number; connector?: number; purpose?: Purpose; stackLevel?: number } = {},
  ): number {
    const before = this.#placed.length;
    this.#placed = this.#placed.filter((x) =>
      !((criteria.id === undefined || x.profile.id === criteria.id) &&
        (criteria.connector === undefined || x.connector === criteria.connector) &&
        (criteria.purpose === undefined || x.profile.purpose === criteria.purpose) &&
        (criteria.stackLevel === undefined || x.profile.stackLevel === criteria.stackLevel))
    );
    return before - this.#placed.length;
  }

  /** Removes the TxProfiles of a transaction that ended. */
  endTransaction(transactionId: string): void {
    this.#placed = this.#placed.filter((x) =>
      !(x.profile.purpose === "tx" && x.profile.transactionId === transactionId)
    );
  }

  /**
   * The limits on `connector` at `time`, by purpose: the station's maximum,
   * and the transaction's (its TxProfile, else the TxDefaultProfile).
   */
  limitsAt(connector: number, time: number, tx?: TransactionRef): { max?: Limit; tx?: Limit } {
    const top = (purpose: Purpose, places: readonly number[]) => {
      let best: { level: number; limit: Limit } | undefined;
      for (const { connector: c, profile } of this.#placed) {
        if (profile.purpose !== purpose || !places.includes(c)) continue;
        if (purpose === "tx" && (!tx || (profile.transactionId ?? tx.id) !== tx.id)) continue;
        if (best && profile.stackLevel <= best.level) continue;
        const limit = periodAt(profile, time, tx);
        if (limit) best = { level: profile.stackLevel, limit };
      }
      return best?.limit;
    };
    const max = top("max", [0]);
    const own = (tx && top("tx", [connector])) ?? top("txDefault", [connector, 0]);
    return { ...(max && { max }), ...(own && { tx: own }) };
  }

  /**
   * The moments in `[from, to)` where a limit of `connector` may change: the
   * starts and ends of periods, schedules and validity.
   */
  changesIn(connector: number, from: number, to: number, tx?: TransactionRef): number[] {
    const times = new Set<number>([from]);
    const add = (t: number | undefined) => {
      if (t !== undefined && t > from && t < to) times.add(t);
    };
    for (const { connector: c, profile } of this.#placed) {
      if (c !== 0 && c !== connector) continue;
      add(profile.validFrom);
      add(profile.validTo);
      const every = profile.kind === "Recurring"
        ? (profile.recurrency === "Weekly" ? 7 : 1) * 86_400_000
        : Infinity;
      let start = scheduleStart(profile, from, tx);
      if (start === undefined) continue;
      for (let n = 0; n < 400 && start < to; n++, start += every) {
        for (const p of profile.periods) add(start + p.startSec * 1000);
        if (profile.durationSec !== undefined) add(start + profile.durationSec * 1000);
        if (every === Infinity) break;
      }
    }
    return [...times].sort((a, b) => a - b);
  }
}
