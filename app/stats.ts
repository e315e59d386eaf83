/**
 * `evsim stats` as a library: the statistics of an event stream read in
 * constant memory, and its HTML report.
 *
 * @module
 */
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
  try {
    await Deno.writeTextFile(path, html);
  } catch (error) {
    throw new Error(`${path}: cannot write the HTML report: ${(error as Error).message}`, {
      cause: error,
    });
  }
}
