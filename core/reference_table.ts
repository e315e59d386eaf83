/**
 * The format of the real-session reference tables (`data/reference.json`) and
 * the cleaning every session goes through before it is compared: what the
 * tables' builder (`data/build_reference.ts`) writes and `stats/reference.ts`
 * reads. Each table holds, for each real set, the cleaned sessions' quantiles
 * of each metric at {@link QUANTILE_LEVELS} evenly spaced levels, never the
 * records themselves.
 *
 * @module
 */
import * as v from "valibot";
import { ConfigError, formatIssues } from "./errors.ts";
import { SiteTypeSchema } from "./network.ts";

/** Quantiles per metric in a table: levels 0, 0.005, …, 1 (every 0.5 %). */
export const QUANTILE_LEVELS = 201;

/**
 * The cleaning every session goes through, real or simulated, before it is
 * compared: sessions under 0.5 kWh (plug-ins that never charged), under 5
 * minutes or over 48 hours plugged in are dropped, tested in that order.
 */
export const CLEANING = { minKwh: 0.5, minMinutes: 5, maxMinutes: 48 * 60 } as const;

/** Draw while charging (`kwCharging`) is measured only for sessions charging at least this long. */
export const KW_MIN_CHARGING_MINUTES = 5;

/** Why a session is dropped by {@link CLEANING}. */
export type DropReason = "underHalfKwh" | "under5Minutes" | "over48Hours";

/** Why a session of `kwh` and `minutes` plugged in is dropped; null when it is kept. */
export function dropReason(kwh: number, minutes: number): DropReason | null {
  if (!(kwh >= CLEANING.minKwh)) return "underHalfKwh";
  if (!(minutes >= CLEANING.minMinutes)) return "under5Minutes";
  if (!(minutes <= CLEANING.maxMinutes)) return "over48Hours";
  return null;
}

/** The metrics a reference set may have, each a distribution over its cleaned sessions. */
export const REFERENCE_METRICS = [
  "connectionMinutes",
  "stayMinutes",
  "energyKwh",
  "chargingMinutes",
  "idleShare",
  "kwCharging",
  "socArrival",
  "socDeparture",
] as const;
export type ReferenceMetric = typeof REFERENCE_METRICS[number];

const Count = v.pipe(v.number(), v.integer(), v.minValue(0));
const Share = v.pipe(v.number(), v.minValue(0), v.maxValue(1));
const Day = v.pipe(v.string(), v.isoDate());

/** One metric's distribution: how many sessions have it and their quantiles at {@link QUANTILE_LEVELS} levels. */
export const QuantileTableSchema = v.strictObject({
  n: v.pipe(Count, v.minValue(1)),
  quantiles: v.pipe(
    v.array(v.pipe(v.number(), v.finite())),
    v.length(QUANTILE_LEVELS),
    v.check((q) => q.every((x, i) => i === 0 || x >= q[i - 1]), "expected ascending quantiles"),
  ),
});
export type QuantileTable = v.InferOutput<typeof QuantileTableSchema>;

/** One real set of sessions, as a reference. */
export const ReferenceSetSchema = v.strictObject({
  /** Short name, as `--reference` takes it: `boulder`. */
  name: v.pipe(v.string(), v.regex(/^[a-z][a-z0-9_]*$/, "expected a lower-case name")),
  /** The site type its sessions are. */
  siteType: SiteTypeSchema,
  title: v.string(),
  citation: v.string(),
  /** First and last local day of its sessions. */
  period: v.strictObject({ from: Day, to: Day }),
  /** Where its local times are. */
  timeZone: v.string(),
  /** Sessions before cleaning, dropped by each rule (in order) and kept. */
  rows: v.strictObject({
    raw: Count,
    underHalfKwh: Count,
    under5Minutes: Count,
    over48Hours: Count,
    cleaned: Count,
  }),
  metrics: v.strictObject(
    Object.fromEntries(REFERENCE_METRICS.map((m) => [m, v.optional(QuantileTableSchema)])) as {
      [M in ReferenceMetric]: v.OptionalSchema<typeof QuantileTableSchema, undefined>;
    },
  ),
  /** Share of cleaned sessions starting in each local hour 0–23. */
  arrivalShareByHour: v.pipe(v.array(Share), v.length(24)),
  /** Share of cleaned sessions starting Monday to Friday. */
  weekdayShare: Share,
});
export type ReferenceSet = v.InferOutput<typeof ReferenceSetSchema>;

/** `data/reference.json`. */
export const ReferenceFileSchema = v.strictObject({
  $comment: v.array(v.string()),
  quantileLevels: v.literal(QUANTILE_LEVELS),
  references: v.array(ReferenceSetSchema),
});
export type ReferenceFile = v.InferOutput<typeof ReferenceFileSchema>;

/** Parses a reference file, with every problem named by its path. */
export function parseReferenceFile(value: unknown, where = "reference.json"): ReferenceFile {
  const result = v.safeParse(ReferenceFileSchema, value);
  if (!result.success) throw new ConfigError(formatIssues(where, result.issues));
  return result.output;
}

/**
 * The quantiles of `sorted` (ascending) at `levels` evenly spaced levels from 0
 * to 1, interpolated between the two nearest ranks like a
 * spreadsheet's `PERCENTILE.INC` (and `LogHistogram.quantile` in `stats/`).
 */
export function quantiles(sorted: readonly number[], levels = QUANTILE_LEVELS): number[] {
  if (sorted.length === 0) throw new RangeError("quantiles: expected at least one value");
  return Array.from({ length: levels }, (_, i) => {
    const rank = (i / (levels - 1)) * (sorted.length - 1);
    const below = Math.floor(rank);
    const fraction = rank - below;
    const low = sorted[below];
    return fraction === 0 ? low : low + (sorted[below + 1] - low) * fraction;
  });
}
