/**
 * evsim as a library: the session engine, its schemas, the sinks and the
 * statistics of event streams (`StatsCollector`), for programs that want the
 * event stream without the command line.
 *
 * ```ts
 * import { defaults, getStdoutSink, runSimulation, Simulation } from "./mod.ts";
 *
 * const sim = new Simulation({ seed: 1, start: Date.UTC(2026, 0, 5), ...defaults });
 * await using sink = getStdoutSink();
 * await runSimulation(sim, sink, { end: Date.UTC(2026, 0, 6) });
 * ```
 *
 * @module
 */
export * from "./core/mod.ts";
export * from "./sinks/mod.ts";
export * from "./stats/mod.ts";
export { defaults, regionNetwork } from "./data/mod.ts";
export { generateChargers, shippedPlugins } from "./plugins/mod.ts";
export type { PopulationChargersOptions } from "./plugins/mod.ts";
