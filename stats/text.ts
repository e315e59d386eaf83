/**
 * The plain-text report of `evsim stats`: a table of figures per site type and
 * overall, then the calibration table with PASS/FAIL marks.
 *
 * @module
 */
import type { SiteType } from "../core/network.ts";
import type { GroupStats, StatsReport } from "./report.ts";

const NO_DATA = "–";

const count = (n: number) => Math.round(n).toLocaleString("en-US");
const fixed = (digits: number) => (n: number | null) =>
  n === null ? NO_DATA : n.toLocaleString("en-US", {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  });
const percent = (n: number | null) => (n === null ? NO_DATA : `${(n * 100).toFixed(1)} %`);
const two = (h: number) => String(h).padStart(2, "0");

/** The local hour with the most arrivals, as `08–09`; no data without sessions. */
function peakHour(g: GroupStats): string {
  if (g.sessions === 0) return NO_DATA;
  const shares = g.arrivalShareByHour;
  const hour = shares.indexOf(Math.max(...shares));
  return `${two(hour)}–${two((hour + 1) % 24)} (${percent(shares[hour])})`;
}

/** One row of the figures table: a label and how to show a group's figure. */
const ROWS: ReadonlyArray<readonly [string, (g: GroupStats) => string]> = [
  ["chargers", (g) => count(g.chargers)],
  ["sessions", (g) => count(g.sessions)],
  ["sessions / charger / day", (g) => fixed(2)(g.sessionsPerChargerPerDay)],
  ["energy median (kWh)", (g) => fixed(1)(g.energyKwh.median)],
  ["energy mean (kWh)", (g) => fixed(1)(g.energyKwh.mean)],
  ["energy p90 (kWh)", (g) => fixed(1)(g.energyKwh.p90)],
  ["stay median (min)", (g) => fixed(0)(g.stayMinutes.median)],
  ["charging median (min)", (g) => fixed(0)(g.chargingMinutes.median)],
  ["idle share", (g) => percent(g.idleShare)],
  ["weekday share", (g) => percent(g.weekdayShare)],
  ["peak hour (local)", peakHour],
  ["arrival SoC median (%)", (g) => fixed(0)(g.arrivalSocMedian)],
  ["departure SoC median (%)", (g) => fixed(0)(g.departureSocMedian)],
  ["leaving at ≥ 80 % SoC", (g) => percent(g.leavingAt80Share)],
  ["time utilization", (g) => percent(g.timeUtilization)],
  ["failed attempt rate", (g) => percent(g.failedAttemptRate)],
  ["  of which out of service", (g) => percent(g.outOfServiceFailureShare)],
  ["interruption rate", (g) => percent(g.interruptionRate)],
  ["out-of-service share", (g) => percent(g.outOfServiceShare)],
  ["uptime mean (%)", (g) => fixed(2)(g.uptime.meanPercent)],
  ["uptime min (%)", (g) => fixed(2)(g.uptime.minPercent)],
  ["ports above 97 % uptime", (g) => percent(g.uptime.portsAbove97Share)],
];

/** Lays out rows of cells in columns, each aligned as `align` says (`l` or `r`, one per column). */
function table(rows: string[][], align: string): string[] {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => [...r[c]].length)));
  return rows.map((row) =>
    row.map((cell, c) => {
      const pad = " ".repeat(widths[c] - [...cell].length);
      return align[c] === "l" ? cell + pad : pad + cell;
    }).join("  ").trimEnd()
  );
}

/**
 * The plain-text report: a heading with the stream's span, a column per site
 * type present plus `all`, and the calibration table with PASS/FAIL marks.
 */
export function formatStatsText(report: StatsReport): string {
  const span = report.from === null
    ? "no events"
    : `${count(report.events)} events from ${report.from} to ${report.to} (${
      report.days.toFixed(2)
    } days)`;
  const lines = [`evsim stats: ${span}`];
  if (report.arrivalsWithoutTimeZone) {
    lines.push(
      `${
        count(report.arrivalsWithoutTimeZone)
      } session start(s) without a known time zone: local times taken in UTC`,
    );
  }
  const columns = [
    ...(Object.entries(report.bySiteType) as [SiteType, GroupStats][]),
    ["all", report.overall] as const,
  ];
  lines.push(
    "",
    ...table([
      ["", ...columns.map(([name]) => name)],
      ...ROWS.map(([label, show]) => [label, ...columns.map(([, g]) => show(g))]),
    ], "l" + "r".repeat(columns.length)),
  );
  if (report.calibration.length > 0) {
    const passed = report.calibration.filter((c) => c.pass).length;
    lines.push(
      "",
      `Calibration against the charging facts: ${passed} of ${report.calibration.length} pass`,
      "",
      ...table([
        ["row", "statistic", "value", "range", ""],
        ...report.calibration.map((c) => [
          String(c.row),
          c.statistic,
          c.value === null ? NO_DATA : Number(c.value.toPrecision(3)).toString(),
          `${c.low}–${c.high}`,
          c.pass ? "PASS" : "FAIL",
        ]),
      ], "rlrrl"),
    );
  }
  return lines.join("\n");
}
