/**
 * The whole state of a {@link Simulation} as plain JSON: what `--state FILE`
 * saves, so that a stopped or killed run continues where it stopped. A
 * simulation made from its snapshot (with the same inputs) emits exactly the
 * events the original would have emitted next.
 *
 * @module
 */
import * as v from "valibot";
import { StatusSchema } from "./event.ts";

const Int = v.pipe(v.number(), v.integer());
/** Epoch ms; null for "never" (Infinity does not survive JSON). */
const Time = v.nullable(v.number());

/** A running session. */
export const SessionSnapshotSchema = v.strictObject({
  id: v.string(),
  userId: v.string(),
  vehicle: v.string(),
  /** Level 2: the percent of the available power the session draws. */
  drawPercent: v.number(),
  startIso: v.string(),
  socStart: v.number(),
  socTarget: v.number(),
  estimatedMinutes: v.number(),
  segmentSoc: v.number(),
  /** null: held at no power. */
  segmentStart: Time,
  chargedMs: v.number(),
  completeAt: Time,
  interruptAt: Time,
  checks: Int,
  soc: v.number(),
  startMs: v.number(),
  departAt: Time,
  completed: v.boolean(),
  /** Which kind of stay of the site's dwell mixture. */
  dwellPart: v.optional(Int, 0),
  interrupted: v.boolean(),
  events: Int,
});
export type SessionSnapshot = v.InferOutput<typeof SessionSnapshotSchema>;

/** A charger, with its random stream and its session. */
export const ChargerSnapshotSchema = v.strictObject({
  id: v.string(),
  status: StatusSchema,
  events: Int,
  sessions: Int,
  random: v.tuple([Int, Int, Int, Int]),
  faultPending: v.boolean(),
  plannedPending: v.boolean(),
  plannedAt: v.number(),
  /** A planned window is under way (absent: whether the status is Maintenance). */
  windowOpen: v.optional(v.boolean()),
  /** A power cap set from outside, kW. */
  capKw: v.optional(v.nullable(v.number()), null),
  /** Taken out of service from outside. */
  held: v.optional(v.boolean(), false),
  session: v.nullable(SessionSnapshotSchema),
});
export type ChargerSnapshot = v.InferOutput<typeof ChargerSnapshotSchema>;

/** A queue entry: the charger's index in the network and the entry's key (`time · 4 + kind`). */
const Entry = v.tuple([v.pipe(Int, v.minValue(0)), v.number()]);

/** A whole simulation: its clock, event counter, totals, every charger and its pending timers. */
export const SimulationSnapshotSchema = v.strictObject({
  now: v.number(),
  seq: Int,
  stats: v.record(v.string(), v.number()),
  chargers: v.array(ChargerSnapshotSchema),
  /** Arrival, fault and planned-maintenance timers, in the queue's array order. */
  timers: v.array(Entry),
  /** Session steps, in the queue's array order. */
  steps: v.array(Entry),
});
export type SimulationSnapshot = v.InferOutput<typeof SimulationSnapshotSchema>;

/** `Infinity` as null, for JSON. */
export const toTime = (ms: number): number | null => ms === Infinity ? null : ms;
/** null as `Infinity`. */
export const fromTime = (ms: number | null): number => ms ?? Infinity;

/**
 * A digest of everything that decides a run's events (the seed, update
 * interval, network, model and each charger's demand), to refuse a snapshot
 * taken with other inputs. Hex SHA-256.
 */
export async function fingerprint(parts: unknown): Promise<string> {
  const bytes = new TextEncoder().encode(JSON.stringify(parts));
  const digest = await crypto.subtle.digest("SHA-256", bytes);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}
