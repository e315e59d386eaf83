/**
 * The plain-text report of `evsim stats`: a table of figures per site type and
 * overall, the distances to the real reference sets per site type, then the
 * calibration table with PASS/FAIL marks.
 *
 * @module
 */
import type { SiteType } from "../core/network.ts";
import type { GroupStats, Realism, Spread, StatsReport } from "./report.ts";

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

/** A figure to a precision that suits its size: 298, 34.1, 0.32. */
function short(n: number | null): string {
  if (n === null) return NO_DATA;
  const digits = Math.abs(n) >= 100 ? 0 : Math.abs(n) >= 10 ? 1 : 2;
  return n.toFixed(digits);
}

/** A median and interquartile range, as `109 [64–189]`. */
const spread = (s: Spread) =>
  s.median === null ? NO_DATA : `${short(s.median)} [${short(s.p25)}–${short(s.p75)}]`;

const mark = (pass: boolean | null) => (pass === null ? "" : pass ? "PASS" : "FAIL");

/** The table of one site type's distances to its reference set. */
function realismTable(siteType: SiteType, r: Realism): string[] {
  const difference = r.weekdayShare.difference;
  const rows = [
    ["metric", "evsim median [IQR]", "real median [IQR]", "distance", "target", ""],
    ...r.metrics.map((m) => [
      m.label,
      spread(m.stream),
      spread(m.reference),
      m.ks === null ? NO_DATA : `KS ${m.ks.toFixed(3)}`,
      m.target === null ? "" : `≤ ${m.target}`,
      mark(m.pass),
    ]),
    [
      "arrival hours",
      "",
      "",
      r.arrivalHours.tvd === null ? NO_DATA : `TVD ${r.arrivalHours.tvd.toFixed(3)}`,
      `≤ ${r.arrivalHours.target}`,
      mark(r.arrivalHours.pass),
    ],
    [
      "weekday share",
      percent(r.weekdayShare.stream),
      percent(r.weekdayShare.reference),
      difference === null
        ? NO_DATA
        : `${difference >= 0 ? "+" : "−"}${Math.abs(difference).toFixed(3)}`,
      `± ${r.weekdayShare.target}`,
      mark(r.weekdayShare.pass),
    ],
  ];
  return [
    "",
    `${siteType} against ${r.reference} (${r.referenceSiteType}): ${
      count(r.sessions)
    } sessions after cleaning, ${count(r.referenceSessions)} real; ${r.citation}`,
    "",
    ...table(rows, "lrrrll"),
  ];
}

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
  const realism = (Object.entries(report.bySiteType) as [SiteType, GroupStats][])
    .filter(([, g]) => g.realism);
  if (realism.length > 0) {
    lines.push("", "Distances to real sessions (cleaned: ≥ 0.5 kWh, 5 min – 48 h plugged in)");
    for (const [siteType, g] of realism) lines.push(...realismTable(siteType, g.realism!));
  }
  if (report.calibration.length > 0) {
    const facts = report.calibration.filter((c) => c.reference === undefined);
    const distances = report.calibration.filter((c) => c.reference !== undefined);
    const passed = (checks: typeof facts) => checks.filter((c) => c.pass).length;
    lines.push(
      "",
      `Calibration against the charging facts: ${passed(facts)} of ${facts.length} pass`,
      ...(distances.length > 0
        ? [`Distances to real sessions: ${passed(distances)} of ${distances.length} within target`]
        : []),
      "",
      ...table([
        ["row", "statistic", "value", "range", ""],
        ...report.calibration.map((c) => [
          c.row === null ? c.reference ?? NO_DATA : String(c.row),
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
