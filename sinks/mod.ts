/**
 * Sinks: where events go. Each is a function of an event (see `core/sink.ts`),
 * made by a `getXxxSink()` factory; `createSinks()` builds them from config.
 *
 * @module
 */
export { deadLetterEvent, memoryDeadLetter, openDeadLetterFile } from "./dead_letter.ts";
export type { DeadLetter, DeadLetterEntry } from "./dead_letter.ts";
export {
  builtInSinkTypes,
  createSinks,
  parseSinkSpec,
  resolveSinks,
  sinkConfigs,
  sinkTypesWith,
} from "./registry.ts";
export type { PlacedSinkEntry, RegisteredSinkType, ResolvedSink, SinkTypes } from "./registry.ts";
export { getDeliverySink } from "./delivery.ts";
export type { DeliveryOptions, DeliverySink, Outcome, Send } from "./delivery.ts";
export { fileSinkType } from "./file.ts";
export { restoreRotatingFile } from "./file_resume.ts";
export type { RestoreResult, SavedFilePosition } from "./file_resume.ts";
export { getHttpSink, httpSinkType } from "./http.ts";
export type { HttpSink, HttpSinkConfig, HttpSinkOptions } from "./http.ts";
export { getMqttSink, mqttSinkType } from "./mqtt.ts";
export type { MqttSink, MqttSinkConfig, MqttSinkOptions } from "./mqtt.ts";
export { getLogSink } from "./log.ts";
export { getEchoMetrics, getMetricsSink, metricsResponse, serveMetrics } from "./metrics.ts";
export type {
  EchoMetrics,
  MetricsServer,
  MetricsSink,
  MetricsSinkOptions,
  ServeMetricsOptions,
} from "./metrics.ts";
export { getNdjsonSink } from "./ndjson.ts";
export type { NdjsonSink, NdjsonSinkOptions, Writer } from "./ndjson.ts";
export { denoRotatingFileDriver, getRotatingFileSink } from "./rotating_file.ts";
export type {
  RotatingFileDriver,
  RotatingFileHandle,
  RotatingFilePosition,
  RotatingFileSink,
  RotatingFileSinkOptions,
} from "./rotating_file.ts";
export { getServerSink, serveEcho, serverSinkType } from "./server.ts";
export type { EchoServer, EchoServerOptions, ServerSink } from "./server.ts";
export { createEchoApp } from "./echo_app.ts";
export type { EchoAppOptions, Problem } from "./echo_app.ts";
export { EventStore } from "./event_store.ts";
export type {
  AddOptions,
  EventStoreOptions,
  EventStoreStats,
  SessionFilter,
  SessionState,
  StoreListener,
  SubscribeOptions,
} from "./event_store.ts";
export { getStdoutSink, stdoutSinkType } from "./stdout.ts";
