/**
 * The live page of `evsim csms --control-port` in headless Chromium: a run
 * of Boulder's stations over OCPP 1.6 against it, each its own process, and
 * the page draws a dot for every charge point that booted, with counters
 * that move.
 */
import assert from "node:assert/strict";
import { launchChromium } from "./_chromium.ts";
import { startCsmsProcess } from "./_csms_process.ts";
import { decode, evsimCommand, inTempDir } from "./_evsim.ts";

/** What the page shows. */
interface PageState {
  stations: number;
  dots: number;
  sessions: string;
  events: string;
  clock: string;
  cities: string[];
}

const READ_PAGE = `(() => {
  const live = globalThis.evsimLive;
  const canvas = document.querySelector("#map canvas");
  if (!live || !canvas) return null;
  const text = (id) => document.getElementById(id).textContent;
  return {
    stations: live.stations,
    dots: Number(canvas.dataset.dots ?? -1),
    sessions: text("count-sessions"),
    events: text("count-events"),
    clock: text("clock"),
    cities: [...document.querySelectorAll("#filter-city option")].map((o) => o.value).filter(Boolean),
  };
})()`;

Deno.test("the live page of evsim csms draws a dot for each charge point of a run", async () => {
  await inTempDir(async (cwd) => {
    const csms = await startCsmsProcess(cwd, ["--control-port", "0"]);
    const run = evsimCommand([
      "--region",
      "Boulder, CO",
      "--from",
      "2026-01-05T15:00:00Z",
      "--duration",
      "3h",
      // Slower than the other OCPP tests: Chromium draws on the same cores.
      "--speed",
      "1200",
      "--ocpp",
      csms.url,
    ], cwd).output();
    try {
      await using chromium = await launchChromium();
      await using page = await chromium.open(`${csms.control}/`);
      const deadline = performance.now() + 20_000;
      let state: PageState | null = null;
      for (;;) {
        state = await page.evaluate(READ_PAGE) as PageState | null;
        if (state && state.dots === 152 && state.events !== "0" && state.events !== "–") break;
        if (performance.now() > deadline) {
          throw new Error(`the page did not draw 152 dots: ${JSON.stringify(state)}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      assert.equal(state.stations, 152);
      assert.deepEqual(state.cities, ["Boulder, CO"]);
      assert.match(state.clock, /^\w{3} 2026-01-05 \d\d:\d\d UTC$/, "the charge points' clock");
    } finally {
      const { code, stderr } = await run;
      const stopped = await csms.stop();
      // 3: calls still unsent when the run ended, which a loaded machine can cause; the page is
      // what this test is about.
      assert.ok(code === 0 || code === 3, decode(stderr));
      assert.equal(stopped.code, 0, stopped.stderr);
    }
  });
});
