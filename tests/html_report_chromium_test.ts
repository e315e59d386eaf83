import assert from "node:assert/strict";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { renderHtml } from "../stats/html.ts";
import { fixtureProfiles, makeReport } from "../stats/_fixture.ts";
import { launchChromium } from "./_chromium.ts";

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
  return {
    title: document.title,
    charts,
    calibration: table && {
      rows: table.tBodies[0].rows.length,
      pass: table.querySelectorAll("td.result.pass").length,
      fail: table.querySelectorAll("td.result.fail").length,
      height: table.getBoundingClientRect().height,
    },
  };
})()`;

Deno.test("the HTML report renders every chart in headless Chromium", async () => {
  const dir = await Deno.makeTempDir({ prefix: "evsim-html-" });
  try {
    const file = join(dir, "report.html");
    const html = await renderHtml(makeReport(), { title: "A week", profiles: fixtureProfiles });
    await Deno.writeTextFile(file, html);

    await using chromium = await launchChromium();
    const page = await chromium.evaluate(pathToFileURL(file).href, CHECK_PAGE) as PageCheck;

    assert.equal(page.title, "A week");
    assert.deepEqual(page.charts.map((c) => c.id), [
      "chart-arrivals",
      "chart-energy",
      "chart-stay",
      "chart-load",
      "chart-utilization",
      "chart-uptime",
    ]);
    // The fewest marks each chart draws from the fixture: bars, lines, areas.
    const fewestMarks: Record<string, number> = {
      "chart-arrivals": 4 * 24 + 4, // measured bars and a profile line per site type
      "chart-energy": 4 * 10,
      "chart-stay": 4 * 5,
      "chart-load": 9, // 8 cities and "4 other cities"
      "chart-utilization": 12,
      "chart-uptime": 12,
    };
    for (const chart of page.charts) {
      const fewest = fewestMarks[chart.id];
      assert.equal(chart.svgs, 1, `${chart.id}: one <svg>`);
      assert.ok(chart.width > 100 && chart.height > 100, `${chart.id}: rendered size`);
      assert.ok(chart.visibleMarks >= fewest, `${chart.id}: ${chart.visibleMarks} visible marks`);
      assert.ok(chart.marksInView >= fewest, `${chart.id}: ${chart.marksInView} marks in view`);
      assert.notEqual(chart.caption, "", `${chart.id}: caption`);
    }
    assert.deepEqual(page.calibration && { ...page.calibration, height: undefined }, {
      rows: 5,
      pass: 3,
      fail: 2,
      height: undefined,
    });
    assert.ok(page.calibration!.height > 0, "the calibration table is laid out");
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
