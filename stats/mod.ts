/**
 * Statistics of evsim event streams, as `evsim stats` computes them: a
 * constant-memory collector fed one NDJSON line at a time, its report
 * (`StatsReport`), the calibration table against the published charging facts,
 * the distances to real reference sessions, and the plain-text rendering. The
 * HTML report, which loads Vega, has its own entry point: `html.ts` at the root
 * (`@evsim/evsim/html`).
 *
 * ```ts
 * import { readLines } from "../core/ndjson.ts";
 * import { formatStatsText, StatsCollector } from "./mod.ts";
 *
 * const stats = new StatsCollector();
 * for await (const line of readLines(Deno.stdin.readable)) stats.addLine(line);
 * console.log(formatStatsText(stats.report()));
 * ```
 *
 * @module
 */
export { calibrate, DISTANCE_TARGETS } from "./calibration.ts";
export { LogHistogram, RELATIVE_ACCURACY } from "./histogram.ts";
export {
  chooseReferences,
  defaultReferenceChoice,
  histogramCdf,
  ksDistance,
  quantileCdf,
  referenceSets,
  totalVariation,
  weekdayShareDifference,
} from "./reference.ts";
export type { Cdf, ReferenceChoice } from "./reference.ts";
export { CLEANING, parseReferenceFile } from "../core/reference_table.ts";
export type { QuantileTable, ReferenceSet } from "../core/reference_table.ts";
export type {
  Bins,
  CalibrationCheck,
  CityStats,
  GroupStats,
  Realism,
  RealismMetric,
  Spread,
  StatsReport,
  Summary,
} from "./report.ts";
export { spanWarnings } from "./span.ts";
export { neviUptime, StatsCollector } from "./stats.ts";
export type { ReportOptions, StatsCollectorOptions } from "./stats.ts";
export { formatStatsText } from "./text.ts";
