/**
 * What the live page costs a run: the same run of the default network with
 * the server sink (12 simulated hours from a Monday morning, at 3600×), in
 * rounds alternating without and with the page open in headless Chromium;
 * it prints each round's wall time (as the run reports it), the medians, and
 * each round's cost (with ÷ without) with their median.
 * The issue's bound: with the page open, within 10 % of the run without it.
 *
 *     deno run --allow-read --allow-write --allow-env --allow-run --allow-net=127.0.0.1 \
 *       tests/live_page_bench.ts [--rounds 2] [--duration 12h] [--speed 3600]
 */
// deno-lint-ignore-file no-console
import { parseArgs } from "node:util";
import { launchChromium } from "./_chromium.ts";
import { evsimCommand, inTempDir } from "./_evsim.ts";
import { parseDuration } from "../core/time.ts";

const { values } = parseArgs({
  options: {
    rounds: { type: "string", default: "2" },
    duration: { type: "string", default: "12h" },
    speed: { type: "string", default: "3600" },
  },
});

/** What a run reports: its seconds and, with the page open, the frames it took and its work. */
interface Round {
  seconds: number;
  frames?: number;
  /** The page's milliseconds on each job, and how often (`evsimLive.work`). */
  work?: Record<string, { ms: number; times: number }>;
}

/** One run; returns the seconds it reports, and the frames the page took if it was open. */
async function round(withPage: boolean): Promise<Round> {
  let result: Round | undefined;
  await inTempDir(async (dir) => {
    const child = evsimCommand([
      "--from",
      "2026-01-05T15:00:00Z",
      "--duration",
      values.duration,
      "--warm-up",
      "1d",
      "--speed",
      values.speed,
      "--sink",
      "server:0",
    ], dir).spawn();
    const stderr = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
    let log = "";
    while (!/live page at (\S+)/.test(log)) {
      const { value, done } = await stderr.read();
      if (done) throw new Error(`evsim did not start:\n${log}`);
      log += value;
    }
    const url = /live page at (\S+)/.exec(log)![1];
    const chromium = withPage ? await launchChromium({ timeoutMs: 60_000 }) : undefined;
    const page = await chromium?.open(url);
    for (;;) {
      const { value, done } = await stderr.read();
      if (done) break;
      log += value;
    }
    await child.status;
    await child.stdout.cancel();
    const frames = await page?.evaluate("evsimLive.frames.length") as number | undefined;
    const work = await page?.evaluate("evsimLive.work") as Round["work"];
    await page?.close();
    await chromium?.close();
    const seconds = /finished .* in ([\d.]+) s/.exec(log)?.[1];
    if (!seconds) throw new Error(`no summary:\n${log}`);
    result = { seconds: Number(seconds), frames, work };
  });
  return result!;
}

/** The middle value of `xs`, or the mean of the two middle ones. */
const median = (xs: number[]) => {
  const sorted = xs.toSorted((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
const times = { without: [] as number[], with: [] as number[] };
for (let i = 0; i < Number(values.rounds); i++) {
  for (const withPage of [false, true]) {
    const { seconds, frames, work } = await round(withPage);
    times[withPage ? "with" : "without"].push(seconds);
    const jobs = Object.entries(work ?? {}).map(([job, { ms, times }]) =>
      `${job} ${Math.round(ms)} ms (${(ms / times).toFixed(1)} ms × ${times})`
    );
    console.log(
      `round ${i + 1}, ${withPage ? `with the page (${frames} frames)` : "without the page"}: ` +
        `${seconds} s${jobs.length > 0 ? `; the page's work: ${jobs.join(", ")}` : ""}`,
    );
  }
}
const [without, withPage] = [median(times.without), median(times.with)];
const percent = (x: number) => `${x >= 0 ? "+" : ""}${(x * 100).toFixed(1)} %`;
// Each round's two runs follow each other, so their ratio shares most of the machine's noise.
const pairs = times.with.map((t, i) => t / times.without[i] - 1);
console.log(
  `median: ${without.toFixed(2)} s without the page, ${withPage.toFixed(2)} s with it ` +
    `(${percent(withPage / without - 1)}); round by round ${pairs.map(percent).join(", ")} ` +
    `(median ${percent(median(pairs))})`,
);
// A run that cannot keep its pace alone is bound by the machine: the page's share of the cores then
// counts in full, and the comparison says more about the machine's load than about the page.
const paced = parseDuration(values.duration)! / Number(values.speed) / 1000;
if (without > paced * 1.05) {
  const pace = `a ${paced.toFixed(1)}-second pace (${percent(without / paced - 1)})`;
  console.log(
    `note: without the page the run took ${without.toFixed(2)} s for ${pace}: ` +
      "it did not keep up alone on this machine",
  );
}
