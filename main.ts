// The command line is the one place that may use the console.
// deno-lint-ignore-file no-console
/**
 * The `evsim` command line, and the only module that reads the arguments,
 * touches the console or sets the exit code. It parses the arguments once
 * (`cli/options.ts`), checks Deno's permissions before anything runs
 * (`cli/permissions.ts`), calls the library (`app/`), and prints what that
 * returns. Help texts are in `cli/usage.ts`.
 *
 * @module
 */
import { disposeSync, getLogger, reset } from "@logtape/logtape";
import {
  builtInSinks,
  checkHtmlOutput,
  collectStats,
  csmsReport,
  csmsSummary,
  csmsTls,
  type DeliveryCounts,
  jsonSchema,
  loadTest,
  logReport,
  mergeReportFiles,
  ocppSettings,
  ocppUndelivered,
  openInputFile,
  prepareRun,
  readScenario,
  replayEvents,
  replayReport,
  type Report,
  runPrepared,
  runReport,
  serveCsmsControl,
  validateConfig,
  writeLoadReportHtml,
  writeStarterFiles,
  writeStatsHtml,
} from "./app/mod.ts";
import { setUpLogging } from "./cli/logging.ts";
import * as cli from "./cli/options.ts";
import * as permissions from "./cli/permissions.ts";
import { commandUsage, usage } from "./cli/usage.ts";
import { AddressInUseError, ConfigError, ProblemsError, UsageError } from "./core/errors.ts";
import { loadConfig } from "./core/load.ts";
import { formatProgress } from "./core/summary.ts";
import type { ResolvedSink } from "./sinks/registry.ts";
import { serveEcho } from "./sinks/server.ts";
import { formatLoadReport } from "./loadtest/report.ts";
import type { LoadReport } from "./loadtest/run.ts";
import { formatStatsText } from "./stats/text.ts";
import denoJson from "./deno.json" with { type: "json" };

const logger = getLogger(["evsim"]);
const encoder = new TextEncoder();
const count = (n: number) => Math.round(n).toLocaleString("en-US");
const authorizeSinks = (sinks: readonly ResolvedSink[]) =>
  permissions.requirePermissions(permissions.sinkNeeds(sinks));

/** Prints a summary on stderr: `evsim: HEADLINE`, then its lines indented. */
function print({ headline, lines }: Report): void {
  console.error([`evsim: ${headline}`, ...lines.map((l) => `  ${l}`)].join("\n"));
}

/** Writes a status line on stderr over the previous one (`""` clears it). */
function status(text: string): void {
  Deno.stderr.writeSync(encoder.encode(`\r\x1b[K${text}`));
}

/**
 * How long after a Ctrl-C or SIGTERM another one is a copy of it. A terminal's
 * Ctrl-C signals every process of the job at once, and `deno task` and npm
 * also pass on what they get to their child, so one Ctrl-C reaches evsim up to
 * three times, milliseconds apart.
 */
const SAME_SIGNAL_MS = 1000;

/**
 * Runs `fn` with a signal that the first Ctrl-C or SIGTERM aborts. Signals in
 * the next second are copies of that one and change nothing; one after that
 * exits at once. The listeners stay until the process exits: without them a
 * late copy would end evsim before the summary and the log are written.
 */
function untilSignalled<T>(fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  let copies = true;
  const stop = () => {
    if (!controller.signal.aborted) {
      controller.abort();
      // The window closes one turn of the event loop after its second is up,
      // so a copy that came while evsim was busy is still seen as a copy.
      Deno.unrefTimer(setTimeout(() => {
        Deno.unrefTimer(setTimeout(() => (copies = false)));
      }, SAME_SIGNAL_MS));
      return;
    }
    if (copies) return;
    console.error("evsim: stopped at once; events the sinks still held are not accounted for");
    try {
      disposeSync(); // the log file keeps what was logged
    } finally {
      Deno.exit(130);
    }
  };
  Deno.addSignalListener("SIGINT", stop);
  Deno.addSignalListener("SIGTERM", stop);
  return fn(controller.signal);
}

/**
 * What the sinks did, as an exit code: 1 if events were lost (a dead-letter
 * file could not be written; said on stderr), 3 if events were dead-lettered
 * or dropped, else 0.
 */
function deliveryCode({ lost, undelivered }: DeliveryCounts): number {
  if (lost > 0) {
    console.error(
      `evsim: ${lost} event(s) were LOST: neither delivered nor dead-lettered, because the ` +
        "dead-letter file could not be written (see the log for why)",
    );
    return 1;
  }
  return undelivered > 0 ? 3 : 0;
}

/** A `listen` error of a busy port as one line naming the flag: `--port 8787: address already in use`. */
function busyPort(flag: string, port: number | undefined): (error: unknown) => never {
  return (error) => {
    if (!(error instanceof AddressInUseError)) throw error;
    throw new ConfigError(`${flag} ${port}: address already in use`, { cause: error });
  };
}

async function run(o: cli.RunFlags): Promise<number> {
  const config = await loadConfig(Deno.readTextFile, o.config);
  const plan = cli.planFromFlags(config, o.overrides, Date.now());
  const { state, metrics } = o.run;
  permissions.requirePermissions([
    ...permissions.inputNeeds(config, o.run),
    ...permissions.runNeeds(config, {
      sinks: builtInSinks(config, o.run),
      state: state?.path,
      metrics: metrics && { host: metrics.hostname, port: metrics.port },
      ocpp: ocppSettings(config, o.run.ocpp),
      configFile: o.config,
    }),
  ]);
  await setUpLogging(config.log, { verbose: o.verbose, where: o.config });
  const prepared = await prepareRun(config, plan, { ...o.run, authorizeSinks });
  // On a terminal, a backfill shows how far it got.
  const progress = prepared.plan.mode === "backfill" && Deno.stderr.isTerminal();
  const resumed = prepared.state?.resume;
  const span = {
    start: prepared.plan.start,
    end: prepared.plan.end,
    resumedAt: resumed && { simTime: resumed.now, events: resumed.stats.events ?? 0 },
  };
  const result = await untilSignalled((signal) =>
    runPrepared(prepared, {
      signal,
      onProgress: progress ? (p) => status(formatProgress(p, span)) : undefined,
      onEnd: progress ? () => status("") : undefined,
    })
  ).catch(busyPort("--metrics-port", metrics?.port));
  if (result.end === "closed") return 0; // the reader went away (`evsim | head`): quietly
  print(runReport(result));
  const code = deliveryCode(result.delivery);
  return code === 0 && result.ocpp && ocppUndelivered(result.ocpp) > 0 ? 3 : code;
}

async function replay(file: string, o: cli.ReplayFlags): Promise<number> {
  const config = await loadConfig(Deno.readTextFile, o.config);
  permissions.requirePermissions([
    ...permissions.inputNeeds(config, o.replay),
    ...permissions.replayNeeds(config, { file, sinks: builtInSinks(config, o.replay) }),
  ]);
  await setUpLogging(config.log, { verbose: o.verbose, where: o.config });
  const input = await openInputFile(file);
  const result = await untilSignalled((signal) =>
    replayEvents(config, input, { ...o.replay, signal, authorizeSinks })
  );
  print(replayReport(result));
  const code = deliveryCode(result.delivery);
  return code === 0 && result.badLines > 0 ? 1 : code;
}

async function serve(o: cli.ServeFlags): Promise<number> {
  const config = await loadConfig(Deno.readTextFile, o.config);
  permissions.requirePermissions(permissions.serveNeeds(config, { host: o.host, port: o.port }));
  await setUpLogging(config.log, { verbose: o.verbose, where: o.config });
  let token = o.token;
  try {
    token ??= Deno.env.get("EVSIM_SERVE_TOKEN") || undefined;
  } catch {
    // EVSIM_SERVE_TOKEN not granted: no token from the environment
  }
  const stats = await untilSignalled(async (signal) => {
    const server = await serveEcho({ port: o.port, hostname: o.host, token })
      .catch(busyPort("--port", o.port));
    console.error(`evsim: echo server listening on ${server.url} (Ctrl-C to stop)`);
    console.error(`evsim: live page at ${server.url}/`);
    await new Promise((resolve) => signal.addEventListener("abort", resolve));
    await server[Symbol.asyncDispose]();
    return server.store.stats();
  });
  const report = { headline: "echo server stopped", lines: [JSON.stringify(stats)] };
  logReport(report);
  print(report);
  return 0;
}

/** `evsim loadtest FILE`: runs the scenario, then prints its report (`--json`: all of it). */
async function loadtest(file: string, o: cli.LoadtestFlags): Promise<number> {
  const config = await loadConfig(Deno.readTextFile, o.config);
  const scenario = await readScenario(file);
  const port = o["metrics-port"];
  const metrics = port === undefined ? undefined : { host: o.host, port };
  permissions.requirePermissions(
    permissions.loadtestNeeds(config, scenario, {
      configFile: o.config,
      scenarioFile: file,
      metrics,
      html: o.html,
    }),
  );
  if (o.html !== undefined) await checkHtmlOutput(o.html);
  await setUpLogging(config.log, { verbose: o.verbose, where: o.config });
  const report = await untilSignalled((signal) =>
    loadTest(config, scenario, {
      configFile: o.config,
      scenarioFile: file,
      shard: o.shard,
      metrics: metrics && {
        port: metrics.port,
        hostname: metrics.host,
        onListen: (url) => console.error(`evsim: metrics at ${url}`),
      },
      signal,
      onPhase: (i, kind) =>
        console.error(`evsim: phase ${i + 1} of ${scenario.phases.length}: ${kind}`),
    }).catch(busyPort("--metrics-port", metrics?.port))
  );
  return await printLoadReport(report, o);
}

/** A load test's report: lines, or `--json`; and the `--html` page. */
async function printLoadReport(report: LoadReport, o: cli.LoadtestFlags): Promise<number> {
  if (o.json) console.log(JSON.stringify(report, null, 2));
  else for (const line of formatLoadReport(report)) console.log(line);
  if (o.html !== undefined) {
    await writeLoadReportHtml(report, o.html);
    console.error(`evsim: wrote ${o.html}`);
  }
  return 0;
}

/** `evsim loadtest merge REPORT...`: the report of the whole test from those of its shards. */
async function loadtestMerge(files: string[], o: cli.LoadtestFlags): Promise<number> {
  if (o.html !== undefined) {
    permissions.requirePermissions([permissions.writeNeed(o.html, "--html")]);
    await checkHtmlOutput(o.html);
  }
  return await printLoadReport(await mergeReportFiles(files), o);
}

/** `evsim csms`: a test central system until Ctrl-C; exit 1 if anything broke a schema or a rule. */
async function csms(o: cli.CsmsFlags): Promise<number> {
  const config = await loadConfig(Deno.readTextFile, o.config);
  const controlPort = o["control-port"];
  permissions.requirePermissions(
    permissions.csmsNeeds(config, { ...o, controlPort }),
  );
  await setUpLogging(config.log, { verbose: o.verbose, where: o.config });
  // The OCPP library (ocpp-rpc, ws) loads only for the commands that speak OCPP.
  const { startCsms } = await import("./ocpp/csms.ts");
  const tls = await csmsTls(o);
  const summary = await untilSignalled(async (signal) => {
    const server = await startCsms({ host: o.host, port: o.port, record: false, tls })
      .catch(busyPort("--port", o.port));
    console.error(
      `evsim: central system listening on ${server.url} (OCPP 1.6 and 2.0.1, strict; Ctrl-C to stop)`,
    );
    // The live page places charge points by the identities a run with this config would give.
    const control = controlPort === undefined ? undefined : serveCsmsControl(server, {
      hostname: o.host,
      port: controlPort,
      identity: config.ocpp?.identity,
    });
    if (control) {
      console.error(
        `evsim: control at ${control.url} (GET /summary, POST /call/IDENTITY/ACTION), ` +
          `live page at ${control.url}/`,
      );
    }
    await new Promise((resolve) => signal.addEventListener("abort", resolve));
    await control?.[Symbol.asyncDispose]();
    await server.close();
    return csmsSummary(server);
  });
  if (o.json) console.log(JSON.stringify(summary, null, 2));
  const report = csmsReport(summary);
  logReport(report);
  print(report);
  return summary.violations.length > 0 ? 1 : 0;
}

async function validate(o: cli.ValidateFlags): Promise<number> {
  let inputs;
  try {
    const config = await loadConfig(Deno.readTextFile, o.config);
    const { seed } = cli.planFromFlags(config, o.overrides, Date.now());
    permissions.requirePermissions(permissions.inputNeeds(config, o.validate));
    inputs = await validateConfig(config, { ...o.validate, seed });
  } catch (error) {
    const listed = error instanceof ProblemsError && !permissions.permissionProblems(error);
    if (!listed) throw error;
    for (const problem of error.problems) console.error(`evsim: ${problem}`);
    return 1;
  }
  const { cities, chargers, vehicles } = inputs.network;
  console.log(
    `${o.config ?? "embedded config"}: ok (${cities.length} cities, ${chargers.length} ` +
      `chargers, ${vehicles.length} vehicle models)`,
  );
  return 0;
}

/** `evsim stats`: a report, so calibration failures do not change the exit code. */
async function stats(file: string, o: cli.StatsFlags): Promise<number> {
  permissions.requirePermissions(permissions.statsNeeds(file, o.html));
  const input = await openInputFile(file);
  // Before the input is read: a report that cannot be written fails now, not at the end.
  if (o.html !== undefined) await checkHtmlOutput(o.html);
  // On a terminal, a progress line every 65,536 lines.
  let shown = false;
  const onProgress = (lines: number, ms: number) => {
    shown = true;
    status(`read ${count(lines)} lines · ${count(lines / (ms / 1000))} lines/s`);
  };
  const { report, firstBadLine } = await collectStats(input, {
    charts: o.html !== undefined,
    references: o.reference,
    onProgress: Deno.stderr.isTerminal() ? onProgress : undefined,
  }).finally(() => shown && status(""));
  if (report.events === 0) {
    console.error(
      `evsim: ${input.name}: ${
        report.badLines > 0
          ? `no events, only ${report.badLines} bad line(s) (first, ${firstBadLine})`
          : "no events: the input is empty"
      }`,
    );
    return 1;
  }
  if (o.html !== undefined) {
    await writeStatsHtml(report, o.html, { title: `evsim stats: ${input.name}` });
  }
  console.log(o.json ? JSON.stringify(report, null, 2) : formatStatsText(report));
  if (report.duplicates) {
    console.error(
      `evsim: note: skipped ${report.duplicates} duplicate event(s) (an eventId seen before, as a resumed run repeats them)`,
    );
  }
  if (report.badLines > 0) {
    console.error(
      `evsim: warning: skipped ${report.badLines} line(s) that are not events (first, ${firstBadLine})`,
    );
  }
  for (const warning of report.warnings ?? []) console.error(`evsim: warning: ${warning}`);
  return 0;
}

async function init(dir: string): Promise<number> {
  permissions.requirePermissions(permissions.initNeeds(dir));
  const { written, existing } = await writeStarterFiles(dir);
  if (existing.length > 0) {
    console.error(`evsim: init: not overwriting ${existing.join(", ")}`);
    return 1;
  }
  console.error(
    `evsim: wrote ${written.join(", ")}\n` +
      `  try: evsim validate -c ${dir}/config.json && evsim -c ${dir}/config.json | head`,
  );
  return 0;
}

async function main(args: string[]): Promise<number> {
  const line = cli.parseCommandLine(args);
  switch (line.command) {
    case "help":
      console.log(line.topic ? commandUsage(line.topic) : usage());
      return 0;
    case "version":
      console.log(`evsim ${denoJson.version}`);
      return 0;
    case "run":
      return await run(line.options);
    case "validate":
      return await validate(line.options);
    case "replay":
      return await replay(line.file, line.options);
    case "serve":
      return await serve(line.options);
    case "csms":
      return await csms(line.options);
    case "loadtest":
      return await loadtest(line.file, line.options);
    case "loadtest merge":
      return await loadtestMerge(line.files, line.options);
    case "stats":
      return await stats(line.file, line.options);
    case "init":
      return await init(line.dir);
    case "schema":
      console.log(JSON.stringify(jsonSchema(line.which), null, 2));
      return 0;
  }
}

/** Says what went wrong, without a stack trace unless it is a bug; returns the exit code. */
function failure(error: unknown): number {
  const denied = permissions.permissionProblems(error);
  if (denied) {
    for (const problem of denied) console.error(`evsim: ${problem}`);
    return 2;
  }
  if (error instanceof UsageError) {
    console.error(`evsim: ${(error as Error).message}\n\n${usage()}`);
    return 2;
  }
  if (error instanceof ProblemsError) {
    for (const problem of error.problems) console.error(`evsim: ${problem}`);
    return 2;
  }
  logger.fatal("Run failed: {error}", { error });
  console.error(`evsim: ${error instanceof Error ? error.message : error}`);
  return 1;
}

if (import.meta.main) {
  let code: number;
  try {
    code = await main(Deno.args);
  } catch (error) {
    code = failure(error);
  }
  await reset();
  Deno.exit(code);
}
