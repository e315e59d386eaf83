/**
 * The HTML report of `evsim stats --html`: one self-contained page that opens
 * offline. Charts are Vega-Lite specs rendered to SVG here and embedded inline,
 * so the page has no script, no stylesheet or font to fetch, and no external URL.
 *
 * Every chart is a `<figure class="chart">` with a `<figcaption>` and one of
 * these ids: `chart-arrivals`, `chart-energy`, `chart-stay`, `chart-load`,
 * `chart-utilization`, `chart-uptime`, and, when site types are compared with
 * real sessions, `chart-realism-<site type>` (each metric's distribution
 * against the reference's) and `chart-realism-arrivals`. A chart without data
 * holds `<p class="no-data">no data</p>` instead of its `<svg>`. The tables
 * are `#summary-table`, `#realism-table-<site type>` and `#calibration-table`.
 *
 * @module
 */
import type * as vl from "vega-lite";
import type { Model } from "../core/model.ts";
import { type SiteType, SiteTypeSchema } from "../core/network.ts";
import {
  type Bins,
  type CalibrationCheck,
  type CityStats,
  type GroupStats,
  type Realism,
  SITE_LABELS,
  type Spread,
  type StatsReport,
} from "./report.ts";
import { chartFigure, escapeHtml, pageHead } from "./svg_chart.ts";

/** Options of {@linkcode renderHtml}. */
export interface HtmlOptions {
  /** Title of the page and its heading. @default {"evsim stats"} */
  title?: string;
  /** The model's arrival profiles, drawn as the reference of the arrivals chart. */
  profiles: Model["arrivalProfiles"];
}

/**
 * Renders a stats report as one self-contained HTML document: a header with the
 * stream's span, a summary table per site type, the charts as inline SVG and the
 * calibration table. Every text from the report is escaped; missing or null
 * figures show as "no data".
 *
 * Asynchronous because Vega renders SVG asynchronously.
 *
 * ```ts
 * const html = await renderHtml(report, { profiles: defaults.model.arrivalProfiles });
 * await Deno.writeTextFile("report.html", html);
 * ```
 */
export async function renderHtml(report: StatsReport, options: HtmlOptions): Promise<string> {
  const title = options.title ?? "evsim stats";
  const figures = await Promise.all([
    arrivalsFigure(report, options.profiles),
    histogramFigure(
      "chart-energy",
      "Energy per session, by site type (2 kWh bins; the last bin holds everything above).",
      report.charts?.energyKwh,
      { unit: 1, title: "energy per session (kWh)" },
    ),
    histogramFigure(
      "chart-stay",
      "Plugged-in time per session, by site type (15-minute bins; the last bin holds everything above).",
      report.charts?.stayMinutes,
      { unit: 60, title: "plugged in (hours)" },
    ),
    loadFigure(report.charts?.loadCurve),
    utilizationFigure(report.byCity),
    uptimeFigure(report.byCity),
  ]);
  const [arrivals, energy, stay, load, utilization, uptime] = figures;
  const realism = await realismSection(report);
  return `${pageHead(title)}<header>
<h1>${escapeHtml(title)}</h1>
${headerFacts(report)}
</header>
<main>
<section id="summary">
<h2>Summary by site type</h2>
${summaryTable(report)}
</section>
<section id="arrivals">
<h2>Arrivals by local hour</h2>
${arrivals}
</section>
<section id="sessions">
<h2>Sessions</h2>
${energy}
${stay}
</section>
<section id="load">
<h2>Load by city</h2>
${load}
</section>
<section id="cities">
<h2>Utilization and uptime by city</h2>
${utilization}
${uptime}
</section>
${realism}<section id="calibration">
<h2>Calibration</h2>
${calibrationTable(report.calibration)}
</section>
</main>
</body>
</html>
`;
}

/** Site types in their canonical order. */
const SITE_TYPES: readonly SiteType[] = SiteTypeSchema.options;

/** The categorical colours of the charts (Tableau 10); the last one is for "other cities". */
const COLORS = [
  "#4c78a8",
  "#f58518",
  "#e45756",
  "#72b7b2",
  "#54a24b",
  "#eeca3b",
  "#b279a2",
  "#ff9da6",
];
const OTHER_COLOR = "#bab0ac";

/** How many cities the load curve shows before summing the rest as "other cities". */
const TOP_CITIES = 8;

function isNumber(x: unknown): x is number {
  return typeof x === "number" && Number.isFinite(x);
}

/** The site types present in `groups`, in canonical order. */
function presentSiteTypes<T>(groups: Partial<Record<SiteType, T>> | undefined): SiteType[] {
  return SITE_TYPES.filter((s) => groups?.[s] != null);
}

// --- formatting -------------------------------------------------------------

const NO_DATA = `<td class="na">no data</td>`;

function formatNumber(x: number, maximumFractionDigits = 2): string {
  return x.toLocaleString("en-US", {
    maximumFractionDigits: Math.abs(x) >= 100 ? 0 : maximumFractionDigits,
  });
}

/** A figure to at most three significant digits, without exponent notation. */
function formatFigure(x: number): string {
  if (x === 0 || Math.abs(x) >= 100) return formatNumber(x, 0);
  return Number(x.toPrecision(3)).toLocaleString("en-US", { maximumFractionDigits: 10 });
}

function formatPercent(share: number): string {
  return `${(share * 100).toFixed(1)} %`;
}

function formatMinutes(minutes: number): string {
  return minutes < 90 ? `${minutes.toFixed(0)} min` : `${(minutes / 60).toFixed(1)} h`;
}

/** A table cell, or "no data" when the value is missing. */
function cell(value: number | null | undefined, format: (x: number) => string): string {
  return isNumber(value) ? `<td>${escapeHtml(format(value))}</td>` : NO_DATA;
}

/** `2026-01-05T00:00:00.000Z` as `2026-01-05 00:00 UTC`; other text as it is. */
function formatTime(iso: string): string {
  const m = /^(\d{4}-\d\d-\d\d)T(\d\d:\d\d)(?::\d\d(?:\.\d+)?)?Z$/.exec(iso);
  return m ? `${m[1]} ${m[2]} UTC` : iso;
}

// --- header and tables ------------------------------------------------------

function headerFacts(report: StatsReport): string {
  const span = report.from != null && report.to != null
    ? `${formatTime(report.from)} → ${formatTime(report.to)}`
    : "no events";
  const facts: [string, string, boolean?][] = [
    ["Stream", span],
    ["Days", isNumber(report.days) ? formatNumber(report.days) : "no data"],
    ["Lines", isNumber(report.lines) ? formatNumber(report.lines) : "no data"],
    ["Events", isNumber(report.events) ? formatNumber(report.events) : "no data"],
    [
      "Bad lines",
      isNumber(report.badLines) ? formatNumber(report.badLines) : "no data",
      report.badLines > 0,
    ],
    ...(report.warnings ?? []).map((w): [string, string, boolean] => ["Too short", w, true]),
  ];
  const items = facts.map(([name, value, warn]) =>
    `<div${warn ? ` class="warn"` : ""}><dt>${escapeHtml(name)}</dt><dd>${
      escapeHtml(value)
    }</dd></div>`
  );
  return `<dl class="facts">\n${items.join("\n")}\n</dl>`;
}

function summaryRow(label: string, g: GroupStats | undefined): string {
  if (g == null) return "";
  return `<tr><th scope="row">${escapeHtml(label)}</th>` +
    cell(g.chargers, (x) => formatNumber(x)) +
    cell(g.sessions, (x) => formatNumber(x)) +
    cell(g.sessionsPerChargerPerDay, (x) => formatNumber(x)) +
    cell(g.energyKwh?.median, (x) => `${x.toFixed(1)} kWh`) +
    cell(g.stayMinutes?.median, formatMinutes) +
    cell(g.idleShare, formatPercent) +
    cell(g.timeUtilization, formatPercent) +
    cell(g.failedAttemptRate, formatPercent) +
    cell(g.interruptionRate, formatPercent) +
    cell(g.uptime?.meanPercent, (x) => `${x.toFixed(2)} %`) +
    `</tr>`;
}

function summaryTable(report: StatsReport): string {
  const rows = presentSiteTypes(report.bySiteType).map((s) =>
    summaryRow(SITE_LABELS[s], report.bySiteType[s])
  );
  rows.push(summaryRow("All site types", report.overall));
  const body = rows.filter((r) => r !== "");
  if (body.length === 0) return `<p class="no-data">no data</p>`;
  return `<table id="summary-table">
<thead><tr><th>Site type</th><th>Chargers</th><th>Sessions</th><th>Sessions / charger / day</th><th>Energy median</th><th>Stay median</th><th>Idle share</th><th>Utilization</th><th>Failed attempts</th><th>Interruptions</th><th>Uptime (mean)</th></tr></thead>
<tbody>
${body.join("\n")}
</tbody>
</table>`;
}

function calibrationRow(c: CalibrationCheck): string {
  const pass = c.pass === true;
  const site = c.siteType === "all" ? "All" : SITE_LABELS[c.siteType] ?? String(c.siteType);
  const range = isNumber(c.low) && isNumber(c.high)
    ? `${formatFigure(c.low)} – ${formatFigure(c.high)}`
    : "no data";
  const source = c.row === null
    ? `<td title="distance to the real sessions of ${escapeHtml(String(c.reference))}">${
      escapeHtml(String(c.reference))
    }</td>`
    : `<td title="charging-facts row ${escapeHtml(String(c.row))}">${
      escapeHtml(String(c.row))
    }</td>`;
  return `<tr class="${pass ? "pass" : "fail"}">` + source +
    `<td class="text">${escapeHtml(String(c.statistic))}</td>` +
    `<td class="text">${escapeHtml(site)}</td>` +
    cell(c.value, formatFigure) +
    `<td>${escapeHtml(range)}</td>` +
    `<td class="result ${pass ? "pass" : "fail"}">${pass ? "✓ PASS" : "✗ FAIL"}</td>` +
    `</tr>`;
}

function calibrationTable(checks: CalibrationCheck[] | undefined): string {
  if (checks == null || checks.length === 0) return `<p class="no-data">no data</p>`;
  const passed = checks.filter((c) => c.pass === true).length;
  return `<p>${passed} of ${checks.length} checks land in their target range.</p>
<table id="calibration-table">
<caption>Measured figures against the ranges of the charging-facts reference (# is its row), then the distances to real sessions (# names the set).</caption>
<thead><tr><th>#</th><th>Statistic</th><th>Site type</th><th>Value</th><th>Target range</th><th>Result</th></tr></thead>
<tbody>
${checks.map(calibrationRow).join("\n")}
</tbody>
</table>`;
}

// --- charts -----------------------------------------------------------------

/** The share of a week's arrivals in each local hour, by an arrival profile. */
export function referenceShareByHour(profile: Model["arrivalProfiles"][SiteType]): number[] {
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  const weekday = sum(profile.weekday);
  const weekend = sum(profile.weekend);
  return Array.from(
    { length: 24 },
    (_, h) =>
      (weekday > 0 ? profile.weekdayShare * profile.weekday[h] / weekday : 0) +
      (weekend > 0 ? (1 - profile.weekdayShare) * profile.weekend[h] / weekend : 0),
  );
}

function arrivalsFigure(
  report: StatsReport,
  profiles: Model["arrivalProfiles"] | undefined,
): Promise<string> {
  const id = "chart-arrivals";
  const caption =
    "Share of session starts in each local hour (bars) against the model's published arrival profile over a whole week (line), by site type.";
  const rows: { site: string; hour: number; measured: number | null; reference: number | null }[] =
    [];
  const sites: string[] = [];
  for (const s of presentSiteTypes(report.bySiteType)) {
    const measured = report.bySiteType[s]?.arrivalShareByHour;
    if (!Array.isArray(measured) || measured.length === 0) continue;
    const profile = profiles?.[s];
    const reference = profile ? referenceShareByHour(profile) : null;
    sites.push(SITE_LABELS[s]);
    for (let hour = 0; hour < 24; hour++) {
      rows.push({
        site: SITE_LABELS[s],
        hour,
        measured: isNumber(measured[hour]) ? measured[hour] : null,
        reference: reference?.[hour] ?? null,
      });
    }
  }
  return chartFigure(
    id,
    caption,
    siteFacets(rows, sites, {
      width: 420,
      height: 170,
      encoding: {
        x: { field: "hour", type: "ordinal", title: "local hour", axis: { labelAngle: 0 } },
      },
      layer: [
        {
          mark: { type: "bar" },
          encoding: {
            y: {
              field: "measured",
              type: "quantitative",
              title: "share of arrivals",
              axis: { format: ".0%" },
            },
            color: {
              datum: "measured",
              title: null,
              scale: { domain: ["measured", "published profile"], range: ["#4c78a8", "#222"] },
            },
          },
        },
        {
          mark: { type: "line", point: { size: 18 }, strokeWidth: 1.5 },
          encoding: {
            y: { field: "reference", type: "quantitative" },
            color: { datum: "published profile" },
          },
        },
      ],
    }),
  );
}

/** A Vega-Lite chart of panels. */
type FacetSpec = Extract<vl.TopLevelSpec, { facet: unknown }>;

/** One panel per site type, two to a row; null (no chart) without rows. */
function siteFacets(
  rows: { site: string }[],
  sites: string[],
  spec: FacetSpec["spec"],
  extra: Partial<FacetSpec> = {},
): FacetSpec | null {
  if (rows.length === 0) return null;
  return {
    data: { values: rows },
    facet: { field: "site", type: "nominal", sort: sites, title: null },
    columns: 2,
    spec,
    ...extra,
  };
}

function histogramFigure(
  id: string,
  caption: string,
  bins: Partial<Record<SiteType, Bins>> | undefined,
  axis: { unit: number; title: string },
): Promise<string> {
  const rows: { site: string; x0: number; x1: number; share: number; count: number }[] = [];
  const sites: string[] = [];
  for (const s of presentSiteTypes(bins)) {
    const b = bins?.[s];
    if (!b || !isNumber(b.start) || !isNumber(b.width) || b.width <= 0) continue;
    if (!Array.isArray(b.counts)) continue;
    const counts = b.counts.map((c) => (isNumber(c) ? c : 0));
    const total = counts.reduce((a, c) => a + c, 0);
    if (total <= 0) continue;
    let last = counts.length;
    while (last > 1 && counts[last - 1] === 0) last--;
    sites.push(SITE_LABELS[s]);
    for (let i = 0; i < last; i++) {
      rows.push({
        site: SITE_LABELS[s],
        x0: (b.start + i * b.width) / axis.unit,
        x1: (b.start + (i + 1) * b.width) / axis.unit,
        share: counts[i] / total,
        count: counts[i],
      });
    }
  }
  return chartFigure(
    id,
    caption,
    siteFacets(rows, sites, {
      width: 420,
      height: 150,
      mark: { type: "bar", color: "#4c78a8", stroke: "#fff", strokeWidth: 0.5 },
      encoding: {
        x: { field: "x0", type: "quantitative", bin: "binned", title: axis.title },
        x2: { field: "x1" },
        y: {
          field: "share",
          type: "quantitative",
          title: "share of sessions",
          axis: { format: ".0%" },
        },
      },
    }, { resolve: { scale: { x: "independent" } } }),
  );
}

/** The load curve's rows: the top cities by energy, and the rest summed as "other cities". */
function loadSeries(
  curve: NonNullable<StatsReport["charts"]>["loadCurve"] | undefined,
): {
  rows: { t: number; city: string; rank: number; kw: number }[];
  order: string[];
  other: boolean;
} | null {
  if (!curve || !Array.isArray(curve.cities) || !Array.isArray(curve.kw)) return null;
  const start = Date.parse(curve.start);
  const step = curve.stepMinutes * 60_000;
  if (!Number.isFinite(start) || !isNumber(step) || step <= 0) return null;
  const series = curve.cities.map((city, c) => {
    const kw = (Array.isArray(curve.kw[c]) ? curve.kw[c] : []).map((x) => (isNumber(x) ? x : 0));
    return { city: String(city), kw, total: kw.reduce((a, x) => a + x, 0) };
  });
  const steps = Math.max(0, ...series.map((s) => s.kw.length));
  if (steps === 0) return null;
  series.sort((a, b) => b.total - a.total || a.city.localeCompare(b.city));
  const shown = series.length > TOP_CITIES + 1 ? series.slice(0, TOP_CITIES) : series;
  const rest = series.slice(shown.length);
  const lines = shown.map((s) => ({ city: s.city, kw: s.kw }));
  if (rest.length > 0) {
    const kw = Array.from(
      { length: steps },
      (_, i) => rest.reduce((a, s) => a + (s.kw[i] ?? 0), 0),
    );
    lines.push({ city: `${rest.length} other cities`, kw });
  }
  const rows = lines.flatMap((line, rank) =>
    Array.from({ length: steps }, (_, i) => ({
      t: start + i * step,
      city: line.city,
      rank,
      kw: line.kw[i] ?? 0,
    }))
  );
  return { rows, order: lines.map((l) => l.city), other: rest.length > 0 };
}

function loadFigure(
  curve: NonNullable<StatsReport["charts"]>["loadCurve"] | undefined,
): Promise<string> {
  const series = loadSeries(curve);
  const hasOther = series?.other === true;
  const step = curve && isNumber(curve.stepMinutes)
    ? ` over ${curve.stepMinutes}-minute steps`
    : "";
  const which = hasOther
    ? `the ${TOP_CITIES} cities with the most energy, the rest summed as "other cities"`
    : "each city";
  const caption = `Mean power drawn${step} (UTC), stacked by city: ${which};` +
    " the top edge is the whole network.";
  const range = series?.order.map((_, i) =>
    hasOther && i === series.order.length - 1 ? OTHER_COLOR : COLORS[i % COLORS.length]
  );
  return chartFigure(
    "chart-load",
    caption,
    series == null ? null : {
      data: { values: series.rows },
      width: 900,
      height: 300,
      mark: { type: "area", opacity: 0.9 },
      encoding: {
        x: { field: "t", type: "temporal", title: "time (UTC)", scale: { type: "utc" } },
        y: { field: "kw", type: "quantitative", title: "kW", stack: "zero" },
        color: {
          field: "city",
          type: "nominal",
          title: "city",
          sort: series.order,
          scale: { domain: series.order, range },
        },
        order: { field: "rank", type: "quantitative" },
      },
    },
  );
}

function cityLabel(c: CityStats): string {
  return c.state ? `${c.city}, ${c.state}` : String(c.city);
}

/** Bars of one figure per city, largest first; null when no city has it. */
function cityBars(
  cities: CityStats[] | undefined,
  value: (c: CityStats) => number | null | undefined,
): { rows: { city: string; value: number }[]; missing: number } {
  const list = Array.isArray(cities) ? cities : [];
  const rows = list.flatMap((c) => {
    const v = value(c);
    return isNumber(v) ? [{ city: cityLabel(c), value: v }] : [];
  });
  return { rows, missing: list.length - rows.length };
}

function missingNote(missing: number): string {
  return missing > 0 ? ` ${missing} ${missing === 1 ? "city has" : "cities have"} no data.` : "";
}

function utilizationFigure(cities: CityStats[] | undefined): Promise<string> {
  const { rows, missing } = cityBars(cities, (c) => c.timeUtilization);
  const caption = "Time utilization by city: plugged-in time / (chargers × stream span)." +
    missingNote(missing);
  return chartFigure(
    "chart-utilization",
    caption,
    rows.length === 0 ? null : {
      data: { values: rows },
      width: 600,
      height: { step: 14 },
      mark: { type: "bar", color: "#4c78a8" },
      encoding: {
        y: { field: "city", type: "nominal", sort: "-x", title: null },
        x: {
          field: "value",
          type: "quantitative",
          title: "time utilization",
          axis: { format: ".0%", orient: "top" },
        },
      },
    },
  );
}

function uptimeFigure(cities: CityStats[] | undefined): Promise<string> {
  const { rows, missing } = cityBars(cities, (c) => c.uptimeMeanPercent);
  const lowest = Math.min(97, ...rows.map((r) => r.value));
  const low = Math.max(0, Math.floor(lowest) - 1);
  const caption =
    `Mean port uptime by city (NEVI formula, 23 CFR 680.116(b)); the axis starts at ${low} %` +
    " and the line marks the 97 % rule." + missingNote(missing);
  return chartFigure(
    "chart-uptime",
    caption,
    rows.length === 0 ? null : {
      data: { values: rows },
      width: 600,
      height: { step: 14 },
      layer: [
        {
          mark: { type: "bar", color: "#54a24b", clip: true },
          encoding: {
            y: { field: "city", type: "nominal", sort: "-x", title: null },
            x: {
              field: "value",
              type: "quantitative",
              title: "mean uptime (%)",
              scale: { domain: [low, 100], zero: false },
              axis: { orient: "top" },
            },
          },
        },
        {
          data: { values: [{ rule: 97 }] },
          mark: { type: "rule", color: "#b3261e", strokeDash: [4, 3], strokeWidth: 1.5 },
          encoding: { x: { field: "rule", type: "quantitative" } },
        },
      ],
    },
  );
}

// --- realism ----------------------------------------------------------------

/** The chart colours of the stream and of the real sessions. */
const STREAM_COLOR = "#4c78a8";
const REAL_COLOR = "#f58518";

/** The highest quantile level drawn: the longest tails would squeeze the rest. */
const TOP_LEVEL = 0.98;

function formatSpread(s: Spread): string {
  if (!isNumber(s.median)) return "no data";
  const f = (x: number | null) => (isNumber(x) ? formatFigure(x) : "?");
  return `${f(s.median)} [${f(s.p25)}–${f(s.p75)}]`;
}

function resultCell(pass: boolean | null): string {
  if (pass === null) return `<td class="result none">–</td>`;
  return `<td class="result ${pass ? "pass" : "fail"}">${pass ? "✓ PASS" : "✗ FAIL"}</td>`;
}

function realismRow(
  label: string,
  stream: string,
  real: string,
  distance: string,
  target: string,
  pass: boolean | null,
): string {
  return `<tr class="${pass === false ? "fail" : "pass"}"><th scope="row">${
    escapeHtml(label)
  }</th>` +
    `<td>${escapeHtml(stream)}</td><td>${escapeHtml(real)}</td><td>${escapeHtml(distance)}</td>` +
    `<td>${escapeHtml(target)}</td>${resultCell(pass)}</tr>`;
}

function realismTable(siteType: SiteType, r: Realism): string {
  const d = r.weekdayShare.difference;
  const rows = [
    ...r.metrics.map((m) =>
      realismRow(
        m.label,
        formatSpread(m.stream),
        formatSpread(m.reference),
        isNumber(m.ks) ? `KS ${m.ks.toFixed(3)}` : "no data",
        m.target === null ? "–" : `≤ ${m.target}`,
        m.pass,
      )
    ),
    realismRow(
      "arrival hours",
      "",
      "",
      isNumber(r.arrivalHours.tvd) ? `TVD ${r.arrivalHours.tvd.toFixed(3)}` : "no data",
      `≤ ${r.arrivalHours.target}`,
      r.arrivalHours.pass,
    ),
    realismRow(
      "weekday share",
      isNumber(r.weekdayShare.stream) ? formatPercent(r.weekdayShare.stream) : "no data",
      formatPercent(r.weekdayShare.reference),
      isNumber(d) ? `${d >= 0 ? "+" : "−"}${Math.abs(d).toFixed(3)}` : "no data",
      `± ${r.weekdayShare.target}`,
      r.weekdayShare.pass,
    ),
  ];
  return `<table id="realism-table-${siteType}">
<caption>${escapeHtml(SITE_LABELS[siteType])} against ${escapeHtml(r.reference)} (${
    escapeHtml(r.referenceSiteType)
  }): ${formatNumber(r.sessions)} sessions after cleaning, ${
    formatNumber(r.referenceSessions)
  } real. ${escapeHtml(r.citation)}.</caption>
<thead><tr><th>Metric</th><th>evsim median [IQR]</th><th>Real median [IQR]</th><th>Distance</th><th>Target</th><th>Result</th></tr></thead>
<tbody>
${rows.join("\n")}
</tbody>
</table>`;
}

/** One site type's metrics as distribution functions, the stream's against the reference's. */
function ecdfFigure(
  siteType: SiteType,
  r: Realism,
  curves: NonNullable<NonNullable<StatsReport["charts"]>["realism"]>[SiteType],
): Promise<string> {
  const real = `real (${r.reference})`;
  const rows: { metric: string; source: string; p: number; value: number }[] = [];
  const labels: string[] = [];
  for (const curve of Array.isArray(curves) ? curves : []) {
    labels.push(curve.label);
    for (const [source, values] of [["evsim", curve.stream], [real, curve.reference]] as const) {
      values.forEach((value, i) => {
        const p = i / (values.length - 1);
        if (isNumber(value) && p <= TOP_LEVEL + 1e-9) {
          rows.push({ metric: curve.label, source, p, value });
        }
      });
    }
  }
  const caption = `${SITE_LABELS[siteType]}: share of cleaned sessions at or below each value` +
    ` (up to the ${
      TOP_LEVEL * 100
    }th percentile), evsim against the real sessions of ${r.reference};` +
    " the Kolmogorov–Smirnov distance is the widest vertical gap between the two lines.";
  return chartFigure(
    `chart-realism-${siteType}`,
    caption,
    rows.length === 0 ? null : {
      data: { values: rows },
      facet: { field: "metric", type: "nominal", sort: labels, title: null },
      columns: 3,
      spec: {
        width: 260,
        height: 150,
        mark: { type: "line", strokeWidth: 1.5 },
        encoding: {
          x: { field: "value", type: "quantitative", title: null, scale: { zero: false } },
          y: {
            field: "p",
            type: "quantitative",
            title: "share of sessions",
            axis: { format: ".0%" },
          },
          color: {
            field: "source",
            type: "nominal",
            title: null,
            scale: { domain: ["evsim", real], range: [STREAM_COLOR, REAL_COLOR] },
          },
          order: { field: "p", type: "quantitative" },
        },
      },
      resolve: { scale: { x: "independent" } },
    },
  );
}

/** The arrival-hour histograms of each compared site type, the stream's beside the reference's. */
function realismArrivalsFigure(report: StatsReport, sites: SiteType[]): Promise<string> {
  const rows: { site: string; hour: number; source: string; share: number }[] = [];
  const panels: string[] = [];
  for (const s of sites) {
    const r = report.bySiteType[s]!.realism!;
    const panel = `${SITE_LABELS[s]} vs ${r.reference}`;
    panels.push(panel);
    for (let hour = 0; hour < 24; hour++) {
      const stream = r.arrivalHours.stream?.[hour];
      const real = r.arrivalHours.reference?.[hour];
      if (isNumber(stream)) rows.push({ site: panel, hour, source: "evsim", share: stream });
      if (isNumber(real)) rows.push({ site: panel, hour, source: "real sessions", share: real });
    }
  }
  return chartFigure(
    "chart-realism-arrivals",
    "Share of cleaned sessions starting in each local hour: evsim (left bar) beside the real sessions (right bar), by site type.",
    siteFacets(rows, panels, {
      width: 420,
      height: 160,
      mark: { type: "bar" },
      encoding: {
        x: { field: "hour", type: "ordinal", title: "local hour", axis: { labelAngle: 0 } },
        xOffset: { field: "source", type: "nominal", sort: ["evsim", "real sessions"] },
        y: {
          field: "share",
          type: "quantitative",
          title: "share of sessions",
          axis: { format: ".0%" },
        },
        color: {
          field: "source",
          type: "nominal",
          title: null,
          scale: { domain: ["evsim", "real sessions"], range: [STREAM_COLOR, REAL_COLOR] },
        },
      },
    }),
  );
}

/** The realism section: per compared site type its table and chart, then the arrival hours; empty when none is compared. */
async function realismSection(report: StatsReport): Promise<string> {
  const sites = presentSiteTypes(report.bySiteType).filter((s) => report.bySiteType[s]?.realism);
  if (sites.length === 0) return "";
  const [arrivals, ...charts] = await Promise.all([
    realismArrivalsFigure(report, sites),
    ...sites.map((s) => ecdfFigure(s, report.bySiteType[s]!.realism!, report.charts?.realism?.[s])),
  ]);
  const parts = sites.map((s, i) =>
    `<h3>${escapeHtml(SITE_LABELS[s])}</h3>\n${realismTable(s, report.bySiteType[s]!.realism!)}\n${
      charts[i]
    }`
  );
  return `<section id="realism">
<h2>Realism: distances to real sessions</h2>
<p>Sessions of the stream and of each real set are cleaned alike (at least 0.5 kWh, 5 minutes to 48 hours plugged in), then compared by distribution: Kolmogorov–Smirnov distance per metric, total-variation distance of the arrival hours, difference of the weekday shares.</p>
${parts.join("\n")}
${arrivals}
</section>
`;
}
