/**
 * The command line's logging: LogTape to the config's rotating log file (its
 * folder created if missing) and to stderr, which gets warnings and errors
 * only, or everything with `--verbose`. Notices (category
 * {@link NOTICE_CATEGORY}, such as where a run's echo server listens) go to
 * stderr too, as `evsim: …` lines.
 *
 * @module
 */
import {
  compareLogLevel as compareLevel,
  configure,
  getStreamSink,
  getTextFormatter,
  type LogRecord,
  type Sink as LogSink,
  withFilter,
} from "@logtape/logtape";
import { getRotatingFileSink } from "@logtape/file";
import type { Config } from "../core/config.ts";
import { ConfigError } from "../core/errors.ts";
import { dirname } from "../core/load.ts";

/**
 * The category of what a run tells its user at info level, such as the address
 * of a server it started: printed on stderr (as `evsim: message`) even without
 * `--verbose`.
 */
export const NOTICE_CATEGORY: readonly string[] = ["evsim", "notice"];

/** A notice as the command line prints it: `evsim: message`. */
export function formatNotice(record: LogRecord): string {
  const text = record.message.map((part, i) => (i % 2 === 0 ? part : String(part))).join("");
  return `evsim: ${text}\n`;
}

/** Options of {@link setUpLogging}. */
export interface LoggingOptions {
  /** Show on stderr everything the log file gets, not only warnings and errors. @default {false} */
  verbose?: boolean;
  /** How messages name the config: its path. @default {"embedded config"} */
  where?: string;
}

/**
 * Configures LogTape for the `evsim` categories from the config's `log`
 * section. A log file that cannot be opened, a folder among them, is a
 * {@link ConfigError} naming the field: `config.json: log.file: logs is a folder; …`.
 */
export async function setUpLogging(
  log: Config["log"],
  options: LoggingOptions = {},
): Promise<void> {
  const { file, level, maxBytes, backups } = log;
  const { verbose = false, where = "embedded config" } = options;
  // "bare" prints string values without quotes: `Simulating backfill from …`.
  const formatter = getTextFormatter({ value: "bare" });
  const sinks: Record<string, LogSink> = {};
  if (file) {
    const refuse = (what: string, cause?: unknown) =>
      new ConfigError(`${where}: log.file: ${what}`, { cause });
    const message = (error: unknown) => error instanceof Error ? error.message : String(error);
    try {
      const dir = dirname(file);
      if (dir !== ".") await Deno.mkdir(dir, { recursive: true });
    } catch (error) {
      throw refuse(`cannot create the folder of ${file}: ${message(error)}`, error);
    }
    const isFolder = await Deno.stat(file).then((s) => s.isDirectory, () => false);
    if (isFolder) {
      const inside = `${file.replace(/[\\/]+$/, "")}/charging_sessions.log`;
      throw refuse(`${file} is a folder; name a file, such as ${inside}`);
    }
    try {
      sinks.file = getRotatingFileSink(file, {
        maxSize: maxBytes,
        maxFiles: backups + 1,
        formatter,
      });
    } catch (error) {
      throw refuse(`cannot open ${file}: ${message(error)}`, error);
    }
  }
  const isNotice = (record: LogRecord) =>
    record.category.length === NOTICE_CATEGORY.length &&
    record.category.every((part, i) => part === NOTICE_CATEGORY[i]);
  // One sink on stderr (a stream takes one writer), showing notices without --verbose as
  // `evsim: …` lines; with it, they come with the rest, as the log file has them.
  const stderr = getStreamSink(Deno.stderr.writable, {
    formatter: verbose
      ? formatter
      : (record) => isNotice(record) ? formatNotice(record) : formatter(record),
  });
  sinks.stderr = verbose ? stderr : withFilter(
    stderr,
    (record) => isNotice(record) || compareLevel(record.level, "warning") >= 0,
  );
  await configure({
    sinks,
    loggers: [
      { category: ["logtape", "meta"], lowestLevel: "warning", sinks: ["stderr"] },
      { category: ["evsim"], lowestLevel: level, sinks: Object.keys(sinks) },
      // Shown whatever the configured level.
      {
        category: [...NOTICE_CATEGORY],
        lowestLevel: "info",
        sinks: Object.keys(sinks),
        parentSinks: "override",
      },
    ],
  });
}
