/**
 * The live page in headless Chromium, against a real run: `evsim` with the
 * server sink over Boulder, CO, at 3600×. Set `EVSIM_LIVE_SCREENSHOT=PATH` to
 * keep the screenshot it takes (the README's is `docs/live.png`).
 */
import assert from "node:assert/strict";
import { regionNetwork } from "../data/mod.ts";
import { type ChromiumPage, launchChromium } from "./_chromium.ts";
import { evsimCommand, inTempDir } from "./_evsim.ts";

/** What the page shows, read from its DOM and its `evsimLive` hook. */
interface PageState {
  stations: number;
  dots: number;
  lastId: number | undefined;
  events: string;
  chartPoints: number[];
  chartCanvases: number;
  legend: Record<string, number>;
  tableRows: number;
  tableSites: string[];
  cities: string[];
  clock: string;
  speed: string;
  frames: { id: number; kind: string }[];
  reconnects: number;
  gaps: number;
}

const READ_PAGE = `(() => {
  const live = globalThis.evsimLive;
  // Null until the page's script has set up the map.
  if (!live || !document.querySelector("#map canvas")) return null;
  const text = (id) => document.getElementById(id).textContent;
  return {
    stations: live.stations,
    dots: Number(document.querySelector("#map canvas").dataset.dots ?? -1),
    lastId: live.lastId,
    events: text("count-events"),
    chartPoints: [...document.querySelectorAll("figure.chart")].map((f) => Number(f.dataset.points ?? 0)),
    chartCanvases: document.querySelectorAll("figure.chart canvas").length,
    legend: Object.fromEntries(["charging", "occupied", "available", "faulted", "maintenance"]
      .map((s) => [s, Number(text("legend-" + s).replace(/,/g, ""))])),
    tableRows: document.querySelectorAll("#sessions-body tr:not(:has(td.empty))").length,
    tableSites: [...document.querySelectorAll("#sessions-body td .sub")].map((d) => d.textContent.split(" · ")[1]),
    cities: [...document.querySelectorAll("#filter-city option")].map((o) => o.value).filter(Boolean),
    clock: text("clock"),
    speed: text("speed"),
    frames: live.frames.slice(),
    reconnects: live.reconnects,
    gaps: live.gaps,
  };
})()`;

const read = async (page: ChromiumPage) => await page.evaluate(READ_PAGE) as PageState | null;

/** Reads the page until `done` holds of what it shows, for at most `ms`. */
async function until(
  page: ChromiumPage,
  done: (state: PageState) => boolean,
  what: string,
  ms = 8000,
): Promise<PageState> {
  const deadline = performance.now() + ms;
  for (;;) {
    const state = await read(page);
    if (state && done(state)) return state;
    if (performance.now() > deadline) {
      throw new Error(
        `timed out waiting until ${what}: ${JSON.stringify({ ...state, frames: [] })}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Sets a filter's select and tells the page. */
const choose = (page: ChromiumPage, id: string, value: string) =>
  page.evaluate(`(() => {
    const select = document.getElementById(${JSON.stringify(id)});
    select.value = ${JSON.stringify(value)};
    select.dispatchEvent(new Event("change"));
  })()`);

/** Whether frame IDs run on without a gap, each after the one before. */
const consecutive = (frames: { id: number }[]) =>
  frames.every((frame, i) => i === 0 || frame.id === frames[i - 1].id + 1);

/**
 * Runs `evsim` over `region` from Monday 2026-01-05 15:00 UTC at 3600× with the server sink,
 * opens its live page in headless Chromium and hands it to `fn`; then stops the run and
 * checks it exited cleanly.
 */
async function withLivePage(
  region: string,
  fn: (page: ChromiumPage, url: string) => Promise<void>,
): Promise<void> {
  await inTempDir(async (dir) => {
    const child = evsimCommand([
      "--region",
      region,
      "--from",
      "2026-01-05T15:00:00Z",
      "--duration",
      "2d",
      "--warm-up",
      "1d",
      "--speed",
      "3600",
      "--sink",
      "server:0",
    ], dir).spawn();
    const stderr = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
    let log = "";
    try {
      while (!/live page at (http:\/\/127\.0\.0\.1:\d+\/)/.test(log)) {
        const { value, done } = await stderr.read();
        if (done) throw new Error(`evsim did not print the page's address:\n${log}`);
        log += value;
      }
      const url = /live page at (http:\/\/127\.0\.0\.1:\d+\/)/.exec(log)![1];
      // The rest of stderr is read, so that evsim never blocks on a full pipe.
      const drained = (async () => {
        for (;;) {
          const { value, done } = await stderr.read();
          if (done) return;
          log += value;
        }
      })();
      {
        await using chromium = await launchChromium();
        await using page = await chromium.open(url);
        await fn(page, url);
      }
      child.kill("SIGTERM");
      assert.equal((await child.status).code, 0, log);
      await drained;
    } finally {
      try {
        child.kill("SIGKILL");
      } catch {
        // already exited
      }
      await child.status;
      await stderr.cancel().catch(() => {});
      await child.stdout.cancel();
    }
  });
}

Deno.test("the live page shows a run's stations, counters and charts, filters, and resumes its stream", async () => {
  await withLivePage("Boulder, CO", async (page, url) => {
    // A dot per station of the run's network, every one from the start (the run hands the
    // server sink its chargers), and the charts have points.
    const stations = new Set(regionNetwork("Boulder, CO").chargers.map((c) => c.stationId)).size;
    let state = await until(
      page,
      (s) => s.dots === stations && s.chartPoints.every((n) => n >= 2),
      `the map draws a dot for each of the ${stations} stations and the charts have points`,
    );
    assert.equal(state.stations, stations);
    assert.deepEqual(state.cities, ["Boulder, CO"]);
    assert.equal(state.chartCanvases >= 3, true, "uPlot drew the three charts");
    assert.equal(
      Object.values(state.legend).reduce((a, b) => a + b, 0),
      state.stations,
      "the legend counts every station once",
    );
    assert.match(state.clock, /^\w{3} 2026-01-0\d \d\d:\d\d UTC$/);
    assert.match(state.speed, /^×[\d,.]+$/);

    // The counters, the charts and the dots move as events come (a Boulder morning has
    // vehicles plugged in).
    const before = state;
    state = await until(
      page,
      (s) =>
        s.events !== before.events && s.chartPoints[0] > before.chartPoints[0] &&
        s.clock !== before.clock && s.legend.charging + s.legend.occupied > 0,
      "the counters, the charts, the clock and the stations' statuses change",
    );

    // Hovering a station's dot shows its name, network and what each port does.
    const station = regionNetwork("Boulder, CO").chargers.find((c) =>
      c.name.length > 0 && c.stationId
    )!;
    const tooltip = await page.evaluate(`(async () => {
      const [x, y] = evsimLive.dotOf(${JSON.stringify(station.stationId)});
      const canvas = document.querySelector("#map canvas");
      canvas.dispatchEvent(new PointerEvent("pointermove", {
        pointerType: "mouse", clientX: x, clientY: y, bubbles: true,
      }));
      const tip = document.querySelector("#map .tooltip");
      for (let i = 0; i < 50 && !tip.querySelector("ul"); i++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      return { hidden: tip.hidden, text: tip.textContent, ports: tip.querySelectorAll("li").length };
    })()`) as { hidden: boolean; text: string; ports: number };
    assert.equal(tooltip.hidden, false);
    assert.ok(tooltip.text.includes(station.name), tooltip.text);
    const ports = regionNetwork("Boulder, CO").chargers.filter((c) =>
      c.stationId === station.stationId
    ).length;
    assert.equal(tooltip.ports, ports, tooltip.text);

    // A filter changes what the map and the table show.
    await choose(page, "filter-site", "dc_fast");
    const filtered = await until(
      page,
      (s) => s.dots < state.stations && s.tableSites.every((site) => site === "dc_fast"),
      "the site type filter applies to the map and the table",
    );
    assert.equal(filtered.dots, Object.values(filtered.legend).reduce((a, b) => a + b, 0));
    await choose(page, "filter-site", "");
    await until(page, (s) => s.dots === s.stations, "the map shows every station again");

    // A dropped stream resumes after its last frame: the frames missed meanwhile (made for
    // another client) come first, no snapshot, no gap.
    const other = await fetch(`${url}live`);
    const otherReader = other.body!.getReader();
    try {
      await otherReader.read();
      await page.evaluate("evsimLive.disconnect()");
      const left = (await read(page))!.lastId!;
      await new Promise((resolve) => setTimeout(resolve, 1000));
      await page.evaluate("evsimLive.reconnect()");
      state = await until(
        page,
        (s) => s.lastId! > left + 6,
        "the page resumes the stream",
      );
    } finally {
      await otherReader.cancel();
    }
    assert.equal(state.reconnects, 1);
    assert.equal(state.gaps, 0);
    assert.deepEqual(state.frames.filter((f) => f.kind === "snapshot").length, 1);
    assert.equal(state.frames[0].kind, "snapshot");
    assert.ok(consecutive(state.frames), `frame IDs: ${state.frames.map((f) => f.id)}`);

    const png = await page.screenshot();
    assert.deepEqual([...png.slice(0, 8)], [137, 80, 78, 71, 13, 10, 26, 10], "a PNG");
    const keep = Deno.env.get("EVSIM_LIVE_SCREENSHOT");
    if (keep) await Deno.writeFile(keep, png);
  });
});

/**
 * The map's pixels that are the state borders' and outline's colour (#9aa7b4) drawn over the
 * land's (#eef1f4) at half cover or more, as the canvas holds them.
 */
const BORDER_PIXELS = `(() => {
  const canvas = document.querySelector("#map canvas");
  const data = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
  const land = [238, 241, 244];
  const border = [154, 167, 180];
  let count = 0;
  for (let i = 0; i < data.length; i += 4) {
    if (data[i + 3] !== 255) continue;
    const cover = [0, 1, 2].map((c) => (land[c] - data[i + c]) / (land[c] - border[c]));
    if (cover.every((a) => a >= 0.5 && a <= 1.05 && Math.abs(a - cover[0]) <= 0.1)) count++;
  }
  return count;
})()`;

/**
 * Gives the page a scrollbar always (`"scroll"`) or never (`"hidden"`); returns the map's
 * width before and, once the map has taken up any change, after.
 */
const setScrollbar = async (page: ChromiumPage, overflow: "scroll" | "hidden") =>
  await page.evaluate(`(async () => {
    const canvas = document.querySelector("#map canvas");
    const before = canvas.width;
    document.documentElement.style.overflowY = ${JSON.stringify(overflow)};
    // The map redraws at its next resize observation, after the next layout.
    for (let i = 0; i < 3; i++) await new Promise((resolve) => requestAnimationFrame(resolve));
    return { width: { before, after: canvas.width } };
  })()`) as { width: { before: number; after: number } };

Deno.test("the live page draws the state line when zoomed to a city on it, and keeps it in view through a resize", async () => {
  // Kansas City, MO lies on the Missouri–Kansas line, which crosses the map zoomed to it.
  const city = "Kansas City, MO";
  const chargers = regionNetwork(city).chargers;
  const stations = new Set(chargers.map((c) => c.stationId)).size;
  await withLivePage(city, async (page) => {
    await until(page, (s) => s.dots === stations, `the map draws the ${stations} stations`);
    // The page has no scrollbar, so that the table's rows coming and going leave the map's
    // width alone until the test gives it one.
    await setScrollbar(page, "hidden");
    // Only the stations in maintenance are drawn: the rims of grey dots (available) are of
    // nearly the borders' colour.
    await choose(page, "filter-status", "maintenance");
    await choose(page, "filter-city", city);
    const zoom = Number(await page.evaluate(`document.querySelector("#map canvas").dataset.zoom`));
    assert.ok(zoom > 20, `zoomed to the city: k = ${zoom}`);
    // The state line crosses the map from top to bottom: hundreds of pixels.
    const zoomed = await page.evaluate(BORDER_PIXELS) as number;
    assert.ok(zoomed >= 300, `border pixels at k = ${zoom}: ${zoomed}`);

    // A scrollbar narrows the map: the view stays on the city, its stations and the state
    // line in sight.
    const { width } = await setScrollbar(page, "scroll");
    const inside = await page.evaluate(`(() => {
      const box = document.querySelector("#map canvas").getBoundingClientRect();
      return ${JSON.stringify([...new Set(chargers.map((c) => c.stationId))])}
        .map((id) => evsimLive.dotOf(id))
        .filter(([x, y]) => x >= box.left && x <= box.right && y >= box.top && y <= box.bottom)
        .length;
    })()`) as number;
    assert.ok(width.after < width.before, `the map narrowed: ${width.before} → ${width.after}`);
    assert.equal(inside, stations, "every station of the city is still on the map");
    const after = await page.evaluate(BORDER_PIXELS) as number;
    assert.ok(after >= 300, `border pixels after the resize: ${after}`);
  });
});
