import assert from "node:assert/strict";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { renderHtml } from "../stats/html.ts";
import { defaults } from "../data/mod.ts";
import type { SimEvent } from "../core/event.ts";
import { Simulation } from "../core/simulation.ts";
import type { StatsReport } from "../stats/report.ts";
import { StatsCollector } from "../stats/stats.ts";
import { launchChromium } from "./_chromium.ts";
import { testNetwork } from "./_events.ts";

/** What the page reports about its charts and calibration table. */
interface PageCheck {
  title: string;
  charts: {
    id: string;
    svgs: number;
    width: number;
    height: number;
    marks: number;
    visibleMarks: number;
    marksInView: number;
    caption: string;
  }[];
  calibration: { rows: number; pass: number; fail: number; height: number } | null;
  realismTables: { id: string; rows: number }[];
}

/** Runs in the page: measures each chart's SVG and its marks as Chromium laid them out. */
const CHECK_PAGE = `(() => {
  const visible = (mark) => {
    const box = mark.getBBox();
    return mark.tagName === "line" ? box.width > 0 || box.height > 0 : box.width > 0 && box.height > 0;
  };
  const overlaps = (a, b) =>
    a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
  const charts = [...document.querySelectorAll("figure.chart")].map((figure) => {
    const svgs = figure.querySelectorAll("svg");
    const svg = svgs[0];
    const box = svg ? svg.getBoundingClientRect() : { width: 0, height: 0 };
    const marks = svg
      ? [...svg.querySelectorAll(".role-mark path, .role-mark rect, .role-mark line")]
      : [];
    const shown = marks.filter(visible);
    return {
      id: figure.id,
      svgs: svgs.length,
      width: box.width,
      height: box.height,
      marks: marks.length,
      visibleMarks: shown.length,
      marksInView: shown.filter((m) => overlaps(m.getBoundingClientRect(), box)).length,
      caption: figure.querySelector("figcaption")?.textContent ?? "",
    };
  });
  const table = document.querySelector("#calibration-table");
  const realismTables = [...document.querySelectorAll("table[id^=realism-table-]")]
    .filter((t) => t.getBoundingClientRect().height > 0)
    .map((t) => ({ id: t.id, rows: t.tBodies[0].rows.length }));
  return {
    title: document.title,
    charts,
    realismTables,
    calibration: table && {
      rows: table.tBodies[0].rows.length,
      pass: table.querySelectorAll("td.result.pass").length,
      fail: table.querySelectorAll("td.result.fail").length,
      height: table.getBoundingClientRect().height,
    },
  };
})()`;

/** The report of two simulated days of the default network, with chart data. */
function simulatedReport(): StatsReport {
  const start = Date.UTC(2026, 0, 5);
  const sim = new Simulation({
    seed: 1,
    start,
    network: testNetwork,
    model: defaults.model,
    updateIntervalSeconds: 900,
  });
  const stats = new StatsCollector();
  const out: SimEvent[] = [];
  while (sim.peek() < start + 2 * 86_400_000) {
    out.length = 0;
    sim.step(out);
    for (const event of out) stats.addEvent(event);
  }
  return stats.report({ charts: true });
}

Deno.test("the HTML report renders every chart in headless Chromium", async () => {
  const dir = await Deno.makeTempDir({ prefix: "evsim-html-" });
  try {
    const file = join(dir, "report.html");
    const report = simulatedReport();
    const html = await renderHtml(report, {
      title: "Two days",
      profiles: defaults.model.arrivalProfiles,
    });
    await Deno.writeTextFile(file, html);

    await using chromium = await launchChromium();
    const page = await chromium.evaluate(pathToFileURL(file).href, CHECK_PAGE) as PageCheck;

    assert.equal(page.title, "Two days");
    assert.deepEqual(page.charts.map((c) => c.id), [
      "chart-arrivals",
      "chart-energy",
      "chart-stay",
      "chart-load",
      "chart-utilization",
      "chart-uptime",
      "chart-realism-workplace",
      "chart-realism-public",
      "chart-realism-dc_fast",
      "chart-realism-arrivals",
    ]);
    // The fewest marks each chart draws: bars, lines, areas. The default network has three
    // site types (no residential) in 50 cities.
    assert.equal(report.byCity.length, 50);
    const fewestMarks: Record<string, number> = {
      "chart-arrivals": 3 * 24 + 3, // measured bars and a profile line per site type
      "chart-energy": 3 * 10,
      "chart-stay": 3 * 5,
      "chart-load": 9, // 8 cities and "42 other cities"
      "chart-utilization": 50,
      "chart-uptime": 50,
      // Two lines (evsim and real) per metric: five metrics at Level 2 sites, four at DC fast.
      "chart-realism-workplace": 2 * 5,
      "chart-realism-public": 2 * 5,
      "chart-realism-dc_fast": 2 * 4,
      // evsim and real bars side by side, 24 hours of three site types (a few hours may be empty).
      "chart-realism-arrivals": 3 * 24,
    };
    for (const chart of page.charts) {
      const fewest = fewestMarks[chart.id];
      assert.equal(chart.svgs, 1, `${chart.id}: one <svg>`);
      assert.ok(chart.width > 100 && chart.height > 100, `${chart.id}: rendered size`);
      assert.ok(chart.visibleMarks >= fewest, `${chart.id}: ${chart.visibleMarks} visible marks`);
      assert.ok(chart.marksInView >= fewest, `${chart.id}: ${chart.marksInView} marks in view`);
      assert.notEqual(chart.caption, "", `${chart.id}: caption`);
    }
    const passing = report.calibration.filter((c) => c.pass).length;
    assert.deepEqual(page.calibration && { ...page.calibration, height: undefined }, {
      rows: report.calibration.length,
      pass: passing,
      fail: report.calibration.length - passing,
      height: undefined,
    });
    assert.ok(page.calibration!.height > 0, "the calibration table is laid out");
    assert.deepEqual(page.realismTables, [
      { id: "realism-table-workplace", rows: 5 + 2 },
      { id: "realism-table-public", rows: 5 + 2 },
      { id: "realism-table-dc_fast", rows: 4 + 2 },
    ]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("launchChromium() says how to install Chromium when it is missing", async () => {
  await assert.rejects(
    () => launchChromium({ executable: "/nonexistent/chromium" }),
    /Chromium not found at \/nonexistent\/chromium: install it \(`sudo apt-get install chromium`/,
  );
});
