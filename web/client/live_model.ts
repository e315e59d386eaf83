/**
 * The live page's data, without the DOM: the frames of `GET /live` applied in
 * order to the stations and the chart series, the counters' rates per
 * simulated hour, and the filters the map and the table share. Pure, so that
 * it is unit-tested in Deno; `main.ts` draws what it holds.
 *
 * @module
 */
import {
  type ChartPoint,
  type Frame,
  SITE_TYPES,
  type StationStatus,
  type StationView,
  type Totals,
} from "../frame.ts";

/** What applying a frame did. */
export type Applied =
  /** A snapshot: everything was replaced. */
  | "reset"
  /** The next delta, applied. */
  | "applied"
  /** A delta that does not follow the last frame: not applied; start over with a snapshot. */
  | "gap";

/** The filters of the map and the table; an empty field matches everything. */
export interface Filter {
  city: string;
  siteType: string;
  status: string;
}

/** The chart series, as uPlot takes them: x (seconds), then one array per line. */
export interface Series {
  /** Simulated time of each point, in seconds since the epoch. */
  t: number[];
  /** Power in kW by site type, in `SITE_TYPES` order. */
  powerKw: number[][];
  sessions: number[];
  /** Per simulated hour, over the hour before each point (or since the first point). */
  arrivalsPerHour: number[];
  failedStartsPerHour: number[];
  faultsPerHour: number[];
}

/** Options of {@link LiveModel}. */
export interface LiveModelOptions {
  /** Chart points kept, the oldest dropped first. @default {2400} */
  maxPoints?: number;
  /** The window of the per-hour rates, in simulated milliseconds. @default {3600000} */
  rateWindowMs?: number;
}

const HOUR_MS = 3_600_000;

/** The live state as the page holds it, fed frame by frame. */
export class LiveModel {
  readonly stations = new Map<string, StationView>();
  /** Chart points, oldest first. */
  points: ChartPoint[] = [];
  totals: Totals | undefined;
  time: number | null = null;
  speed: number | null = null;
  /** The ID of the last frame applied; undefined before the first snapshot. */
  lastId: number | undefined;
  /** Frames applied since the model was made, and snapshots among them. */
  frames = 0;
  snapshots = 0;
  /** Bumped when the stations (which, or their status) change: the map needs a redraw. */
  stationsVersion = 0;
  /** Bumped when stations are added or replaced: the map places them anew. */
  stationSetVersion = 0;
  /** Bumped when a point is added: the charts need a redraw. */
  pointsVersion = 0;
  readonly #maxPoints: number;
  readonly #rateWindowMs: number;

  constructor(options: LiveModelOptions = {}) {
    this.#maxPoints = options.maxPoints ?? 2400;
    this.#rateWindowMs = options.rateWindowMs ?? HOUR_MS;
  }

  /** Applies `frame` if it is a snapshot or the delta after the last frame. */
  apply(frame: Frame): Applied {
    if (frame.kind === "snapshot") {
      this.stations.clear();
      for (const station of frame.stations) this.stations.set(station.id, station);
      this.points = frame.points.slice(-this.#maxPoints);
      this.#head(frame);
      this.snapshots++;
      this.stationsVersion++;
      this.stationSetVersion++;
      this.pointsVersion++;
      return "reset";
    }
    if (this.lastId === undefined || frame.id !== this.lastId + 1) return "gap";
    for (const station of frame.added) this.stations.set(station.id, station);
    if (frame.added.length > 0) this.stationSetVersion++;
    for (const [id, status] of frame.changed) {
      const station = this.stations.get(id);
      if (station) station.status = status;
    }
    if (frame.added.length > 0 || frame.changed.length > 0) this.stationsVersion++;
    if (frame.point) {
      this.points.push(frame.point);
      if (this.points.length > this.#maxPoints) this.points.shift();
      this.pointsVersion++;
    }
    this.#head(frame);
    return "applied";
  }

  /** The chart series of the points kept. */
  series(): Series {
    const points = this.points;
    const series: Series = {
      t: points.map((p) => p.t / 1000),
      powerKw: SITE_TYPES.map((_, i) => points.map((p) => p.powerKw[i] ?? 0)),
      sessions: points.map((p) => p.sessions),
      arrivalsPerHour: [],
      failedStartsPerHour: [],
      faultsPerHour: [],
    };
    // Two pointers: `from` is the first point within the window before point `i`.
    let from = 0;
    for (let i = 0; i < points.length; i++) {
      while (points[i].t - points[from].t > this.#rateWindowMs) from++;
      const a = points[from];
      const b = points[i];
      const hours = (b.t - a.t) / HOUR_MS;
      const rate = (key: "arrivals" | "failedStarts" | "faults") =>
        hours > 0 ? Math.max(0, b[key] - a[key]) / hours : 0;
      series.arrivalsPerHour.push(rate("arrivals"));
      series.failedStartsPerHour.push(rate("failedStarts"));
      series.faultsPerHour.push(rate("faults"));
    }
    return series;
  }

  /** The stations that pass `filter`. */
  visibleStations(filter: Filter): StationView[] {
    return [...this.stations.values()].filter((station) => matches(station, filter));
  }

  /** How many stations have each status, among those that pass `filter`. */
  statusCounts(filter: Filter): Record<StationStatus, number> {
    const counts: Record<StationStatus, number> = {
      charging: 0,
      occupied: 0,
      faulted: 0,
      maintenance: 0,
      available: 0,
    };
    for (const station of this.stations.values()) {
      if (matches(station, filter)) counts[station.status]++;
    }
    return counts;
  }

  /** The cities of the stations known, sorted, for the city filter. */
  cities(): string[] {
    return [...new Set([...this.stations.values()].map(cityLabel))].sort();
  }

  #head(frame: Frame): void {
    this.lastId = frame.id;
    this.totals = frame.totals;
    this.time = frame.time;
    this.speed = frame.speed;
    this.frames++;
  }
}

/** How the city filter names a station's city: `Boulder, CO`. */
export const cityLabel = (station: Pick<StationView, "city" | "state">): string =>
  station.state ? `${station.city}, ${station.state}` : station.city;

/** Whether `station` passes `filter`. */
export function matches(station: StationView, filter: Filter): boolean {
  return (filter.city === "" || cityLabel(station) === filter.city) &&
    (filter.siteType === "" || station.siteType === filter.siteType) &&
    (filter.status === "" || station.status === filter.status);
}

/** The query of `GET /live/sessions` for `filter`. */
export function sessionsQuery(filter: Filter, limit: number): string {
  const query = new URLSearchParams();
  if (filter.city !== "") query.set("city", filter.city);
  if (filter.siteType !== "") query.set("siteType", filter.siteType);
  if (filter.status !== "") query.set("status", filter.status);
  query.set("limit", String(limit));
  return query.toString();
}

/** A simulated time as the page's clock shows it: `Mon 2026-01-05 08:15 UTC`. */
export function formatClock(ms: number | null): string {
  if (ms === null) return "waiting for events";
  const d = new Date(ms);
  const day = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"][d.getUTCDay()];
  return `${day} ${d.toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

/** A speed as the page shows it: `×3,600`, `×1`, `–` when unknown. */
export function formatSpeed(speed: number | null): string {
  if (speed === null || !Number.isFinite(speed)) return "–";
  const rounded = speed >= 10 ? Math.round(speed) : Math.round(speed * 10) / 10;
  return `×${rounded.toLocaleString("en-US")}`;
}

/** A power as the counters show it: `812 kW`, `1.25 MW`. */
export function formatPower(kw: number): string {
  return kw >= 1000 ? `${(kw / 1000).toFixed(2)} MW` : `${Math.round(kw)} kW`;
}
