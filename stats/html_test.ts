import assert from "node:assert/strict";
import { referenceShareByHour, renderHtml } from "./html.ts";
import { fixtureProfiles, makeCity, makeGroup, makeReport } from "./_fixture.ts";
import type { GroupStats, StatsReport } from "./report.ts";
import { ndjson, session } from "./_stream.ts";
import { StatsCollector } from "./stats.ts";

const CHART_IDS = [
  "chart-arrivals",
  "chart-energy",
  "chart-stay",
  "chart-load",
  "chart-utilization",
  "chart-uptime",
];

function render(report: StatsReport, title?: string): Promise<string> {
  return renderHtml(report, { title, profiles: fixtureProfiles });
}

/** Asserts that `text` matches `pattern`, without printing all of a long text when it does not. */
function has(text: string, pattern: RegExp, message = String(pattern)): void {
  assert.ok(pattern.test(text), `expected ${message} in ${text.slice(0, 200)}…`);
}

/** Asserts that `text` does not match `pattern`, without printing all of a long text. */
function lacks(text: string, pattern: RegExp, message = String(pattern)): void {
  const match = pattern.exec(text);
  assert.ok(
    match == null,
    `unexpected ${message}: …${
      text.slice(Math.max(0, (match?.index ?? 0) - 100), (match?.index ?? 0) + 100)
    }…`,
  );
}

/** The inside of the figure with this id. */
function figureOf(html: string, id: string): string {
  const match = new RegExp(`<figure class="chart" id="${id}">([\\s\\S]*?)</figure>`).exec(html);
  assert.ok(match, `no figure #${id}`);
  return match[1];
}

/** The calibration table's body rows. */
function calibrationRows(html: string): string[] {
  const table = /<table id="calibration-table">([\s\S]*?)<\/table>/.exec(html);
  assert.ok(table, "no calibration table");
  return [...table[1].matchAll(/<tr class="[^"]*">[\s\S]*?<\/tr>/g)].map((m) => m[0]);
}

/** A group with no ended sessions and nothing measured. */
function emptyGroup(): GroupStats {
  const none = { count: 0, median: null, mean: null, p90: null };
  return {
    ...makeGroup("public"),
    sessions: 0,
    sessionsPerChargerPerDay: null,
    energyKwh: none,
    stayMinutes: none,
    chargingMinutes: none,
    idleShare: null,
    arrivalShareByHour: Array(24).fill(0),
    weekdayShare: null,
    timeUtilization: null,
    failedAttemptRate: null,
    interruptionRate: null,
    uptime: { meanPercent: null, minPercent: null, portsAbove97Share: null },
  };
}

Deno.test("renderHtml() returns one HTML document", async () => {
  const html = await render(makeReport());
  has(html, /^<!DOCTYPE html>\n<html lang="en">/);
  has(html, /<\/html>\n$/);
  for (const tag of ["<html", "<head>", "<body>", "</body>", '<meta charset="utf-8">']) {
    assert.equal(html.split(tag).length - 1, 1, `${tag} once`);
  }
  has(html, /<title>evsim stats<\/title>/);
  has(html, /2026-01-05 00:00 UTC → 2026-01-11 23:59 UTC/);
  has(html, /<dt>Events<\/dt><dd>1,234,567<\/dd>/);
  has(html, /<div class="warn"><dt>Bad lines<\/dt><dd>3<\/dd><\/div>/);
  lacks(html, /Too short/);
});

Deno.test("renderHtml() shows the warning of a stream too short for its figures", async () => {
  const warning = "the stream spans 2.0 days, less than a week: weekday shares …";
  const html = await render(makeReport({ days: 2, warnings: [warning] }));
  has(
    html,
    /<div class="warn"><dt>Too short<\/dt><dd>the stream spans 2\.0 days, less than a week: weekday shares …<\/dd><\/div>/,
  );
});

Deno.test("renderHtml() draws every chart as inline SVG with marks and a caption", async () => {
  const html = await render(makeReport());
  assert.equal(html.match(/<figure class="chart"/g)?.length, CHART_IDS.length);
  for (const id of CHART_IDS) {
    const figure = figureOf(html, id);
    assert.equal(figure.match(/<svg /g)?.length, 1, `${id}: one <svg>`);
    has(figure, /class="mark-[a-z]+ role-mark/, `${id}: marks`);
    has(figure, /<path [^>]*d="M/, `${id}: drawn paths`);
    has(figure, /<figcaption>[^<]{20,}<\/figcaption>/, `${id}: caption`);
    lacks(figure, /no-data/);
  }
  const arrivals = figureOf(html, "chart-arrivals");
  has(arrivals, /mark-rect role-mark/, "measured bars");
  has(arrivals, /mark-line role-mark/, "published profile line");
  for (const site of ["Workplace", "Public L2", "DC fast", "Residential"]) {
    has(arrivals, new RegExp(`>${site}</text>`));
  }
  has(figureOf(html, "chart-load"), /mark-area role-mark/);
  has(figureOf(html, "chart-uptime"), /mark-rule role-mark/, "the 97 % rule");
});

Deno.test("renderHtml() shows the top 8 cities of the load curve and sums the rest", async (t) => {
  await t.step("twelve cities: eight and 4 other cities", async () => {
    const load = figureOf(await render(makeReport()), "chart-load");
    has(load, />New York<\/text>/);
    has(load, />4 other cities<\/text>/);
    lacks(load, />Fort Worth<\/text>/);
  });
  await t.step("nine cities or fewer: each one", async () => {
    const report = makeReport();
    const curve = report.charts!.loadCurve;
    curve.cities = curve.cities.slice(0, 9);
    curve.kw = curve.kw.slice(0, 9);
    const load = figureOf(await render(report), "chart-load");
    has(load, />Dallas<\/text>/);
    lacks(load, /other cities/);
  });
});

Deno.test("referenceShareByHour() weighs weekday and weekend profiles by the weekday share", () => {
  const weekday = Array(24).fill(0);
  const weekend = Array(24).fill(0);
  weekday[8] = 3; // any positive scale
  weekend[12] = 0.5;
  const share = referenceShareByHour({ weekdayShare: 0.75, weekday, weekend });
  assert.equal(share.length, 24);
  assert.equal(share[8], 0.75);
  assert.equal(share[12], 0.25);
  assert.equal(share.reduce((a, b) => a + b, 0), 1);
  const sum = referenceShareByHour(fixtureProfiles.public).reduce((a, b) => a + b, 0);
  assert.ok(Math.abs(sum - 1) < 1e-12);
});

Deno.test("renderHtml() marks each calibration row PASS or FAIL with its reference row", async () => {
  const html = await render(makeReport());
  const rows = calibrationRows(html);
  assert.equal(rows.length, 5);
  has(html, /3 of 5 checks land in their target range/);
  const expected = [
    [1, "pass", "5 – 9"],
    [3, "pass", "20 – 35"],
    [4, "fail", "25 – 45"],
    [18, "pass", "0.05 – 0.2"],
    [21, "fail", "0.1 – 0.25"],
  ] as const;
  for (const [i, [row, result, range]] of expected.entries()) {
    has(
      rows[i],
      new RegExp(`^<tr class="${result}"><td title="charging-facts row ${row}">${row}</td>`),
    );
    has(rows[i], new RegExp(`<td>${range}</td>`));
    has(
      rows[i],
      new RegExp(`<td class="result ${result}">[✓✗] ${result.toUpperCase()}</td>`),
    );
  }
  has(rows[4], /<td class="na">no data<\/td>/, "a null value");
});

Deno.test("renderHtml() escapes every text from the report", async () => {
  const evil = `<script>alert("x")</script> & 'co'`;
  const report = makeReport({
    byCity: [{ ...makeCity(0), city: evil, state: "<b>" }, makeCity(1)],
    calibration: [{
      row: 1,
      statistic: evil,
      siteType: "all",
      value: 1,
      low: 0,
      high: 2,
      pass: true,
    }],
  });
  report.charts!.loadCurve.cities[0] = evil;
  const html = await render(report, `Report </title><script>`);
  lacks(html, /<script/i);
  lacks(html, /<b>/);
  has(html, /<title>Report &#60;\/title&#62;&#60;script&#62;<\/title>/);
  has(html, /&#60;script&#62;alert\(&#34;x&#34;\)&#60;\/script&#62; &#38; &#39;co&#39;/);
  for (const id of ["chart-load", "chart-utilization", "chart-uptime"]) {
    has(figureOf(html, id), /&lt;script&gt;alert\(/, `${id} escapes the city`);
  }
});

Deno.test("renderHtml() gives the same bytes for the same report, with unique ids", async () => {
  const first = await render(makeReport());
  const second = await render(makeReport());
  assert.equal(first, second);
  const ids = [...first.matchAll(/ id="([^"]+)"/g)].map((m) => m[1]);
  assert.equal(new Set(ids).size, ids.length, "ids are unique");
  for (const [, ref] of first.matchAll(/url\(#([^)]+)\)/g)) {
    assert.ok(ids.includes(ref), `url(#${ref}) refers to an element of the page`);
  }
});

Deno.test("renderHtml() refers to no external resource", async () => {
  const html = await render(makeReport());
  const urls = new Set(html.match(/https?:\/\/[^\s"'<>)]*/gi));
  assert.deepEqual([...urls].sort(), [
    "http://www.w3.org/1999/xlink",
    "http://www.w3.org/2000/svg",
  ]);
  for (const ref of html.matchAll(/(?:href|src)\s*=\s*"([^"]*)"/gi)) {
    has(ref[1], /^#/, `local reference: ${ref[0]}`);
  }
  lacks(html, /<(?:script|link|img|iframe|object)\b|@import|url\((?!#)/i);
});

Deno.test("renderHtml() says no data where data is missing", async (t) => {
  await t.step("no chart data", async () => {
    const report = makeReport();
    delete report.charts;
    const html = await render(report);
    for (const id of ["chart-energy", "chart-stay", "chart-load"]) {
      has(figureOf(html, id), /<p class="no-data">no data<\/p>/);
    }
    for (const id of ["chart-arrivals", "chart-utilization", "chart-uptime"]) {
      has(figureOf(html, id), /<svg /);
    }
  });

  await t.step("no site types, cities or checks", async () => {
    const html = await render(makeReport({ bySiteType: {}, byCity: [], calibration: [] }));
    for (const id of ["chart-arrivals", "chart-utilization", "chart-uptime"]) {
      has(figureOf(html, id), /<p class="no-data">no data<\/p>/);
    }
    lacks(html, /id="calibration-table"/);
    has(html, /<h2>Calibration<\/h2>\n<p class="no-data">no data<\/p>/);
    has(html, /<th scope="row">All site types<\/th>/);
  });

  await t.step("some site types only", async () => {
    const report = makeReport({ bySiteType: { dc_fast: makeGroup("dc_fast") } });
    report.charts!.energyKwh = { dc_fast: { start: 0, width: 2, counts: [1, 5, 2] } };
    const html = await render(report);
    has(figureOf(html, "chart-arrivals"), />DC fast<\/text>/);
    lacks(figureOf(html, "chart-arrivals"), />Workplace<\/text>/);
    lacks(figureOf(html, "chart-energy"), />Residential<\/text>/);
  });

  await t.step("null figures", async () => {
    const report = makeReport({
      bySiteType: { public: emptyGroup() },
      overall: emptyGroup(),
      byCity: [{ ...makeCity(0), timeUtilization: null, uptimeMeanPercent: null }, makeCity(1)],
    });
    report.charts!.energyKwh = { public: { start: 0, width: 2, counts: [0, 0, 0] } };
    report.charts!.stayMinutes = {};
    report.charts!.loadCurve = {
      start: "2026-01-05T00:00:00Z",
      stepMinutes: 15,
      cities: [],
      kw: [],
    };
    const html = await render(report);
    has(
      html,
      /<th scope="row">Public L2<\/th><td>660<\/td><td>0<\/td><td class="na">no data/,
    );
    for (const id of ["chart-energy", "chart-stay", "chart-load"]) {
      has(figureOf(html, id), /no data/);
    }
    has(figureOf(html, "chart-utilization"), /1 city has no data\./);
    has(figureOf(html, "chart-arrivals"), /<svg /, "zero arrivals still drawn");
  });

  await t.step("a stream without events", async () => {
    const html = await render({
      lines: 2,
      events: 0,
      badLines: 2,
      from: null,
      to: null,
      days: 0,
      overall: emptyGroup(),
      bySiteType: {},
      byCity: [],
      calibration: [],
    });
    has(html, /<dt>Stream<\/dt><dd>no events<\/dd>/);
    assert.equal(html.match(/<p class="no-data">no data<\/p>/g)?.length, CHART_IDS.length + 1);
  });
});

/** The report of a few workplace and DC fast sessions, compared with the embedded reference sets. */
function comparedReport(charts: boolean): StatsReport {
  const stats = new StatsCollector();
  const events = [0, 1, 2, 3].flatMap((i) => [
    ...session({ chargerId: `W${i}`, siteType: "workplace" }, {
      start: 13 + i,
      stayMinutes: 100 + 60 * i,
      chargingMinutes: 80,
      energyKwh: 5 + i,
    }),
    ...session({ chargerId: `D${i}`, siteType: "dc_fast" }, {
      start: 20 + i,
      stayMinutes: 20 + 5 * i,
      energyKwh: 20 + 5 * i,
      arrivalSoc: 20 + 5 * i,
      departureSoc: 75 + 5 * i,
    }),
  ]);
  for (const line of ndjson(events)) stats.addLine(line);
  return stats.report({ charts });
}

Deno.test("renderHtml() compares each site type with its real reference set", async (t) => {
  await t.step(
    "a table and a chart of distribution functions per site type, and the hours",
    async () => {
      const html = await render(comparedReport(true));
      has(html, /<section id="realism">\n<h2>Realism: distances to real sessions<\/h2>/);
      for (const [site, metrics] of [["workplace", 5], ["dc_fast", 4]] as const) {
        const table = new RegExp(`<table id="realism-table-${site}">([\\s\\S]*?)</table>`).exec(
          html,
        );
        assert.ok(table, `realism-table-${site}`);
        assert.equal(table[1].match(/<tr class=/g)?.length, metrics + 2);
        const figure = figureOf(html, `chart-realism-${site}`);
        has(figure, /mark-line role-mark/, `${site}: lines`);
        lacks(figure, /no-data/);
      }
      has(
        html,
        /<caption>Workplace against acn \(workplace\): 4 sessions after cleaning, 2,106 real\. Lee, Li, Low/,
      );
      has(
        html,
        /<th scope="row">stay \(min\)<\/th><td>27\.5 \[23\.8–31\.2\]<\/td><td>30\.3 \[20\.5–41\.9\]<\/td><td>KS 0\.\d{3}<\/td><td>≤ 0\.15<\/td>/,
      );
      has(
        html,
        /<th scope="row">draw while charging \(kW\)<\/th>.*<td class="result none">–<\/td>/,
      );
      const hours = figureOf(html, "chart-realism-arrivals");
      has(hours, /mark-rect role-mark/);
      has(hours, />Workplace vs acn<\/text>/);
      has(hours, />DC fast vs epfl<\/text>/);
      lacks(html, /chart-realism-public/);
      // The distance rows of the calibration table name their reference set.
      has(html, /<td title="distance to the real sessions of epfl">epfl<\/td>/);
    },
  );
  await t.step(
    "no chart data: the distribution charts say so, the hours are still drawn",
    async () => {
      const html = await render(comparedReport(false));
      has(figureOf(html, "chart-realism-workplace"), /<p class="no-data">no data<\/p>/);
      has(figureOf(html, "chart-realism-arrivals"), /<svg /);
    },
  );
  await t.step("no site type compared: no section", async () => {
    lacks(await render(makeReport()), /id="realism"/);
  });
});
