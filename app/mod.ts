/**
 * The application layer: evsim's commands as library calls, assembled from
 * the engine (`core/`), the plugins, the sinks and the statistics. The
 * command line (`main.ts`) is a thin shell over these; programs can call them
 * the same way. Nothing here prints or exits: it logs through LogTape and
 * returns results (summaries, delivery counts) for the caller to show.
 *
 * - a run: {@link prepareRun} (plugins and region, shard, state file, sinks)
 *   then {@link runPrepared}, or {@link runConfig} for both;
 * - its OCPP charge points: {@link ocppSettings}, {@link startOcpp};
 * - {@link replayEvents}, {@link validateConfig}, {@link collectStats},
 *   {@link writeStarterFiles}, {@link jsonSchema};
 * - their parts: {@link loadRunInputs}, {@link chooseSinks},
 *   {@link shardNetwork}, {@link openRunState}, {@link openInputFile}.
 *
 * @module
 */
export { csmsReport, csmsSummary, csmsTls } from "./csms.ts";
export { loadTest, mergeReportFiles, readScenario, writeLoadReportHtml } from "./loadtest.ts";
export type { LoadTestRunOptions } from "./loadtest.ts";
export type { CsmsSummary } from "./csms.ts";
export { createCsmsControlApp, prefersHtml, serveCsmsControl } from "./csms_control.ts";
export type { CsmsControl, CsmsControlAppOptions, CsmsControlOptions } from "./csms_control.ts";
export { embeddedStationPorts } from "./csms_stations.ts";
export type { EmbeddedStationPortsOptions } from "./csms_stations.ts";
export { inputLines, openInputFile } from "./input_file.ts";
export type { InputFile, OpenInputOptions } from "./input_file.ts";
export { writeStarterFiles } from "./init.ts";
export type { StarterFiles } from "./init.ts";
export { configBaseDir, loadRunInputs } from "./inputs.ts";
export type { RunInputs, RunInputsOptions } from "./inputs.ts";
export {
  checkOcppPlan,
  formatOcppCounts,
  ocppSettings,
  ocppUndelivered,
  startOcpp,
} from "./ocpp.ts";
export type { OcppCounts, OcppFlags, OcppRun, StartOcppOptions } from "./ocpp.ts";
export { replayEvents, replayReport } from "./replay.ts";
export type { ReplayOptions, ReplayResult } from "./replay.ts";
export { logReport, prepareRun, runConfig, runPrepared, runReport } from "./run.ts";
export type {
  PreparedRun,
  PrepareRunOptions,
  Report,
  RunPreparedOptions,
  RunResult,
} from "./run.ts";
export { jsonSchema } from "./schema.ts";
export { shardNetwork } from "./shard.ts";
export { builtInSinks, chooseSinks, deliveryCounts, resolveRunSinks } from "./sinks.ts";
export type { DeliveryCounts, SinkChoiceOptions } from "./sinks.ts";
export {
  inputsFingerprint,
  loadPlan,
  openRunState,
  openStateFile,
  readStateFile,
  savePlan,
  STATE_VERSION,
  StateFileSchema,
  writeStateFile,
} from "./state_file.ts";
export type { RunState, RunStateOptions, StateFile } from "./state_file.ts";
export { checkHtmlOutput, collectStats, writeStatsHtml } from "./stats.ts";
export type { CollectStatsOptions, StatsResult } from "./stats.ts";
export { validateConfig } from "./validate.ts";
export type { ValidateOptions } from "./validate.ts";
