/**
 * The webhook echo server on a socket, and a sink that runs one inside a
 * simulation: `evsim --sink server` serves the events it generates to SSE
 * clients and to `GET /sessions`, as a receiver would see them, and shows
 * them on the live page at `/`.
 *
 * ```ts
 * await using server = await serveEcho({ port: 8787 });
 * // curl -N http://127.0.0.1:8787/events
 * ```
 *
 * Slow clients: a request body must come within `bodyTimeoutMs` (408), and an
 * SSE client too far behind is disconnected (see {@link EchoAppOptions}). But
 * request *headers* have no deadline, nor does an idle keep-alive connection:
 * `Deno.serve` in Deno 2.9 has no such option (its `ServeTcpOptions` are
 * `port`, `hostname`, `reusePort`, `tcpBacklog`, `signal`, `onError`,
 * `onListen` and `automaticCompression`), hyper's header read timeout stays
 * off without the timer Deno does not give it, and the handler only runs once
 * the headers are in, so nothing here can close a socket that sends its
 * headers slowly or not at all (denoland/deno#3515; #34172 proposes a
 * `keepAliveTimeout`). Put a reverse proxy with a header timeout in front of
 * a server others can reach.
 *
 * @module
 */
import { getLogger } from "@logtape/logtape";
import * as v from "valibot";
import type { SimEvent } from "../core/event.ts";
import { type DisposableSink, newSinkStats, type SinkStats } from "../core/sink.ts";
import type { EchoAppOptions } from "./echo_app.ts";
import { EventStore } from "./event_store.ts";
import { AddressInUseError, SinkError } from "../core/errors.ts";
import { defineSinkType, secretAccess, secretOption } from "../core/sink_type.ts";

const logger = getLogger(["evsim", "server"]);

/**
 * The longest the server sink takes events without letting the event loop
 * run, in milliseconds of wall time: what a client of its server may wait
 * for an answer while the run is busy.
 */
const YIELD_EVERY_MS = 50;
/** How the server sink hands the store its run's events. */
const OWN = { own: true } as const;

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
  /**
   * How long shutting down waits for the responses in flight to be written
   * (SSE streams end once they have written what they hold), in milliseconds,
   * before closing every connection: an SSE client that never reads would
   * otherwise hold the server open for good.
   * @default {5000}
   */
  shutdownTimeoutMs?: number;
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
 * once they have written what they hold, waits for the responses in flight
 * (at most `shutdownTimeoutMs`), then closes every connection.
 */
export async function serveEcho(options: EchoServerOptions = {}): Promise<EchoServer> {
  const { signal } = options;
  if (signal?.aborted) throw signal.reason;
  // Loaded here, not at start-up: the app brings Hono and prom-client, which a run without
  // an echo server does not need.
  const { createEchoApp, SlowClientError } = await import("./echo_app.ts");
  if (signal?.aborted) throw signal.reason;
  const hostname = options.hostname ?? "127.0.0.1";
  const store = options.store ?? new EventStore();
  const shutdownTimeoutMs = options.shutdownTimeoutMs ?? 5000;
  /** Ends the SSE streams, which the app then closes once written. */
  const closing = new AbortController();
  const app = createEchoApp(store, { ...options, signal: closing.signal });
  /** Closes every connection at once, written or not: `Deno.serve`'s signal. */
  const closeAll = new AbortController();
  /** The responses not yet written, each settling once it is (or cannot be). */
  const inFlight = new Set<Promise<void>>();
  let drained: (() => void) | undefined;
  const handler = (request: Request, info: Deno.ServeHandlerInfo<Deno.NetAddr>) => {
    const written: Promise<void> = info.completed.catch(() => {}).then(() => {
      inFlight.delete(written);
      if (inFlight.size === 0) drained?.();
    });
    inFlight.add(written);
    return app.fetch(request);
  };
  let server: Deno.HttpServer<Deno.NetAddr>;
  try {
    server = Deno.serve(
      {
        hostname,
        port: options.port ?? 0,
        signal: closeAll.signal,
        onListen() {},
        // Errors of a response body after its headers went out (the app
        // answers the others): its own end of an SSE client too far behind,
        // which makes Deno drop the connection, or a failure, logged.
        onError(error) {
          if (!(error instanceof SlowClientError)) {
            logger.error("Echo server: a response failed: {error}", { error });
          }
          return new Response(null, { status: 500 });
        },
      },
      handler,
    );
  } catch (error) {
    const where = `${hostname}:${options.port ?? 0}`;
    const message = `echo server: cannot listen on ${where}: ${
      error instanceof Error ? error.message : String(error)
    }`;
    throw error instanceof Deno.errors.AddrInUse
      ? new AddressInUseError(message, { hostname, port: options.port ?? 0, cause: error })
      : new SinkError(message, { cause: error });
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
      // Waits for the responses in flight, then closes every connection.
      // Not `server.shutdown()`: it also waits for a request body that never
      // ends (one answered 408, say) and for a client that never reads, and
      // cannot then be cut short (aborting the signal after it throws
      // BadResource in Deno 2.9).
      let timer: ReturnType<typeof setTimeout> | undefined;
      const written = inFlight.size === 0 || await Promise.race([
        new Promise<boolean>((resolve) => drained = () => resolve(true)),
        new Promise<boolean>((resolve) => timer = setTimeout(resolve, shutdownTimeoutMs, false)),
      ]);
      clearTimeout(timer);
      if (!written) {
        logger.warning(
          "Echo server on {url}: {count} response(s) still being written after " +
            "{shutdownTimeoutMs} ms; closing their connections",
          { url, count: inFlight.size, shutdownTimeoutMs },
        );
      }
      closeAll.abort();
      await server.finished;
      logger.info("Echo server on {url} stopped", { url });
    })();
  const onAbort = () => {
    stop().catch((error) =>
      logger.error("Echo server on {url} failed to stop: {error}", { url, error })
    );
  };
  signal?.addEventListener("abort", onAbort, { once: true });

  return {
    url,
    port,
    store,
    finished: server.finished,
    publish: (event) => store.add(event),
    [Symbol.asyncDispose]: stop,
  };
}

/**
 * A sink that runs an echo server for the length of a simulation and
 * publishes each event on it, so SSE clients, `GET /sessions` and the live
 * page at `/` see the run live; it says where (category `evsim·notice`, which
 * the command line prints). Disposing the sink stops the server.
 */
export async function getServerSink(options: EchoServerOptions = {}): Promise<ServerSink> {
  const server = await serveEcho(options);
  getLogger(["evsim", "notice"]).info("echo server listening on {url}, live page at {page}", {
    url: server.url,
    page: `${server.url}/`,
  });
  const stats = newSinkStats(`server ${server.url}`);
  const { store } = server;
  let count = 0;
  let since = performance.now();
  const sink = (event: SimEvent) => {
    stats.received++;
    // The run's own events: each event ID is new (see `AddOptions.own`).
    if (store.add(event, OWN)) stats.sent++;
    // A run behind its schedule (or a backfill) never waits, so the server would get no
    // turn of the event loop to answer its clients: it gets one every YIELD_EVERY_MS.
    if ((++count & 255) === 0 && performance.now() - since >= YIELD_EVERY_MS) {
      return new Promise<void>((resolve) =>
        setTimeout(() => {
          since = performance.now();
          resolve();
        }, 0)
      );
    }
  };
  return Object.assign(sink, {
    server,
    stats,
    [Symbol.asyncDispose]: () => server[Symbol.asyncDispose](),
  });
}

/** The `server` sink type's config entry (every field but `type`). */
export const ServerSinkSchema = v.strictObject({
  /** Port of the webhook echo server (0: any free port). */
  port: v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(65535)),
  host: v.optional(v.string(), "127.0.0.1"),
  /** Bearer token clients must send to POST events. */
  token: v.optional(v.string()),
  /** Name of an environment variable holding the token. */
  tokenEnv: v.optional(v.string()),
});

/** A validated `server` sink config entry. */
export type ServerSinkConfig = v.InferOutput<typeof ServerSinkSchema>;

/** The `server` sink type: `--sink server` (port 8787) or `--sink server:PORT`. */
export const serverSinkType = defineSinkType({
  schema: ServerSinkSchema,
  shorthand: {
    usage: "server:PORT",
    parse: (spec) =>
      /^server(:\d+)?$/.test(spec)
        ? { port: spec === "server" ? 8787 : Number(spec.slice(7)) }
        : undefined,
  },
  needs: (options: ServerSinkConfig) => [
    { net: { host: options.host, port: options.port }, option: "port" },
    ...secretAccess(options.token, options.tokenEnv, "tokenEnv"),
  ],
  create: (options: ServerSinkConfig, context) =>
    getServerSink({
      port: options.port,
      hostname: options.host,
      chargers: context.chargers,
      token: secretOption(
        options.token,
        options.tokenEnv,
        `${context.where}.tokenEnv`,
        context.env,
      ),
    }),
});
