/**
 * Errors a caller is meant to catch. Each message says what was wrong and where,
 * e.g. `config.json: sinks[1].url: expected an http(s) URL, got "ftp://x"`.
 *
 * @module
 */
import * as v from "valibot";

/** An error listing every problem found, one line each, each naming its place. */
export class ProblemsError extends Error {
  /** Every problem found, one line each, each naming its place. */
  readonly problems: readonly string[];

  constructor(problems: string | readonly string[], options?: ErrorOptions) {
    const list = typeof problems === "string" ? [problems] : problems;
    super(list.join("\n"), options);
    this.name = "ProblemsError";
    this.problems = list;
  }
}

/** A config file, data file or command-line value is missing or invalid. */
export class ConfigError extends ProblemsError {
  constructor(problems: string | readonly string[], options?: ErrorOptions) {
    super(problems, options);
    this.name = "ConfigError";
  }
}

/**
 * A command-line mistake, named by its flag or argument (`--sink: …`): shown
 * with the usage, exit code 2.
 */
export class UsageError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "UsageError";
  }
}

/** Formats a valibot issue path as `sinks[1].url`. */
export function issuePath(issue: v.BaseIssue<unknown>): string {
  let out = "";
  for (const item of issue.path ?? []) {
    const key = item.key;
    if (typeof key === "number") out += `[${key}]`;
    else out += out ? `.${String(key)}` : String(key);
  }
  return out;
}

/**
 * One line per issue: `where: path: expected …, got …` (`path: …` when `where`
 * is empty), each path under `root` if given (`options.seed`).
 */
export function formatIssues(
  where: string,
  issues: readonly v.BaseIssue<unknown>[],
  root?: string,
): string[] {
  return issues.map((issue) => {
    const inner = issuePath(issue);
    const path = root
      ? (inner ? `${root}${inner.startsWith("[") ? "" : "."}${inner}` : root)
      : inner;
    const place = path ? (where ? `${where}: ${path}` : path) : where;
    const what = issue.expected === "never"
      ? "unknown field"
      : issue.received === "undefined" && path
      ? "missing"
      : issue.type === "custom"
      ? issue.message
      : issue.kind === "schema" && issue.expected
      ? `expected ${issue.expected}, got ${issue.received}`
      : issue.message;
    return `${place}: ${what}`;
  });
}

/**
 * Validates `input` with `schema`, or throws a {@link ConfigError} that lists
 * every problem, each prefixed by `where` (a file name, "--seed", a plugin name).
 */
export function parseWith<S extends v.GenericSchema>(
  schema: S,
  input: unknown,
  where: string,
): v.InferOutput<S> {
  const result = v.safeParse(schema, input);
  if (result.success) return result.output;
  throw new ConfigError(formatIssues(where, result.issues));
}

/** Parses JSON text, or throws a {@link ConfigError} naming the file, line and column. */
export function parseJson(text: string, where: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const at = /position (\d+)/.exec(message);
    if (!at) throw new ConfigError(`${where}: invalid JSON: ${message}`, { cause: error });
    const before = text.slice(0, Number(at[1]));
    const line = before.split("\n").length;
    const column = before.length - before.lastIndexOf("\n");
    const reason = message.replace(/\s*(in JSON )?at position \d+.*$/, "");
    throw new ConfigError(`${where}:${line}:${column}: invalid JSON: ${reason}`, {
      cause: error,
    });
  }
}

/** A sink cannot deliver: a file it cannot write, a port it cannot listen on. */
export class SinkError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "SinkError";
  }
}

/** A server cannot listen on its port, because something else already does. */
export class AddressInUseError extends SinkError {
  /** The address it asked for. */
  readonly hostname: string;
  /** The port it asked for. */
  readonly port: number;

  constructor(message: string, options: ErrorOptions & { hostname: string; port: number }) {
    super(message, { cause: options.cause });
    this.name = "AddressInUseError";
    this.hostname = options.hostname;
    this.port = options.port;
  }
}

/** A plugin cannot be loaded, has the wrong shape, throws or returns invalid data. */
export class PluginError extends ProblemsError {
  constructor(problems: string | readonly string[], options?: ErrorOptions) {
    super(problems, options);
    this.name = "PluginError";
  }
}
