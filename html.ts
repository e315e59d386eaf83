/**
 * The HTML reports of `evsim stats --html` and `evsim loadtest --html`,
 * apart from `mod.ts` because they load Vega and Vega-Lite (several MB) to
 * draw their charts: programs that only simulate, collect statistics or
 * load-test do not load them.
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
export { renderLoadReportHtml } from "./loadtest/html.ts";
export type { LoadHtmlOptions } from "./loadtest/html.ts";
