/**
 * The command line's common path against a fair ceiling, in one run:
 *
 * - **CLI**: `evsim --from 2026-01-05 --duration D [--region R] > /dev/null`,
 *   its own process as a user runs it; events/s are the events it reports
 *   over its wall time, from spawning it to its exit (start-up, the silent
 *   warm-up and the last write included).
 * - **Ceiling**: the same kind of events, parsed beforehand (the first
 *   `--sample` lines of the same command's output), through the NDJSON sink
 *   that a run writes stdout with (`JSON.stringify`, its encoding and its
 *   writes) into /dev/null, 1,000 events at a time, in this process, as many
 *   events as the CLI wrote (the sample over again).
 *
 * Rounds alternate between the two; it prints each round and the medians,
 * and the CLI's share of the ceiling. With `--memory DAYS,...` it instead
 * runs the CLI once per simulated span and reports the peak resident set of
 * each (`/proc/PID/status` VmHWM, sampled every 200 ms): memory flat in
 * simulated duration, through the command line.
 *
 *     deno run --allow-read --allow-write --allow-env --allow-run tests/cli_bench.ts \
 *       [--duration 1d] [--region top50] [--warm-up 7d] [--rounds 3] [--sample 200000] \
 *       [--memory 1d,10d,30d] [--workers N|auto]
 */
// deno-lint-ignore-file no-console
import { parseArgs } from "node:util";
import type { SimEvent } from "../core/event.ts";
import { getNdjsonSink } from "../sinks/ndjson.ts";
import { evsimCommand } from "./_evsim.ts";
import { sampleProc } from "./_proc.ts";

const { values } = parseArgs({
  options: {
    duration: { type: "string", default: "1d" },
    region: { type: "string", default: "top50" },
    "warm-up": { type: "string", default: "7d" },
    rounds: { type: "string", default: "3" },
    sample: { type: "string", default: "200000" },
    memory: { type: "string" },
    workers: { type: "string" },
  },
});

const CHUNK = 1000;
const cwd = Deno.makeTempDirSync({ prefix: "evsim-cli-bench-" });

/** The run's arguments for `duration`. */
const runArgs = (duration: string) => [
  "--from",
  "2026-01-05",
  "--duration",
  duration,
  "--warm-up",
  values["warm-up"],
  "--region",
  values.region,
  "--seed",
  "1",
  ...(values.workers ? ["--workers", values.workers] : []),
];

/** The CLI into /dev/null: its events, wall seconds and peak resident set (MB). */
async function cli(duration: string): Promise<{ events: number; seconds: number; peakMb: number }> {
  const started = performance.now();
  // As a user runs it: stdout to /dev/null.
  const child = evsimCommand(runArgs(duration), cwd, {}, "null").spawn();
  let peakKb = 0;
  const sampler = (async () => {
    for (;;) {
      const s = await sampleProc(child.pid);
      if (!s) return;
      peakKb = Math.max(peakKb, s.hwmKb);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  })();
  const { code, stderr } = await child.output();
  const seconds = (performance.now() - started) / 1000;
  await sampler;
  const log = new TextDecoder().decode(stderr);
  if (code !== 0) throw new Error(`evsim exited with ${code}:\n${log}`);
  const events = Number(/events ([\d,]+)/.exec(log)?.[1].replaceAll(",", ""));
  if (!Number.isFinite(events)) throw new Error(`no event count in:\n${log}`);
  return { events, seconds, peakMb: peakKb / 1024 };
}

/** The first `n` events of the run's output, parsed. */
async function sample(n: number): Promise<SimEvent[]> {
  const child = evsimCommand(runArgs("30d"), cwd).spawn();
  const events: SimEvent[] = [];
  let rest = "";
  const decoder = new TextDecoder();
  for await (const chunk of child.stdout) {
    const lines = (rest + decoder.decode(chunk, { stream: true })).split("\n");
    rest = lines.pop()!;
    for (const line of lines) {
      if (events.length < n) events.push(JSON.parse(line));
    }
    if (events.length >= n) break;
  }
  try {
    child.kill("SIGKILL");
  } catch {
    // already gone
  }
  await child.status;
  await child.stderr.cancel();
  return events;
}

/** The ceiling: `events` through the NDJSON sink into /dev/null; events/s. */
async function ceiling(events: readonly SimEvent[], total: number): Promise<number> {
  const file = await Deno.open("/dev/null", { write: true });
  const sink = getNdjsonSink(file);
  const started = performance.now();
  let done = 0;
  while (done < total) {
    for (let i = 0; i < CHUNK && done < total; i++, done++) {
      const waited = sink(events[done % events.length]);
      if (waited) await waited;
    }
  }
  await sink.flush();
  const rate = total / ((performance.now() - started) / 1000);
  await sink[Symbol.asyncDispose]();
  file.close();
  return rate;
}

const median = (xs: number[]) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const n0 = (x: number) => Math.round(x).toLocaleString("en-US");

console.log(
  `${navigator.hardwareConcurrency} cores · Deno ${Deno.version.deno} · --region ${values.region}, ` +
    `--warm-up ${values["warm-up"]}, seed 1, from 2026-01-05`,
);
try {
  if (values.memory) {
    console.log("span\tevents\tseconds\tevents/s\tpeak RSS MB");
    for (const span of values.memory.split(",")) {
      const r = await cli(span);
      console.log(
        `${span}\t${n0(r.events)}\t${r.seconds.toFixed(1)}\t${n0(r.events / r.seconds)}\t${
          r.peakMb.toFixed(0)
        }`,
      );
    }
  } else {
    const events = await sample(Number(values.sample));
    console.log(`ceiling sample: the first ${n0(events.length)} events, parsed`);
    console.log("round\tCLI events\tCLI s\tCLI events/s\tceiling events/s\tshare");
    const shares: number[] = [];
    const rates: number[] = [];
    const ceilings: number[] = [];
    for (let round = 1; round <= Number(values.rounds); round++) {
      const run = await cli(values.duration);
      const rate = run.events / run.seconds;
      const top = await ceiling(events, run.events);
      rates.push(rate);
      ceilings.push(top);
      shares.push(rate / top);
      console.log(
        `${round}\t${n0(run.events)}\t${run.seconds.toFixed(1)}\t${n0(rate)}\t${n0(top)}\t${
          (rate / top * 100).toFixed(1)
        } %`,
      );
    }
    console.log(
      `median\t\t\t${n0(median(rates))}\t${n0(median(ceilings))}\t${
        (median(shares) * 100).toFixed(1)
      } %`,
    );
  }
} finally {
  Deno.removeSync(cwd, { recursive: true });
}
