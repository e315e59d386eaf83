/**
 * The webhook echo server on a socket, and a sink that runs one inside a
 * simulation: `evsim --sink server` serves the events it generates to SSE
 * clients and to `GET /sessions`, as a receiver would see them.
 *
 * ```ts
 * await using server = await serveEcho({ port: 8787 });
 * // curl -N http://127.0.0.1:8787/events
 * ```
 *
 * @module
 */
import { getLogger } from "@logtape/logtape";
import type { SimEvent } from "../core/event.ts";
import { type DisposableSink, newSinkStats, type SinkStats } from "../core/sink.ts";
import { createEchoApp, type EchoAppOptions } from "./echo_app.ts";
import { EventStore } from "./event_store.ts";
import { SinkError } from "../core/errors.ts";

const logger = getLogger(["evsim", "server"]);

/** Options of {@link serveEcho} and {@link getServerSink}. */
export interface EchoServerOptions extends Omit<EchoAppOptions, "signal"> {
  /** The port to listen on; 0 picks any free port (read it from `port` or `url`). @default {0} */
  port?: number;
  /** The address to listen on; `"0.0.0.0"` accepts connections from other hosts. @default {"127.0.0.1"} */
  hostname?: string;
  /** Shuts the server down when aborted, as disposing it does. @default {undefined} */
  signal?: AbortSignal;
  /** Where accepted events are kept; pass one to set its bounds. @default {new EventStore()} */
  store?: EventStore;
}

/** A running echo server. Dispose it to shut it down. */
export interface EchoServer extends AsyncDisposable {
  /** Where it listens, e.g. `http://127.0.0.1:43121`. */
  readonly url: string;
  /** The port it listens on (the one chosen, when asked for port 0). */
  readonly port: number;
  /** What it has accepted. */
  readonly store: EventStore;
  /** Resolves once the server has shut down. */
  readonly finished: Promise<void>;
  /**
   * Accepts `event` as if it had been POSTed (without validating it): stores
   * it and streams it to SSE clients. Returns false for a duplicate `eventId`.
   */
  publish(event: SimEvent): boolean;
}

/** A sink publishing each event on its own echo server; disposing it stops the server. */
export type ServerSink = DisposableSink & {
  /** The server the events go to. */
  readonly server: EchoServer;
  /** `received`: events handed to the sink; `sent`: events accepted (not duplicates). */
  readonly stats: SinkStats;
};

/**
 * Starts the echo server on `options.hostname`:`options.port`, logging where it
 * listens. Disposing it (or aborting `options.signal`) ends open SSE streams,
 * once they have written what they hold, then stops the server.
 */
export function serveEcho(options: EchoServerOptions = {}): Promise<EchoServer> {
  const { signal } = options;
  if (signal?.aborted) return Promise.reject(signal.reason);
  const hostname = options.hostname ?? "127.0.0.1";
  const store = options.store ?? new EventStore();
  const closing = new AbortController();
  const app = createEchoApp(store, { ...options, signal: closing.signal });
  let server: Deno.HttpServer<Deno.NetAddr>;
  try {
    server = Deno.serve({ hostname, port: options.port ?? 0, onListen() {} }, app.fetch);
  } catch (error) {
    const where = `${hostname}:${options.port ?? 0}`;
    const message = error instanceof Error ? error.message : String(error);
    return Promise.reject(
      new SinkError(`echo server: cannot listen on ${where}: ${message}`, { cause: error }),
    );
  }
  const { port } = server.addr;
  const host = server.addr.hostname.includes(":")
    ? `[${server.addr.hostname}]`
    : server.addr.hostname;
  const url = `http://${host}:${port}`;
  logger.info("Echo server listening on {url}", { url });

  let stopping: Promise<void> | undefined;
  const stop = () =>
    stopping ??= (async () => {
      signal?.removeEventListener("abort", onAbort);
      closing.abort();
      await server.shutdown();
      logger.info("Echo server on {url} stopped", { url });
    })();
  const onAbort = () => {
    stop().catch((error) =>
      logger.error("Echo server on {url} failed to stop: {error}", { url, error })
    );
  };
  signal?.addEventListener("abort", onAbort, { once: true });

  return Promise.resolve({
    url,
    port,
    store,
    finished: server.finished,
    publish: (event) => store.add(event),
    [Symbol.asyncDispose]: stop,
  });
}

/**
 * A sink that runs an echo server for the length of a simulation and
 * publishes each event on it, so SSE clients and `GET /sessions` see the run
 * live. Disposing the sink stops the server.
 */
export async function getServerSink(options: EchoServerOptions = {}): Promise<ServerSink> {
  const server = await serveEcho(options);
  const stats = newSinkStats(`server ${server.url}`);
  const sink = (event: SimEvent) => {
    stats.received++;
    if (server.publish(event)) stats.sent++;
  };
  return Object.assign(sink, {
    server,
    stats,
    [Symbol.asyncDispose]: () => server[Symbol.asyncDispose](),
  });
}
