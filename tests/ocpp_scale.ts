/**
 * Charge points held by one evsim process: `evsim --region REGION --speed
 * SPEED --ocpp URL` against `evsim csms`, each its own process, on loopback.
 * Measures how long every station takes to connect and boot, the calls per
 * second the central system receives once they run, and the resident memory
 * per charge point (against the same run without `--ocpp`). Figures are in
 * the README (OCPP). Run with `deno task bench:ocpp [REGION] [SECONDS] [SPEED] [FROM]`.
 *
 * @module
 */
// deno-lint-ignore-file no-console
import { startCsmsProcess } from "./_csms_process.ts";
import { evsimCommand } from "./_evsim.ts";

const region = Deno.args[0] ?? "CA";
const seconds = Number(Deno.args[1] ?? 120);
const speed = Deno.args[2] ?? "60";
/** Simulated start: 9 am in California, so that the run sees the day's traffic. */
const from = Deno.args[3] ?? "2026-01-05T17:00:00Z";
const cwd = await Deno.makeTempDir({ prefix: "evsim-ocpp-scale-" });
await Deno.writeTextFile(`${cwd}/config.json`, JSON.stringify({ log: { file: null } }));

/** The resident set of process `pid`, MB (from `ps`: Deno reads /proc only with --allow-all). */
async function memory(pid: number): Promise<number> {
  const { stdout } = await new Deno.Command("ps", { args: ["-o", "rss=", "-p", String(pid)] })
    .output();
  return Number(new TextDecoder().decode(stdout).trim() || 0) / 1024;
}

/** Runs evsim for `seconds` of wall time (then SIGINT); its stderr and memory at the end. */
async function runFor(args: string[]) {
  const child = evsimCommand(["-c", "config.json", ...args], cwd).spawn();
  const stderr = new Response(child.stderr).text();
  // The events go to stdout, read and dropped here.
  child.stdout.pipeTo(new WritableStream()).catch(() => {});
  let rss = 0;
  let peak = 0;
  const until = Date.now() + seconds * 1000;
  let ended = false;
  const status = child.status.then((s) => (ended = true, s));
  while (Date.now() < until && !ended) {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const now = await memory(child.pid);
    if (now > 0) rss = now;
    peak = Math.max(peak, now);
  }
  if (ended) throw new Error(`evsim ended early (${(await status).code}):\n${await stderr}`);
  child.kill("SIGINT");
  await status;
  return { stderr: await stderr, rss, peak };
}

const base = ["--region", region, "--speed", speed, "--from", from];
const csms = await startCsmsProcess(cwd);
const url = csms.url;

const withOcpp = await runFor([...base, "--ocpp", url, "-v"]);
const { summary } = await csms.stop();
const alone = await runFor(base);
await Deno.remove(cwd, { recursive: true });

const booted = /(\d[\d,]*) of (\d[\d,]*) charge points booted in (\d+) ms/.exec(withOcpp.stderr);
const n = Number(booted?.[2].replaceAll(",", "") ?? summary.chargePoints.length);
const calls = Object.values(summary.calls).reduce((a, b) => a + b, 0);
const boots = summary.calls.BootNotification ?? 0;
const statuses = summary.calls.StatusNotification ?? 0;
console.log(
  `region ${region}: ${n.toLocaleString("en-US")} charge points, ${seconds} s at --speed ${speed}`,
);
console.log(
  `  booted at the start: ${booted?.[1] ?? "?"} of ${booted?.[2] ?? "?"} in ${
    booted?.[3] ?? "?"
  } ms`,
);
console.log(
  `  central system: ${
    calls.toLocaleString("en-US")
  } calls (${boots} boots, ${statuses} status reports), ${summary.violations.length} violations`,
);
const transactional = calls - boots - statuses - (summary.calls.Heartbeat ?? 0);
console.log(
  `  calls/s over the run: ${
    Math.round(calls / seconds).toLocaleString("en-US")
  }; transaction messages (Authorize, transactions, meter values) ${
    transactional.toLocaleString("en-US")
  }, ${Math.round(transactional / seconds)}/s`,
);
console.log(
  `  evsim resident set: ${withOcpp.rss.toFixed(0)} MB with --ocpp (peak ${
    withOcpp.peak.toFixed(0)
  }), ${alone.rss.toFixed(0)} MB without (peak ${alone.peak.toFixed(0)})`,
);
console.log(`  per charge point: ${((withOcpp.rss - alone.rss) * 1024 / n).toFixed(1)} kB`);
