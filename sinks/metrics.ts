/**
 * Prometheus metrics, with prom-client: a sink that counts a run's events and
 * reads the other sinks' stats at scrape time, the echo server's counters, and
 * a small server answering `GET /metrics` in the text exposition format.
 *
 * ```ts
 * const metrics = getMetricsSink(sinks);
 * await using server = serveMetrics(metrics.registry, { port: 9464 });
 * // curl http://127.0.0.1:9464/metrics
 * ```
 *
 * Counters are kept as plain numbers while the run goes and handed to
 * prom-client when scraped, so counting costs the run next to nothing.
 *
 * @module
 */
import { getLogger } from "@logtape/logtape";
import { Counter, Gauge, Histogram, type Metric, Registry } from "prom-client";
import { EVENT_TYPES } from "../core/event.ts";
import { AddressInUseError } from "../core/errors.ts";
import { LATENCY_BUCKETS_MS, type Sink, type SinkStats } from "../core/sink.ts";
import type { EventStore } from "./event_store.ts";

const logger = getLogger(["evsim", "metrics"]);

/** Options of {@link getMetricsSink}. */
export interface MetricsSinkOptions {
  /** Simulated time before the first event, epoch ms. @default {0} */
  start?: number;
  /** The registry to add the metrics to. @default {a new Registry} */
  registry?: Registry;
}

/** A sink that counts the events it sees; `registry` holds its metrics and the sinks'. */
export type MetricsSink = Sink & { readonly registry: Registry };

/** The {@link SinkStats} fields published as counters. */
type CounterField =
  | "received"
  | "sent"
  | "acknowledged"
  | "retried"
  | "deadLettered"
  | "dropped"
  | "errors"
  | "bytes";

/** Per-sink counters: the {@link SinkStats} field, the metric name, its help. */
const SINK_COUNTERS: readonly [CounterField, string, string][] = [
  ["received", "evsim_sink_received_total", "Events handed to the sink."],
  ["sent", "evsim_sink_sent_total", "Events written or sent (a retried event counts once)."],
  ["acknowledged", "evsim_sink_acknowledged_total", "Events the receiver confirmed."],
  ["retried", "evsim_sink_retried_total", "Retried requests."],
  ["deadLettered", "evsim_sink_dead_lettered_total", "Events dead-lettered."],
  ["dropped", "evsim_sink_dropped_total", "Events dropped because the sink's buffer was full."],
  ["errors", "evsim_sink_errors_total", "Errors the sink raised."],
  ["bytes", "evsim_sink_sent_bytes_total", "Bytes written or sent."],
];

/**
 * A sink counting events by type, active sessions (from `session.started`
 * until `session.ended`; a session first seen later, as after a warm-up,
 * from its first event) and simulated time, whose `registry` also publishes
 * the stats of each of `sinks` under the label `sink` (the stats' `name`).
 * Sinks without stats are left out.
 */
export function getMetricsSink(
  sinks: readonly Sink[] = [],
  options: MetricsSinkOptions = {},
): MetricsSink {
  const registry = options.registry ?? new Registry();
  const byType = new Map<string, number>(EVENT_TYPES.map((type) => [type, 0]));
  const active = new Set<string>();
  let lastTime: string | undefined;

  new Counter({
    name: "evsim_events_total",
    help: "Events emitted, by type.",
    labelNames: ["type"],
    registers: [registry],
    collect() {
      this.reset();
      for (const [type, n] of byType) this.inc({ type }, n);
    },
  });
  new Gauge({
    name: "evsim_active_sessions",
    help: "Sessions started and not yet ended (session.started to session.ended).",
    registers: [registry],
    collect() {
      this.set(active.size);
    },
  });
  new Gauge({
    name: "evsim_simulated_time_seconds",
    help: "Simulated time of the latest event, Unix seconds.",
    registers: [registry],
    collect() {
      this.set((lastTime === undefined ? options.start ?? 0 : Date.parse(lastTime)) / 1000);
    },
  });
  registerSinkMetrics(registry, sinks);

  const sink: Sink = (event) => {
    byType.set(event.type, (byType.get(event.type) ?? 0) + 1);
    if (event.type === "session.ended") active.delete(event.sessionId);
    else if ("sessionId" in event) active.add(event.sessionId);
    lastTime = event.time;
  };
  return Object.assign(sink, { registry });
}

/** The stats of `sinks` that have some, labelled by name; a repeated name gets ` #2`, ` #3` … */
function labelled(sinks: readonly Sink[]): [string, SinkStats][] {
  const seen = new Map<string, number>();
  const out: [string, SinkStats][] = [];
  for (const sink of sinks) {
    const stats = sink.stats;
    if (!stats) continue;
    const n = (seen.get(stats.name) ?? 0) + 1;
    seen.set(stats.name, n);
    out.push([n === 1 ? stats.name : `${stats.name} #${n}`, stats]);
  }
  return out;
}

/** Adds to `registry` the delivery counters, queue depth and latency of `sinks`, read when scraped. */
function registerSinkMetrics(registry: Registry, sinks: readonly Sink[]): void {
  for (const [field, name, help] of SINK_COUNTERS) {
    new Counter({
      name,
      help,
      labelNames: ["sink"],
      registers: [registry],
      collect() {
        this.reset();
        for (const [sink, stats] of labelled(sinks)) this.inc({ sink }, stats[field]);
      },
    });
  }
  new Gauge({
    name: "evsim_sink_queue_depth",
    help: "Events the sink holds now: buffered, queued or in flight.",
    labelNames: ["sink"],
    registers: [registry],
    collect() {
      this.reset();
      for (const [sink, stats] of labelled(sinks)) this.set({ sink }, stats.queued ?? 0);
    },
  });
  registry.registerMetric(latencyHistogram(sinks));
}

/**
 * The sinks' request latencies as a histogram, built from the buckets the
 * sinks already keep ({@link LATENCY_BUCKETS_MS}) rather than observed again:
 * prom-client takes any metric with a `get()`.
 */
function latencyHistogram(sinks: readonly Sink[]): Metric {
  const name = "evsim_sink_delivery_latency_seconds";
  const help = "Latency of delivery requests (HTTP, MQTT), seconds.";
  const metric = {
    name,
    help,
    type: "histogram",
    aggregator: "sum",
    get() {
      const values = [];
      for (const [sink, { latency }] of labelled(sinks)) {
        let cumulative = 0;
        for (const [i, ms] of LATENCY_BUCKETS_MS.entries()) {
          cumulative += latency.buckets[i];
          const le = ms === Infinity ? "+Inf" : ms / 1000;
          values.push({ metricName: `${name}_bucket`, labels: { sink, le }, value: cumulative });
        }
        values.push({ metricName: `${name}_sum`, labels: { sink }, value: latency.totalMs / 1000 });
        values.push({ metricName: `${name}_count`, labels: { sink }, value: latency.count });
      }
      return Promise.resolve({ name, help, type: "histogram", values, aggregator: "sum" });
    },
    reset() {},
  };
  return metric as unknown as Metric;
}

/** The echo server's metrics; the app reports each request through `observeRequest`. */
export interface EchoMetrics {
  readonly registry: Registry;
  /** Counts one answered request: `route` is a known route or `"other"`. */
  observeRequest(method: string, route: string, status: number, seconds: number): void;
}

/**
 * The echo server's metrics: what `store` counts (events accepted by type,
 * duplicates, rejected, sessions, SSE clients), read when scraped, and the
 * requests answered.
 */
export function getEchoMetrics(store: EventStore): EchoMetrics {
  const registry = new Registry();
  new Counter({
    name: "evsim_echo_events_total",
    help: "Events accepted, by type.",
    labelNames: ["type"],
    registers: [registry],
    collect() {
      this.reset();
      for (const [type, n] of Object.entries(store.stats().byType)) this.inc({ type }, n);
    },
  });
  const counts = [
    [
      "evsim_echo_duplicates_total",
      "Events dropped because their key was seen before.",
      "duplicates",
    ],
    ["evsim_echo_rejected_total", "Events refused as invalid.", "rejected"],
  ] as const;
  for (const [name, help, field] of counts) {
    new Counter({
      name,
      help,
      registers: [registry],
      collect() {
        this.reset();
        this.inc(store.stats()[field]);
      },
    });
  }
  new Gauge({
    name: "evsim_echo_active_sessions",
    help: "Tracked sessions whose latest event is not completed, failed or ended.",
    registers: [registry],
    collect() {
      this.set(store.stats().activeSessions);
    },
  });
  new Gauge({
    name: "evsim_echo_tracked_sessions",
    help: "Sessions tracked, active or ended.",
    registers: [registry],
    collect() {
      this.set(store.stats().sessions);
    },
  });
  new Gauge({
    name: "evsim_echo_sse_clients",
    help: "Clients streaming GET /events.",
    registers: [registry],
    collect() {
      this.set(store.subscribers);
    },
  });
  const requests = new Counter({
    name: "evsim_echo_requests_total",
    help: "Requests answered, by method, route and status.",
    labelNames: ["method", "route", "status"],
    registers: [registry],
  });
  const duration = new Histogram({
    name: "evsim_echo_request_duration_seconds",
    help: "Time to answer a request (to the response headers, for streams), seconds.",
    labelNames: ["method", "route"],
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  return {
    registry,
    observeRequest(method, route, status, seconds) {
      requests.inc({ method, route, status });
      duration.observe({ method, route }, seconds);
    },
  };
}

/** Options of {@link serveMetrics}. */
export interface ServeMetricsOptions {
  /** The port to listen on; 0 picks any free port (read it from `port`). @default {0} */
  port?: number;
  /** The address to listen on. @default {"127.0.0.1"} */
  hostname?: string;
}

/** A running metrics server. Dispose it to shut it down. */
export interface MetricsServer extends AsyncDisposable {
  /** The scrape address, e.g. `http://127.0.0.1:9464/metrics`. */
  readonly url: string;
  /** The port it listens on (the one chosen, when asked for port 0). */
  readonly port: number;
  /** Resolves once the server has shut down. */
  readonly finished: Promise<void>;
}

/** The answer to a scrape of `registry`: 200 with the text format, or 500 if a collector fails. */
export async function metricsResponse(registry: Registry): Promise<Response> {
  try {
    return new Response(await registry.metrics(), {
      headers: { "Content-Type": registry.contentType },
    });
  } catch (error) {
    logger.error("Cannot collect the metrics: {error}", { error });
    return new Response(`cannot collect the metrics: ${(error as Error).message}\n`, {
      status: 500,
    });
  }
}

/**
 * Serves `registry` at `GET /metrics` on `options.hostname`:`options.port`,
 * logging where. Throws if it cannot listen.
 */
export function serveMetrics(registry: Registry, options: ServeMetricsOptions = {}): MetricsServer {
  const hostname = options.hostname ?? "127.0.0.1";
  const handler = (request: Request): Response | Promise<Response> => {
    if (new URL(request.url).pathname !== "/metrics") {
      return new Response("not found: metrics are at GET /metrics\n", { status: 404 });
    }
    if (request.method !== "GET" && request.method !== "HEAD") {
      return new Response("method not allowed: use GET\n", {
        status: 405,
        headers: { Allow: "GET, HEAD" },
      });
    }
    return metricsResponse(registry);
  };
  let server: Deno.HttpServer<Deno.NetAddr>;
  try {
    server = Deno.serve({ hostname, port: options.port ?? 0, onListen() {} }, handler);
  } catch (error) {
    const where = `${hostname}:${options.port ?? 0}`;
    const message = `metrics server: cannot listen on ${where}: ${(error as Error).message}`;
    if (error instanceof Deno.errors.AddrInUse) {
      throw new AddressInUseError(message, { hostname, port: options.port ?? 0, cause: error });
    }
    throw new Error(message, { cause: error });
  }
  const { port } = server.addr;
  const host = server.addr.hostname.includes(":")
    ? `[${server.addr.hostname}]`
    : server.addr.hostname;
  const url = `http://${host}:${port}/metrics`;
  logger.info("Metrics server listening on {url}", { url });
  let stopping: Promise<void> | undefined;
  return {
    url,
    port,
    finished: server.finished,
    [Symbol.asyncDispose]: () =>
      stopping ??= server.shutdown().then(() => {
        logger.info("Metrics server on {url} stopped", { url });
      }),
  };
}
