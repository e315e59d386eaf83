/**
 * What the live page receives from `GET /live`: frames, each the network's
 * state summed up (totals, a chart point) and what changed on the map since
 * the frame before. Shared by the server (`live_state.ts`) and the page
 * (`client/`), so it holds types and constants only, nothing that needs Deno.
 *
 * @module
 */
import type { SiteType } from "../core/network.ts";

/** What a station's dot shows, from what its ports do (first that applies, in this order). */
export const STATION_STATUSES = [
  /** A port draws power. */
  "charging",
  /** A vehicle is plugged in and draws none: full, paused by a fault, or waiting. */
  "occupied",
  /** A port is faulted (out of service until repaired). */
  "faulted",
  /** A port is in a planned maintenance window. */
  "maintenance",
  /** Every port is free. */
  "available",
] as const;
export type StationStatus = typeof STATION_STATUSES[number];

/** What one port is doing. */
export type PortActivity = StationStatus;

/** The site types in the order frames list their power. */
export const SITE_TYPES: readonly SiteType[] = ["workplace", "public", "dc_fast", "residential"];

/** A station as the map draws it. */
export interface StationView {
  id: string;
  name: string;
  network: string | null;
  city: string;
  state: string;
  siteType: SiteType;
  latitude: number;
  longitude: number;
  /** Ports (chargers) the station has, as far as known. */
  ports: number;
  status: StationStatus;
}

/** The network's counters as of a frame. Counts are cumulative since the server started. */
export interface Totals {
  /** Power drawn now, in kW, by site type in {@link SITE_TYPES} order. */
  powerKw: number[];
  /** Sessions plugged in now (charging or not). */
  sessions: number;
  /** Ports drawing power now. */
  charging: number;
  /** Drivers who arrived: sessions started and starts refused. */
  arrivals: number;
  /** Starts refused (`session.rejected`). */
  failedStarts: number;
  /** Chargers that went `Faulted`. */
  faults: number;
  /** Events taken in. */
  events: number;
}

/** One point of the charts: the totals at simulated time `t`. */
export interface ChartPoint {
  /** Simulated time, ms since the epoch. */
  t: number;
  powerKw: number[];
  sessions: number;
  arrivals: number;
  failedStarts: number;
  faults: number;
}

/** What every frame carries. */
interface FrameHead {
  /** Consecutive: a client that saw frame `n` needs `n + 1` next. */
  id: number;
  /** The simulated clock: the time of the latest event, ms since the epoch; null before any. */
  time: number | null;
  /** Simulated seconds per wall second over the last frames; null until known. */
  speed: number | null;
  totals: Totals;
}

/** The whole state: every station known and the chart history. Replaces what a client had. */
export interface SnapshotFrame extends FrameHead {
  kind: "snapshot";
  stations: StationView[];
  /** The chart points kept, oldest first. */
  points: ChartPoint[];
}

/** What changed since frame `id - 1`. */
export interface DeltaFrame extends FrameHead {
  kind: "delta";
  /** Stations first seen since the frame before. */
  added: StationView[];
  /** Stations whose status changed: `[id, status]`. */
  changed: [string, StationStatus][];
  /** The totals at `time`, when the clock moved since the frame before. */
  point?: ChartPoint;
}

export type Frame = SnapshotFrame | DeltaFrame;

/** One port of a station, for its tooltip (`GET /live/stations/:id`). */
export interface PortView {
  chargerId: string;
  level: string;
  activity: PortActivity;
  /** The charger's status as its events last said (`Idle`, `In Use`, `Faulted`, …). */
  status: string;
  /** The session plugged in, if any. */
  session?: SessionView;
}

/** A station and what each of its ports does. */
export interface StationDetail extends StationView {
  portList: PortView[];
}

/** A session as the table shows it (`GET /live/sessions`). */
export interface SessionView {
  sessionId: string;
  stationId: string;
  chargerId: string;
  locationName: string;
  city: string;
  siteType: SiteType;
  vehicleType: string;
  /** The status of its latest event (`In Use`, `Interruption`, `Completed`, `Ended`, …). */
  status: string;
  /** Whether the vehicle is still plugged in. */
  active: boolean;
  socPercent: number;
  powerKw: number;
  energyKwh: number;
  /** When charging is expected to be done (start + estimated minutes), ms since the epoch. */
  etaMs: number;
  /** Its latest event's time, ms since the epoch. */
  updatedMs: number;
}
