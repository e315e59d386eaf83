/**
 * The session engine: a discrete-event simulation over priority queues.
 *
 * Each charger has at most one pending timer of each kind (session step,
 * fault, arrival, planned maintenance), keyed by `time · 4 + kind` and tied by
 * the charger's index in the network, so timers run in the order of their
 * time, then kind, then charger (`timer_queue.ts`). Session steps wait in one
 * queue, with their session; the others in another, with their charger: most
 * events are updates of active sessions, and an update then reads only its
 * session (which carries copies of the charger fields its
 * events repeat), a small queue and nothing of the idle chargers. Every random
 * draw of a charger comes from its own stream (seed + charger ID), so a charger
 * behaves identically whether it is simulated alone or in the full network.
 *
 * @module
 */
import { ArrivalProcess, defaultDemand, type DemandModel } from "./arrivals.ts";
import { ChargeCurve } from "./charge_curve.ts";
import type { ChargerState, Session } from "./_engine_state.ts";
import { chargerFields, eventHead } from "./charger_fields.ts";
import type {
  ChargerStatusEvent,
  RejectReason,
  Repair,
  SessionEndedEvent,
  SessionEndEvent,
  SessionEvent,
  SessionRejectedEvent,
  SimEvent,
  Status,
} from "./event.ts";
import { localClock } from "./local_time.ts";
import type { Clipped, Dwell, LogNormal, Model } from "./model.ts";
import {
  cityOf,
  compatibility,
  type Connector,
  type Level,
  type Network,
  type SiteType,
  type Vehicle,
} from "./network.ts";
import { deriveState, Random } from "./random.ts";
import {
  type EngineState,
  KINDS,
  loadSession,
  restoreSimulation,
  saveSimulation,
} from "./simulation_snapshot.ts";
import { type SimulationSnapshot, toTime } from "./snapshot.ts";
import { flatJoin } from "./flat_string.ts";
import { TimerQueue } from "./timer_queue.ts";
import { isoTime } from "./time.ts";

/** Timer kinds, in the order they run when due at the same millisecond (`KINDS` of them). */
const SESSION = 0;
const FAULT = 1;
const ARRIVAL = 2;
const PLANNED = 3;
const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
/** Where {@link Simulation.advance} steps to: nothing is ever appended. */
const NO_EVENTS: SimEvent[] = [];

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

/** The types of the events of a session. */
type SessionEventType = Exclude<SimEvent["type"], "charger.status" | "session.rejected">;
/** The fields every session event has, whatever its type. */
type SessionFields = Omit<SessionEvent, "type"> & { type: SessionEventType };

/** A site type's kinds of stay, with their shares and the sum of the shares. */
interface DwellMixture {
  parts: Dwell[];
  shares: number[];
  total: number;
}

const round = (x: number, digits: number) => {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
};
const clip = (r: Random, d: Clipped) => Math.min(d.max, Math.max(d.min, r.normal(d.mean, d.sd)));
/** The state of charge of `s` at `time`, charging since its stretch began. */
const socAt = (s: Session, time: number) =>
  s.curve.socAtClock(s.segmentSoc, s.segmentClock + (time - s.segmentStart) / 1000);
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
const HELD_MESSAGE = "Unavailable: taken out of service by the central system";
const REJECT_MESSAGES: Record<RejectReason, string> = {
  out_of_service: "Charger out of service",
  authorization_failed: "Start failed: authorization declined",
  connector_error: "Start failed: connector error",
  vehicle_communication: "Start failed: no communication with the vehicle",
};

/** The discrete-event engine. Call {@link Simulation.step} until {@link Simulation.peek} passes your end. */
export class Simulation {
  readonly stats: SimulationStats = newSimulationStats();
  readonly #model: Model;
  readonly #chargers: ChargerState[];
  /** Session steps, queued with their session. */
  readonly #steps = new TimerQueue<Session>();
  /** Arrivals, faults and maintenance, queued with their charger. */
  readonly #timers = new TimerQueue<ChargerState>();
  readonly #updateMs: number;
  readonly #vehicles: Vehicle[];
  /** Each site type's kinds of stay and their shares. */
  readonly #dwell: Record<SiteType, DwellMixture>;
  readonly #curves = new Map<string, ChargeCurve>();
  /** Chargers by ID, made at the first command. */
  #byId?: Map<string, ChargerState>;
  #now: number;
  #seq = 0;
  /** Key and charger index of the timer the last step ran. */
  #stepKey = NaN;
  #stepCharger = -1;
  /**
   * Set by {@link Simulation.advance} to where it stops: until then, timers run
   * and count their events without building them.
   */
  #quietUntil = -Infinity;

  constructor(options: SimulationOptions) {
    const { network, model, seed } = options;
    this.#model = model;
    this.#now = options.start;
    // Names this simulated history in every `eventId`.
    const history = historyKey(seed, options.start);
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
      const fields = chargerFields(charger, city);
      const shares = sharesOf(charger.level, fields.connectors);
      return {
        session: null,
        status: "Idle",
        events: 0,
        idPrefix: flatJoin(fields.chargerId, ":", history, ":"),
        fields,
        level: charger.level,
        siteType: fields.siteType,
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
        windowOpen: false,
        capKw: undefined,
        held: false,
        index,
        sessions: 0,
      };
    });
    if (options.resume) {
      const state = this.#state();
      restoreSimulation(state, options.resume, {
        vehicles: this.#vehicles,
        curve: (vehicle, c, percent) => this.#curve(vehicle, c, percent),
      });
      this.#now = state.now;
      this.#seq = state.seq;
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
    return saveSimulation(this.#state());
  }

  /** What a snapshot holds: the engine's state, `now` and `seq` as they are. */
  #state(): EngineState {
    return {
      now: this.#now,
      seq: this.#seq,
      stats: this.stats,
      chargers: this.#chargers,
      timers: this.#timers,
      steps: this.#steps,
    };
  }

  /**
   * Charger `chargerId` now: its status and whether a vehicle is plugged in
   * (undefined for a charger not in the network). Cheap: no snapshot.
   */
  charger(chargerId: string): { status: Status; plugged: boolean } | undefined {
    const c = this.#charger(chargerId);
    return c && { status: c.status, plugged: c.session !== null };
  }

  #charger(chargerId: string): ChargerState | undefined {
    this.#byId ??= new Map(this.#chargers.map((c) => [c.fields.chargerId, c]));
    return this.#byId.get(chargerId);
  }

  /** Simulated time of the last processed timer (or the start). */
  get now(): number {
    return this.#now;
  }

  /** The `seq` of the last event numbered (built, or only counted while warming up). */
  get seq(): number {
    return this.#seq;
  }

  /**
   * The key (`time · KINDS + kind`) of the timer the last {@link Simulation.step}
   * ran. Steps run in the order of key, then {@link Simulation.stepCharger}; a
   * run of a slice of the network runs its chargers' steps in the same order
   * as the whole network's run, so the steps of slices merge by these two into
   * the whole run's order (`app/parallel.ts`).
   */
  get stepKey(): number {
    return this.#stepKey;
  }

  /** The index in the network of the charger whose timer the last step ran. */
  get stepCharger(): number {
    return this.#stepCharger;
  }

  /** The smallest pending key, or Infinity when nothing is pending. */
  #nextKey(): number {
    return Math.min(this.#steps.peekKey(), this.#timers.peekKey());
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
    const stepKey = this.#steps.peekKey();
    const key = Math.min(stepKey, this.#timers.peekKey());
    if (key === Infinity) return 0;
    const time = Math.floor(key / KINDS);
    this.#now = time;
    this.#stepKey = key;
    const before = out.length;
    // Keys differ by kind, so a session step and a charger timer never tie.
    if (key === stepKey) {
      const s = this.#steps.pop()!;
      this.#stepCharger = s.index;
      // A step moved by a command (see `limitPower`) leaves its old entry behind: skipped.
      if (s.stepAt === time) {
        s.stepAt = NaN;
        this.#sessionStep(out, s, time);
      }
    } else {
      const c = this.#timers.pop()!;
      this.#stepCharger = c.index;
      const kind = key % KINDS;
      if (kind === ARRIVAL) {
        if (c.arrivals.accept(time, c.random)) this.#arrive(out, c, time);
        this.#schedule(c, ARRIVAL, c.arrivals.nextCandidate(time, c.random));
      } else if (kind === FAULT) {
        this.#fault(out, c, time);
      } else {
        this.#planned(out, c, time);
      }
    }
    return out.length - before;
  }

  /**
   * Runs every timer due before `until` (epoch ms) without building events:
   * the state afterwards is the one {@link Simulation.step} would reach (the
   * same sessions, statuses, counters and event numbers), only much sooner,
   * as a session's updates between two changes are counted, not run.
   * Afterwards {@link Simulation.now} is `until`.
   */
  advance(until: number): void {
    this.#quietUntil = until;
    try {
      while (this.peek() < until) this.step(NO_EVENTS);
    } finally {
      this.#quietUntil = -Infinity;
    }
    // Nothing is left before `until`: the simulation stands there.
    this.#now = Math.max(this.#now, until);
  }

  /**
   * Caps the power of charger `chargerId` at `kw` from `time` on, as a
   * central system's charging profile does (undefined: only its rating and
   * the vehicle limit it again; 0 holds the charge at no power). A session
   * there goes on from its state of charge at `time` at the new power, so it
   * takes longer or less long, and a `session.updated` at `time` says so.
   * `time` must lie between {@link Simulation.now} and {@link Simulation.peek}.
   */
  limitPower(chargerId: string, kw: number | undefined, time: number, out: SimEvent[]): void {
    if (kw !== undefined && !(kw >= 0)) throw new RangeError(`kw must be ≥ 0, got ${kw}`);
    const c = this.#at(chargerId, time);
    if (c.capKw === kw) return;
    c.capKw = kw;
    const s = c.session;
    if (!s || s.completed) return;
    if (!s.interrupted && time > s.segmentStart) {
      // What it charged so far, at the old power.
      s.soc = socAt(s, time);
      s.chargedMs += time - s.segmentStart;
      s.segmentStart = time;
    }
    s.curve = this.#curve(s.vehicle, c, s.drawPercent);
    s.segmentClock = s.curve.secondsTo(s.segmentSoc);
    // Paused by a fault, it charges at the new power once the fault clears.
    if (s.interrupted) return;
    // Still waiting to start (`segmentStart` ahead), it keeps its start.
    this.#startSegment(s, Number.isFinite(s.segmentStart) ? s.segmentStart : time);
    if (s.completeAt < s.stepAt) this.#scheduleSession(s, Math.max(time, s.completeAt));
    const message = kw === 0
      ? "Charging held by the central system"
      : "Charging power limit changed by the central system";
    this.#emitSession(out, s, time, "session.updated", "In Use", message);
  }

  /**
   * Takes charger `chargerId` out of service (`available` false) or back in,
   * from `time` on, as a central system's ChangeAvailability does: out of
   * service, it is Maintenance and its arrivals are lost (`session.rejected`,
   * out of service). Returns `"scheduled"` when that waits for the charger to
   * be free (a session, a fault or a planned window under way), else
   * `"accepted"`.
   */
  setAvailable(
    chargerId: string,
    available: boolean,
    time: number,
    out: SimEvent[],
  ): "accepted" | "scheduled" {
    const c = this.#at(chargerId, time);
    if (c.held === !available) return "accepted";
    c.held = !available;
    if (!available) {
      if (c.status !== "Idle") return "scheduled";
      this.#chargerStatus(out, c, time, "Maintenance", HELD_MESSAGE);
      return "accepted";
    }
    // Out of service only by its hold (not by a fault or a planned window), it is free again.
    if (c.status === "Maintenance" && !c.windowOpen) this.#free(out, c, time, "Back in service");
    return "accepted";
  }

  /**
   * A driver arrives at charger `chargerId` at `time` and starts a session
   * there, as with an app or a central system's remote start (the start may
   * still fail, as any start may: `session.rejected`). Returns whether a
   * session started; false, with no event, when the charger is not free.
   */
  startSession(chargerId: string, time: number, out: SimEvent[]): boolean {
    const c = this.#at(chargerId, time);
    if (c.status !== "Idle" || c.held) return false;
    this.#arrive(out, c, time);
    return c.session !== null;
  }

  /**
   * The driver of the session on charger `chargerId` ends it at `time` and
   * unplugs (`session.ended`: target reached if it was, else departed), as
   * with an app or a central system's remote stop; `message` says why (the
   * ended event's `statusMessage`). Returns whether there was a session.
   */
  stopSession(chargerId: string, time: number, out: SimEvent[], message?: string): boolean {
    const c = this.#at(chargerId, time);
    const s = c.session;
    if (!s) return false;
    s.stepAt = NaN; // its pending step is void
    if (!s.completed && !s.interrupted && time > s.segmentStart) {
      s.soc = socAt(s, time);
      s.chargedMs += time - s.segmentStart;
    }
    this.#unplug(out, s, time, s.completed ? "target_reached" : "departed", message);
    return true;
  }

  /** The state of charger `chargerId`, the simulation moved to `time` for a command. */
  #at(chargerId: string, time: number): ChargerState {
    if (!(time >= this.#now && time <= this.peek())) {
      throw new RangeError(
        `a command's time must lie between now (${this.#now}) and the next timer (${this.peek()}), got ${time}`,
      );
    }
    const c = this.#charger(chargerId);
    if (!c) throw new RangeError(`no charger ${chargerId} in the network`);
    this.#now = time;
    return c;
  }

  /**
   * A charging stretch of `s` from `time` at its state of charge: when it
   * reaches the target, or, held by a cap of 0 kW, never (no power flows).
   */
  #startSegment(s: Session, time: number) {
    s.segmentSoc = s.soc;
    s.segmentClock = s.curve.secondsTo(s.soc);
    if (s.charger.capKw === 0) {
      s.segmentStart = Infinity;
      s.completeAt = Infinity;
    } else {
      s.segmentStart = time;
      s.completeAt = time + Math.ceil(s.curve.secondsBetween(s.soc, s.socTarget) * 1000);
    }
  }

  /** Whether events are only counted (see {@link Simulation.advance}). */
  get #quiet(): boolean {
    return this.#now < this.#quietUntil;
  }

  #schedule(c: ChargerState, kind: typeof FAULT | typeof ARRIVAL | typeof PLANNED, time: number) {
    this.#timers.push(c, time * KINDS + kind, c.index);
  }

  /** Queues the next step of `s`; `next`: it is the next update, one interval on. */
  #scheduleSession(s: Session, time: number, next = false) {
    if (s.stepAt === time) return; // already due then
    s.stepAt = time;
    if (next) this.#steps.pushInOrder(s, time * KINDS + SESSION, s.index);
    else this.#steps.push(s, time * KINDS + SESSION, s.index);
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

  #arrive(out: SimEvent[], c: ChargerState, time: number) {
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
      return this.#reject(out, c, time, vehicle, userId, socStart, "out_of_service");
    }
    if (r.chance(m.failedStartProbability)) {
      const reason = START_FAILURES[r.int(0, START_FAILURES.length - 1)];
      return this.#reject(out, c, time, vehicle, userId, socStart, reason);
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
    const s = loadSession(c, vehicle, curve, {
      id: flatJoin(c.fields.chargerId, "-S", c.sessions),
      userId,
      vehicle: vehicle.name,
      drawPercent,
      startIso: isoTime(time),
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
    });
    if (c.capKw === 0) this.#startSegment(s, from);
    const dwell = this.#dwell[c.siteType];
    if (dwell.parts.length > 1) s.dwellPart = r.weighted(dwell.shares, dwell.total);
    s.departAt = time + this.#dwellMs(c, dwell.parts[s.dwellPart].connectionMinutes);
    c.session = s;
    this.stats.sessionsStarted++;
    this.#chargerStatus(out, c, time, "In Use", "Vehicle connected");
    this.#emitSession(out, s, time, "session.started", "In Use", "Charging session started");
    this.#scheduleStep(s, time);
  }

  /**
   * A session's charge curve: DC follows the vehicle's curve; Level 2 draws
   * `percent` of the smaller of the charger's and the onboard charger's rating.
   */
  #curve(vehicle: Vehicle, c: ChargerState, percent: number): ChargeCurve {
    const dc = c.level === "DCFC";
    // A cap of 0 holds the charge (see `#startSegment`): the curve is the uncapped one.
    const cap = c.capKw || Infinity;
    const key = `${vehicle.name}|${c.level}|${c.powerKw}|${percent}|${cap}`;
    let curve = this.#curves.get(key);
    if (!curve) {
      // A vehicle without a DC inlet never arrives at a DC charger (see `compatibility`).
      const rated = Math.min(c.powerKw, dc ? vehicle.maxDcKw! : vehicle.maxAcKw) * percent / 100;
      const limit = Math.min(rated, cap);
      curve = new ChargeCurve(vehicle.batteryKwh, limit, dc ? vehicle.dcCurve : undefined);
      this.#curves.set(key, curve);
    }
    return curve;
  }

  #scheduleStep(s: Session, time: number) {
    const u = this.#updateMs;
    const change = Math.min(s.completeAt, s.interruptAt, s.departAt);
    if (this.#quiet && change > time + u) {
      // Updates only say where a session is: those due before the advance stops are counted, not
      // run. The session goes on at its next change, or at its first update after the advance.
      const updates = Math.ceil((change - time) / u) - 1;
      const skipped = Math.min(updates, Math.ceil((this.#quietUntil - time) / u) - 1);
      if (skipped > 0) {
        this.#count(s, skipped);
        const at = time + skipped * u;
        if (at > s.segmentStart) {
          s.soc = socAt(s, at);
        }
      }
      this.#scheduleSession(s, skipped === updates ? change : time + (skipped + 1) * u);
      return;
    }
    if (change > time + u) this.#scheduleSession(s, time + u, true);
    else this.#scheduleSession(s, Math.max(time, change));
  }

  /** A drawn stay (at least 5 minutes), in ms. */
  #dwellMs(c: ChargerState, minutes: LogNormal): number {
    return Math.ceil(Math.max(5, c.random.logNormal(minutes.median, minutes.sigma)) * 60_000);
  }

  #sessionStep(out: SimEvent[], s: Session, time: number) {
    const m = this.#model.interruption;
    if (s.completed) return this.#unplug(out, s, time, "target_reached");
    if (s.interrupted) {
      // A driver waiting for a fault to clear still leaves when planned.
      if (time >= s.departAt) return this.#unplug(out, s, time, "departed");
      const c = s.charger;
      if (c.random.chance(m.resolveProbability)) {
        s.interrupted = false;
        this.#startSegment(s, time);
        this.#chargerStatus(out, c, time, "In Use", "Fault cleared");
        this.#emitSession(out, s, time, "session.resumed", "In Use", "Charging resumed");
        this.#scheduleStep(s, time);
      } else if (++s.checks >= m.maxChecks) {
        this.stats.sessionsFailed++;
        this.#emitEnd(
          out,
          s,
          time,
          "session.failed",
          "Failed",
          "Charging failed: fault not resolved",
        );
        this.#unplug(out, s, time, "failed");
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
      this.#emitEnd(out, s, time, "session.completed", "Completed", "Charging complete");
      const dwell = this.#dwell[s.charger.siteType].parts[s.dwellPart];
      if (dwell.afterFullMinutes) {
        s.departAt = Math.min(s.departAt, time + this.#dwellMs(s.charger, dwell.afterFullMinutes));
      }
      // Full, the vehicle stays plugged in (the charger stays In Use) until it leaves.
      if (s.departAt <= time) this.#unplug(out, s, time, "target_reached");
      else this.#scheduleSession(s, s.departAt);
      return;
    }
    if (time > s.segmentStart) {
      s.soc = socAt(s, time);
    }
    if (time >= s.departAt) {
      s.chargedMs += Math.max(0, time - s.segmentStart);
      return this.#unplug(out, s, time, "departed");
    }
    if (time >= s.interruptAt) {
      const c = s.charger;
      s.interrupted = true;
      s.interruptAt = Infinity;
      s.chargedMs += Math.max(0, time - s.segmentStart);
      this.stats.interruptions++;
      const reason = INTERRUPTION_REASONS[c.random.int(0, INTERRUPTION_REASONS.length - 1)];
      this.#chargerStatus(out, c, time, "Interruption", reason);
      this.#emitSession(out, s, time, "session.interrupted", "Interruption", reason);
      this.#scheduleSession(s, Math.min(time + m.checkMinutes * 60_000, s.departAt));
      return;
    }
    this.#emitSession(out, s, time, "session.updated", "In Use", "Charging in progress");
    this.#scheduleStep(s, time);
  }

  /** The session's charging ends: its target reached, or given up after a fault. */
  #emitEnd(
    out: SimEvent[],
    s: Session,
    time: number,
    type: "session.completed" | "session.failed",
    status: Status,
    message: string,
  ) {
    if (this.#quiet) return this.#count(s, 1);
    const e = this.#sessionEvent(s, time, type, status, message) as SessionEndEvent;
    e.endTime = e.time;
    e.actualChargingMinutes = round(s.chargedMs / 60_000, 1);
    e.totalEnergyKwh = e.energyKwh;
    this.#push(out, e, s);
  }

  /** The vehicle unplugs: the session ends and the charger is free. */
  #unplug(
    out: SimEvent[],
    s: Session,
    time: number,
    reason: "target_reached" | "departed" | "failed",
    message: string = UNPLUG_MESSAGES[reason],
  ) {
    this.stats.energyKwh += s.curve.energyBetween(s.socStart, s.soc);
    this.stats.sessionsEnded++;
    if (this.#quiet) this.#count(s, 1);
    else this.#push(out, this.#endedEvent(s, time, reason, message), s);
    const c = s.charger;
    c.events = s.events; // the charger counts its own events again
    c.session = null;
    this.#free(out, c, time, "Available");
  }

  #endedEvent(
    s: Session,
    time: number,
    reason: keyof typeof UNPLUG_MESSAGES,
    message: string,
  ): SessionEndedEvent {
    const e = this.#sessionEvent(s, time, "session.ended", "Ended", message) as SessionEndedEvent;
    const connected = round((time - s.startMs) / 60_000, 1);
    const charging = round(s.chargedMs / 60_000, 1);
    e.endTime = e.time;
    e.endReason = reason;
    e.connectedMinutes = connected;
    e.chargingMinutes = charging;
    e.idleMinutes = round(Math.max(0, connected - charging), 1);
    e.totalEnergyKwh = e.energyKwh;
    return e;
  }

  /** The charger is free again: it stays out of service, a pending outage starts, or it is available. */
  #free(out: SimEvent[], c: ChargerState, time: number, message: string) {
    if (c.held) this.#chargerStatus(out, c, time, "Maintenance", HELD_MESSAGE);
    else if (c.faultPending) this.#startFault(out, c, time);
    else if (c.plannedPending) this.#startPlanned(out, c, time);
    else this.#chargerStatus(out, c, time, "Idle", message);
  }

  /** A fault timer: a fault starts (or waits for the charger to be free), or a repair ends. */
  #fault(out: SimEvent[], c: ChargerState, time: number) {
    if (c.status === "Faulted") {
      this.#scheduleFault(c, time);
      this.#free(out, c, time, "Repaired");
    } else if (c.status === "Idle") {
      this.#startFault(out, c, time);
    } else {
      c.faultPending = true;
    }
  }

  #startFault(out: SimEvent[], c: ChargerState, time: number) {
    const f = this.#model.faults;
    const r = c.random;
    c.faultPending = false;
    this.stats.faults++;
    const repair: Repair = r.chance(f.remoteShare) ? "remote" : "site_visit";
    const ms = repair === "remote"
      ? minutesMs(r, f.remoteMinutes, 60_000)
      : minutesMs(r, f.siteVisitHours, HOUR_MS);
    const messages = FAULT_MESSAGES[repair];
    this.#chargerStatus(out, c, time, "Faulted", messages[r.int(0, messages.length - 1)], repair);
    this.#schedule(c, FAULT, time + ms);
  }

  /** A planned-window timer: a window starts (or waits for the charger to be free), or ends. */
  #planned(out: SimEvent[], c: ChargerState, time: number) {
    if (c.windowOpen) {
      c.windowOpen = false;
      this.#schedulePlanned(c, c.plannedAt + this.#model.plannedMaintenance.everyDays * DAY_MS);
      // Out of service meanwhile, it says so only once.
      if (!c.held) this.#free(out, c, time, "Maintenance complete");
    } else if (c.status === "Idle") {
      this.#startPlanned(out, c, time);
    } else {
      c.plannedPending = true;
    }
  }

  #startPlanned(out: SimEvent[], c: ChargerState, time: number) {
    c.plannedPending = false;
    c.windowOpen = true;
    this.stats.plannedMaintenances++;
    this.#chargerStatus(out, c, time, "Maintenance", "Scheduled maintenance");
    this.#schedule(c, PLANNED, time + this.#model.plannedMaintenance.hours * HOUR_MS);
  }

  /** A driver could not start a session. */
  #reject(
    out: SimEvent[],
    c: ChargerState,
    time: number,
    vehicle: Vehicle,
    userId: string,
    soc: number,
    reason: RejectReason,
  ) {
    this.stats.sessionsRejected++;
    if (this.#quiet) return this.#count(c, 1);
    const e = eventHead(
      "session.rejected",
      time,
      c.fields,
      c.status,
      REJECT_MESSAGES[reason],
    ) as SessionRejectedEvent;
    e.userId = userId;
    e.vehicleType = vehicle.name;
    e.socPercent = round(soc, 2);
    e.rejectReason = reason;
    this.#push(out, e, c);
  }

  #chargerStatus(
    out: SimEvent[],
    c: ChargerState,
    time: number,
    status: Status,
    message: string,
    repair?: Repair,
  ) {
    c.status = status;
    if (this.#quiet) return this.#count(c.session ?? c, 1);
    const e: ChargerStatusEvent = eventHead("charger.status", time, c.fields, status, message);
    if (repair) e.repair = repair;
    this.#push(out, e, c.session ?? c);
  }

  /** A session event of `s`, with the fields every session event has. */
  #sessionEvent(
    s: Session,
    time: number,
    type: SessionEventType,
    status: Status,
    message: string,
  ): SessionFields {
    // Power flows from the end of the start delay until the target or a pause.
    const charging = status === "In Use" && time >= s.segmentStart;
    const e = eventHead(type, time, s.fields, status, message) as SessionFields;
    e.sessionId = s.id;
    e.userId = s.userId;
    e.vehicleType = s.vehicle.name;
    e.powerKw = charging ? round(s.curve.powerAt(s.soc), 2) : 0;
    e.energyKwh = round(s.curve.energyBetween(s.socStart, s.soc), 3);
    e.socPercent = round(s.soc, 2);
    e.percentComplete = s.socTarget > s.socStart
      ? round(100 * (s.soc - s.socStart) / (s.socTarget - s.socStart), 2)
      : 100;
    e.startTime = s.startIso;
    e.estimatedChargingMinutes = s.estimatedMinutes;
    return e;
  }

  #emitSession(
    out: SimEvent[],
    s: Session,
    time: number,
    type: "session.started" | "session.updated" | "session.interrupted" | "session.resumed",
    status: Status,
    message: string,
  ) {
    if (this.#quiet) return this.#count(s, 1);
    this.#push(out, this.#sessionEvent(s, time, type, status, message) as SessionEvent, s);
  }

  /** Numbers `n` events that {@link Simulation.advance} does not build, as {@link #push} would. */
  #count(counter: { events: number }, n: number) {
    this.#seq += n;
    counter.events += n;
    this.stats.events += n;
  }

  /** Numbers and appends an event; `counter` is its charger, or the charger's running session. */
  #push(out: SimEvent[], event: SimEvent, counter: { events: number; idPrefix: string }) {
    this.#count(counter, 1);
    event.seq = this.#seq;
    event.eventId = flatJoin(counter.idPrefix, counter.events);
    out.push(event);
  }
}
