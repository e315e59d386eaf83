/**
 * The session engine: a discrete-event simulation over priority queues.
 *
 * Each charger has at most one pending timer of each kind (session step,
 * fault, arrival, planned maintenance), keyed by `time · 4 + kind`, so its own
 * timers due at the same millisecond always run in the same order. Session
 * steps wait in one queue, with their session; the others in another, with their
 * charger: most events are updates of active sessions, and an update then
 * reads only its session (which carries copies of the charger fields its
 * events repeat), a small queue and nothing of the idle chargers. Every random
 * draw of a charger comes from its own stream (seed + charger ID), so a charger
 * behaves identically whether it is simulated alone or in the full network.
 *
 * @module
 */
import FlatQueue from "flatqueue";
import { ArrivalProcess, defaultDemand, type DemandModel } from "./arrivals.ts";
import { ChargeCurve } from "./charge_curve.ts";
import type { ChargerStatusEvent, RejectReason, Repair, SimEvent, Status } from "./event.ts";
import { localClock, type LocalTime } from "./local_time.ts";
import type { Clipped, Dwell, LogNormal, Model } from "./model.ts";
import {
  cityOf,
  compatibility,
  type Connector,
  connectorsOf,
  type Level,
  type Network,
  type SiteType,
  siteTypeOf,
  type Vehicle,
} from "./network.ts";
import { deriveState, Random } from "./random.ts";
import { fromTime, type SessionSnapshot, type SimulationSnapshot, toTime } from "./snapshot.ts";
import { isoTime } from "./time.ts";

/** Timer kinds, in the order they run when due at the same millisecond. */
const SESSION = 0;
const FAULT = 1;
const ARRIVAL = 2;
const PLANNED = 3;
const KINDS = 4;
const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

/** Options of a {@link Simulation}. */
export interface SimulationOptions {
  /** Seed of every random stream. */
  seed: number;
  /** Simulated start, epoch milliseconds. */
  start: number;
  network: Network;
  model: Model;
  /** Seconds between `session.updated` events of an active session. @default {60} */
  updateIntervalSeconds?: number;
  /**
   * Each charger's arrival rate and profile.
   * @default {defaultDemand(model): the model's rates, no peak hours}
   */
  demand?: DemandModel;
  /**
   * Continue from this snapshot (see {@link Simulation.snapshot}) instead of
   * starting at `start`; the other options must be those it was taken with.
   */
  resume?: SimulationSnapshot;
}

/** Running totals of a simulation. */
export interface SimulationStats {
  events: number;
  sessionsStarted: number;
  sessionsCompleted: number;
  sessionsFailed: number;
  /** Sessions whose vehicle unplugged (`session.ended`). */
  sessionsEnded: number;
  interruptions: number;
  /** Start attempts that failed (`session.rejected`), out of service or not. */
  sessionsRejected: number;
  /** Arrivals that found their charger busy (the driver went elsewhere). */
  missedArrivals: number;
  faults: number;
  plannedMaintenances: number;
  /** Energy of the sessions that ended; {@link Simulation.pluggedInEnergyKwh} has the others'. */
  energyKwh: number;
}

/** The charger fields every event repeats, named and ordered as in the event. */
interface ChargerFields {
  chargerId: string;
  stationId: string;
  locationName: string;
  network: string | null;
  city: string;
  state: string;
  postalCode: string | null;
  country: string;
  timeZone: string;
  latitude: number;
  longitude: number;
  level: Level;
  siteType: SiteType;
  connectors: Connector[];
}

/** The counters of a simulation that has not run yet: all zero. */
export function newSimulationStats(): SimulationStats {
  return {
    events: 0,
    sessionsStarted: 0,
    sessionsCompleted: 0,
    sessionsFailed: 0,
    sessionsEnded: 0,
    sessionsRejected: 0,
    interruptions: 0,
    missedArrivals: 0,
    faults: 0,
    plannedMaintenances: 0,
    energyKwh: 0,
  };
}

/**
 * Eight hex digits naming one simulated history: the seed and the moment the
 * simulation starts (the warm-up's start, if any). With the charger ID and the
 * charger's event count it makes an `eventId`: the same seed and span give the
 * same IDs (a re-run deduplicates), another seed or start gives others, and a
 * resumed run keeps them.
 */
export function historyKey(seed: number, start: number): string {
  return (deriveState(seed, `history@${start}`)[0] >>> 0).toString(16).padStart(8, "0");
}

/** A charging session. */
interface Session {
  charger: ChargerState;
  /** The charger's fields (read here, next to the session, by every event). */
  fields: Readonly<ChargerFields>;
  /** The charger's event count, kept here while the session runs. */
  events: number;
  /** Paused by a fault (the charger's status is Interruption). */
  interrupted: boolean;
  id: string;
  userId: string;
  vehicle: Vehicle;
  /** Level 2: the percent of the available power drawn (100 for DC). */
  drawPercent: number;
  curve: ChargeCurve;
  startIso: string;
  socStart: number;
  socTarget: number;
  estimatedMinutes: number;
  /** SoC and time at which the current charging stretch began. */
  segmentSoc: number;
  segmentStart: number;
  /** Charging milliseconds before the current stretch. */
  chargedMs: number;
  /** When the current stretch reaches the target, if nothing interrupts it. */
  completeAt: number;
  /** When the session will be interrupted, or Infinity. */
  interruptAt: number;
  checks: number;
  soc: number;
  /** Epoch ms of plug-in. */
  startMs: number;
  /** When the vehicle unplugs (Infinity until known). */
  departAt: number;
  /** The target was reached; the vehicle waits plugged in until `departAt`. */
  completed: boolean;
  /** Which kind of stay of the site's dwell mixture the driver has. */
  dwellPart: number;
}

/** A site type's kinds of stay, with their shares and the sum of the shares. */
interface DwellMixture {
  parts: Dwell[];
  shares: number[];
  total: number;
}

/** A charger's state. */
interface ChargerState {
  /** The fields its events carry, made once. */
  fields: Readonly<ChargerFields>;
  level: Level;
  siteType: SiteType;
  powerKw: number;
  /** Fleet shares of the vehicles that can plug in here, and their sum (0: none can). */
  shares: number[];
  shareTotal: number;
  random: Random;
  arrivals: ArrivalProcess;
  local: (ms: number) => LocalTime;
  faultsPerMs: number;
  status: Status;
  session: Session | null;
  /** A fault or a planned window came while the charger was busy: it starts when the charger is free. */
  faultPending: boolean;
  plannedPending: boolean;
  /** When the current or next planned window was due. */
  plannedAt: number;
  /** Position in the network's charger list. */
  index: number;
  sessions: number;
  /** Events so far, numbering event IDs (while a session runs, the session counts them). */
  events: number;
}

const round = (x: number, digits: number) => {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
};
const iso = isoTime;
const clip = (r: Random, d: Clipped) => Math.min(d.max, Math.max(d.min, r.normal(d.mean, d.sd)));
/** A drawn log-normal duration in ms (at least a minute), its median given in `unitMs`. */
const minutesMs = (r: Random, d: LogNormal, unitMs: number) =>
  Math.max(60_000, Math.ceil(r.logNormal(d.median, d.sigma) * unitMs));

const INTERRUPTION_REASONS = [
  "Ground fault detected",
  "Communication lost with vehicle",
  "Power supply fluctuation",
  "Connector overheating",
  "Payment authorization lost",
];
const UNPLUG_MESSAGES = {
  target_reached: "Vehicle unplugged",
  departed: "Driver left before reaching the target",
  failed: "Vehicle unplugged after a failed charge",
};
const FAULT_MESSAGES: Record<Repair, string[]> = {
  remote: [
    "Fault: awaiting remote reset",
    "Firmware fault: remote restart",
    "Network communication lost",
  ],
  site_visit: [
    "Hardware fault: site visit required",
    "Connector damaged",
    "Power module failure",
    "Payment terminal failure",
  ],
};
const START_FAILURES: RejectReason[] = [
  "authorization_failed",
  "connector_error",
  "vehicle_communication",
];
const REJECT_MESSAGES: Record<RejectReason, string> = {
  out_of_service: "Charger out of service",
  authorization_failed: "Start failed: authorization declined",
  connector_error: "Start failed: connector error",
  vehicle_communication: "Start failed: no communication with the vehicle",
};

/** A queue's entries in array order, as [charger index, key] pairs. */
function heap<T>(queue: FlatQueue<T>, index: (item: T) => number): [number, number][] {
  const out: [number, number][] = [];
  for (let i = 0; i < queue.length; i++) out.push([index(queue.ids[i]), queue.values[i]]);
  return out;
}

/** The discrete-event engine. Call {@link Simulation.step} until {@link Simulation.peek} passes your end. */
export class Simulation {
  readonly stats: SimulationStats = newSimulationStats();
  readonly #model: Model;
  readonly #chargers: ChargerState[];
  /** Session steps, queued with their session. */
  readonly #steps = new FlatQueue<Session>();
  /** Arrivals and maintenance, queued with their charger. */
  readonly #timers = new FlatQueue<ChargerState>();
  readonly #updateMs: number;
  readonly #vehicles: Vehicle[];
  /** Each site type's kinds of stay and their shares. */
  readonly #dwell: Record<SiteType, DwellMixture>;
  readonly #curves = new Map<string, ChargeCurve>();
  #now: number;
  #seq = 0;
  /** Names this simulated history in every `eventId` (see {@link historyKey}). */
  readonly #history: string;
  #out: SimEvent[] = [];

  constructor(options: SimulationOptions) {
    const { network, model, seed } = options;
    this.#model = model;
    this.#now = options.start;
    this.#history = historyKey(seed, options.start);
    this.#updateMs = (options.updateIntervalSeconds ?? 60) * 1000;
    this.#vehicles = network.vehicles;
    const mixture = (dwell: Model["dwell"][SiteType]): DwellMixture => {
      const parts = Array.isArray(dwell) ? dwell : [{ share: 1, ...dwell }];
      const shares = parts.map((p) => p.share);
      return { parts, shares, total: shares.reduce((a, b) => a + b, 0) };
    };
    this.#dwell = {
      workplace: mixture(model.dwell.workplace),
      public: mixture(model.dwell.public),
      dc_fast: mixture(model.dwell.dc_fast),
      residential: mixture(model.dwell.residential),
    };
    // Chargers with the same level and connectors share one list of vehicle shares.
    const sharesBy = new Map<string, number[]>();
    const sharesOf = (level: Level, connectors: Connector[]) => {
      const key = `${level}|${connectors.join()}`;
      let shares = sharesBy.get(key);
      if (!shares) {
        shares = network.vehicles.map((x) =>
          x.share * compatibility(x, level, connectors, model.teslaCcsAdapterShare)
        );
        sharesBy.set(key, shares);
      }
      return shares;
    };
    const demand = options.demand ?? defaultDemand(model);
    // Chargers with the same profile and time zone share one arrival process (and its caches).
    const clocks = new Map<string, ReturnType<typeof localClock>>();
    const processes = new Map<unknown, Map<string, ArrivalProcess>>();
    const find = cityOf(network);
    this.#chargers = network.chargers.map((charger, index) => {
      const city = find(charger);
      let local = clocks.get(city.timeZone);
      if (!local) clocks.set(city.timeZone, local = localClock(city.timeZone));
      const { perDay, weights } = demand(charger, city);
      let byRate = processes.get(weights);
      if (!byRate) processes.set(weights, byRate = new Map());
      const key = `${perDay}|${city.timeZone}`;
      let arrivals = byRate.get(key);
      if (!arrivals) byRate.set(key, arrivals = new ArrivalProcess(perDay, weights, local));
      const siteType = siteTypeOf(charger);
      const connectors = connectorsOf(charger);
      const shares = sharesOf(charger.level, connectors);
      return {
        session: null,
        status: "Idle",
        events: 0,
        fields: Object.freeze({
          chargerId: charger.id,
          stationId: charger.stationId ?? charger.id,
          locationName: charger.name,
          network: charger.network ?? null,
          city: city.name,
          state: city.state,
          postalCode: charger.postalCode ?? null,
          country: city.country,
          timeZone: city.timeZone,
          latitude: charger.latitude,
          longitude: charger.longitude,
          level: charger.level,
          siteType,
          connectors,
        }),
        level: charger.level,
        siteType,
        powerKw: charger.powerKw,
        shares,
        shareTotal: shares.reduce((a, b) => a + b, 0),
        random: Random.stream(seed, charger.id),
        arrivals,
        local,
        faultsPerMs: model.faults.perChargerPerDay[charger.level] / DAY_MS,
        faultPending: false,
        plannedPending: false,
        plannedAt: 0,
        index,
        sessions: 0,
      };
    });
    if (options.resume) {
      this.#restore(options.resume);
      return;
    }
    const { everyDays } = model.plannedMaintenance;
    for (const c of this.#chargers) {
      this.#schedule(c, ARRIVAL, c.arrivals.nextCandidate(this.#now, c.random));
      this.#scheduleFault(c, this.#now);
      // The first window falls on a random day of the first period.
      this.#schedulePlanned(c, this.#now + Math.floor(c.random.next() * everyDays) * DAY_MS);
    }
  }

  /** The whole state, to continue later with the `resume` option. */
  snapshot(): SimulationSnapshot {
    return {
      now: this.#now,
      seq: this.#seq,
      stats: { ...this.stats },
      chargers: this.#chargers.map((c) => ({
        id: c.fields.chargerId,
        status: c.status,
        events: c.events,
        sessions: c.sessions,
        random: [...c.random.state] as [number, number, number, number],
        faultPending: c.faultPending,
        plannedPending: c.plannedPending,
        plannedAt: c.plannedAt,
        session: c.session && {
          id: c.session.id,
          userId: c.session.userId,
          vehicle: c.session.vehicle.name,
          drawPercent: c.session.drawPercent,
          startIso: c.session.startIso,
          socStart: c.session.socStart,
          socTarget: c.session.socTarget,
          estimatedMinutes: c.session.estimatedMinutes,
          segmentSoc: c.session.segmentSoc,
          segmentStart: c.session.segmentStart,
          chargedMs: c.session.chargedMs,
          completeAt: c.session.completeAt,
          interruptAt: toTime(c.session.interruptAt),
          checks: c.session.checks,
          soc: c.session.soc,
          startMs: c.session.startMs,
          departAt: toTime(c.session.departAt),
          completed: c.session.completed,
          dwellPart: c.session.dwellPart,
          interrupted: c.session.interrupted,
          events: c.session.events,
        },
      })),
      // The queues in their array order: pushed back in this order, they come back identical,
      // so that timers due at the same millisecond still run in the same order.
      timers: heap(this.#timers, (c) => c.index),
      steps: heap(this.#steps, (s) => s.charger.index),
    };
  }

  #restore(snapshot: SimulationSnapshot) {
    if (snapshot.chargers.length !== this.#chargers.length) {
      throw new RangeError(
        `the snapshot has ${snapshot.chargers.length} chargers, the network ${this.#chargers.length}`,
      );
    }
    this.#now = snapshot.now;
    this.#seq = snapshot.seq;
    Object.assign(this.stats, snapshot.stats);
    const vehicles = new Map(this.#vehicles.map((x) => [x.name, x]));
    snapshot.chargers.forEach((saved, i) => {
      const c = this.#chargers[i];
      if (saved.id !== c.fields.chargerId) {
        throw new RangeError(
          `the snapshot's charger ${i} is ${saved.id}, the network's ${c.fields.chargerId}`,
        );
      }
      c.status = saved.status;
      c.events = saved.events;
      c.sessions = saved.sessions;
      c.random = new Random(saved.random);
      c.faultPending = saved.faultPending;
      c.plannedPending = saved.plannedPending;
      c.plannedAt = saved.plannedAt;
      if (saved.session) {
        const vehicle = vehicles.get(saved.session.vehicle);
        if (!vehicle) {
          throw new RangeError(`the snapshot's vehicle ${saved.session.vehicle} is unknown`);
        }
        c.session = this.#session(c, vehicle, saved.session);
      }
    });
    const charger = (i: number) => {
      const c = this.#chargers[i];
      if (!c) throw new RangeError(`the snapshot's queue names charger ${i}, out of range`);
      return c;
    };
    for (const [i, key] of snapshot.timers) this.#timers.push(charger(i), key);
    for (const [i, key] of snapshot.steps) {
      const session = charger(i).session;
      if (!session) throw new RangeError(`the snapshot's queue has a step for idle charger ${i}`);
      this.#steps.push(session, key);
    }
  }

  /** A session object from its saved fields. */
  #session(
    c: ChargerState,
    vehicle: Vehicle,
    saved: SessionSnapshot,
    curve = this.#curve(vehicle, c, saved.drawPercent),
  ): Session {
    return {
      charger: c,
      fields: c.fields,
      events: saved.events,
      interrupted: saved.interrupted,
      id: saved.id,
      userId: saved.userId,
      vehicle,
      drawPercent: saved.drawPercent,
      curve,
      startIso: saved.startIso,
      socStart: saved.socStart,
      socTarget: saved.socTarget,
      estimatedMinutes: saved.estimatedMinutes,
      segmentSoc: saved.segmentSoc,
      segmentStart: saved.segmentStart,
      chargedMs: saved.chargedMs,
      completeAt: saved.completeAt,
      interruptAt: fromTime(saved.interruptAt),
      checks: saved.checks,
      soc: saved.soc,
      startMs: saved.startMs,
      departAt: fromTime(saved.departAt),
      completed: saved.completed,
      dwellPart: saved.dwellPart,
    };
  }

  /** Simulated time of the last processed timer (or the start). */
  get now(): number {
    return this.#now;
  }

  /** The smallest pending key, or Infinity when nothing is pending. */
  #nextKey(): number {
    return Math.min(this.#steps.peekValue() ?? Infinity, this.#timers.peekValue() ?? Infinity);
  }

  /** Time of the next pending timer, or Infinity when nothing is pending. */
  peek(): number {
    return Math.floor(this.#nextKey() / KINDS);
  }

  /** Energy taken so far by the sessions still plugged in, kWh, as of each one's latest event. */
  pluggedInEnergyKwh(): number {
    let kwh = 0;
    for (const { session: s } of this.#chargers) {
      if (s) kwh += s.curve.energyBetween(s.socStart, s.soc);
    }
    return kwh;
  }

  /**
   * Runs the next timer and appends the events it produced to `out`.
   * Returns the number of events appended.
   */
  step(out: SimEvent[]): number {
    const key = this.#nextKey();
    if (key === Infinity) return 0;
    const time = Math.floor(key / KINDS);
    this.#now = time;
    this.#out = out;
    const before = out.length;
    // Keys differ by kind, so a session step and a charger timer never tie.
    if (key === this.#steps.peekValue()) {
      this.#sessionStep(this.#steps.pop()!, time);
    } else {
      const c = this.#timers.pop()!;
      const kind = key % KINDS;
      if (kind === ARRIVAL) {
        if (c.arrivals.accept(time, c.random)) this.#arrive(c, time);
        this.#schedule(c, ARRIVAL, c.arrivals.nextCandidate(time, c.random));
      } else if (kind === FAULT) {
        this.#fault(c, time);
      } else {
        this.#planned(c, time);
      }
    }
    return out.length - before;
  }

  #schedule(c: ChargerState, kind: typeof FAULT | typeof ARRIVAL | typeof PLANNED, time: number) {
    this.#timers.push(c, time * KINDS + kind);
  }

  #scheduleSession(s: Session, time: number) {
    this.#steps.push(s, time * KINDS + SESSION);
  }

  #scheduleFault(c: ChargerState, from: number) {
    if (c.faultsPerMs > 0) {
      const wait = Math.ceil(c.random.exponential(c.faultsPerMs));
      this.#schedule(c, FAULT, from + Math.max(1, wait));
    }
  }

  /** Schedules the planned window of the local day that `dayMs` falls in (or the next one). */
  #schedulePlanned(c: ChargerState, dayMs: number) {
    const hour = this.#model.plannedMaintenance.localHour;
    let at = Math.floor(dayMs / DAY_MS) * DAY_MS + hour * HOUR_MS;
    at += ((hour - c.local(at).hour + 24) % 24) * HOUR_MS;
    c.plannedAt = at;
    this.#schedule(c, PLANNED, Math.max(at, this.#now + 1));
  }

  #arrive(c: ChargerState, time: number) {
    if (c.status === "In Use" || c.status === "Interruption") {
      this.stats.missedArrivals++;
      return;
    }
    if (c.shareTotal === 0) {
      // No vehicle of the fleet can plug in here.
      this.stats.missedArrivals++;
      return;
    }
    const r = c.random;
    const m = this.#model;
    const vehicle = this.#vehicles[r.weighted(c.shares, c.shareTotal)];
    const soc = m.soc[c.siteType];
    const socStart = Math.min(clip(r, soc.arrival), 100 - m.minimumChargePercent);
    const least = socStart + m.minimumChargePercent;
    let socTarget = clip(r, soc.target);
    // A driver who arrives fuller than the usual target still tops up: by the minimum and an
    // exponential extra (mean: half the minimum), so small charges spread instead of piling up.
    if (socTarget < least) socTarget = least + r.exponential(2 / m.minimumChargePercent);
    socTarget = Math.min(100, socTarget);
    const userId = `U${String(r.int(1, m.userCount)).padStart(6, "0")}`;
    if (c.status !== "Idle") {
      return this.#reject(c, time, vehicle, userId, socStart, "out_of_service");
    }
    if (r.chance(m.failedStartProbability)) {
      const reason = START_FAILURES[r.int(0, START_FAILURES.length - 1)];
      return this.#reject(c, time, vehicle, userId, socStart, reason);
    }
    // The battery is full, or the car waits for its own charge timer: it takes nothing.
    if (r.chance(m.noChargeShare[c.siteType])) socTarget = socStart;
    const drawPercent = c.level === "DCFC"
      ? 100
      : Math.max(1, Math.round(clip(r, m.acDrawPercent[c.siteType])));
    const curve = this.#curve(vehicle, c, drawPercent);
    const chargeMs = Math.ceil(curve.secondsBetween(socStart, socTarget) * 1000);
    const delay = m.startDelaySeconds?.[c.siteType];
    const from = time + (delay ? Math.round(r.logNormal(delay.median, delay.sigma) * 1000) : 0);
    c.sessions++;
    const interruptAt = chargeMs > 0 && r.chance(m.interruption.probability)
      ? from + Math.max(1, Math.floor(r.next() * chargeMs))
      : Infinity;
    const s = this.#session(c, vehicle, {
      id: `${c.fields.chargerId}-S${c.sessions}`,
      userId,
      vehicle: vehicle.name,
      drawPercent,
      startIso: iso(time),
      socStart,
      socTarget,
      estimatedMinutes: round(chargeMs / 60_000, 1),
      segmentSoc: socStart,
      segmentStart: from,
      chargedMs: 0,
      completeAt: from + chargeMs,
      interruptAt: toTime(interruptAt),
      checks: 0,
      soc: socStart,
      startMs: time,
      departAt: null,
      completed: false,
      dwellPart: 0,
      interrupted: false,
      events: c.events,
    }, curve);
    const dwell = this.#dwell[c.siteType];
    if (dwell.parts.length > 1) s.dwellPart = r.weighted(dwell.shares, dwell.total);
    s.departAt = time + this.#dwellMs(c, dwell.parts[s.dwellPart].connectionMinutes);
    c.session = s;
    this.stats.sessionsStarted++;
    this.#chargerStatus(c, time, "In Use", "Vehicle connected");
    this.#emitSession(s, time, "session.started", "In Use", "Charging session started");
    this.#scheduleStep(s, time);
  }

  /**
   * A session's charge curve: DC follows the vehicle's curve; Level 2 draws
   * `percent` of the smaller of the charger's and the onboard charger's rating.
   */
  #curve(vehicle: Vehicle, c: ChargerState, percent: number): ChargeCurve {
    const dc = c.level === "DCFC";
    const key = `${vehicle.name}|${c.level}|${c.powerKw}|${percent}`;
    let curve = this.#curves.get(key);
    if (!curve) {
      // A vehicle without a DC inlet never arrives at a DC charger (see `compatibility`).
      const limit = Math.min(c.powerKw, dc ? vehicle.maxDcKw! : vehicle.maxAcKw) * percent / 100;
      curve = new ChargeCurve(vehicle.batteryKwh, limit, dc ? vehicle.dcCurve : undefined);
      this.#curves.set(key, curve);
    }
    return curve;
  }

  #scheduleStep(s: Session, time: number) {
    const next = Math.min(time + this.#updateMs, s.completeAt, s.interruptAt, s.departAt);
    this.#scheduleSession(s, Math.max(time, next));
  }

  /** A drawn stay (at least 5 minutes), in ms. */
  #dwellMs(c: ChargerState, minutes: LogNormal): number {
    return Math.ceil(Math.max(5, c.random.logNormal(minutes.median, minutes.sigma)) * 60_000);
  }

  #sessionStep(s: Session, time: number) {
    const m = this.#model.interruption;
    if (s.completed) return this.#unplug(s, time, "target_reached");
    if (s.interrupted) {
      // A driver waiting for a fault to clear still leaves when planned.
      if (time >= s.departAt) return this.#unplug(s, time, "departed");
      const c = s.charger;
      if (c.random.chance(m.resolveProbability)) {
        s.interrupted = false;
        s.segmentStart = time;
        s.segmentSoc = s.soc;
        s.completeAt = time + Math.ceil(s.curve.secondsBetween(s.soc, s.socTarget) * 1000);
        this.#chargerStatus(c, time, "In Use", "Fault cleared");
        this.#emitSession(s, time, "session.resumed", "In Use", "Charging resumed");
        this.#scheduleStep(s, time);
      } else if (++s.checks >= m.maxChecks) {
        this.stats.sessionsFailed++;
        this.#emitEnd(s, time, "session.failed", "Failed", "Charging failed: fault not resolved");
        this.#unplug(s, time, "failed");
      } else {
        this.#scheduleSession(s, Math.min(time + m.checkMinutes * 60_000, s.departAt));
      }
      return;
    }
    if (time >= s.completeAt) {
      s.soc = s.socTarget;
      s.chargedMs += time - s.segmentStart;
      s.completed = true;
      this.stats.sessionsCompleted++;
      this.#emitEnd(s, time, "session.completed", "Completed", "Charging complete");
      const dwell = this.#dwell[s.charger.siteType].parts[s.dwellPart];
      if (dwell.afterFullMinutes) {
        s.departAt = Math.min(s.departAt, time + this.#dwellMs(s.charger, dwell.afterFullMinutes));
      }
      // Full, the vehicle stays plugged in (the charger stays In Use) until it leaves.
      if (s.departAt <= time) this.#unplug(s, time, "target_reached");
      else this.#scheduleSession(s, s.departAt);
      return;
    }
    s.soc = s.curve.socAfter(s.segmentSoc, (time - s.segmentStart) / 1000);
    if (time >= s.departAt) {
      s.chargedMs += Math.max(0, time - s.segmentStart);
      return this.#unplug(s, time, "departed");
    }
    if (time >= s.interruptAt) {
      const c = s.charger;
      s.interrupted = true;
      s.interruptAt = Infinity;
      s.chargedMs += time - s.segmentStart;
      this.stats.interruptions++;
      const reason = INTERRUPTION_REASONS[c.random.int(0, INTERRUPTION_REASONS.length - 1)];
      this.#chargerStatus(c, time, "Interruption", reason);
      this.#emitSession(s, time, "session.interrupted", "Interruption", reason);
      this.#scheduleSession(s, Math.min(time + m.checkMinutes * 60_000, s.departAt));
      return;
    }
    this.#emitSession(s, time, "session.updated", "In Use", "Charging in progress");
    this.#scheduleStep(s, time);
  }

  /** The session's charging ends: its target reached, or given up after a fault. */
  #emitEnd(
    s: Session,
    time: number,
    type: "session.completed" | "session.failed",
    status: Status,
    message: string,
  ) {
    const e = this.#sessionFields(s, time, type, status, message);
    this.#push({
      ...e,
      endTime: e.time,
      actualChargingMinutes: round(s.chargedMs / 60_000, 1),
      totalEnergyKwh: e.energyKwh,
    }, s);
  }

  /** The vehicle unplugs: the session ends and the charger is free. */
  #unplug(s: Session, time: number, reason: "target_reached" | "departed" | "failed") {
    this.stats.energyKwh += s.curve.energyBetween(s.socStart, s.soc);
    this.stats.sessionsEnded++;
    const e = this.#sessionFields(s, time, "session.ended", "Ended", UNPLUG_MESSAGES[reason]);
    const connected = round((time - s.startMs) / 60_000, 1);
    const charging = round(s.chargedMs / 60_000, 1);
    this.#push({
      ...e,
      endTime: e.time,
      endReason: reason,
      connectedMinutes: connected,
      chargingMinutes: charging,
      idleMinutes: round(Math.max(0, connected - charging), 1),
      totalEnergyKwh: e.energyKwh,
    }, s);
    const c = s.charger;
    c.events = s.events; // the charger counts its own events again
    c.session = null;
    this.#free(c, time, "Available");
  }

  /** The charger is free again: a pending outage starts, or it is available. */
  #free(c: ChargerState, time: number, message: string) {
    if (c.faultPending) this.#startFault(c, time);
    else if (c.plannedPending) this.#startPlanned(c, time);
    else this.#chargerStatus(c, time, "Idle", message);
  }

  /** A fault timer: a fault starts (or waits for the charger to be free), or a repair ends. */
  #fault(c: ChargerState, time: number) {
    if (c.status === "Faulted") {
      this.#scheduleFault(c, time);
      this.#free(c, time, "Repaired");
    } else if (c.status === "Idle") {
      this.#startFault(c, time);
    } else {
      c.faultPending = true;
    }
  }

  #startFault(c: ChargerState, time: number) {
    const f = this.#model.faults;
    const r = c.random;
    c.faultPending = false;
    this.stats.faults++;
    const repair: Repair = r.chance(f.remoteShare) ? "remote" : "site_visit";
    const ms = repair === "remote"
      ? minutesMs(r, f.remoteMinutes, 60_000)
      : minutesMs(r, f.siteVisitHours, HOUR_MS);
    const messages = FAULT_MESSAGES[repair];
    this.#chargerStatus(c, time, "Faulted", messages[r.int(0, messages.length - 1)], repair);
    this.#schedule(c, FAULT, time + ms);
  }

  /** A planned-window timer: a window starts (or waits for the charger to be free), or ends. */
  #planned(c: ChargerState, time: number) {
    if (c.status === "Maintenance") {
      this.#schedulePlanned(c, c.plannedAt + this.#model.plannedMaintenance.everyDays * DAY_MS);
      this.#free(c, time, "Maintenance complete");
    } else if (c.status === "Idle") {
      this.#startPlanned(c, time);
    } else {
      c.plannedPending = true;
    }
  }

  #startPlanned(c: ChargerState, time: number) {
    c.plannedPending = false;
    this.stats.plannedMaintenances++;
    this.#chargerStatus(c, time, "Maintenance", "Scheduled maintenance");
    this.#schedule(c, PLANNED, time + this.#model.plannedMaintenance.hours * HOUR_MS);
  }

  /** A driver could not start a session. */
  #reject(
    c: ChargerState,
    time: number,
    vehicle: Vehicle,
    userId: string,
    soc: number,
    reason: RejectReason,
  ) {
    this.stats.sessionsRejected++;
    // The charger fields are spelled out in each event literal (here, in #chargerStatus and in
    // #sessionFields): spreading the fields object into the literal measured about 35 % slower.
    const f = c.fields;
    this.#push({
      type: "session.rejected",
      seq: 0,
      eventId: "",
      time: iso(time),
      chargerId: f.chargerId,
      stationId: f.stationId,
      locationName: f.locationName,
      network: f.network,
      city: f.city,
      state: f.state,
      postalCode: f.postalCode,
      country: f.country,
      timeZone: f.timeZone,
      latitude: f.latitude,
      longitude: f.longitude,
      level: f.level,
      siteType: f.siteType,
      connectors: f.connectors,
      status: c.status,
      statusMessage: REJECT_MESSAGES[reason],
      userId,
      vehicleType: vehicle.name,
      socPercent: round(soc, 2),
      rejectReason: reason,
    }, c);
  }

  #chargerStatus(c: ChargerState, time: number, status: Status, message: string, repair?: Repair) {
    c.status = status;
    const f = c.fields;
    const event: ChargerStatusEvent = {
      type: "charger.status",
      seq: 0,
      eventId: "",
      time: iso(time),
      chargerId: f.chargerId,
      stationId: f.stationId,
      locationName: f.locationName,
      network: f.network,
      city: f.city,
      state: f.state,
      postalCode: f.postalCode,
      country: f.country,
      timeZone: f.timeZone,
      latitude: f.latitude,
      longitude: f.longitude,
      level: f.level,
      siteType: f.siteType,
      connectors: f.connectors,
      status,
      statusMessage: message,
    };
    if (repair) event.repair = repair;
    this.#push(event, c.session ?? c);
  }

  #sessionFields<T extends SimEvent["type"]>(
    s: Session,
    time: number,
    type: T,
    status: Status,
    message: string,
  ) {
    // Power flows from the end of the start delay until the target or a pause.
    const charging = status === "In Use" && time >= s.segmentStart;
    const energy = s.curve.energyBetween(s.socStart, s.soc);
    const f = s.fields;
    return {
      type,
      seq: 0,
      eventId: "",
      time: iso(time),
      chargerId: f.chargerId,
      stationId: f.stationId,
      locationName: f.locationName,
      network: f.network,
      city: f.city,
      state: f.state,
      postalCode: f.postalCode,
      country: f.country,
      timeZone: f.timeZone,
      latitude: f.latitude,
      longitude: f.longitude,
      level: f.level,
      siteType: f.siteType,
      connectors: f.connectors,
      status,
      statusMessage: message,
      sessionId: s.id,
      userId: s.userId,
      vehicleType: s.vehicle.name,
      powerKw: charging ? round(s.curve.powerAt(s.soc), 2) : 0,
      energyKwh: round(energy, 3),
      socPercent: round(s.soc, 2),
      percentComplete: s.socTarget > s.socStart
        ? round(100 * (s.soc - s.socStart) / (s.socTarget - s.socStart), 2)
        : 100,
      startTime: s.startIso,
      estimatedChargingMinutes: s.estimatedMinutes,
    };
  }

  #emitSession(
    s: Session,
    time: number,
    type: "session.started" | "session.updated" | "session.interrupted" | "session.resumed",
    status: Status,
    message: string,
  ) {
    this.#push(this.#sessionFields(s, time, type, status, message), s);
  }

  /** Numbers and appends an event; `counter` is its charger, or the charger's running session. */
  #push(event: SimEvent, counter: { events: number }) {
    event.seq = ++this.#seq;
    event.eventId = `${event.chargerId}:${this.#history}:${++counter.events}`;
    this.stats.events++;
    this.#out.push(event);
  }
}
