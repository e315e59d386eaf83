/**
 * The network as the live page shows it, kept up to date event by event: what
 * each port does, each station's status, power by site type, sessions in
 * progress, arrivals, failed starts and faults, and the simulated clock. It
 * takes every event the echo server accepts (about 100,000 a second at
 * `--speed 3600` on the default network), so {@link LiveState.add} does a few
 * map lookups and field writes and nothing else; the work of a frame (which
 * stations changed status, a chart point) is done when one is asked for,
 * a few times a second.
 *
 * ```ts
 * const live = new LiveState();
 * for (const event of events) live.add(event);
 * const frame = live.delta(performance.now()); // what changed, the totals, a chart point
 * ```
 *
 * It reads no clock: the caller passes the wall time of each frame, so that
 * tests give the same frames every time.
 *
 * @module
 */
import type { SessionState } from "../sinks/event_store.ts";
import type { ChargerFields } from "../core/charger_fields.ts";
import type { SimEvent } from "../core/event.ts";
import { type Charger, type SiteType, siteTypeOf } from "../core/network.ts";
import {
  type ChartPoint,
  type DeltaFrame,
  type PortActivity,
  type PortView,
  type SessionView,
  SITE_TYPES,
  type SnapshotFrame,
  type StationDetail,
  type StationStatus,
  type StationView,
  type Totals,
} from "./frame.ts";

/** What {@link LiveState} needs of a charger to place its station before any event. */
export type ChargerInfo =
  & Pick<
    Charger,
    "id" | "stationId" | "name" | "network" | "city" | "state" | "latitude" | "longitude" | "level"
  >
  & { siteType?: SiteType };

/** Options of {@link LiveState}. */
export interface LiveStateOptions {
  /**
   * The network's chargers, so that every station is on the map from the
   * start; stations are otherwise learned from their first event.
   * @default {[]}
   */
  chargers?: Iterable<ChargerInfo>;
  /** Chart points kept for a snapshot, oldest dropped first (4 a second: 10 minutes). @default {2400} */
  maxPoints?: number;
  /** Sessions that ended kept for the table, one a port at most, the oldest dropped first. @default {200} */
  maxEndedSessions?: number;
}

/** Filters of {@link LiveState.sessions}; an omitted field matches every session. */
export interface LiveFilter {
  /** The city, as `Boulder` or `Boulder, CO`. */
  city?: string;
  siteType?: SiteType;
  /** The status of the session's station. */
  status?: StationStatus;
}

/** A session as kept: its view and the time of its latest event, as it came. */
interface LiveSession extends Omit<SessionView, "etaMs" | "updatedMs"> {
  /** The session's start and its latest event's time, as they came: parsed only for a view. */
  startTime: string;
  eventTime: string;
  estimatedMinutes: number;
}

/** A session's view, without what is kept for ordering. */
function sessionView(session: LiveSession): SessionView {
  const { startTime, eventTime, estimatedMinutes, ...view } = session;
  return {
    ...view,
    etaMs: Date.parse(startTime) + estimatedMinutes * 60_000,
    updatedMs: Date.parse(eventTime),
  };
}

interface Station {
  view: StationView;
  ports: Port[];
  /** Whether one of its ports changed since the last frame. */
  dirty: boolean;
  /** Whether its view (ports) changed since the last frame: it is sent whole again. */
  announce: boolean;
}

interface Port {
  chargerId: string;
  level: string;
  station: Station;
  /** Index of its site type in {@link SITE_TYPES}. */
  site: number;
  /** The charger's status as its latest event said. */
  status: string;
  /** The session plugged in. */
  session?: LiveSession;
  /** The power counted in the totals for this port. */
  powerKw: number;
}

const SITE_INDEX = new Map(SITE_TYPES.map((site, i) => [site, i]));

/** What a port does. */
function activityOf(port: Port): PortActivity {
  if (port.session) return port.powerKw > 0 ? "charging" : "occupied";
  if (port.status === "Faulted") return "faulted";
  if (port.status === "Maintenance") return "maintenance";
  return "available";
}

/** A station's status: the first of {@link STATION_STATUSES} one of its ports has. */
function statusOf(station: Station): StationStatus {
  let occupied = false;
  let faulted = false;
  let maintenance = false;
  for (const port of station.ports) {
    const activity = activityOf(port);
    if (activity === "charging") return "charging";
    if (activity === "occupied") occupied = true;
    else if (activity === "faulted") faulted = true;
    else if (activity === "maintenance") maintenance = true;
  }
  return occupied ? "occupied" : faulted ? "faulted" : maintenance ? "maintenance" : "available";
}

/** UTC ISO timestamps of one shape (evsim's own) compare as strings; others by their instant. */
function isLater(a: string, b: string): boolean {
  if (a.length === b.length && a.endsWith("Z") && b.endsWith("Z")) return a > b;
  return Date.parse(a) > Date.parse(b);
}

/** How many frames back the speed is measured over. */
const SPEED_FRAMES = 8;

/** The network's live state, fed every event; see the module documentation. */
export class LiveState {
  readonly #stations = new Map<string, Station>();
  readonly #ports = new Map<string, Port>();
  /** Stations with a port changed since the last frame. */
  #dirty: Station[] = [];
  readonly #powerKw = SITE_TYPES.map(() => 0);
  #sessions = 0;
  #charging = 0;
  #arrivals = 0;
  #failedStarts = 0;
  #faults = 0;
  #events = 0;
  /** The latest event time, as it came. */
  #timeText: string | undefined;
  #time: number | null = null;
  readonly #points: ChartPoint[] = [];
  readonly #maxPoints: number;
  /** Recently ended sessions, oldest first, by session ID. */
  readonly #ended = new Map<string, LiveSession>();
  readonly #maxEnded: number;
  /** The last frames' wall and simulated times, for the speed. */
  readonly #clock: [number, number][] = [];
  #lastPointTime: number | null = null;

  constructor(options: LiveStateOptions = {}) {
    this.#maxPoints = options.maxPoints ?? 2400;
    this.#maxEnded = options.maxEndedSessions ?? 200;
    this.place(options.chargers ?? []);
    // Known from the start: announced by the first snapshot, not by a delta, and unchanged
    // since (left dirty, a station would never be queued again and its status never sent).
    for (const station of this.#stations.values()) {
      station.announce = false;
      station.dirty = false;
    }
    this.#dirty = [];
  }

  /** Stations known. */
  get stations(): number {
    return this.#stations.size;
  }

  /**
   * Places the ports of `chargers` not known yet, as the constructor's
   * `chargers` do but later: for a source that learns a station before its
   * first event (a central system, from a charge point's boot). It is no
   * event: counters and the clock stay as they are; the next frame announces
   * the stations. A port already known is left as it is.
   */
  place(chargers: Iterable<ChargerInfo>): void {
    for (const charger of chargers) {
      if (this.#ports.has(charger.id)) continue;
      this.#learn({
        chargerId: charger.id,
        stationId: charger.stationId ?? charger.id,
        locationName: charger.name,
        network: charger.network ?? null,
        city: charger.city,
        state: charger.state ?? "",
        latitude: charger.latitude,
        longitude: charger.longitude,
        siteType: siteTypeOf(charger),
        level: charger.level,
      });
    }
  }

  /** Takes one event, in O(1). */
  add(event: SimEvent): void {
    this.#events++;
    if (this.#timeText === undefined || isLater(event.time, this.#timeText)) {
      this.#timeText = event.time;
    }
    const port = this.#ports.get(event.chargerId) ?? this.#learn(event);
    switch (event.type) {
      case "session.rejected":
        this.#arrivals++;
        this.#failedStarts++;
        port.status = event.status;
        break;
      case "charger.status":
        if (event.status === "Faulted" && port.status !== "Faulted") this.#faults++;
        port.status = event.status;
        break;
      case "session.ended": {
        const session = port.session;
        if (session?.sessionId !== event.sessionId) return;
        this.#update(session, event);
        session.active = false;
        session.powerKw = 0;
        port.session = undefined;
        this.#sessions--;
        this.#ended.set(session.sessionId, session);
        if (this.#ended.size > this.#maxEnded) {
          this.#ended.delete(this.#ended.keys().next().value!);
        }
        this.#setPower(port, 0);
        break;
      }
      default: {
        // A started, updated, interrupted, resumed, completed or failed session.
        let session = port.session;
        if (session?.sessionId !== event.sessionId) {
          // A late event of a session that has ended changes nothing.
          if (this.#ended.has(event.sessionId)) return;
          if (event.type === "session.started") this.#arrivals++;
          if (!session) this.#sessions++;
          session = port.session = {
            sessionId: event.sessionId,
            stationId: port.station.view.id,
            chargerId: event.chargerId,
            locationName: event.locationName,
            city: event.city,
            siteType: port.station.view.siteType,
            vehicleType: event.vehicleType,
            status: event.status,
            active: true,
            socPercent: 0,
            powerKw: 0,
            energyKwh: 0,
            startTime: event.startTime,
            eventTime: event.time,
            estimatedMinutes: 0,
          };
        } else if (isLater(session.eventTime, event.time)) return;
        this.#update(session, event);
        this.#setPower(port, event.powerKw);
      }
    }
    const station = port.station;
    if (!station.dirty) {
      station.dirty = true;
      this.#dirty.push(station);
    }
  }

  /**
   * What changed since the previous frame (or since the start): the stations
   * first seen or whose status changed, the totals, and a chart point if the
   * simulated clock moved. `wallMs` is the wall time now, for the speed.
   */
  delta(wallMs: number): Omit<DeltaFrame, "id"> {
    const time = this.#clockAt(wallMs);
    const added: StationView[] = [];
    const changed: [string, StationStatus][] = [];
    for (const station of this.#dirty) {
      station.dirty = false;
      const status = statusOf(station);
      if (station.announce) {
        station.announce = false;
        station.view.status = status;
        added.push({ ...station.view });
      } else if (status !== station.view.status) {
        station.view.status = status;
        changed.push([station.view.id, status]);
      }
    }
    this.#dirty = [];
    const frame: Omit<DeltaFrame, "id"> = {
      kind: "delta",
      time,
      speed: this.#speed(),
      totals: this.#totals(),
      added,
      changed,
    };
    if (time !== null && time !== this.#lastPointTime) {
      this.#lastPointTime = time;
      const point = this.#point(time);
      frame.point = point;
      this.#points.push(point);
      if (this.#points.length > this.#maxPoints) {
        this.#points.splice(0, this.#points.length - this.#maxPoints);
      }
    }
    return frame;
  }

  /**
   * The whole state as of the last {@link LiveState.delta}: every station with
   * the status it had then, and the chart points kept.
   */
  snapshot(): Omit<SnapshotFrame, "id"> {
    const stations: StationView[] = [];
    for (const station of this.#stations.values()) {
      // A station first seen since the last frame comes with the next one.
      if (!station.announce) stations.push({ ...station.view });
    }
    const last = this.#clock.at(-1);
    return {
      kind: "snapshot",
      time: last ? last[1] : null,
      speed: this.#speed(),
      totals: this.#totals(),
      stations,
      points: [...this.#points],
    };
  }

  /** A station and what each of its ports does now; undefined for a station not known. */
  station(id: string): StationDetail | undefined {
    const station = this.#stations.get(id);
    if (!station) return undefined;
    const portList: PortView[] = station.ports.map((port) => ({
      chargerId: port.chargerId,
      level: port.level,
      activity: activityOf(port),
      status: port.status,
      ...(port.session ? { session: sessionView(port.session) } : {}),
    }));
    return { ...station.view, status: statusOf(station), portList };
  }

  /**
   * The sessions plugged in and those that ended lately that match `filter`,
   * those plugged in first, each group the most recently updated first; at
   * most `limit`.
   */
  sessions(filter: LiveFilter = {}, limit = 100): SessionView[] {
    const matches = (session: LiveSession) => {
      const station = this.#stations.get(session.stationId)!;
      const { city, state } = station.view;
      return (filter.city === undefined || city === filter.city ||
        `${city}, ${state}` === filter.city) &&
        (filter.siteType === undefined || station.view.siteType === filter.siteType) &&
        (filter.status === undefined || station.view.status === filter.status);
    };
    const active: LiveSession[] = [];
    for (const port of this.#ports.values()) {
      if (port.session && matches(port.session)) active.push(port.session);
    }
    const ended = [...this.#ended.values()].filter(matches);
    const newest = (a: LiveSession, b: LiveSession) =>
      isLater(b.eventTime, a.eventTime) ? 1 : isLater(a.eventTime, b.eventTime) ? -1 : 0;
    return [...active.sort(newest), ...ended.reverse()].slice(0, limit).map(sessionView);
  }

  /** Copies what a session event says into `session`. */
  #update(session: LiveSession, event: SessionState): void {
    session.status = event.status;
    session.eventTime = event.time;
    session.socPercent = event.socPercent;
    session.powerKw = event.powerKw;
    session.energyKwh = "totalEnergyKwh" in event ? event.totalEnergyKwh : event.energyKwh;
    session.startTime = event.startTime;
    session.estimatedMinutes = event.estimatedChargingMinutes;
  }

  /** Sets the power a port draws, keeping the totals. */
  #setPower(port: Port, powerKw: number): void {
    const before = port.powerKw;
    if (before === powerKw) return;
    this.#powerKw[port.site] += powerKw - before;
    this.#charging += (powerKw > 0 ? 1 : 0) - (before > 0 ? 1 : 0);
    port.powerKw = powerKw;
  }

  /** The port of a charger not seen before, and its station, new or with one port more. */
  #learn(
    event: Pick<
      ChargerFields,
      | "chargerId"
      | "stationId"
      | "locationName"
      | "network"
      | "city"
      | "state"
      | "latitude"
      | "longitude"
      | "siteType"
      | "level"
    >,
  ): Port {
    let station = this.#stations.get(event.stationId);
    if (!station) {
      station = {
        view: {
          id: event.stationId,
          name: event.locationName,
          network: event.network,
          city: event.city,
          state: event.state,
          siteType: event.siteType,
          latitude: event.latitude,
          longitude: event.longitude,
          ports: 0,
          status: "available",
        },
        ports: [],
        dirty: false,
        announce: false,
      };
      this.#stations.set(event.stationId, station);
    }
    const port: Port = {
      chargerId: event.chargerId,
      level: event.level,
      station,
      site: SITE_INDEX.get(event.siteType) ?? 1,
      status: "Idle",
      powerKw: 0,
    };
    this.#ports.set(event.chargerId, port);
    station.ports.push(port);
    station.view.ports++;
    station.announce = true;
    if (!station.dirty) {
      station.dirty = true;
      this.#dirty.push(station);
    }
    return port;
  }

  /** The simulated clock now, remembered with `wallMs` for the speed. */
  #clockAt(wallMs: number): number | null {
    if (this.#timeText === undefined) return null;
    const time = Date.parse(this.#timeText);
    this.#clock.push([wallMs, time]);
    if (this.#clock.length > SPEED_FRAMES) this.#clock.shift();
    return time;
  }

  /** Simulated seconds per wall second over the last frames; null with fewer than two. */
  #speed(): number | null {
    if (this.#clock.length < 2) return null;
    const [wall0, sim0] = this.#clock[0];
    const [wall1, sim1] = this.#clock.at(-1)!;
    return wall1 > wall0 ? (sim1 - sim0) / (wall1 - wall0) : null;
  }

  #totals(): Totals {
    return {
      // Rounded to the watt: sums of many differences drift by a few femtowatts.
      powerKw: this.#powerKw.map((kw) => Math.max(0, Math.round(kw * 1000) / 1000)),
      sessions: this.#sessions,
      charging: this.#charging,
      arrivals: this.#arrivals,
      failedStarts: this.#failedStarts,
      faults: this.#faults,
      events: this.#events,
    };
  }

  #point(t: number): ChartPoint {
    const totals = this.#totals();
    return {
      t,
      powerKw: totals.powerKw,
      sessions: totals.sessions,
      arrivals: totals.arrivals,
      failedStarts: totals.failedStarts,
      faults: totals.faults,
    };
  }
}
