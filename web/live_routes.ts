/**
 * The live page's routes as Hono apps, for every server that shows it (the
 * echo server, `evsim csms --control-port`), mounted with `app.route("/", …)`:
 *
 * | Route                    | Does                                                        |
 * | ------------------------ | ----------------------------------------------------------- |
 * | `GET /`                  | the page (map, charts, sessions)                            |
 * | `GET /live.js`, `/live.css`, `/us.json` | its script, styles and map outline           |
 * | `GET /live`              | the state as SSE frames, ~4 a second (`live_feed.ts`)       |
 * | `GET /live/sessions`     | sessions plugged in and lately ended, `?city=…&siteType=…&status=…&limit=…` |
 * | `GET /live/stations/:id` | a station and what each of its ports does                   |
 *
 * {@link livePage} holds the files (no data: a server may serve them without
 * its token), {@link liveRoutes} the data. A refused request is answered
 * with JSON `{ "error": … }` saying what was wrong.
 *
 * @module
 */
import { Hono } from "hono";
import * as v from "valibot";
import { SiteTypeSchema } from "../core/network.ts";
import * as assets from "./assets.gen.ts";
import { STATION_STATUSES, type StationStatus } from "./frame.ts";
import type { LiveFeed } from "./live_feed.ts";
import { lastEventId, liveResponse } from "./live_sse.ts";
import type { LiveFilter, LiveState } from "./live_state.ts";

/** The page's files: path, content type, text. */
export const LIVE_PAGE_FILES: readonly (readonly [string, string, string])[] = [
  ["/", "text/html; charset=utf-8", assets.html],
  ["/live.js", "text/javascript; charset=utf-8", assets.js],
  ["/live.css", "text/css; charset=utf-8", assets.css],
  ["/us.json", "application/json", assets.usAtlas],
];

/** `GET /live/sessions` without `?limit`, and the largest `?limit`. */
const SESSIONS_LIMIT = 100;
const MAX_SESSIONS_LIMIT = 1000;

/** The page's files (see {@link LIVE_PAGE_FILES}), never cached stale. */
export function livePage(): Hono {
  const app = new Hono();
  for (const [path, type, text] of LIVE_PAGE_FILES) {
    app.get(path, (c) => c.body(text, 200, { "content-type": type, "cache-control": "no-cache" }));
  }
  return app;
}

/** Options of {@link liveRoutes}. */
export interface LiveRoutesOptions {
  /**
   * Ends every `GET /live` stream when aborted (once written, or after a
   * second); later ones get 503.
   * @default {undefined}
   */
  closing?: AbortSignal;
  /** What a stream fails with when its client falls behind: the server drops the connection. */
  slowClient: (maxPending: number) => Error;
}

/** `GET /live`, `GET /live/sessions` and `GET /live/stations/:id` of `live`, framed by `feed`. */
export function liveRoutes(live: LiveState, feed: LiveFeed, options: LiveRoutesOptions): Hono {
  const { closing } = options;
  const app = new Hono();
  app.get("/live", (c) => {
    if (closing?.aborted) return c.json({ error: "the server is shutting down" }, 503);
    return liveResponse(
      feed,
      lastEventId(c.req.header("last-event-id"), c.req.query("lastEventId")),
      { closing, slowClient: options.slowClient },
    );
  });

  app.get("/live/sessions", (c) => {
    const filter: LiveFilter = { city: c.req.query("city") };
    const siteType = c.req.query("siteType");
    if (siteType !== undefined) {
      if (!v.is(SiteTypeSchema, siteType)) {
        return c.json({
          error: `unknown site type ${JSON.stringify(siteType)} in ?siteType: expected one of ` +
            SiteTypeSchema.options.join(", "),
        }, 400);
      }
      filter.siteType = siteType;
    }
    const status = c.req.query("status");
    if (status !== undefined) {
      if (!(STATION_STATUSES as readonly string[]).includes(status)) {
        return c.json({
          error: `unknown station status ${JSON.stringify(status)} in ?status: expected one of ` +
            STATION_STATUSES.join(", "),
        }, 400);
      }
      filter.status = status as StationStatus;
    }
    const text = c.req.query("limit");
    const limit = text === undefined ? SESSIONS_LIMIT : /^\d{1,16}$/.test(text) ? Number(text) : 0;
    if (!(limit >= 1 && limit <= MAX_SESSIONS_LIMIT)) {
      return c.json({
        error: `?limit must be an integer from 1 to ${MAX_SESSIONS_LIMIT}, got ${
          JSON.stringify(text)
        }`,
      }, 400);
    }
    return c.json(live.sessions(filter, limit));
  });

  app.get("/live/stations/:id", (c) => {
    const id = c.req.param("id");
    const station = live.station(id);
    if (!station) return c.json({ error: `no station ${JSON.stringify(id)}` }, 404);
    return c.json(station);
  });
  return app;
}
