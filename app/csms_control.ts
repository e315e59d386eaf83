/**
 * The HTTP side of `evsim csms --control-port N`: what the central system
 * received, a way to send any call to a connected charge point, for a script
 * (`curl`) to drive the simulation through OCPP, and the live page of what it
 * sees.
 *
 * - `GET /` → for a browser (`Accept` preferring `text/html` to JSON), the
 *   live page; for anything else (`curl`, `fetch`, no `Accept`), the summary
 *   so far, as before the page: the answer varies by `Accept`;
 * - `GET /summary` → the summary so far (as `--json` prints it at the end),
 *   whatever the `Accept`;
 * - `GET /stations` → the charge points, connected or not;
 * - `POST /call/IDENTITY/ACTION` with the call's JSON payload → `200 {"answer": …}`,
 *   `404` for a charge point not connected, `502 {"error", "code"}` for a
 *   CALLERROR or no answer;
 * - the live page's files and data, as the echo server serves them
 *   (`web/live_routes.ts`): `GET /live.js`, `/live.css`, `/us.json`,
 *   `GET /live` (SSE frames), `GET /live/sessions`, `GET /live/stations/:id`.
 *
 * The page is fed by every call the central system answers, translated into
 * evsim events by `web/csms_live.ts`; charge points are placed on the map by
 * their identity (`app/csms_stations.ts`), the station table loaded at the
 * first call, not before.
 *
 * @module
 */
import { getLogger } from "@logtape/logtape";
import { Hono } from "hono";
import type { Csms } from "../ocpp/csms.ts";
import { OcppCallError } from "../ocpp/transport.ts";
import { CsmsLiveAdapter, type StationPorts } from "../web/csms_live.ts";
import { LiveFeed } from "../web/live_feed.ts";
import { livePage, liveRoutes } from "../web/live_routes.ts";
import { LiveState } from "../web/live_state.ts";
import { csmsSummary } from "./csms.ts";
import { embeddedStationPorts } from "./csms_stations.ts";

const logger = getLogger(["evsim", "csms"]);

/** A running control server. */
export interface CsmsControl extends AsyncDisposable {
  /** `http://host:port`. */
  readonly url: string;
}

/** Options of {@link createCsmsControlApp}. */
export interface CsmsControlAppOptions {
  /**
   * How the charge points' identities are made of their station IDs (the
   * `identity` of a run's `ocpp` block), to place them on the live page's map.
   * @default {"{stationId}"}
   */
  identity?: string;
  /**
   * Where each charge point stands, instead of the embedded station table
   * (read with `identity`).
   * @default {the embedded table, `app/csms_stations.ts`}
   */
  stations?: StationPorts;
  /** Wall time between the frames of `GET /live`, in milliseconds. @default {250} */
  liveIntervalMs?: number;
  /**
   * Stops feeding the live page and ends its streams (once written, or after
   * a second) when aborted; abort it before shutting the server down.
   * @default {undefined}
   */
  signal?: AbortSignal;
}

/** Options of {@link serveCsmsControl}. */
export interface CsmsControlOptions extends Omit<CsmsControlAppOptions, "signal"> {
  /** @default {"127.0.0.1"} */
  hostname?: string;
  /** The port; 0 for any free one. */
  port: number;
}

/** A live stream whose client fell behind: its connection is dropped. */
class SlowClientError extends Error {
  constructor(maxPending: number) {
    super(`live page client more than ${maxPending} frames behind: disconnected`);
    this.name = "SlowClientError";
  }
}

/**
 * Whether `accept` (an `Accept` header) asks for HTML rather than JSON: a
 * browser opening the page does (`text/html,…,*\/*;q=0.8`); `curl` and
 * `fetch` (`*\/*`), no header, and a tie go to JSON.
 */
export function prefersHtml(accept: string | undefined | null): boolean {
  let html = 0;
  let json = 0;
  for (const range of (accept ?? "").split(",")) {
    const [type, ...params] = range.split(";").map((part) => part.trim().toLowerCase());
    const q = params.find((p) => p.startsWith("q="));
    const weight = q === undefined ? 1 : Number(q.slice(2));
    if (!(weight >= 0 && weight <= 1)) continue;
    if (type === "text/html" || type === "application/xhtml+xml") html = Math.max(html, weight);
    else if (type === "application/json") json = Math.max(json, weight);
  }
  return html > json;
}

/**
 * The control API and live page of `csms` as a Hono app (see the module
 * documentation), fed from now on with every call `csms` answers.
 */
export function createCsmsControlApp(csms: Csms, options: CsmsControlAppOptions = {}): Hono {
  const closing = options.signal;
  const live = new LiveState();
  const adapter = new CsmsLiveAdapter({
    stations: options.stations ?? embeddedStationPorts({ identity: options.identity }),
  });
  const unsubscribe = csms.onCall((call, answer) => {
    const { chargers, events, problems } = adapter.translate(call, answer);
    if (chargers.length > 0) live.place(chargers);
    for (const event of events) live.add(event);
    for (const problem of problems) logger.warn("Live page: {problem}", { problem });
  });
  const feed = new LiveFeed(live, { intervalMs: options.liveIntervalMs });
  closing?.addEventListener("abort", () => {
    unsubscribe();
    feed.close();
  }, { once: true });

  const app = new Hono({ strict: false });
  app.notFound((c) =>
    c.json({
      error: `no route ${c.req.method} ${c.req.path}: expected GET / (the live page, or the ` +
        "summary), GET /summary, GET /stations, POST /call/IDENTITY/ACTION, or the live page's " +
        "GET /live, GET /live/sessions and GET /live/stations/ID",
    }, 404)
  );
  app.get("/", async (c, next) => {
    c.header("Vary", "Accept");
    if (!prefersHtml(c.req.header("accept"))) return c.json(csmsSummary(csms));
    await next();
  });
  app.get("/summary", (c) => c.json(csmsSummary(csms)));
  app.get("/stations", (c) =>
    c.json(
      [...csms.stations.values()].map((s) => ({
        identity: s.identity,
        version: s.version,
        connected: s.connected,
        boots: s.boots,
      })),
    ));
  app.all("/call/:identity/:action", async (c) => {
    if (c.req.method !== "POST") return c.json({ error: "a call is a POST" }, 405);
    const identity = c.req.param("identity");
    const action = c.req.param("action");
    let payload: unknown;
    try {
      payload = await c.req.json();
    } catch {
      return c.json({ error: "the body must be the call's JSON payload" }, 400);
    }
    if (typeof payload !== "object" || payload === null || Array.isArray(payload)) {
      return c.json({ error: "the payload must be a JSON object" }, 400);
    }
    if (!csms.stations.get(identity)?.connected) {
      return c.json({ error: `${identity} is not connected` }, 404);
    }
    try {
      return c.json({ answer: await csms.call(identity, action, payload as never) });
    } catch (error) {
      const code = error instanceof OcppCallError ? error.code : undefined;
      return c.json({ error: (error as Error).message, ...(code && { code }) }, 502);
    }
  });
  app.route("/", livePage());
  app.route(
    "/",
    liveRoutes(live, feed, { closing, slowClient: (max) => new SlowClientError(max) }),
  );
  return app;
}

/** Serves the control API and live page of `csms` on `hostname:port` (0: any free port). */
export function serveCsmsControl(csms: Csms, options: CsmsControlOptions): CsmsControl {
  const hostname = options.hostname ?? "127.0.0.1";
  const closing = new AbortController();
  const app = createCsmsControlApp(csms, { ...options, signal: closing.signal });
  const server = Deno.serve(
    {
      hostname,
      port: options.port,
      onListen: () => {},
      // A live client that fell behind is dropped on purpose: not an error to report.
      onError: (error) => {
        if (!(error instanceof SlowClientError)) {
          logger.error("Control request failed: {error}", { error });
        }
        return new Response(null, { status: 500 });
      },
    },
    app.fetch,
  );
  const shown = hostname.includes(":") ? `[${hostname}]` : hostname;
  return {
    url: `http://${shown}:${server.addr.port}`,
    [Symbol.asyncDispose]: async () => {
      closing.abort();
      await server.shutdown();
    },
  };
}
