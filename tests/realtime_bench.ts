/**
 * Realtime at national scale: about 100,000 chargers (the 50 embedded cities
 * at 200 chargers per 100,000 residents) following the wall clock after a
 * silent warm-up (`--realtime --warm-up 1d`), NDJSON to /dev/null. Measures,
 * at steady state, the CPU the process uses (utime + stime from
 * /proc/<pid>/stat, as % of one core) and its memory (VmRSS, VmHWM). Target:
 * under 10 % of one core. `deno task bench:realtime`; it takes minutes.
 *
 * Realtime starts now, so the load follows the time of day of the US
 * cities; `--at TIME` runs the same loop from a chosen simulated time instead
 * (`--speed 1 --from TIME`: one simulated second per wall second), such as the
 * network's busiest hour, 18:00–19:00 UTC.
 *
 * Two processes run side by side: the measured one, and a twin with
 * `--metrics-port 0` whose Prometheus metrics, scraped once a minute, show
 * that the run keeps pace with the wall clock (the simulated time of the
 * latest event against now) and its event rate.
 *
 *     deno run --allow-read --allow-write --allow-env --allow-run --allow-net=127.0.0.1 \
 *       tests/realtime_bench.ts [--warm-up 1d] [--settle 30] [--window 300] [--sample 30] \
 *       [--at 2026-01-06T18:00:00Z]
 */
// deno-lint-ignore-file no-console
import { parseArgs } from "node:util";
import { evsimCommand, SIM_FLAGS } from "./_evsim.ts";
import { loadAverage, type ProcSample, sampleProc, writeNationalConfig } from "./_proc.ts";

/** An evsim process whose stderr lines are gathered as they come. */
interface Running {
  child: Deno.ChildProcess;
  lines: string[];
  /** Resolves with the first stderr line matching `pattern`. */
  waitFor(pattern: RegExp): Promise<string>;
  /** Resolves when stderr closes. */
  closed: Promise<void>;
}

function start(args: string[], cwd: string): Running {
  const child = evsimCommand(args, cwd, {}, "null").spawn();
  const lines: string[] = [];
  const waiters: { pattern: RegExp; resolve: (line: string) => void }[] = [];
  const closed = (async () => {
    let rest = "";
    for await (const chunk of child.stderr.pipeThrough(new TextDecoderStream())) {
      const parts = (rest + chunk).split("\n");
      rest = parts.pop()!;
      for (const line of parts) {
        lines.push(line);
        for (const w of waiters.filter((w) => w.pattern.test(line))) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(line);
        }
      }
    }
    if (rest) lines.push(rest);
  })();
  return {
    child,
    lines,
    closed,
    waitFor: (pattern) => {
      const seen = lines.find((line) => pattern.test(line));
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        waiters.push({ pattern, resolve });
        closed.then(() => reject(new Error(`evsim ended:\n${lines.join("\n")}`)));
      });
    },
  };
}

/** The metric values of a Prometheus text page, summed over labels. */
function metrics(text: string): Map<string, number> {
  const values = new Map<string, number>();
  for (const line of text.split("\n")) {
    const match = /^(\w+)(?:\{[^}]*\})? (\S+)$/.exec(line);
    if (match) values.set(match[1], (values.get(match[1]) ?? 0) + Number(match[2]));
  }
  return values;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const n0 = (x: number) => Math.round(x).toLocaleString("en-US");
const mb = (kb: number) => (kb / 1024).toFixed(1);

async function sample(pid: number): Promise<ProcSample> {
  const s = await sampleProc(pid);
  if (!s) throw new Error(`evsim (pid ${pid}) has ended`);
  return s;
}

/** Runs the benchmark with the command-line options in the module comment. */
async function main(): Promise<void> {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      "warm-up": { type: "string", default: "1d" },
      settle: { type: "string", default: "30" },
      window: { type: "string", default: "300" },
      sample: { type: "string", default: "30" },
      "per-hundred-thousand": { type: "string", default: "200" },
      at: { type: "string" },
    },
  });
  const settle = Number(values.settle);
  const window = Number(values.window);
  const every = Number(values.sample);

  const dir = await Deno.makeTempDir({ prefix: "evsim-realtime-bench-" });
  const running: Running[] = [];
  try {
    await writeNationalConfig(dir, Number(values["per-hundred-thousand"]));
    const pace = values.at === undefined ? ["--realtime"] : ["--speed", "1", "--from", values.at];
    const args = ["-c", "config.json", ...pace, "--warm-up", values["warm-up"], "--verbose"];
    console.log(
      `${navigator.hardwareConcurrency} cores · Deno ${Deno.version.deno} · load before: ` +
        await loadAverage(),
    );
    console.log(
      `measured: deno run ${SIM_FLAGS.join(" ")} main.ts ${args.join(" ")} > /dev/null`,
    );
    console.log(`twin:     the same with --metrics-port 0, scraped once a minute`);

    const spawned = performance.now();
    const measured = start(args, dir);
    const twin = start([...args, "--metrics-port", "0"], dir);
    running.push(measured, twin);
    const chargers = await measured.waitFor(/Plugins .* (\d+) chargers/);
    console.log(`network: ${/(\d+) chargers/.exec(chargers)![1]} chargers`);
    const [, twinStarted] = await Promise.all(
      [measured, twin].map((r) => r.waitFor(/Simulating (realtime|accelerated)/)),
    );
    // Where the twin's simulated clock stood when it started following the wall clock.
    const simulatedAt = Date.parse(/ from (\S+Z)/.exec(twinStarted)![1]);
    const wallAt = Date.now();
    const warm = (performance.now() - spawned) / 1000;
    const warmSample = await sample(measured.child.pid);
    console.log(
      `warm-up (${values["warm-up"]} simulated, both processes at once) done in ${
        warm.toFixed(1)
      } s; VmHWM after it ${mb(warmSample.hwmKb)} MB`,
    );
    const metricsUrl = /listening on (http\S+)/.exec(await twin.waitFor(/Metrics server/))![1];

    console.log(`settling for ${settle} s, then measuring ${window} s`);
    await sleep(settle * 1000);

    console.log("\nseconds\tCPU % (measured)\tRSS MB\tCPU % (twin)\tevents/s (twin)\tlag s (twin)");
    let scrapeAt = 0;
    let lastScrape: { at: number; events: number } | undefined;
    const first = { at: performance.now(), m: await sample(measured.child.pid) };
    const firstTwin = await sample(twin.child.pid);
    let prev = { at: first.at, m: first.m, t: firstTwin };
    let peakRss = first.m.rssKb;
    let minRss = first.m.rssKb;
    const lags: number[] = [];
    while (performance.now() - first.at < window * 1000) {
      await sleep(every * 1000);
      const at = performance.now();
      const m = await sample(measured.child.pid);
      const t = await sample(twin.child.pid);
      const seconds = (at - prev.at) / 1000;
      peakRss = Math.max(peakRss, m.rssKb);
      minRss = Math.min(minRss, m.rssKb);
      let rate = "";
      let lag = "";
      if (at - scrapeAt >= 60_000) {
        scrapeAt = at;
        const page = metrics(await (await fetch(metricsUrl)).text());
        const events = page.get("evsim_events_total") ?? 0;
        // Realtime follows the wall clock itself (its start was planned before the warm-up).
        const simulatedNow = values.at === undefined
          ? Date.now()
          : simulatedAt + (Date.now() - wallAt);
        const behind = simulatedNow / 1000 - (page.get("evsim_simulated_time_seconds") ?? 0);
        lags.push(behind);
        lag = behind.toFixed(2);
        if (lastScrape) rate = n0((events - lastScrape.events) / ((at - lastScrape.at) / 1000));
        lastScrape = { at, events };
      }
      console.log(
        `${((at - first.at) / 1000).toFixed(0)}\t` +
          `${(100 * (m.cpuSeconds - prev.m.cpuSeconds) / seconds).toFixed(2)}\t` +
          `${mb(m.rssKb)}\t${(100 * (t.cpuSeconds - prev.t.cpuSeconds) / seconds).toFixed(2)}\t` +
          `${rate}\t${lag}`,
      );
      prev = { at, m, t };
    }
    const seconds = (prev.at - first.at) / 1000;
    const cpu = 100 * (prev.m.cpuSeconds - first.m.cpuSeconds) / seconds;
    const twinCpu = 100 * (prev.t.cpuSeconds - firstTwin.cpuSeconds) / seconds;

    for (const r of running) r.child.kill("SIGTERM");
    await Promise.all(running.map((r) => r.child.status));
    await Promise.all(running.map((r) => r.closed));
    const summary = measured.lines.find((line) => /^ {2}events [\d,]+/.test(line)) ?? "";
    console.log(`\nload after: ${await loadAverage()}`);
    console.log(
      `steady state over ${seconds.toFixed(0)} s: CPU ${cpu.toFixed(2)} % of one core ` +
        `(target < 10 %; the twin with metrics ${twinCpu.toFixed(2)} %), ` +
        `RSS ${mb(minRss)}–${mb(peakRss)} MB, VmHWM ${mb(prev.m.hwmKb)} MB ` +
        `(the warm-up's peak included)`,
    );
    if (lags.length > 0) {
      console.log(
        `pace: the twin's latest event was ${Math.min(...lags).toFixed(2)}–${
          Math.max(...lags).toFixed(2)
        } s behind ${
          values.at === undefined
            ? "the wall clock"
            : "its simulated clock (--at + wall time elapsed)"
        } at the scrapes`,
      );
    }
    console.log(`measured process, from warm-up end to stop:${summary.replace(/^ +/, " ")}`);
  } finally {
    for (const r of running) {
      try {
        r.child.kill("SIGKILL");
      } catch {
        // Already gone.
      }
    }
    await Deno.remove(dir, { recursive: true });
  }
}

// Only as a script: `deno bench` loads every *_bench.ts file as well.
if (import.meta.main) await main();
