/**
 * Load tests of a central system: scenarios (`scenario.ts`), the runner
 * (`run.ts`) over a lazy fleet of charge points, what it measures
 * (`recorder.ts`, through `metered_transport.ts`) and the report
 * (`report.ts`). `evsim loadtest FILE` is `app/loadtest.ts` over these.
 *
 * @module
 */
export { meteredFactory, MeteredTransport } from "./metered_transport.ts";
export { latencyOf, LoadRecorder, percentileOf, TIMELINE_BUCKETS_MS } from "./recorder.ts";
export type {
  ActionReport,
  CallOutcome,
  ConnectionReport,
  Latency,
  PhaseReport,
  Second,
} from "./recorder.ts";
export { actionTable, formatLoadReport } from "./report.ts";
export { LoadReportSchema, mergeReports, parseReport } from "./merge.ts";
export { runLoadTest } from "./run.ts";
export type { LoadReport, LoadTestOptions } from "./run.ts";
export { durationOf, kindOf, parseScenario, PhaseSchema, ScenarioSchema } from "./scenario.ts";
export type { Phase, PhaseKind, Scenario } from "./scenario.ts";
