/**
 * The core: the engine, its physics and randomness, the event and config
 * schemas, and the run loop. Web standards only, so it runs anywhere.
 *
 * @module
 */
export { ArrivalProcess, defaultDemand, hourWeights, populationFactor } from "./arrivals.ts";
export type { DefaultDemandOptions, DemandModel, DemandProfile, PeakHours } from "./arrivals.ts";
export { ChargeCurve } from "./charge_curve.ts";
export type { CurvePoint } from "./charge_curve.ts";
export { systemClock } from "./clock.ts";
export { applyCommand, CommandInbox } from "./command.ts";
export type { Command, CommandOutcome } from "./command.ts";
export type { Clock } from "./clock.ts";
export {
  ConfigSchema,
  DataFilesSchema,
  OcppConfigSchema,
  PeakHoursSchema,
  PluginConfigSchema,
  SinkEntrySchema,
} from "./config.ts";
export type { Config, ConfigInput, OcppConfig, SinkEntry } from "./config.ts";
export {
  AddressInUseError,
  ConfigError,
  formatIssues,
  parseJson,
  parseWith,
  PluginError,
  ProblemsError,
  SinkError,
  UsageError,
} from "./errors.ts";
export {
  ChargerStatusEventSchema,
  EVENT_TYPES,
  EventSchema,
  RejectReasonSchema,
  RepairSchema,
  SessionEndedEventSchema,
  SessionEndEventSchema,
  SessionEventSchema,
  SessionRejectedEventSchema,
  StatusSchema,
} from "./event.ts";
export type {
  ChargerStatusEvent,
  EventType,
  RejectReason,
  Repair,
  SessionEndedEvent,
  SessionEndEvent,
  SessionEvent,
  SessionRejectedEvent,
  SimEvent,
  Status,
} from "./event.ts";
export { loadConfig, loadInputs, readDataFile, readJson, resolvePath } from "./load.ts";
export type { DataFileContents, Defaults, ReadTextFile } from "./load.ts";
export { isTimeZone, localClock } from "./local_time.ts";
export type { LocalTime } from "./local_time.ts";
export { ModelSchema } from "./model.ts";
export type { Model } from "./model.ts";
export {
  ChargerSchema,
  ChargersSchema,
  checkNetwork,
  CitiesSchema,
  CitySchema,
  flattenChargers,
  LevelSchema,
  SiteTypeSchema,
  VehicleSchema,
  VehiclesSchema,
} from "./network.ts";
export type { Charger, City, Level, Network, SiteType, Vehicle } from "./network.ts";
export { definePlugin } from "./plugin.ts";
export type { Plugin, PluginContext } from "./plugin.ts";
export { loadPlugins } from "./plugin_loader.ts";
export type {
  LoadedPlugin,
  LoadPluginsOptions,
  PluginSpec,
  ShippedPlugins,
} from "./plugin_loader.ts";
export { applyPlugins } from "./plugin_pipeline.ts";
export type { HostContext, PluginOutput } from "./plugin_pipeline.ts";
export { DEFAULT_START, describePlan, planRun } from "./plan.ts";
export type { Overrides, RunPlan, TimeMode } from "./plan.ts";
export { deriveState, Random } from "./random.ts";
export type { RandomState } from "./random.ts";
export { runSimulation, warmUp } from "./run.ts";
export type { Progress, RunEnd, RunOptions } from "./run.ts";
export { Simulation } from "./simulation.ts";
export type { SimulationOptions, SimulationStats } from "./simulation.ts";
export {
  dispose,
  fanOut,
  isolate,
  LATENCY_BUCKETS_MS,
  latencyQuantile,
  newSinkStats,
  recordLatency,
} from "./sink.ts";
export type { DisposableSink, LatencyStats, Sink, SinkStats } from "./sink.ts";
export { defineSinkType, secretAccess, secretOption, urlAccess } from "./sink_type.ts";
export type {
  SavedPosition,
  SinkAccess,
  SinkPositions,
  SinkType,
  SinkTypeContext,
} from "./sink_type.ts";
export { inShard, parseShard, shardOf } from "./shard.ts";
export type { Shard } from "./shard.ts";
export { fingerprint, SimulationSnapshotSchema } from "./snapshot.ts";
export type { SimulationSnapshot } from "./snapshot.ts";
export { readEvents, readLines } from "./ndjson.ts";
export type { BadLine, ReadEventsOptions } from "./ndjson.ts";
export { formatSinkStats, formatSummary } from "./summary.ts";
export { parseDuration, parseInstant } from "./time.ts";
