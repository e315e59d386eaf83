/**
 * The command line's help: evsim's (`evsim --help`, `evsim help`) and each
 * command's (`evsim stats --help`, `evsim help stats`), made from one table of
 * commands, flags and examples.
 *
 * @module
 */
import denoJson from "../deno.json" with { type: "json" };
import { sinkSpecUsage } from "../sinks/registry.ts";
import { referenceSets } from "../stats/reference.ts";
import type { CommandName, OptionName } from "./options.ts";

/** Where a description continues: under its first line's text (the help indents by two more). */
const INDENT = " ".repeat(29);

/** Each command's line in the help: its synopsis, then what it does. */
const COMMAND_LINES: Record<CommandName, string> = {
  run:
    "evsim [run] [options]        run the simulation; events go to the sinks (stdout by default)",
  replay:
    "evsim replay FILE|- [options] send an NDJSON file of events (or a dead-letter file) again",
  serve: "evsim serve [options]        run the webhook echo server alone",
  csms: `evsim csms [options]         run a strict test OCPP central system (1.6 and 2.0.1) and
${INDENT}report what it received and every violation`,
  loadtest: `evsim loadtest FILE [options]
${INDENT}load-test a central system with the phases of a scenario (ramp,
${INDENT}steady, reconnect storm, offline, outage, chaos, aligned burst); latency per action;
${INDENT}\`evsim loadtest merge REPORT...\` merges the --json reports of its shards`,
  validate:
    "evsim validate [options]     check the config, data files and plugins; print every problem",
  init: "evsim init [DIR]             write a starter config.json and a plugin template",
  schema: `evsim schema event|config|loadtest
${INDENT}the JSON Schema of an event, of config.json or of a load-test scenario`,
  stats:
    "evsim stats [FILE|-] [options] statistics of an NDJSON event stream (stdin by default),\n" +
    `${INDENT}checked against published charging facts`,
  help: "evsim help [COMMAND]         show this help, or the help of COMMAND",
};

/** Each flag's lines in the help, in the order the help lists them. */
const OPTION_LINES: Record<OptionName, string> = {
  config: "-c, --config FILE            config file (default: the embedded configuration)",
  seed: "    --seed N                 seed of every random draw (default 1)",
  from: "    --from DATE              simulated start, e.g. 2026-01-05 or 2026-01-05T08:00:00Z",
  to: "    --to DATE                simulated end (exclusive)",
  duration: "    --duration D             simulated length, e.g. 7d, 12h, 1d12h",
  speed: "    --speed X                accelerated: X simulated seconds per wall second",
  realtime: "    --realtime               follow the wall clock until Ctrl-C (the default)",
  "update-interval":
    "    --update-interval S      simulated seconds between session.updated events (default 60)",
  "warm-up": `    --warm-up D              simulate D before the start without output, so the first
${INDENT}events come from a busy network (default 7d; 0: start idle)`,
  region: `    --region R               the real stations to simulate (repeatable): us, a state code
${INDENT}(CO), a city ("Boulder, CO"), bbox:WEST,SOUTH,EAST,NORTH or
${INDENT}top50; default: the 50 most populous US cities`,
  sink: `    --sink SINK              where events go, instead of the config's sinks (+SINK: in
${INDENT}addition to them); repeatable: ${sinkSpecUsage().replace(", http", `,\n${INDENT}http`)}`,
  plugin: `    --plugin MODULE          load a plugin after the config's (repeatable): a shipped
${INDENT}plugin's name, a path, or an npm: specifier`,
  shard: `    --shard I/N              run slice I (0 … N−1) of N disjoint slices of the chargers;
${INDENT}N machines with the same seed make the whole run together`,
  workers: `    --workers N|auto         backfill to stdout or files: simulate on N threads, each a
${INDENT}slice of the stations, same bytes out (default auto: one per core,
${INDENT}up to 4; 1: one thread)`,
  state: `    --state FILE             run: save the whole simulation to FILE every 30 s and on
${INDENT}exit, and continue from it when started again`,
  "state-interval": "    --state-interval S       seconds of wall time between saves (default 30)",
  "metrics-port":
    `    --metrics-port N         run: serve Prometheus metrics at http://HOST:N/metrics while
${INDENT}the run lasts (0 for any port; the address is logged)`,
  ocpp: `    --ocpp URL               run: every station is also an OCPP charge point of the
${INDENT}central system at URL (ws:// or wss://); realtime or --speed`,
  "ocpp-version": "    --ocpp-version V         run: OCPP 1.6 (the default) or 2.0.1",
  "control-port":
    `    --control-port N         csms: also serve http://HOST:N: the live page at / (in a
${INDENT}browser), GET /summary (what it received), POST /call/IDENTITY/ACTION
${INDENT}(send a call to a charge point)`,
  cert: `    --cert FILE              csms: serve wss:// with this certificate (PEM, its chain after
${INDENT}it); with --key`,
  key: "    --key FILE               csms: the certificate's private key (PEM)",
  port: `    --port N                 serve: port of the echo server (default 8787); csms: of the
${INDENT}central system (default 9000); 0 for any`,
  host: `    --host HOST              serve, csms, and run with --metrics-port: address to bind
${INDENT}(default 127.0.0.1)`,
  token:
    `    --token TOKEN            serve: bearer token clients must send (or set EVSIM_SERVE_TOKEN,
${INDENT}which ps does not show)`,
  json: `    --json                   stats: print the report as JSON instead of tables; csms:
${INDENT}print what it received as JSON when it stops; loadtest: the report`,
  html: `    --html FILE              stats, loadtest: also write the report with charts as an HTML
${INDENT}page`,
  reference: `    --reference REF          stats: the real sessions a site type is compared with:
${INDENT}NAME for NAME's own site type, SITE=NAME for site type
${INDENT}SITE; repeatable, the others keep their default. NAME:
${INDENT}${referenceSets().map((s) => `${s.name} (${s.siteType})`).join(", ")}`,
  verbose: "-v, --verbose                also log to stderr what goes to the log file",
  help: "-h, --help                   show this help",
  version: "-V, --version                show the version",
};

const TIME_FLAGS: OptionName[] = [
  "seed",
  "from",
  "to",
  "duration",
  "speed",
  "realtime",
  "update-interval",
  "warm-up",
];

/** The flags each command's help lists (each command accepts the others, and ignores them). */
const COMMAND_OPTIONS: Record<CommandName, OptionName[]> = {
  run: [
    "config",
    ...TIME_FLAGS,
    "region",
    "sink",
    "plugin",
    "shard",
    "workers",
    "state",
    "state-interval",
    "metrics-port",
    "host",
    "ocpp",
    "ocpp-version",
    "verbose",
    "help",
  ],
  replay: ["config", "sink", "plugin", "verbose", "help"],
  serve: ["config", "port", "host", "token", "verbose", "help"],
  csms: ["config", "port", "host", "cert", "key", "control-port", "json", "verbose", "help"],
  loadtest: ["config", "shard", "metrics-port", "host", "json", "html", "verbose", "help"],
  validate: ["config", ...TIME_FLAGS, "region", "sink", "plugin", "help"],
  init: ["help"],
  schema: ["help"],
  stats: ["json", "html", "reference", "help"],
  help: ["help"],
};

const TIME_MODES =
  `Time modes: --from/--to/--duration without --speed or --realtime run a backfill as
fast as possible and exit; a backfill with no --from starts at 2026-01-05T00:00:00Z.`;

const NETWORK = `Network: every public station of the DOE Alternative Fuels Data Center list
(January 2023), one charger per port; --region picks which (us: 129,776 ports).`;

/** Examples, each with the command whose help shows it; `global` ones are in evsim's help too. */
const EXAMPLES: { command: CommandName; text: string; global?: boolean }[] = [
  {
    command: "run",
    text: `evsim --duration 1d | jq 'select(.type == "session.completed")'`,
    global: true,
  },
  {
    command: "run",
    text: `evsim --region CO --region "Salt Lake City, UT" --speed 600`,
    global: true,
  },
  {
    command: "run",
    text: "evsim --speed 60 --sink http://127.0.0.1:8787/events --sink file:out/sessions.ndjson",
    global: true,
  },
  {
    command: "run",
    text:
      "evsim --speed 60 --sink file:out.ndjson --metrics-port 9464   # curl 127.0.0.1:9464/metrics",
    global: true,
  },
  {
    command: "run",
    text: "evsim --duration 30d --state run.state   # again after a stop: resumes",
  },
  { command: "serve", text: "evsim serve --port 8787", global: true },
  {
    command: "csms",
    text:
      'evsim csms --port 9000 & evsim --region "Boulder, CO" --speed 60 --ocpp ws://127.0.0.1:9000',
    global: true,
  },
  {
    command: "loadtest",
    text: "evsim loadtest scenario.json --json > report.json",
    global: true,
  },
  {
    command: "replay",
    text: "evsim replay evsim-dead-letter.ndjson --sink http://127.0.0.1:8787/events",
    global: true,
  },
  { command: "validate", text: "evsim validate --config config.json", global: true },
  { command: "stats", text: "evsim --duration 7d | evsim stats --html week.html", global: true },
  { command: "stats", text: "evsim stats week.ndjson --reference workplace=boulder", global: true },
  { command: "init", text: "evsim init my-sim && evsim -c my-sim/config.json | head" },
  { command: "schema", text: "evsim schema event > event.schema.json" },
  { command: "help", text: "evsim help stats" },
];

const indent = (lines: readonly string[], by: string) =>
  lines.join("\n").split("\n").map((l) => by + l).join("\n");

/** evsim's help: every command and flag. */
export function usage(): string {
  return `evsim ${denoJson.version}: simulates the EV charging network of US cities as a stream of events.

Usage:
${indent(Object.values(COMMAND_LINES), "  ")}

Options:
${indent(Object.values(OPTION_LINES), "  ")}

${TIME_MODES}

${NETWORK}

Examples:
${indent(EXAMPLES.filter((e) => e.global).map((e) => e.text), "  ")}
`;
}

/** The help of one command: its synopsis, the flags it reads, examples. */
export function commandUsage(command: CommandName): string {
  const examples = EXAMPLES.filter((e) => e.command === command).map((e) => e.text);
  const notes = command === "run" ? `\n${TIME_MODES}\n\n${NETWORK}\n` : "";
  return `Usage:
${indent([COMMAND_LINES[command]], "  ")}

Options:
${indent(COMMAND_OPTIONS[command].map((name) => OPTION_LINES[name]), "  ")}
${notes}
Examples:
${indent(examples, "  ")}
`;
}
