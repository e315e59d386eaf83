/**
 * The event contract: what every sink receives and what `evsim schema event`
 * publishes. Keys are flat so that `jq` and column stores take them as they are.
 *
 * @module
 */
import * as v from "valibot";
import { ConnectorSchema, LevelSchema, SiteTypeSchema } from "./network.ts";

/**
 * Status of a session or a charger. A charger is `Idle`, `In Use`,
 * `Interruption` (its session paused by a fault), `Maintenance` (a planned
 * window) or `Faulted` (out of service until repaired).
 */
export const StatusSchema = v.picklist([
  "In Use",
  "Interruption",
  "Completed",
  "Failed",
  "Maintenance",
  "Idle",
  "Ended",
  "Faulted",
]);
export type Status = v.InferOutput<typeof StatusSchema>;

const IsoTime = v.pipe(v.string(), v.isoTimestamp());
const Kw = v.pipe(v.number(), v.minValue(0));
const Percent = v.pipe(v.number(), v.minValue(0), v.maxValue(100));

/** Fields every event carries: identity, time, the charger and where it is, its status. */
const base = {
  /** Strictly increasing within a run. */
  seq: v.pipe(v.number(), v.integer(), v.minValue(1)),
  /** Stable across re-runs with the same seed: a receiver's idempotency key. */
  eventId: v.string(),
  /** Simulated time, ISO-8601 UTC. */
  time: IsoTime,
  chargerId: v.string(),
  /** The station (site) the charger is a port of; AFDC stations are `AFDC-<station id>`. */
  stationId: v.string(),
  /** The station's name. */
  locationName: v.string(),
  /** The operator's network (`ChargePoint Network`, `Tesla`, …), or null if none is known. */
  network: v.nullable(v.string()),
  city: v.string(),
  state: v.string(),
  /** The station's postal code, or null if none is known. */
  postalCode: v.nullable(v.string()),
  country: v.string(),
  /** The city's IANA time zone: arrival profiles and peak hours are local times. */
  timeZone: v.string(),
  latitude: v.number(),
  longitude: v.number(),
  level: LevelSchema,
  /** Where the charger stands: `workplace`, `public`, `dc_fast` or `residential`. */
  siteType: SiteTypeSchema,
  /** The connector types of the port: `J1772`, `CCS1`, `CHAdeMO`, `Tesla`. */
  connectors: v.array(ConnectorSchema),
  status: StatusSchema,
  statusMessage: v.string(),
};

/** Fields of every session event. */
const session = {
  ...base,
  sessionId: v.string(),
  userId: v.string(),
  vehicleType: v.string(),
  /** Power drawn at `time`. */
  powerKw: Kw,
  /** Energy delivered so far in the session. */
  energyKwh: Kw,
  socPercent: Percent,
  /** Energy delivered / energy needed to reach the target, in percent. */
  percentComplete: Percent,
  startTime: IsoTime,
  estimatedChargingMinutes: Kw,
};

/** A session starts, reports progress, pauses or resumes. */
export const SessionEventSchema = v.strictObject({
  type: v.picklist([
    "session.started",
    "session.updated",
    "session.interrupted",
    "session.resumed",
  ]),
  ...session,
});

/** A session ends: its target reached (`completed`) or given up (`failed`). */
export const SessionEndEventSchema = v.strictObject({
  type: v.picklist(["session.completed", "session.failed"]),
  ...session,
  endTime: IsoTime,
  /** Minutes spent drawing power, pauses excluded. */
  actualChargingMinutes: Kw,
  totalEnergyKwh: Kw,
});

/** The vehicle unplugs: every started session ends with one, however it went. */
export const SessionEndedEventSchema = v.strictObject({
  type: v.literal("session.ended"),
  ...session,
  endTime: IsoTime,
  /** `target_reached` (a `session.completed` came before), `departed` (left before), `failed`. */
  endReason: v.picklist(["target_reached", "departed", "failed"]),
  /** Plugged-in minutes: charging plus idle. */
  connectedMinutes: Kw,
  /** Minutes spent drawing power. */
  chargingMinutes: Kw,
  /** Plugged-in minutes not charging (full, waiting, or paused by a fault). */
  idleMinutes: Kw,
  totalEnergyKwh: Kw,
});

/** Why a driver could not start a session. */
export const RejectReasonSchema = v.picklist([
  "out_of_service",
  "authorization_failed",
  "connector_error",
  "vehicle_communication",
]);
export type RejectReason = v.InferOutput<typeof RejectReasonSchema>;

/**
 * A driver plugged in (or tried to) and no session started: the charger is out
 * of service, or the start failed. `status` is the charger's status.
 */
export const SessionRejectedEventSchema = v.strictObject({
  type: v.literal("session.rejected"),
  ...base,
  userId: v.string(),
  vehicleType: v.string(),
  /** The vehicle's state of charge on arrival. */
  socPercent: Percent,
  rejectReason: RejectReasonSchema,
});

/** How an outage is repaired: remotely (a reset) or by a technician on site. */
export const RepairSchema = v.picklist(["remote", "site_visit"]);
export type Repair = v.InferOutput<typeof RepairSchema>;

/** A charger changes status. A `Faulted` charger says how it will be repaired. */
export const ChargerStatusEventSchema = v.strictObject({
  type: v.literal("charger.status"),
  ...base,
  repair: v.optional(RepairSchema),
});

/** Any event evsim emits. */
export const EventSchema = v.variant("type", [
  SessionEventSchema,
  SessionEndEventSchema,
  SessionEndedEventSchema,
  SessionRejectedEventSchema,
  ChargerStatusEventSchema,
]);
export type SimEvent = v.InferOutput<typeof EventSchema>;
export type SessionEvent = v.InferOutput<typeof SessionEventSchema>;
export type SessionEndEvent = v.InferOutput<typeof SessionEndEventSchema>;
export type SessionEndedEvent = v.InferOutput<typeof SessionEndedEventSchema>;
export type SessionRejectedEvent = v.InferOutput<typeof SessionRejectedEventSchema>;
export type ChargerStatusEvent = v.InferOutput<typeof ChargerStatusEventSchema>;
export type EventType = SimEvent["type"];

/** Every event type, in the order a session meets them. */
export const EVENT_TYPES: readonly EventType[] = [
  "session.started",
  "session.updated",
  "session.interrupted",
  "session.resumed",
  "session.completed",
  "session.failed",
  "session.ended",
  "session.rejected",
  "charger.status",
];
