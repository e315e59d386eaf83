/**
 * The `file` sink type: events as NDJSON, appended to a file that rotates by
 * size (`rotating_file.ts`).
 *
 * ```json
 * { "sinks": [{ "type": "file", "path": "out/sessions.ndjson", "maxBytes": 104857600, "backups": 5 }] }
 * ```
 *
 * @module
 */
import * as v from "valibot";
import { ConfigError } from "../core/errors.ts";
import { defineSinkType } from "../core/sink_type.ts";
import { resumeFileSink } from "./file_resume.ts";
import { denoRotatingFileDriver, getRotatingFileSink } from "./rotating_file.ts";

const Int = v.pipe(v.number(), v.integer());

/** The `file` sink type's config entry (every field but `type`). */
export const FileSinkSchema = v.strictObject({
  /** NDJSON file, appended to; relative to the working folder. */
  path: v.pipe(v.string(), v.minLength(1, "expected a path")),
  /** Rotate before the file would pass this size. */
  maxBytes: v.optional(v.pipe(Int, v.minValue(1024)), 100 * 1024 * 1024),
  /** Rotated files to keep: `path.1` … `path.N`. */
  backups: v.optional(v.pipe(Int, v.minValue(0)), 5),
});

/** A validated `file` sink config entry. */
export type FileSinkConfig = v.InferOutput<typeof FileSinkSchema>;

/** The `file` sink type; `--sink file:PATH`. */
export const fileSinkType = defineSinkType({
  schema: FileSinkSchema,
  shorthand: {
    usage: "file:PATH",
    parse: (spec) => spec.startsWith("file:") ? { path: spec.slice(5) } : undefined,
  },
  needs: (options: FileSinkConfig) => [{ rotatingFile: options.path, option: "path" }],
  lines: true,
  async create(options: FileSinkConfig, context) {
    // With --state, go back to the saved position first (file_resume.ts).
    const onPosition = context.positions &&
      await resumeFileSink(context.where, options, context.positions);
    // Open the file once now: a path that cannot be written stops the run before it starts.
    try {
      await (await denoRotatingFileDriver.open(options.path)).close();
    } catch (error) {
      throw new ConfigError(
        `${context.where}.path: cannot write ${options.path}: ${(error as Error).message}`,
        { cause: error },
      );
    }
    return getRotatingFileSink(options.path, {
      maxBytes: options.maxBytes,
      backups: options.backups,
      onPosition,
    });
  },
});
