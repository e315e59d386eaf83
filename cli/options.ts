/**
 * The command line's words made into one typed command: `node:util`'s
 * `parseArgs` splits them, then each command's valibot schema checks and
 * types the values it reads (flags another command reads are accepted and
 * ignored). A mistake is a {@link UsageError}. Nothing here reads
 * `Deno.args`: `main.ts` passes them in.
 *
 * @module
 */
import { parseArgs } from "node:util";
import * as v from "valibot";
import type { Config } from "../core/config.ts";
import { ConfigError, UsageError } from "../core/errors.ts";
import { type Overrides, planRun, type RunPlan } from "../core/plan.ts";
import { parseShard } from "../core/shard.ts";
import { chooseReferences } from "../stats/reference.ts";

/** The subcommands, in the order the help lists them. */
export const COMMANDS = [
  "run",
  "replay",
  "serve",
  "csms",
  "loadtest",
  "validate",
  "init",
  "schema",
  "stats",
  "help",
] as const;

/** A subcommand's name. */
export type CommandName = typeof COMMANDS[number];

/** Whether `word` names a subcommand. */
export function isCommand(word: string | undefined): word is CommandName {
  return (COMMANDS as readonly (string | undefined)[]).includes(word);
}

/** Every flag, as `parseArgs` reads it. */
export const OPTIONS = {
  config: { type: "string", short: "c" },
  seed: { type: "string" },
  from: { type: "string" },
  to: { type: "string" },
  duration: { type: "string" },
  speed: { type: "string" },
  realtime: { type: "boolean" },
  "update-interval": { type: "string" },
  "warm-up": { type: "string" },
  sink: { type: "string", multiple: true },
  plugin: { type: "string", multiple: true },
  region: { type: "string", multiple: true },
  "metrics-port": { type: "string" },
  ocpp: { type: "string" },
  "control-port": { type: "string" },
  cert: { type: "string" },
  key: { type: "string" },
  "ocpp-version": { type: "string" },
  shard: { type: "string" },
  workers: { type: "string" },
  state: { type: "string" },
  "state-interval": { type: "string" },
  port: { type: "string" },
  host: { type: "string" },
  token: { type: "string" },
  json: { type: "boolean" },
  html: { type: "string" },
  reference: { type: "string", multiple: true },
  verbose: { type: "boolean", short: "v" },
  help: { type: "boolean", short: "h" },
  version: { type: "boolean", short: "V" },
} as const;

/** A flag's name, without its dashes. */
export type OptionName = keyof typeof OPTIONS;

export { UsageError };

// --- values ------------------------------------------------------------------

const text = v.optional(v.string());
const texts = v.optional(v.array(v.string()), []);
const flag = v.optional(v.boolean(), false);
const got = (issue: v.BaseIssue<unknown>) => `got ${JSON.stringify(issue.input)}`;

const Port = v.pipe(
  v.string(),
  v.check(
    (s) => s.trim() !== "" && Number.isInteger(Number(s)) && Number(s) >= 0 && Number(s) <= 65535,
    (issue) => `expected a port number 0–65535, ${got(issue)}`,
  ),
  v.transform(Number),
);

const Seconds = v.pipe(
  v.string(),
  v.check(
    (s) => s.trim() !== "" && Number(s) > 0,
    (issue) => `expected seconds > 0, ${got(issue)}`,
  ),
  v.transform(Number),
);

const ShardValue = v.pipe(
  v.string(),
  v.check(
    (s) => parseShard(s) !== undefined,
    (issue) => `expected I/N with 0 ≤ I < N, such as 0/3, ${got(issue)}`,
  ),
  v.transform((s) => parseShard(s)!),
);

const Workers = v.pipe(
  v.string(),
  v.check(
    (s) => s === "auto" || (/^\d+$/.test(s.trim()) && Number(s) >= 1 && Number(s) <= 64),
    (issue) => `expected auto or a number of threads 1–64, ${got(issue)}`,
  ),
  v.transform((s): number | "auto" => s === "auto" ? "auto" : Number(s)),
);

const References = v.pipe(
  texts,
  v.rawTransform(({ dataset, addIssue, NEVER }) => {
    try {
      return chooseReferences(dataset.value);
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      addIssue({ message: error.message });
      return NEVER;
    }
  }),
);

/** The flags that override the config's time and seed (checked by `planRun`). */
const TimeFlags = {
  seed: text,
  from: text,
  to: text,
  duration: text,
  speed: text,
  realtime: v.optional(v.boolean()),
  "update-interval": text,
  "warm-up": text,
};

function overrides(f: v.InferOutput<v.ObjectSchema<typeof TimeFlags, undefined>>): Overrides {
  return {
    seed: f.seed,
    from: f.from,
    to: f.to,
    duration: f.duration,
    speed: f.speed,
    realtime: f.realtime,
    updateInterval: f["update-interval"],
    warmUp: f["warm-up"],
  };
}

/** What every command that loads the config and its plugins reads. */
const InputFlags = {
  config: text,
  plugin: texts,
  region: v.optional(v.array(v.string())),
  sink: texts,
};

/** The options of the library call (`app/`) that loads what {@link InputFlags} name. */
function inputs(f: v.InferOutput<v.ObjectSchema<typeof InputFlags, undefined>>) {
  return { configFile: f.config, plugins: f.plugin, region: f.region, sinks: f.sink };
}

// --- commands ----------------------------------------------------------------

const RunSchema = v.pipe(
  v.object({
    ...TimeFlags,
    ...InputFlags,
    shard: v.optional(ShardValue),
    workers: v.optional(Workers, "auto"),
    state: text,
    "state-interval": v.optional(Seconds, "30"),
    "metrics-port": v.optional(Port),
    host: v.optional(v.string(), "127.0.0.1"),
    ocpp: text,
    "ocpp-version": text,
    verbose: flag,
  }),
  v.transform((f) => ({
    config: f.config,
    overrides: overrides(f),
    verbose: f.verbose,
    /** The options of `prepareRun`. */
    run: {
      ...inputs(f),
      shard: f.shard,
      workers: f.workers,
      state: f.state === undefined
        ? undefined
        : { path: f.state, everyMs: f["state-interval"] * 1000 },
      metrics: f["metrics-port"] === undefined
        ? undefined
        : { port: f["metrics-port"], hostname: f.host },
      ocpp: f.ocpp === undefined && f["ocpp-version"] === undefined
        ? undefined
        : { url: f.ocpp, version: f["ocpp-version"] },
    },
  })),
);
/** `evsim [run]`. */
export type RunFlags = v.InferOutput<typeof RunSchema>;

const ValidateSchema = v.pipe(
  v.object({ ...TimeFlags, ...InputFlags }),
  v.transform((f) => ({ config: f.config, overrides: overrides(f), validate: inputs(f) })),
);
/** `evsim validate`. */
export type ValidateFlags = v.InferOutput<typeof ValidateSchema>;

const ReplaySchema = v.pipe(
  v.object({ ...InputFlags, verbose: flag }),
  v.transform((f) => ({ config: f.config, verbose: f.verbose, replay: inputs(f) })),
);
/** `evsim replay FILE`. */
export type ReplayFlags = v.InferOutput<typeof ReplaySchema>;

const ServeSchema = v.object({
  config: text,
  port: v.optional(Port, "8787"),
  host: v.optional(v.string(), "127.0.0.1"),
  token: text,
  verbose: flag,
});
/** `evsim serve`. */
export type ServeFlags = v.InferOutput<typeof ServeSchema>;

const CsmsSchema = v.pipe(
  v.object({
    config: text,
    port: v.optional(Port, "9000"),
    "control-port": v.optional(Port),
    host: v.optional(v.string(), "127.0.0.1"),
    cert: text,
    key: text,
    json: flag,
    verbose: flag,
  }),
  v.check(
    (o) => (o.cert === undefined) === (o.key === undefined),
    "--cert and --key go together: the certificate (PEM) and its private key",
  ),
);
/** `evsim csms`. */
export type CsmsFlags = v.InferOutput<typeof CsmsSchema>;

const LoadtestSchema = v.object({
  config: text,
  shard: v.optional(ShardValue),
  "metrics-port": v.optional(Port),
  host: v.optional(v.string(), "127.0.0.1"),
  html: text,
  json: flag,
  verbose: flag,
});
/** `evsim loadtest FILE` and `evsim loadtest merge REPORT...`. */
export type LoadtestFlags = v.InferOutput<typeof LoadtestSchema>;

const StatsSchema = v.object({ json: flag, html: text, reference: References });
/** `evsim stats [FILE]`. */
export type StatsFlags = v.InferOutput<typeof StatsSchema>;

/** One command line, parsed and checked. */
export type CommandLine =
  | { command: "help"; topic?: CommandName }
  | { command: "version" }
  | { command: "run"; options: RunFlags }
  | { command: "validate"; options: ValidateFlags }
  | { command: "replay"; file: string; options: ReplayFlags }
  | { command: "serve"; options: ServeFlags }
  | { command: "csms"; options: CsmsFlags }
  | { command: "loadtest"; file: string; options: LoadtestFlags }
  | { command: "loadtest merge"; files: string[]; options: LoadtestFlags }
  | { command: "stats"; file: string; options: StatsFlags }
  | { command: "init"; dir: string }
  | { command: "schema"; which: "event" | "config" | "loadtest" };

/** The values of `schema`, or a {@link UsageError} naming the first wrong flag. */
function check<S extends v.GenericSchema>(
  schema: S,
  values: Record<string, unknown>,
  where = "",
): v.InferOutput<S> {
  const result = v.safeParse(schema, values);
  if (result.success) return result.output;
  const [issue] = result.issues;
  const key = issue.path?.[0]?.key;
  throw new UsageError(`${where}${key === undefined ? "" : `--${String(key)}: `}${issue.message}`);
}

// --- the raw parse -----------------------------------------------------------

/** A value `parseArgs` would take for a flag: a negative number (`--speed -1`). */
const NEGATIVE_NUMBER = /^-\.?\d/;

/** The flag `arg` names on its own (`--speed`, `-c`), if any. */
function lone(arg: string): OptionName | undefined {
  const name = arg.startsWith("--")
    ? arg.slice(2)
    : /^-[a-zA-Z]$/.test(arg)
    ? Object.entries(OPTIONS).find(([, o]) => "short" in o && o.short === arg[1])?.[0]
    : undefined;
  return name !== undefined && Object.hasOwn(OPTIONS, name) ? name as OptionName : undefined;
}

/**
 * `args` with each negative number given to a flag joined to it
 * (`--speed -1` → `--speed=-1`), so that `parseArgs` takes it as the value
 * (it calls it ambiguous) and the flag's own check says what is wrong with it.
 */
function joinNegativeValues(args: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === "--") return [...out, ...args.slice(i)];
    const name = lone(arg);
    if (name && OPTIONS[name].type === "string" && NEGATIVE_NUMBER.test(args[i + 1] ?? "")) {
      out.push(`--${name}=${args[++i]}`);
    } else {
      out.push(arg);
    }
  }
  return out;
}

/** `parseArgs` on `args`, its errors as {@link UsageError}s with balanced quotes. */
function rawParse(args: readonly string[]) {
  try {
    return parseArgs({
      args: joinNegativeValues(args),
      options: OPTIONS,
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const unknown = /^Unknown option '([^']*)'/.exec(message);
    if (unknown) {
      throw new UsageError(
        `Unknown option '${unknown[1]}'. To give an argument that starts with '-', ` +
          `put it after '--', as in '-- ${unknown[1]}'.`,
        { cause: error },
      );
    }
    throw new UsageError(message, { cause: error });
  }
}

/**
 * The command `args` (the words after `evsim`) ask for. `--help` anywhere
 * asks for the help of the command named, if any; `--version`, for the version.
 */
export function parseCommandLine(args: readonly string[]): CommandLine {
  const { values, positionals } = rawParse(args);
  const [word, ...rest] = positionals;
  if (values.help) return { command: "help", topic: isCommand(word) ? word : undefined };
  if (values.version) return { command: "version" };
  const command = word ?? "run";
  const expectArgs = (n: number) => {
    if (rest.length > n) throw new UsageError(`${command}: unexpected argument "${rest[n]}"`);
  };
  switch (command) {
    case "run":
      expectArgs(0);
      return { command, options: check(RunSchema, values) };
    case "validate":
      expectArgs(0);
      return { command, options: check(ValidateSchema, values) };
    case "replay":
      expectArgs(1);
      if (rest[0] === undefined) throw new UsageError("replay: expected a file (or - for stdin)");
      return { command, file: rest[0], options: check(ReplaySchema, values) };
    case "serve":
      expectArgs(0);
      return { command, options: check(ServeSchema, values) };
    case "csms":
      expectArgs(0);
      return { command, options: check(CsmsSchema, values) };
    case "loadtest":
      if (rest[0] === "merge") {
        if (rest.length < 2) throw new UsageError("loadtest merge: expected report files");
        return {
          command: "loadtest merge",
          files: rest.slice(1),
          options: check(LoadtestSchema, values),
        };
      }
      expectArgs(1);
      if (rest[0] === undefined) throw new UsageError("loadtest: expected a scenario file");
      return { command, file: rest[0], options: check(LoadtestSchema, values) };
    case "stats":
      expectArgs(1);
      return { command, file: rest[0] ?? "-", options: check(StatsSchema, values, "stats: ") };
    case "init":
      expectArgs(1);
      return { command, dir: rest[0] ?? "." };
    case "schema": {
      expectArgs(1);
      const which = rest[0];
      if (which !== "event" && which !== "config" && which !== "loadtest") {
        throw new UsageError(
          `schema: expected "event", "config" or "loadtest", got ${JSON.stringify(which ?? "")}`,
        );
      }
      return { command, which };
    }
    case "help":
      expectArgs(1);
      if (rest[0] !== undefined && !isCommand(rest[0])) {
        throw new UsageError(`help: unknown command "${rest[0]}"`);
      }
      return { command, topic: rest[0] };
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}

/**
 * The plan of a run: `planRun` with the flags' overrides, a mistake in a
 * flag's value (`--seed: …`) being a {@link UsageError}.
 */
export function planFromFlags(config: Config, flags: Overrides, now: number): RunPlan {
  try {
    return planRun(config, flags, now);
  } catch (error) {
    if (error instanceof ConfigError && error.message.startsWith("--")) {
      throw new UsageError(error.message, { cause: error });
    }
    throw error;
  }
}
