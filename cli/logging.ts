/**
 * The command line's logging: LogTape to the config's rotating log file (its
 * folder created if missing) and to stderr, which gets warnings and errors
 * only, or everything with `--verbose`.
 *
 * @module
 */
import {
  configure,
  getStreamSink,
  getTextFormatter,
  type Sink as LogSink,
  withFilter,
} from "@logtape/logtape";
import { getRotatingFileSink } from "@logtape/file";
import type { Config } from "../core/config.ts";
import { ConfigError } from "../core/errors.ts";
import { dirname } from "../core/load.ts";

/** Configures LogTape for the `evsim` categories from the config's `log` section. */
export async function setUpLogging(log: Config["log"], verbose: boolean): Promise<void> {
  const { file, level, maxBytes, backups } = log;
  // "bare" prints string values without quotes: `Simulating backfill from …`.
  const formatter = getTextFormatter({ value: "bare" });
  const stderr = getStreamSink(Deno.stderr.writable, { formatter });
  const sinks: Record<string, LogSink> = {
    stderr: verbose ? stderr : withFilter(stderr, "warning"),
  };
  if (file) {
    try {
      const dir = dirname(file);
      if (dir !== ".") await Deno.mkdir(dir, { recursive: true });
    } catch (error) {
      throw new ConfigError(`log.file: cannot create the folder of ${file}: ${error}`);
    }
    sinks.file = getRotatingFileSink(file, {
      maxSize: maxBytes,
      maxFiles: backups + 1,
      formatter,
    });
  }
  await configure({
    sinks,
    loggers: [
      { category: ["logtape", "meta"], lowestLevel: "warning", sinks: ["stderr"] },
      { category: ["evsim"], lowestLevel: level, sinks: Object.keys(sinks) },
    ],
  });
}
