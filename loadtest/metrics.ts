/**
 * A load test's Prometheus metrics while it runs (`evsim loadtest FILE
 * --metrics-port N`), with prom-client: calls by action and outcome, their
 * latency, CALLERRORs by code, the charge points online, connections, and
 * the phase running. Counters are read from the recorder when scraped;
 * latency is observed as each call ends.
 *
 * @module
 */
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import type { LoadRecorder } from "./recorder.ts";

/** Latency buckets, seconds: 1 ms to 30 s. */
const BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** The registry of `recorder`'s metrics; it observes each call from now on. */
export function loadTestRegistry(recorder: LoadRecorder): Registry {
  const registry = new Registry();
  const latency = new Histogram({
    name: "evsim_loadtest_call_latency_seconds",
    help: "From sending a call to its answer (results and CALLERRORs), seconds, by action.",
    labelNames: ["action"],
    buckets: BUCKETS,
    registers: [registry],
  });
  const errors = new Counter({
    name: "evsim_loadtest_call_errors_total",
    help: "Calls answered with a CALLERROR, by action and error code.",
    labelNames: ["action", "code"],
    registers: [registry],
  });
  recorder.onCall = (action, outcome, ms) => {
    if (outcome.type === "result" || outcome.type === "callError") {
      latency.observe({ action }, ms / 1000);
    }
    if (outcome.type === "callError") errors.inc({ action, code: outcome.code });
  };
  new Counter({
    name: "evsim_loadtest_calls_total",
    help: "Calls the charge points made, by action and outcome (result, callError, timeout, lost).",
    labelNames: ["action", "outcome"],
    registers: [registry],
    collect() {
      this.reset();
      for (const { action, outcome, count } of recorder.callCounts()) {
        this.inc({ action, outcome }, count);
      }
    },
  });
  new Gauge({
    name: "evsim_loadtest_charge_points_online",
    help: "Charge points connected now.",
    registers: [registry],
    collect() {
      this.set(recorder.online);
    },
  });
  new Counter({
    name: "evsim_loadtest_connections_total",
    help: "Connections opened (kind connect), opened again after a drop (reconnect), dropped.",
    labelNames: ["kind"],
    registers: [registry],
    collect() {
      this.reset();
      this.inc({ kind: "connect" }, recorder.connects);
      this.inc({ kind: "reconnect" }, recorder.reconnects);
      this.inc({ kind: "drop" }, recorder.disconnects);
    },
  });
  new Gauge({
    name: "evsim_loadtest_phase",
    help: "The phase running (1-based; 0 before the first), labelled with its kind.",
    labelNames: ["kind"],
    registers: [registry],
    collect() {
      this.reset();
      const { index, kind } = recorder.phase;
      this.set({ kind }, index + 1);
    },
  });
  return registry;
}
