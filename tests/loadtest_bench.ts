/**
 * The largest ramp one evsim process sustains in a load test: `evsim
 * loadtest` against `evsim csms`, each its own process on loopback, ramping
 * to more and more charge points, until evsim's own event-loop delay (the
 * latency it adds to every figure it measures) passes 5 ms at the 99th
 * percentile. Figures are in the README (Load-testing a central system).
 * Run with `deno task bench:loadtest [REGION] [SIZES] [RAMP_S] [STEADY_S] [SPEED]`,
 * SIZES comma-separated.
 *
 * @module
 */
// deno-lint-ignore-file no-console
import { startCsmsProcess } from "./_csms_process.ts";
import { evsimCommand } from "./_evsim.ts";

const region = Deno.args[0] ?? "CA";
const sizes = (Deno.args[1] ?? "1000,2500,5000,10000,13905").split(",").map(Number);
const rampSeconds = Number(Deno.args[2] ?? 30);
const steadySeconds = Number(Deno.args[3] ?? 30);
const speed = Number(Deno.args[4] ?? 60);
/** evsim's own event-loop delay it may add, p99, ms. */
const TARGET_MS = 5;

const cwd = await Deno.makeTempDir({ prefix: "evsim-loadtest-bench-" });
await Deno.writeTextFile(`${cwd}/config.json`, JSON.stringify({ log: { file: null } }));
const csms = await startCsmsProcess(cwd);
const url = csms.url;

interface Report {
  durationMs: number;
  actions: { action: string; calls: number; latencyMs: { p50: number; p99: number } }[];
  connections: { joined: number; booted: number; bootMs: { p99: number } };
  eventLoopDelay: { latencyMs: { p50: number; p99: number; max: number } };
  phases: {
    kind: string;
    eventLoopDelayMs: { p99: number };
    actions: { calls: number; latencyMs: { p99: number } }[];
  }[];
}

console.log(
  `region ${region}, ramp over ${rampSeconds} s then ${steadySeconds} s steady at --speed ${speed}`,
);
console.log(
  "charge points | booted | calls | calls/s steady | call p99 ms | evsim delay p50 / p99 / max ms",
);
let sustained = 0;
for (const n of sizes) {
  await Deno.writeTextFile(
    `${cwd}/scenario.json`,
    JSON.stringify({
      ocpp: { url, version: "2.0.1" },
      region,
      from: "2026-01-05T17:00:00Z", // 9 am in California
      speed,
      phases: [
        { ramp: { from: 0, to: n, over: `${rampSeconds}s` } },
        { steady: { for: `${steadySeconds}s` } },
      ],
    }),
  );
  const out = await evsimCommand(["-c", "config.json", "loadtest", "scenario.json", "--json"], cwd)
    .output();
  if (out.code !== 0) {
    throw new Error(`evsim loadtest failed:\n${new TextDecoder().decode(out.stderr)}`);
  }
  const r = JSON.parse(new TextDecoder().decode(out.stdout)) as Report;
  const calls = r.actions.reduce((s, a) => s + a.calls, 0);
  const steadyCalls = r.phases[1].actions.reduce((s, a) => s + a.calls, 0);
  const p99 = Math.max(...r.actions.map((a) => a.latencyMs.p99));
  const lag = r.eventLoopDelay.latencyMs;
  console.log(
    `${n} | ${r.connections.booted} | ${calls} | ${Math.round(steadyCalls / steadySeconds)} | ${
      p99.toFixed(1)
    } | ${lag.p50.toFixed(2)} / ${lag.p99.toFixed(2)} / ${lag.max.toFixed(1)} (p99 ${
      r.phases.map((p) => `${p.kind} ${p.eventLoopDelayMs.p99.toFixed(1)}`).join(", ")
    })`,
  );
  if (lag.p99 >= TARGET_MS || r.connections.booted < n) break;
  sustained = n;
}
console.log(
  `largest ramp sustained with evsim's own delay under ${TARGET_MS} ms at p99: ${sustained}`,
);
await csms.stop();
await Deno.remove(cwd, { recursive: true });
