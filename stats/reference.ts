/**
 * Real charging sessions as reference tables, and the distances between a
 * stream's sessions and them: the Kolmogorov–Smirnov distance of a metric's
 * distribution, the total-variation distance of the arrival-hour histograms
 * and the difference of the weekday shares.
 *
 * The tables (`data/reference.json`, written by `data/build_reference.ts`)
 * hold, for each real set, the cleaned sessions' quantiles of each metric at
 * {@link QUANTILE_LEVELS} evenly spaced levels, never the records themselves.
 *
 * @module
 */
import * as v from "valibot";
import { ConfigError, formatIssues } from "../core/errors.ts";
import { type SiteType, SiteTypeSchema } from "../core/network.ts";
import type { LogHistogram } from "./histogram.ts";
import referenceJson from "../data/reference.json" with { type: "json" };

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

/** What the collector measures of each cleaned session: a reference metric but `stayMinutes`, its DC fast name. */
export type SessionMetric = Exclude<ReferenceMetric, "stayMinutes">;

/** Each reference metric's label, and the session metric it is compared with. */
export const METRIC_INFO: Record<ReferenceMetric, { label: string; session: SessionMetric }> = {
  connectionMinutes: { label: "connection (min)", session: "connectionMinutes" },
  stayMinutes: { label: "stay (min)", session: "connectionMinutes" },
  energyKwh: { label: "energy (kWh)", session: "energyKwh" },
  chargingMinutes: { label: "charging (min)", session: "chargingMinutes" },
  idleShare: { label: "idle share", session: "idleShare" },
  kwCharging: { label: "draw while charging (kW)", session: "kwCharging" },
  socArrival: { label: "arrival SoC (%)", session: "socArrival" },
  socDeparture: { label: "departure SoC (%)", session: "socDeparture" },
};

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

let embedded: readonly ReferenceSet[] | undefined;

/**
 * The embedded reference sets (`data/reference.json`): `boulder` (public),
 * `acn` (workplace), `epfl` (DC fast). Validated on first use, so that
 * `data/build_reference.ts` can rewrite a file this schema no longer reads.
 */
export function referenceSets(): readonly ReferenceSet[] {
  return embedded ??= parseReferenceFile(referenceJson, "data/reference.json").references;
}

/** Which reference set each site type is compared with. */
export type ReferenceChoice = Partial<Record<SiteType, ReferenceSet>>;

/** Each set compared with its own site type (the first set of a site type wins). */
export function defaultReferenceChoice(sets: readonly ReferenceSet[] = referenceSets()) {
  const choice: ReferenceChoice = {};
  for (const set of sets) choice[set.siteType] ??= set;
  return choice;
}

/**
 * The default choice with `specs` applied, each `NAME` (reference NAME for its
 * own site type) or `SITE=NAME` (for site type SITE); site types not named keep
 * their default. Throws a {@link ConfigError} naming the known references for
 * an unknown name or site type.
 */
export function chooseReferences(
  specs: readonly string[],
  sets: readonly ReferenceSet[] = referenceSets(),
): ReferenceChoice {
  const choice = defaultReferenceChoice(sets);
  const known = sets.map((s) => `${s.name} (${s.siteType})`).join(", ");
  for (const spec of specs) {
    const eq = spec.indexOf("=");
    const name = spec.slice(eq + 1);
    const set = sets.find((s) => s.name === name);
    if (!set) {
      throw new ConfigError(
        `unknown reference ${
          JSON.stringify(name)
        }: expected NAME or SITE=NAME, NAME one of ${known}`,
      );
    }
    const site = eq < 0 ? set.siteType : spec.slice(0, eq);
    if (!v.is(SiteTypeSchema, site)) {
      throw new ConfigError(
        `unknown site type ${JSON.stringify(site)} in ${JSON.stringify(spec)}: expected one of ${
          SiteTypeSchema.options.join(", ")
        }`,
      );
    }
    choice[site] = set;
  }
  return choice;
}

// --- quantiles and distribution functions ----------------------------------

/**
 * The quantiles of `sorted` (ascending) at `levels` evenly spaced levels from 0
 * to 1, interpolated between the two nearest ranks like
 * {@link LogHistogram.quantile} (`PERCENTILE.INC`).
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

/**
 * A cumulative distribution function that is linear (or constant) between its
 * `points`, with possible jumps at them: `at(x)` is F(x), `before(x)` its limit
 * from the left. Below the first point it is 0, from the last point on 1.
 */
export interface Cdf {
  /** Ascending. */
  readonly points: readonly number[];
  at(x: number): number;
  before(x: number): number;
}

/** The index of the last of `xs` (ascending) that is ≤ x, or −1. */
function lastAtMost(xs: readonly number[], x: number): number {
  let lo = 0;
  let hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (xs[mid] <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}

/** The index of the last of `xs` (ascending) that is < x, or −1. */
function lastBelow(xs: readonly number[], x: number): number {
  let lo = 0;
  let hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (xs[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}

/**
 * The distribution function of a quantile table (levels evenly spaced from 0
 * to 1): F(q_i) = i / (m − 1), linear between successive quantiles, jumping
 * where quantiles repeat. Between two levels it differs from the sample's own
 * interpolated distribution by less than one level step (0.005 for 201 levels).
 */
export function quantileCdf(table: readonly number[]): Cdf {
  if (table.length < 2) throw new RangeError("quantileCdf: expected at least two quantiles");
  const step = 1 / (table.length - 1);
  const between = (i: number, x: number) => {
    // table[i] ≤ x ≤ table[i + 1]
    const span = table[i + 1] - table[i];
    return (i + (span > 0 ? (x - table[i]) / span : 0)) * step;
  };
  return {
    points: table,
    at(x) {
      const i = lastAtMost(table, x);
      if (i < 0) return 0;
      if (i >= table.length - 1) return 1;
      return between(i, x);
    },
    before(x) {
      const i = lastBelow(table, x);
      if (i < 0) return 0;
      if (i >= table.length - 1) return 1;
      // table[i] < x ≤ table[i + 1]: on the line from the left, also at its end.
      return between(i, x);
    },
  };
}

/**
 * The distribution function of a {@link LogHistogram}: each bucket's count
 * stands at its representative value (within 0.1 % of every value in it,
 * clamped to the exact minimum and maximum), zeros at 0; a step function.
 * Null when the histogram is empty.
 */
export function histogramCdf(h: LogHistogram): Cdf | null {
  if (h.count === 0) return null;
  const { values, counts } = h.steps();
  const cumulative: number[] = [];
  let seen = 0;
  for (const c of counts) cumulative.push(seen += c);
  const total = seen;
  return {
    points: values,
    at(x) {
      const i = lastAtMost(values, x);
      return i < 0 ? 0 : cumulative[i] / total;
    },
    before(x) {
      const i = lastBelow(values, x);
      return i < 0 ? 0 : cumulative[i] / total;
    },
  };
}

/**
 * The Kolmogorov–Smirnov distance sup |F_a(x) − F_b(x)| of two distribution
 * functions, in [0, 1]. Both are linear between their points, so the sup is
 * reached at a point of one of them, from the left or from the right: it is
 * exact for the two functions.
 *
 * For a {@link histogramCdf} against a {@link quantileCdf} of 201 levels it is
 * within about 0.005 + 1/n of the distance between the simulated sample and
 * the real one of n sessions (the table's level step, and its interpolation
 * between ranks), the simulated values being known to 0.1 %.
 */
export function ksDistance(a: Cdf, b: Cdf): number {
  let d = 0;
  const visit = (points: readonly number[]) => {
    for (const x of points) {
      const here = Math.abs(a.at(x) - b.at(x));
      const left = Math.abs(a.before(x) - b.before(x));
      if (here > d) d = here;
      if (left > d) d = left;
    }
  };
  visit(a.points);
  visit(b.points);
  return Math.min(1, d);
}

/**
 * The total-variation distance ½ Σ |a_i − b_i| of two histograms over the
 * same bins (24 local hours), each normalized to sum 1, in [0, 1]; null when
 * either is empty.
 */
export function totalVariation(a: readonly number[], b: readonly number[]): number | null {
  if (a.length !== b.length) {
    throw new RangeError(
      `totalVariation: expected bins of one length, got ${a.length} and ${b.length}`,
    );
  }
  const sum = (xs: readonly number[]) => xs.reduce((s, x) => s + x, 0);
  const sa = sum(a);
  const sb = sum(b);
  if (!(sa > 0 && sb > 0)) return null;
  let d = 0;
  for (let i = 0; i < a.length; i++) d += Math.abs(a[i] / sa - b[i] / sb);
  return Math.min(1, d / 2);
}

/** Simulated minus real weekday share; null without a simulated share. */
export function weekdayShareDifference(sim: number | null, real: number): number | null {
  return sim === null ? null : sim - real;
}
