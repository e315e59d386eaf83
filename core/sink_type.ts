/**
 * The contract of a sink type: what a `{ "type": "<name>", …options }` entry of
 * the config's `sinks` (or a `--sink` value) becomes. A sink type describes
 * itself: the schema of its options, its `--sink` shorthand, what it reaches
 * outside the process (so that permissions are checked before a run), and its
 * factory. The built-in types live in `sinks/`; plugins add more the same way.
 *
 * @module
 */
import * as v from "valibot";
import { ConfigError } from "./errors.ts";
import type { Charger } from "./network.ts";
import type { DisposableSink } from "./sink.ts";

/**
 * A sink's position as the state file saves it: its place (`sinks[0]`), its
 * type, and whatever else that type records, which the type validates itself.
 */
export const SavedPositionSchema = v.looseObject({ sink: v.string(), type: v.string() });
export type SavedPosition = v.InferOutput<typeof SavedPositionSchema>;

/** The saved positions of a run with `--state`, and where each sink stands now. */
export interface SinkPositions {
  /** From the state file, if it has them: each sink goes back to its own. */
  readonly saved?: readonly SavedPosition[];
  /** Where each sink stands, by place, as of its last checkpoint or close. */
  readonly current: Map<string, SavedPosition>;
}

/** What a sink type's factory receives about the run. */
export interface SinkTypeContext {
  /** How messages name the sink: `sinks[0]`, `--sink[1]`, `api`. */
  where: string;
  /** A backfill waits for slow sinks: a sink should block rather than drop. */
  backfill: boolean;
  /** How long the sink may keep delivering once `shutdown` fired, before dead-lettering the rest. */
  shutdownTimeoutMs: number;
  /**
   * Aborted when evsim is told to stop (a signal). The end of the input is not a
   * shutdown: until this fires, a sink closing should take the time its retries need.
   */
  shutdown?: AbortSignal;
  /**
   * The path to write a dead-letter file configured as `configured` to: itself
   * in a run, a new file in `evsim replay` (which never appends to what it reads).
   */
  deadLetterPath?: (configured: string) => string;
  /** Reads an environment variable (for tokens and passwords). */
  env: (name: string) => string | undefined;
  /** Asks the run to stop: the sink's output went away (stdout's reader closed). */
  stopRun?: () => void;
  /**
   * `--state`: sinks that can go back to a saved position (file sinks) find the
   * one the resumed run saved, and record where they stand at each checkpoint,
   * by their place (`sinks[0]`). Each sink type owns the shape of its position.
   */
  positions?: SinkPositions;
  /**
   * The chargers the run simulates (a sink that shows the network, such as
   * the live page of the `server` sink, draws every one from the start).
   * Absent where there is no network (`evsim replay`).
   */
  chargers?: readonly Charger[];
}

/**
 * Something a sink reaches outside the process. `option` names the option that
 * asks for it (`url`, `deadLetter`), `note` says why in words.
 */
export type SinkAccess =
  & { option?: string; note?: string }
  & (
    /** Writes this file. */
    | { write: string }
    /** Writes this file and its rotated copies in its folder, and reads its size. */
    | { rotatingFile: string }
    /** Reads and writes this folder and what is in it. */
    | { folder: string }
    /** Connects to, or listens on, this host and port. */
    | { net: { host: string; port: number } }
    /** Reads this environment variable; `"*"` for all of them. */
    | { env: string }
  );

/** A sink type: `{ "type": "<name>", ...options }` in the config's `sinks`. */
export interface SinkType<S = unknown> {
  /** Validates the sink's config entry (every field but `type`), filling in defaults. */
  // deno-lint-ignore no-explicit-any
  schema: v.GenericSchema<any, S>;
  /**
   * The `--sink` values that stand for this type: `usage` shows them in help
   * (`file:PATH`); `parse` gives the entry's options for a value of this type,
   * or `undefined` when the value is not one.
   */
  shorthand?: { usage: string; parse(spec: string): Record<string, unknown> | undefined };
  /** What a sink with these options reaches: checked before the run starts. @default {nothing} */
  needs?(options: S): SinkAccess[];
  /**
   * Its sinks write each event as a JSON line and also take lines serialized
   * elsewhere (`Sink.writeLines`), so a backfill to them alone may run on
   * several threads (`--workers`). @default {false}
   */
  lines?: boolean;
  /** Makes the sink from its validated options. */
  create(options: S, context: SinkTypeContext): DisposableSink | Promise<DisposableSink>;
}

/**
 * Declares a sink type. An identity function: it only gives the object its
 * type, so `options` in `needs` and `create` is typed from the schema.
 */
export function defineSinkType<S>(type: SinkType<S>): SinkType<S> {
  return type;
}

/**
 * A secret option given as a value or as the name of an environment variable
 * (`token` or `tokenEnv`): the value, read from the environment if needed.
 * Throws a `ConfigError` naming `place` (`sinks[0].tokenEnv`) if the variable
 * is not set.
 */
export function secretOption(
  value: string | undefined,
  variable: string | undefined,
  place: string,
  env: SinkTypeContext["env"],
): string | undefined {
  if (value !== undefined || variable === undefined) return value;
  const read = env(variable);
  if (read === undefined || read === "") {
    throw new ConfigError(`${place}: environment variable ${variable} is not set`);
  }
  return read;
}

/** The access a secret option needs: its variable, unless the value is given. */
export function secretAccess(
  value: string | undefined,
  variable: string | undefined,
  option: string,
): SinkAccess[] {
  return value === undefined && variable !== undefined ? [{ env: variable, option }] : [];
}

/** Connecting to the host and port of `url` (`defaultPort` when it names none). */
export function urlAccess(url: string, defaultPort: number, option: string): SinkAccess[] {
  if (!URL.canParse(url)) return [];
  const { hostname, port } = new URL(url);
  if (hostname === "") return [];
  return [{ net: { host: hostname, port: port ? Number(port) : defaultPort }, option }];
}
