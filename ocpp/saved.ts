/**
 * What a charge point keeps across a stop and a resume (`evsim run --state`):
 * its ports (registers, transactions, what it last reported), the settings
 * the central system changed, the 1.6 transaction IDs it was given, its
 * charging profiles, the calls it had not sent yet and (2.0.1) its
 * certificates: the client certificate the central system signed with its
 * private key, a key still waiting for its certificate, and the roots
 * installed (a real charging station keeps them across a restart, and so
 * does the state file: keep it as private as the key). A resumed charge point
 * boots again (a new process is a restart) and goes on from there: registers
 * stay monotone, transactions end as they would have, and nothing it held is
 * lost.
 *
 * @module
 */
import * as v from "valibot";
import { INSTALL_TYPES, type SavedCertificates } from "./certificate_store.ts";
import type { Settings } from "./settings.ts";
import type { Placed } from "./smart_charging.ts";
import type { OutCall, StationState } from "./station_state.ts";

/** One charge point, saved. */
export interface SavedChargePoint {
  stationId: string;
  state: StationState;
  settings: Settings;
  /** 1.6: the central system's transaction ID of each session it gave one. */
  transactionIds: [string, number][];
  profiles: Placed[];
  /** The power cap each port last asked the simulation for, kW (null: none). */
  caps: (number | null)[];
  /** The calls not sent yet, first to last. */
  outbox: OutCall[];
  /** A reset waiting for the last transaction to end: its boot reason. */
  resetOnIdle?: string;
  /** 2.0.1: its keys and certificates, if it has any. */
  certificates?: SavedCertificates;
}

/** The charge points of a run, saved: their version, and each one. */
export interface SavedOcpp {
  version: "1.6" | "2.0.1";
  chargePoints: SavedChargePoint[];
}

const Payload = v.record(v.string(), v.unknown());

/**
 * The schema of {@link SavedOcpp} in a state file: the shape is checked down
 * to each port and call, and the rest (a transaction, a profile) is taken as
 * the charge point wrote it.
 */
export const SavedOcppSchema = v.object({
  version: v.picklist(["1.6", "2.0.1"]),
  chargePoints: v.array(v.object({
    stationId: v.string(),
    state: v.looseObject({
      ports: v.array(v.looseObject({
        registerWh: v.pipe(v.number(), v.minValue(0)),
        plugged: v.boolean(),
        tx: v.optional(v.looseObject({ sessionId: v.string(), transactionId: v.string() })),
      })),
      notifySeq: v.number(),
      eventId: v.number(),
    }),
    settings: v.looseObject({ heartbeatIntervalSec: v.number(), sampleIntervalSec: v.number() }),
    transactionIds: v.array(v.tuple([v.string(), v.number()])),
    profiles: v.array(v.object({
      connector: v.number(),
      profile: v.looseObject({ id: v.number(), purpose: v.picklist(["max", "txDefault", "tx"]) }),
    })),
    caps: v.array(v.nullable(v.number())),
    outbox: v.array(v.looseObject({
      action: v.string(),
      payload: Payload,
      kind: v.picklist(["transaction", "status", "online"]),
    })),
    resetOnIdle: v.optional(v.string()),
    certificates: v.optional(v.object({
      pending: v.optional(v.object({ privateKey: v.string(), publicKey: v.string() })),
      client: v.optional(v.object({ cert: v.string(), key: v.string() })),
      installed: v.array(v.object({
        certificateType: v.picklist(INSTALL_TYPES),
        certificate: v.string(),
        issuerKey: v.string(),
      })),
    })),
  })),
});
