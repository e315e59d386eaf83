/**
 * The HTML report of a load test (`evsim loadtest FILE --html PAGE`, and of
 * merged shards): one self-contained page, charts rendered to inline SVG as
 * in the stats report (`stats/svg_chart.ts`), no script and no external URL.
 *
 * Its charts are `<figure class="chart">` with the ids `chart-calls` (calls a
 * second by outcome), `chart-latency` (p50, p90 and p99 a second) and
 * `chart-online` (charge points online), each marking where the phases
 * begin; its tables are `#actions-table` and `#phases-table`.
 *
 * @module
 */
import type * as vl from "vega-lite";
import { chartFigure, escapeHtml, pageHead } from "../stats/svg_chart.ts";
import { type Latency, percentileOf } from "./recorder.ts";
import type { LoadReport } from "./run.ts";

/** Options of {@link renderLoadReportHtml}. */
export interface LoadHtmlOptions {
  /** @default {"evsim load test"} */
  title?: string;
}

const WIDTH = 900;
const n = (x: number) => x.toLocaleString("en-US");
const ms = (x: number) => (x < 10 ? x.toFixed(2) : x < 100 ? x.toFixed(1) : n(Math.round(x)));

/** The page of `report`. */
export async function renderLoadReportHtml(
  report: LoadReport,
  options: LoadHtmlOptions = {},
): Promise<string> {
  const title = options.title ?? "evsim load test";
  const phases = report.phases.map((p) => ({
    second: p.startMs / 1000,
    label: `${p.index + 1} ${p.kind}`,
  }));
  const [calls, latency, online] = await Promise.all([
    chartFigure(
      "chart-calls",
      "Calls a second, by how they ended (results, CALLERRORs, timeouts, lost with a dropped connection).",
      callsSpec(report, phases),
    ),
    chartFigure(
      "chart-latency",
      "Latency a second from sending a call to its answer, ms (log scale; each value the upper bound of its √2 bucket).",
      latencySpec(report, phases),
    ),
    chartFigure("chart-online", "Charge points online.", onlineSpec(report, phases)),
  ]);
  const c = report.connections;
  const totalCalls = report.actions.reduce((s, a) => s + a.calls, 0);
  const facts: [string, string][] = [
    ["central system", report.url],
    ["OCPP", report.version],
    ["seed", String(report.seed)],
    ["ran", `${(report.durationMs / 1000).toFixed(1)} s${report.completed ? "" : " (stopped)"}`],
    ["charge points", n(c.joined)],
    ["booted", n(c.booted)],
    ["calls", n(totalCalls)],
    ["reconnects", n(c.reconnects)],
    ["boot p99", `${ms(c.bootMs.p99)} ms`],
    ["evsim's event-loop delay p99", `${ms(report.eventLoopDelay.latencyMs.p99)} ms`],
  ];
  return `${pageHead(title)}<header>
<h1>${escapeHtml(title)}</h1>
<dl class="facts">${
    facts.map(([k, v]) => `<div><dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v)}</dd></div>`).join("")
  }</dl>
</header>
<main>
<section id="actions">
<h2>Calls by action</h2>
${actionsTable(report)}
</section>
<section id="over-time">
<h2>Over time</h2>
${calls}
${latency}
${online}
</section>
<section id="phases">
<h2>Phases</h2>
${phasesTable(report)}
</section>
</main>
</body>
</html>
`;
}

function latencyCells(l: Latency): string {
  if (l.count === 0) return `<td class="na">–</td>`.repeat(4);
  return [l.p50, l.p90, l.p99, l.max].map((x) => `<td>${ms(x)}</td>`).join("");
}

function actionsTable(report: LoadReport): string {
  const rows = report.actions.map((a) => {
    const errors = Object.entries(a.callErrors).map(([code, k]) => `${code} ${n(k)}`).join(", ");
    return `<tr><th scope="row">${escapeHtml(a.action)}</th><td>${n(a.calls)}</td><td>${
      n(a.results)
    }</td><td class="text">${escapeHtml(errors || "0")}</td><td>${n(a.timeouts)}</td><td>${
      n(a.lost)
    }</td>${latencyCells(a.latencyMs)}</tr>`;
  });
  return `<table id="actions-table">
<thead><tr><th>action</th><th>calls</th><th>results</th><th>CALLERRORs</th><th>timeouts</th><th>lost</th><th>p50 ms</th><th>p90 ms</th><th>p99 ms</th><th>max ms</th></tr></thead>
<tbody>
${rows.join("\n")}
</tbody>
</table>`;
}

function phasesTable(report: LoadReport): string {
  const rows = report.phases.map((p) => {
    const calls = p.actions.reduce((s, a) => s + a.calls, 0);
    const worst = Math.max(0, ...p.actions.map((a) => a.latencyMs.p99));
    const chaos = Object.entries(p.chaos).map(([act, k]) => `${act} ${n(k)}`).join(", ");
    return `<tr><th scope="row">${p.index + 1} ${escapeHtml(p.kind)}</th><td>${
      ((p.endMs - p.startMs) / 1000).toFixed(1)
    }</td><td>${n(calls)}</td><td>${ms(worst)}</td><td>${
      n(p.chargePoints.length)
    }</td><td class="text">${escapeHtml(chaos || "–")}</td><td class="text">${
      escapeHtml(`${p.simFrom} to ${p.simTo}`)
    }</td></tr>`;
  });
  return `<table id="phases-table">
<thead><tr><th>phase</th><th>seconds</th><th>calls</th><th>worst p99 ms</th><th>charge points acted on</th><th>chaos</th><th>simulated</th></tr></thead>
<tbody>
${rows.join("\n")}
</tbody>
</table>`;
}

type PhaseMark = { second: number; label: string };
/** The layers of a chart, as Vega-Lite takes them (checked whole, as a top-level spec). */
type Layer = Record<string, unknown>[];

/** A chart of `layer` over the test's seconds, with a rule and a label where each phase begins. */
function overTime(
  layer: Layer,
  phases: PhaseMark[],
): vl.TopLevelSpec {
  return {
    width: WIDTH,
    height: 220,
    layer: [
      ...layer,
      {
        data: { values: phases },
        mark: { type: "rule", color: "#999", strokeDash: [4, 3] },
        encoding: { x: { field: "second", type: "quantitative" } },
      },
      {
        data: { values: phases },
        mark: { type: "text", align: "left", dx: 3, dy: -4, baseline: "bottom", color: "#666" },
        encoding: {
          x: { field: "second", type: "quantitative" },
          y: { value: 0 },
          text: { field: "label" },
        },
      },
    ],
  } as unknown as vl.TopLevelSpec;
}

const SECOND_AXIS = { field: "second", type: "quantitative", title: "seconds since the start" };

function callsSpec(report: LoadReport, phases: PhaseMark[]): vl.TopLevelSpec | null {
  if (report.timeline.length === 0) return null;
  const outcomes = ["results", "callErrors", "timeouts", "lost"] as const;
  const values = report.timeline.flatMap((s) =>
    outcomes.map((outcome) => ({ second: s.second, outcome, calls: s[outcome] }))
  );
  return overTime(
    [{
      data: { values },
      mark: { type: "bar", width: { band: 0.9 } },
      encoding: {
        x: { ...SECOND_AXIS, bin: { step: 1 } },
        y: { field: "calls", type: "quantitative", stack: "zero", title: "calls a second" },
        color: {
          field: "outcome",
          type: "nominal",
          sort: [...outcomes],
          scale: { domain: [...outcomes], range: ["#4c78a8", "#e45756", "#f58518", "#bab0ac"] },
        },
      },
    }] as Layer,
    phases,
  );
}

function latencySpec(report: LoadReport, phases: PhaseMark[]): vl.TopLevelSpec | null {
  const values = report.timeline.flatMap((s) =>
    s.latency.some((k) => k > 0)
      ? [50, 90, 99].map((p) => ({
        second: s.second,
        percentile: `p${p}`,
        ms: percentileOf(s.latency, p),
      }))
      : []
  );
  if (values.length === 0) return null;
  return overTime(
    [{
      data: { values },
      mark: { type: "line", point: true },
      encoding: {
        x: SECOND_AXIS,
        y: { field: "ms", type: "quantitative", scale: { type: "log" }, title: "ms" },
        color: { field: "percentile", type: "nominal", sort: ["p50", "p90", "p99"] },
      },
    }] as Layer,
    phases,
  );
}

function onlineSpec(report: LoadReport, phases: PhaseMark[]): vl.TopLevelSpec | null {
  const values = report.connections.online.map(([t, online]) => ({ second: t / 1000, online }));
  if (values.length === 0) return null;
  return overTime(
    [{
      data: { values },
      mark: { type: "line", interpolate: "step-after" },
      encoding: {
        x: SECOND_AXIS,
        y: { field: "online", type: "quantitative", title: "charge points online" },
      },
    }] as Layer,
    phases,
  );
}
