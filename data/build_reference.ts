/**
 * Writes `data/reference.json` from the real per-session records (gzip'd CSV):
 * for each set its citation, period, row counts before and after cleaning, the
 * quantiles of each metric over its cleaned sessions, the local arrival-hour
 * histogram and the weekday share. Only these derived tables are shipped,
 * never the records. Deterministic: running it again gives the same file.
 *
 *     deno run --allow-read --allow-write=data data/build_reference.ts [SESSIONS_DIR]
 *
 * SESSIONS_DIR defaults to `../shared/reference/sessions` beside the repository.
 *
 * @module
 */
import { parse as parseCsv } from "csv-parse/sync";
import type { SiteType } from "../core/network.ts";
import {
  CLEANING,
  type DropReason,
  dropReason,
  KW_MIN_CHARGING_MINUTES,
  parseReferenceFile,
  QUANTILE_LEVELS,
  quantiles,
  type QuantileTable,
  type ReferenceMetric,
  type ReferenceSet,
} from "../core/reference_table.ts";

/** One session as every set gives it: local start, minutes, energy, and what else the set has. */
interface Row {
  /** Local wall-clock start, `YYYY-MM-DD HH:MM:SS`. */
  start: string;
  connectionMinutes: number;
  kwh: number;
  /** Null where the set has no charging time for the row. */
  chargingMinutes: number | null;
  socArrival?: number;
  socDeparture?: number;
}

/** How to read one set. */
interface SetSpec {
  file: string;
  name: string;
  siteType: SiteType;
  title: string;
  citation: string;
  timeZone: string;
  /** The metrics it has. */
  metrics: readonly ReferenceMetric[];
  row(record: Record<string, string>): Row;
}

/** A number of a CSV cell; NaN when empty or not a number. */
const num = (text: string | undefined) => (text === undefined || text.trim() === "" ? NaN : +text);

const SETS: readonly SetSpec[] = [
  {
    file: "boulder_public_l2_2022_2023.csv.gz",
    name: "boulder",
    siteType: "public",
    title: "City of Boulder, Colorado: public Level 2 charging sessions",
    citation:
      'City of Boulder, Colorado open data, "Electric Vehicle Charging Station Energy Consumption" (37 public Level 2 stations)',
    timeZone: "America/Denver",
    metrics: ["connectionMinutes", "energyKwh", "chargingMinutes", "idleShare", "kwCharging"],
    row: (r) => ({
      start: r.start_local,
      connectionMinutes: num(r.connection_min),
      kwh: num(r.kwh),
      chargingMinutes: num(r.charging_min),
    }),
  },
  {
    file: "acn_caltech_workplace_l2_2021.csv.gz",
    name: "acn",
    siteType: "workplace",
    title: "Caltech ACN-Data (site 0002, Pasadena): workplace Level 2 charging sessions",
    citation:
      'Lee, Li, Low, "ACN-Data: Analysis and Applications of an Open EV Charging Dataset", ACM e-Energy 2019',
    timeZone: "America/Los_Angeles",
    metrics: ["connectionMinutes", "energyKwh", "chargingMinutes", "idleShare", "kwCharging"],
    row: (r) => ({
      start: r.start_local,
      connectionMinutes: num(r.connection_min),
      kwh: num(r.kwh),
      // Empty where the data set has no "done charging" time.
      chargingMinutes: r.charging_min?.trim() ? num(r.charging_min) : null,
    }),
  },
  {
    file: "epfl_dc_fast_2022_2023_part1.csv.gz",
    name: "epfl",
    siteType: "dc_fast",
    title: "DESL-EPFL Level-3 EV charging data set: one 172 kW CCS station, first 1,126 sessions",
    citation:
      'DESL-EPFL, "Level-3 EV charging dataset" (published under the MIT licence, © 2025 DESL, EPFL)',
    timeZone: "Europe/Zurich",
    metrics: ["stayMinutes", "energyKwh", "socArrival", "socDeparture"],
    row: (r) => ({
      start: r.arrival_local,
      connectionMinutes: num(r.stay_min),
      kwh: num(r.kwh),
      chargingMinutes: null,
      socArrival: num(r.soc_arrival),
      socDeparture: num(r.soc_departure),
    }),
  },
];

/** Bounds of each metric, for spreading whole-unit records (see {@link spreadWholeUnits}). */
const BOUNDS: Record<ReferenceMetric, [number, number]> = {
  connectionMinutes: [0, Infinity],
  stayMinutes: [0, Infinity],
  energyKwh: [0, Infinity],
  chargingMinutes: [0, Infinity],
  idleShare: [0, 1],
  kwCharging: [0, Infinity],
  socArrival: [0, 100],
  socDeparture: [0, 100],
};

/**
 * Records in whole units (EPFL's minutes and SoC percent) stand for any value
 * within half a unit: when every value of a metric is whole, the m records of
 * each value v are spread evenly over [v − ½, v + ½] (within the metric's
 * bounds), so that a continuous simulated distribution is not charged for the
 * rounding of the records. Sorted input, sorted output.
 */
function spreadWholeUnits(sorted: number[], [low, high]: [number, number]): number[] {
  if (!sorted.every(Number.isInteger)) return sorted;
  const out: number[] = [];
  for (let i = 0; i < sorted.length;) {
    let j = i;
    while (j < sorted.length && sorted[j] === sorted[i]) j++;
    const from = Math.max(sorted[i] - 0.5, low);
    const to = Math.min(sorted[i] + 0.5, high);
    const m = j - i;
    for (let k = 0; k < m; k++) out.push(from + (to - from) * (k + 0.5) / m);
    i = j;
  }
  return out;
}

/** Rounds to 4 decimals, without `-0`. */
const round = (x: number, digits = 4) => Math.round(x * 10 ** digits) / 10 ** digits + 0;

/** The local hour and ISO weekday (1 = Monday … 7 = Sunday) of a wall-clock time. */
function localParts(start: string): { day: string; hour: number; weekday: number } {
  const m = /^(\d{4})-(\d\d)-(\d\d)[ T](\d\d):(\d\d)/.exec(start);
  if (!m) throw new Error(`expected a local time YYYY-MM-DD HH:MM, got ${JSON.stringify(start)}`);
  const date = new Date(Date.UTC(+m[1], +m[2] - 1, +m[3]));
  return { day: `${m[1]}-${m[2]}-${m[3]}`, hour: +m[4], weekday: date.getUTCDay() || 7 };
}

/** One set's reference table from its CSV text. */
export function buildSet(spec: SetSpec, csv: string): ReferenceSet {
  const records = parseCsv(csv, { columns: true, skip_empty_lines: true }) as Record<
    string,
    string
  >[];
  const rows = records.map(spec.row);
  const dropped: Record<DropReason, number> = { underHalfKwh: 0, under5Minutes: 0, over48Hours: 0 };
  const values = Object.fromEntries(spec.metrics.map((m) => [m, [] as number[]])) as Partial<
    Record<ReferenceMetric, number[]>
  >;
  const hours = new Array<number>(24).fill(0);
  let weekdays = 0;
  let cleaned = 0;
  const days = rows.map((r) => localParts(r.start).day).sort();
  for (const row of rows) {
    const reason = dropReason(row.kwh, row.connectionMinutes);
    if (reason) {
      dropped[reason]++;
      continue;
    }
    cleaned++;
    const { hour, weekday } = localParts(row.start);
    hours[hour]++;
    if (weekday <= 5) weekdays++;
    const connection = row.connectionMinutes;
    const charging = row.chargingMinutes;
    const add = (metric: ReferenceMetric, x: number | null | undefined) => {
      if (x !== null && x !== undefined && Number.isFinite(x)) values[metric]?.push(x);
    };
    add("connectionMinutes", connection);
    add("stayMinutes", connection);
    add("energyKwh", row.kwh);
    add("socArrival", row.socArrival);
    add("socDeparture", row.socDeparture);
    if (charging !== null && Number.isFinite(charging)) {
      add("chargingMinutes", charging);
      add("idleShare", Math.min(1, Math.max(0, (connection - charging) / connection)));
      if (charging >= KW_MIN_CHARGING_MINUTES) add("kwCharging", row.kwh / (charging / 60));
    }
  }
  const metrics: Partial<Record<ReferenceMetric, QuantileTable>> = {};
  for (const metric of spec.metrics) {
    const sorted = values[metric]!.sort((a, b) => a - b);
    const spread = spreadWholeUnits(sorted, BOUNDS[metric]);
    metrics[metric] = { n: sorted.length, quantiles: quantiles(spread).map((q) => round(q)) };
  }
  return {
    name: spec.name,
    siteType: spec.siteType,
    title: spec.title,
    citation: spec.citation,
    period: { from: days[0], to: days[days.length - 1] },
    timeZone: spec.timeZone,
    rows: { raw: rows.length, ...dropped, cleaned },
    metrics,
    arrivalShareByHour: hours.map((n) => round(n / cleaned, 6)),
    weekdayShare: round(weekdays / cleaned),
  };
}

const COMMENT = [
  "Derived tables of real per-session charging records, written by data/build_reference.ts; the records themselves are not shipped.",
  "Each reference: name (as evsim stats --reference takes it), the site type it describes, its citation, the local days it covers (period) and the time zone of its local times.",
  `rows: sessions before cleaning (raw), dropped in this order for under ${CLEANING.minKwh} kWh (underHalfKwh), under ${CLEANING.minMinutes} min plugged in (under5Minutes) and over ${
    CLEANING.maxMinutes / 60
  } h plugged in (over48Hours), and kept (cleaned).`,
  `metrics: over the cleaned sessions, n sessions with the metric and its quantiles at the ${QUANTILE_LEVELS} levels 0, 0.005, ..., 1, interpolated between ranks (PERCENTILE.INC); read linearly between levels they give the distribution function to 0.005, enough for a Kolmogorov-Smirnov distance at that resolution.`,
  "connectionMinutes (stayMinutes for DC fast): minutes plugged in; energyKwh: energy delivered; chargingMinutes: minutes drawing power (only the rows that have it); idleShare: (connection - charging) / connection per session, clipped to 0-1; kwCharging: energy / charging hours, for sessions charging at least " +
  `${KW_MIN_CHARGING_MINUTES} min; socArrival, socDeparture: state of charge at plug-in and unplug (%).`,
  "Metrics recorded in whole units (EPFL minutes and SoC percent) are read as spread evenly over the half unit either side of each value before taking quantiles.",
  "arrivalShareByHour: share of cleaned sessions starting in each local hour 0-23; weekdayShare: share starting Monday to Friday (local).",
];

if (import.meta.main) {
  const dir = Deno.args[0] ?? new URL("../../shared/reference/sessions", import.meta.url).pathname;
  const references: ReferenceSet[] = [];
  for (const spec of SETS) {
    const file = `${dir}/${spec.file}`;
    const bytes = await Deno.readFile(file);
    const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
    references.push(buildSet(spec, await new Response(stream).text()));
  }
  const file = parseReferenceFile(
    { $comment: COMMENT, quantileLevels: QUANTILE_LEVELS, references },
    "data/reference.json",
  );
  // Two-space JSON with each array of numbers on one line.
  const json = JSON.stringify(file, null, 2).replace(
    /\[\n\s*(-?[\d.e+-]+(?:,\n\s*-?[\d.e+-]+)*)\n\s*\]/g,
    (_, items: string) => `[${items.split(/,\n\s*/).join(", ")}]`,
  );
  await Deno.writeTextFile(new URL("./reference.json", import.meta.url), json + "\n");
}
