/**
 * `evsim loadtest FILE --html PAGE`: the load test's HTML report, opened in
 * headless Chromium, draws its three charts over time and its tables.
 */
import assert from "node:assert/strict";
import { pathToFileURL } from "node:url";
import { startCsms } from "../ocpp/csms.ts";
import { launchChromium } from "./_chromium.ts";
import { decode, evsimCommand, inTempDir } from "./_evsim.ts";

/** Runs in the page: each chart's size and visible marks, and the tables' rows. */
const CHECK_PAGE = `(() => ({
  title: document.title,
  charts: [...document.querySelectorAll("figure.chart")].map((figure) => {
    const svg = figure.querySelector("svg");
    const box = svg ? svg.getBoundingClientRect() : { width: 0, height: 0 };
    const marks = svg ? [...svg.querySelectorAll(".role-mark path, .role-mark rect, .role-mark line")] : [];
    return {
      id: figure.id,
      width: box.width,
      height: box.height,
      visibleMarks: marks.filter((m) => { const b = m.getBBox(); return b.width > 0 || b.height > 0; }).length,
      phaseLabels: svg ? [...svg.querySelectorAll(".role-mark text")].map((t) => t.textContent) : [],
    };
  }),
  actions: [...document.querySelectorAll("#actions-table tbody tr")].map((r) => r.cells[0].textContent),
  phases: document.querySelectorAll("#phases-table tbody tr").length,
}))()`;

interface PageCheck {
  title: string;
  charts: {
    id: string;
    width: number;
    height: number;
    visibleMarks: number;
    phaseLabels: string[];
  }[];
  actions: string[];
  phases: number;
}

Deno.test("evsim loadtest --html: the report's charts and tables render in headless Chromium", async () => {
  await inTempDir(async (cwd) => {
    await using csms = await startCsms();
    await Deno.writeTextFile(
      `${cwd}/scenario.json`,
      JSON.stringify({
        ocpp: { url: csms.url, version: "2.0.1" },
        region: "Boulder, CO",
        from: "2026-01-05T15:00:00Z",
        speed: 1200,
        phases: [
          { ramp: { from: 10, to: 80, over: "1s" } },
          { reconnectStorm: { share: 0.5, within: "1s" } },
          { steady: { for: "1s" } },
        ],
      }),
    );
    const run = await evsimCommand(
      ["loadtest", "scenario.json", "--html", "out/report.html"],
      cwd,
    ).output();
    assert.equal(run.code, 0, decode(run.stderr));
    assert.match(decode(run.stderr), /wrote out\/report\.html/);

    await using chromium = await launchChromium();
    const page = await chromium.evaluate(
      pathToFileURL(`${cwd}/out/report.html`).href,
      CHECK_PAGE,
    ) as PageCheck;
    assert.equal(page.title, "evsim load test");
    assert.deepEqual(page.charts.map((c) => c.id), [
      "chart-calls",
      "chart-latency",
      "chart-online",
    ]);
    // The fewest marks: a bar or points a second over 3 seconds, or one line; a rule per phase.
    const fewest: Record<string, number> = {
      "chart-calls": 3 + 3,
      "chart-latency": 3 + 3,
      "chart-online": 1 + 3,
    };
    for (const chart of page.charts) {
      assert.ok(chart.width > 300 && chart.height > 100, `${chart.id}: rendered size`);
      assert.ok(
        chart.visibleMarks >= fewest[chart.id],
        `${chart.id}: ${chart.visibleMarks} visible marks`,
      );
      assert.deepEqual(chart.phaseLabels, ["1 ramp", "2 reconnectStorm", "3 steady"]);
    }
    assert.ok(page.actions.includes("BootNotification"), page.actions.join());
    assert.equal(page.phases, 3);
  });
});
