/**
 * `evsim stats` as a library: the statistics of an event stream read in
 * constant memory, and its HTML report.
 *
 * @module
 */
import { ConfigError } from "../core/errors.ts";
import { dirname } from "../core/load.ts";
import type { BadLine } from "../core/ndjson.ts";
import { defaults } from "../data/mod.ts";
import type { ReferenceChoice } from "../stats/reference.ts";
import type { StatsReport } from "../stats/report.ts";
import { StatsCollector } from "../stats/stats.ts";
import { type InputFile, inputLines } from "./input_file.ts";

/** Options of {@link collectStats}. */
export interface CollectStatsOptions {
  /** Include the chart data the HTML report draws. @default {false} */
  charts?: boolean;
  /** The real sessions each site type is compared with. @default {the default choice} */
  references?: ReferenceChoice;
  /** Called every 65,536 lines with the lines read so far and the wall milliseconds taken. */
  onProgress?: (lines: number, elapsedMs: number) => void;
}

/** The statistics of a stream, and its first line that is not an event. */
export interface StatsResult {
  report: StatsReport;
  /** The first bad line, if any: `line 7: invalid JSON: …`. */
  firstBadLine?: string;
}

/** Reads `input` to its end and reports its statistics. */
export async function collectStats(
  input: InputFile,
  options: CollectStatsOptions = {},
): Promise<StatsResult> {
  let firstBadLine: string | undefined;
  const collector = new StatsCollector({
    onBadLine: ({ line, problem }: BadLine) => firstBadLine ??= `line ${line}: ${problem}`,
  });
  const { onProgress } = options;
  const started = performance.now();
  let lines = 0;
  for await (const line of inputLines(input)) {
    collector.addLine(line);
    lines++;
    if (onProgress && (lines & 0xffff) === 0) onProgress(lines, performance.now() - started);
  }
  const report = collector.report({ charts: options.charts, references: options.references });
  return { report, firstBadLine };
}

/**
 * Checks, before any input is read, that the HTML report can be written to
 * `path`: creates its folder if missing, and throws a {@link ConfigError}
 * naming `--html` if `path` is a folder or cannot be written
 * (`--html out: is a folder; name a file in it, such as out/report.html`).
 * Leaves no file behind when there was none.
 */
export async function checkHtmlOutput(path: string): Promise<void> {
  const refuse = (what: string, cause?: unknown) =>
    new ConfigError(`--html ${path}: ${what}`, { cause });
  const existing = await Deno.stat(path).catch((error) => {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw refuse(`cannot write the HTML report: ${(error as Error).message}`, error);
  });
  if (existing?.isDirectory) {
    const inside = `${path.replace(/[\\/]+$/, "")}/report.html`;
    throw refuse(`is a folder; name a file in it, such as ${inside}`);
  }
  const dir = dirname(path);
  if (!existing && dir !== ".") {
    try {
      await Deno.mkdir(dir, { recursive: true });
    } catch (error) {
      throw refuse(`cannot create its folder ${dir}: ${(error as Error).message}`, error);
    }
  }
  try {
    (await Deno.open(path, { write: true, create: true })).close();
  } catch (error) {
    throw refuse(`cannot write the HTML report: ${(error as Error).message}`, error);
  }
  if (!existing) await Deno.remove(path);
}

/**
 * Writes `report` (collected with `charts: true`) as an HTML page with its
 * charts to `path`. The chart renderer is loaded only when called: it takes a
 * while to load.
 */
export async function writeStatsHtml(
  report: StatsReport,
  path: string,
  options: { title?: string } = {},
): Promise<void> {
  const { renderHtml } = await import("../stats/html.ts");
  const html = await renderHtml(report, {
    title: options.title,
    profiles: defaults.model.arrivalProfiles,
  });
  await writeHtmlReport(path, html);
}

/** Writes an HTML report page at `path`; a failure names the path. */
export async function writeHtmlReport(path: string, html: string): Promise<void> {
  try {
    await Deno.writeTextFile(path, html);
  } catch (error) {
    throw new Error(`${path}: cannot write the HTML report: ${(error as Error).message}`, {
      cause: error,
    });
  }
}
