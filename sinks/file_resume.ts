/**
 * Putting file sinks back where a `--state` save left them. A run killed after
 * a save has written events past it, perhaps rotated its files since, and
 * perhaps left a line cut short; resumed, it writes those events again. So
 * before it writes, each file sink goes back to its saved
 * {@link RotatingFilePosition}: it finds the file that held the last saved
 * byte (by its tail digest, wherever rotations have taken it), cuts it to the
 * saved size, drops the files made after it and renames the older ones back.
 * The files then hold what they held at the save, and the resumed run writes
 * each event once.
 *
 * @module
 */
import { getLogger } from "@logtape/logtape";
import * as v from "valibot";
import { ConfigError, formatIssues } from "../core/errors.ts";
import type { SavedPosition, SinkPositions } from "../core/sink_type.ts";
import {
  denoRotatingFileDriver,
  rotatedName,
  type RotatingFileDriver,
  type RotatingFilePosition,
  tailDigest,
} from "./rotating_file.ts";

const Count = v.pipe(v.number(), v.integer(), v.minValue(0));

/** A file sink's position as the state file saves it, with the sink it belongs to. */
export const SavedFilePositionSchema = v.strictObject({
  /** The sink's place in the list: `sinks[0]`, `--sink[1]`. */
  sink: v.string(),
  type: v.literal("file"),
  path: v.string(),
  position: v.strictObject({
    file: Count,
    size: Count,
    tail: v.pipe(v.string(), v.regex(/^[0-9a-f]{64}$/, "expected a SHA-256 digest in hex")),
  }),
});
export type SavedFilePosition = v.InferOutput<typeof SavedFilePositionSchema>;

/** A saved position of another type is left as it is; one of a file sink must be whole. */
function parseSavedPosition(saved: SavedPosition): SavedFilePosition | undefined {
  if (saved.type !== "file") return undefined;
  const parsed = v.safeParse(SavedFilePositionSchema, saved);
  if (parsed.success) return parsed.output;
  throw new ConfigError(
    formatIssues(`the state file's position for ${saved.sink}`, parsed.issues),
  );
}

/** What {@link restoreRotatingFile} did. */
export type RestoreResult =
  | { restored: true; cutBytes: number; rotations: number }
  | { restored: false; problem: string };

/** Options of {@link restoreRotatingFile}. */
export interface RestoreOptions {
  /** The sink's `backups`: files `path.1` … `path.N` are looked at. @default {5} */
  backups?: number;
  /** The file operations. @default {denoRotatingFileDriver} */
  driver?: RotatingFileDriver;
}

/**
 * Puts the files of a rotating file sink at `path` back at `position`. Each
 * step leaves the files such that running this again finishes the job, so a
 * run killed while it restores is restored when started again. Files rotated
 * away beyond `backups` since the save stay gone: the resumed run rotates at
 * the same lines, so it would have dropped them too; empty backups, which the
 * sink never makes, are not kept. When the file that held
 * the last saved byte cannot be found (it was moved, changed, or rotated away),
 * nothing is touched and the result says why.
 */
export async function restoreRotatingFile(
  path: string,
  position: RotatingFilePosition,
  options: RestoreOptions = {},
): Promise<RestoreResult> {
  const backups = options.backups ?? 5;
  const driver = options.driver ?? denoRotatingFileDriver;
  const name = (n: number) => rotatedName(path, n);
  let cutBytes = 0;
  let rotations = 0;
  if (position.size === 0) {
    // Nothing was written before the save: every byte and every backup came after it.
    for (let n = backups; n >= 0; n--) {
      const size = await driver.size(name(n));
      cutBytes += size;
      if (n > 0) {
        if (size > 0) rotations++;
        await driver.remove(name(n));
      } else if (size > 0) await driver.truncate(path, 0);
    }
    return { restored: true, cutBytes, rotations };
  }
  let at = -1;
  for (let n = position.file; n <= backups && at < 0; n++) {
    const size = await driver.size(name(n));
    if (
      size >= position.size && await tailDigest(driver, name(n), position.size) === position.tail
    ) at = n;
  }
  if (at < 0) {
    const files = [path, ...backups > 0 ? [`${path}.1`] : []].join(", ") +
      (backups > 1 ? ` … ${path}.${backups}` : "");
    return {
      restored: false,
      problem: `none of ${files} holds the ${position.size} bytes saved in ${
        name(position.file)
      } (moved, changed, or rotated away beyond backups: ${backups})`,
    };
  }
  rotations = at - position.file;
  // Cut what came after the save: the end of that file, and every newer file.
  cutBytes = await driver.size(name(at)) - position.size;
  await driver.truncate(name(at), position.size);
  for (let n = 0; n < at; n++) {
    cutBytes += await driver.size(name(n));
    await driver.remove(name(n));
  }
  // Undo the rotations: that file and the older ones move back, in order, without gaps.
  let to = position.file;
  for (let n = at; n <= backups; n++) {
    if (n !== at && await driver.size(name(n)) === 0) continue;
    if (n !== to) await driver.rename(name(n), name(to));
    to++;
  }
  for (let n = to; n <= backups; n++) await driver.remove(name(n));
  return { restored: true, cutBytes, rotations };
}

/**
 * Restores the position saved for the file sink at `place` (`sinks[0]`)
 * writing `path`, if the state saved one for that place, type and path, and
 * returns the sink's `onPosition`, which records where it stands in
 * `positions.current`. A saved position that belongs to another sink (the list
 * changed) is ignored, and one that cannot be restored leaves the files as
 * they are: both with a warning, the sink then appends (events since the save
 * may appear twice). A file operation that fails is a {@link ConfigError}.
 */
export async function resumeFileSink(
  place: string,
  sink: { path: string; backups: number },
  positions: SinkPositions,
  driver: RotatingFileDriver = denoRotatingFileDriver,
): Promise<(position: RotatingFilePosition | undefined) => void> {
  const { path, backups } = sink;
  const logger = getLogger(["evsim", "sink"]);
  const found = positions.saved?.find((p) => p.sink === place);
  const saved = found && parseSavedPosition(found);
  if (found && (found.type !== "file" || saved!.path !== path)) {
    logger.warn(
      "{place} (file {path}): the state saved a position for {type} {saved} there, not for " +
        "this sink: ignored, appending to {path}",
      { place, path, type: found.type, saved: found.path },
    );
  } else if (saved) {
    let result;
    try {
      result = await restoreRotatingFile(path, saved.position, { backups, driver });
    } catch (error) {
      throw new ConfigError(
        `${place}.path: cannot go back to the position saved for ${path}: ${
          (error as Error).message
        }`,
        { cause: error },
      );
    }
    if (result.restored) {
      logger.info(
        "{place} (file {path}): back at the saved position: cut {bytes} byte(s) written " +
          "after the save, undid {rotations} rotation(s)",
        { place, path, bytes: result.cutBytes, rotations: result.rotations },
      );
    } else {
      logger.warn(
        "{place} (file {path}): cannot go back to the saved position: {problem}; appending, " +
          "so events made since the save may appear twice",
        { place, path, problem: result.problem },
      );
    }
  }
  return (position) => {
    const current: SavedFilePosition | undefined = position &&
      { sink: place, type: "file", path, position };
    if (current) positions.current.set(place, current);
    else positions.current.delete(place);
  };
}
