/**
 * Real charging sessions as reference tables, and the distances between a
 * stream's sessions and them: the Kolmogorov–Smirnov distance of a metric's
 * distribution, the total-variation distance of the arrival-hour histograms
 * and the difference of the weekday shares.
 *
 * The tables (`data/reference.json`, written by `data/build_reference.ts`)
 * and the cleaning of sessions are defined in `core/reference_table.ts`.
 *
 * @module
 */
import * as v from "valibot";
import { ConfigError } from "../core/errors.ts";
import { type SiteType, SiteTypeSchema } from "../core/network.ts";
import {
  parseReferenceFile,
  type ReferenceMetric,
  type ReferenceSet,
} from "../core/reference_table.ts";
import type { LogHistogram } from "./histogram.ts";
import referenceJson from "../data/reference.json" with { type: "json" };

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
