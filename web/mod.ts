/**
 * The live page: what the echo server (and `evsim csms --control-port`) shows
 * at `/` while a run goes on. The server side aggregates every accepted event
 * (for the central system, every call it answered, through
 * {@link CsmsLiveAdapter}) into a {@link LiveState} and
 * sends its frames a few times a second over `GET /live` ({@link LiveFeed},
 * {@link liveResponse}); the page (`client/`, bundled by `deno task web` into
 * `assets.gen.ts`) draws them: a map of the stations, charts, counters and a
 * table of sessions.
 *
 * @module
 */
export { LiveState } from "./live_state.ts";
export type { ChargerInfo, LiveFilter, LiveStateOptions } from "./live_state.ts";
export { LiveFeed } from "./live_feed.ts";
export type { FeedFrame, FeedListener, LiveFeedOptions } from "./live_feed.ts";
export { frameKind, lastEventId, liveResponse } from "./live_sse.ts";
export { livePage, liveRoutes } from "./live_routes.ts";
export type { LiveRoutesOptions } from "./live_routes.ts";
export { CsmsLiveAdapter } from "./csms_live.ts";
export type { CsmsLiveInput, CsmsLiveOptions, StationPorts } from "./csms_live.ts";
export type { LiveResponseOptions } from "./live_sse.ts";
export { SITE_TYPES, STATION_STATUSES } from "./frame.ts";
export type {
  ChartPoint,
  DeltaFrame,
  Frame,
  PortActivity,
  PortView,
  SessionView,
  SnapshotFrame,
  StationDetail,
  StationStatus,
  StationView,
  Totals,
} from "./frame.ts";
