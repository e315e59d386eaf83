/**
 * A national backfill split into shards: about 100,000 chargers (the 50
 * embedded cities at 200 chargers per 100,000 residents, made by the
 * `population_chargers` plugin from a config) simulated by `n` real evsim
 * processes at once (`--shard i/n`, run like `deno task sim`), NDJSON to
 * /dev/null. For each `n` it prints every shard's events/s and peak memory,
 * the total events/s and the wall time; then the simulated year's projected
 * wall time on this machine and on a cluster with one shard per core. Part of
 * `deno task bench`.
 *
 *     deno run --allow-read --allow-write --allow-env --allow-run tests/shard_bench.ts \
 *       [--days 7] [--shards 1,2,4] [--update-interval 3600] [--per-hundred-thousand 200]
 *
 * A year at the default 60-second update interval is billions of events, so
 * the default is hourly updates over one simulated week, projected to the year
 * (the model has a weekly cycle and no seasons); `--days 365` runs the year.
 */
// deno-lint-ignore-file no-console
import { parseArgs } from "node:util";
import { evsimCommand, SIM_FLAGS } from "./_evsim.ts";
import { loadAverage, type ProcSample, sampleProc, writeNationalConfig } from "./_proc.ts";

interface ShardRun {
  events: number;
  chargers: number;
  /** Seconds from spawn to exit. */
  wall: number;
  /** Seconds of the simulation itself, from evsim's summary. */
  run: number;
  /** CPU seconds, all threads (sampled at most half a second before the exit). */
  cpu: number;
  /** Peak resident set in MB (VmHWM). */
  peakMb: number;
}

async function runShard(args: string[], cwd: string): Promise<ShardRun> {
  const started = performance.now();
  const child = evsimCommand(args, cwd, {}, "null").spawn();
  let last: ProcSample | undefined;
  let peakKb = 0;
  let polling = false;
  const poll = setInterval(async () => {
    if (polling) return;
    polling = true;
    last = await sampleProc(child.pid) ?? last;
    // An exited process not yet reaped still has its CPU times, but no memory.
    peakKb = Math.max(peakKb, last?.hwmKb ?? 0);
    polling = false;
  }, 500);
  const { code, stderr } = await child.output();
  const wall = (performance.now() - started) / 1000;
  clearInterval(poll);
  const text = new TextDecoder().decode(stderr);
  if (code !== 0) throw new Error(`evsim ${args.join(" ")} exited ${code}:\n${text}`);
  const number = (pattern: RegExp) => Number(pattern.exec(text)?.[1].replaceAll(",", ""));
  return {
    events: number(/events ([\d,]+)/),
    chargers: number(/Shard \d+\/\d+: ([\d,]+) of/),
    run: number(/ in ([\d.]+) s/),
    wall,
    cpu: last?.cpuSeconds ?? NaN,
    peakMb: peakKb / 1024,
  };
}

const n0 = (x: number) => Math.round(x).toLocaleString("en-US");
const n1 = (x: number) => x.toFixed(1);
const duration = (seconds: number) =>
  seconds >= 3600
    ? `${(seconds / 3600).toFixed(1)} h`
    : seconds >= 60
    ? `${(seconds / 60).toFixed(1)} min`
    : `${seconds.toFixed(1)} s`;

/** Runs the benchmark with the command-line options in the module comment. */
async function main(): Promise<void> {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      days: { type: "string", default: "7" },
      shards: { type: "string", default: "1,2,4" },
      "update-interval": { type: "string", default: "3600" },
      "per-hundred-thousand": { type: "string", default: "200" },
    },
  });
  const days = Number(values.days);
  const shardCounts = values.shards.split(",").map(Number);
  const updateInterval = values["update-interval"];
  const YEAR_DAYS = 365;

  const dir = await Deno.makeTempDir({ prefix: "evsim-shard-bench-" });
  try {
    await writeNationalConfig(dir, Number(values["per-hundred-thousand"]));
    const base = [
      "-c",
      "config.json",
      "--seed",
      "1",
      "--from",
      "2026-01-05",
      "--duration",
      `${days}d`,
      "--update-interval",
      updateInterval,
      "--verbose",
    ];
    console.log(
      `${navigator.hardwareConcurrency} cores · Deno ${Deno.version.deno} · ${days} simulated days ` +
        `from 2026-01-05, updates every ${updateInterval} s, seed 1 · load before: ` +
        await loadAverage(),
    );
    console.log(
      `each shard: deno run ${SIM_FLAGS.join(" ")} main.ts ${base.join(" ")} ` +
        `--shard I/N > /dev/null`,
    );
    console.log("");
    console.log(
      "n\tshard\tchargers\tevents\twall s\trun s\tCPU s\tevents/s (run)\tpeak RSS MB",
    );

    let single: ShardRun | undefined;
    let totalEvents = 0;
    let chargers = 0;
    const totals: { n: number; events: number; wall: number; year: number }[] = [];
    for (const n of shardCounts) {
      const runs = await Promise.all(
        Array.from({ length: n }, (_, i) => runShard([...base, "--shard", `${i}/${n}`], dir)),
      );
      runs.forEach((r, i) => {
        console.log(
          `${n}\t${i}/${n}\t${n0(r.chargers)}\t${n0(r.events)}\t${n1(r.wall)}\t${n1(r.run)}\t` +
            `${n1(r.cpu)}\t` +
            `${n0(r.events / r.run)}\t${n1(r.peakMb)}`,
        );
      });
      const events = runs.reduce((a, r) => a + r.events, 0);
      const wall = Math.max(...runs.map((r) => r.wall));
      // The year: each shard's start-up once, its simulation scaled to 365 days.
      const year = Math.max(...runs.map((r) => r.wall - r.run + r.run * YEAR_DAYS / days));
      totals.push({ n, events, wall, year });
      if (n === 1) single = runs[0];
      totalEvents = events;
      chargers = runs.reduce((a, r) => a + r.chargers, 0);
    }

    console.log("");
    console.log("n\tevents\twall s\ttotal events/s (wall)\tyear on this machine (projected)");
    const yearEvents = totalEvents * YEAR_DAYS / days;
    for (const { n, events, wall, year } of totals) {
      const rate = events / wall;
      console.log(
        `${n}\t${n0(events)}\t${n1(wall)}\t${n0(rate)}\t${duration(year)}`,
      );
    }
    console.log(`load after: ${await loadAverage()}`);
    console.log("");
    console.log(
      `${n0(chargers)} chargers: ${n0(totalEvents)} events in ${days} simulated days, ` +
        `so about ${n0(yearEvents)} in a year.`,
    );
    if (single) {
      const rate = single.events / single.run;
      const startup = single.wall - single.run;
      console.log(
        `One shard per core (from n = 1: ${n0(rate)} events/s per core, ${
          n1(startup)
        } s to start):`,
      );
      for (const cores of [8, 16, 32, 64]) {
        console.log(
          `  ${cores} cores: ${n0(rate * cores)} events/s, the year in ` +
            duration(startup + yearEvents / (rate * cores)),
        );
      }
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

// Only as a script: `deno bench` loads every *_bench.ts file as well.
if (import.meta.main) await main();
