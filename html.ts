/**
 * The HTML report of `evsim stats --html`, apart from `mod.ts` because it
 * loads Vega and Vega-Lite (several MB) to draw its charts: programs that only
 * simulate or collect statistics do not load them.
 *
 * ```ts
 * import { defaults, StatsCollector } from "./mod.ts";
 * import { renderHtml } from "./html.ts";
 *
 * const stats = new StatsCollector();
 * // stats.addLine(line) for each line of an event stream, then:
 * const page = await renderHtml(stats.report(), { profiles: defaults.model.arrivalProfiles });
 * ```
 *
 * @module
 */
export { renderHtml } from "./stats/html.ts";
export type { HtmlOptions } from "./stats/html.ts";
