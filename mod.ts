/**
 * evsim as a library: the session engine, its schemas, the sinks, the
 * statistics of event streams (`StatsCollector`), and the commands of the
 * command line as calls (`runConfig`, `replayEvents`, `validateConfig`,
 * `collectStats`), for programs that want the event stream without the
 * command line.
 *
 * ```ts
 * import { defaults, getStdoutSink, runSimulation, Simulation } from "./mod.ts";
 *
 * const sim = new Simulation({ seed: 1, start: Date.UTC(2026, 0, 5), ...defaults });
 * await using sink = getStdoutSink();
 * await runSimulation(sim, sink, { end: Date.UTC(2026, 0, 6) });
 * ```
 *
 * A run assembled the way `evsim` assembles it (plugins, region, sinks from
 * the config, a state file, metrics), without printing anything:
 *
 * ```ts
 * import { loadConfig, planRun, runConfig } from "./mod.ts";
 *
 * const config = await loadConfig(Deno.readTextFile, "config.json");
 * const plan = planRun(config, { duration: "1d" }, Date.now());
 * const result = await runConfig(config, plan, { configFile: "config.json", region: ["CO"] });
 * console.log(result.stats.sessionsCompleted, result.delivery);
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
export {
  builtInSinks,
  chooseSinks,
  collectStats,
  configBaseDir,
  deliveryCounts,
  inputLines,
  inputsFingerprint,
  jsonSchema,
  loadPlan,
  loadRunInputs,
  logReport,
  openInputFile,
  openRunState,
  openStateFile,
  prepareRun,
  readStateFile,
  replayEvents,
  replayReport,
  resolveRunSinks,
  runConfig,
  runPrepared,
  runReport,
  savePlan,
  shardNetwork,
  STATE_VERSION,
  StateFileSchema,
  validateConfig,
  writeStarterFiles,
  writeStateFile,
  writeStatsHtml,
} from "./app/mod.ts";
export type {
  CollectStatsOptions,
  DeliveryCounts,
  InputFile,
  OpenInputOptions,
  PreparedRun,
  PrepareRunOptions,
  ReplayOptions,
  ReplayResult,
  Report,
  RunInputs,
  RunInputsOptions,
  RunPreparedOptions,
  RunResult,
  RunState,
  RunStateOptions,
  SinkChoiceOptions,
  StarterFiles,
  StateFile,
  StatsResult,
  ValidateOptions,
} from "./app/mod.ts";
