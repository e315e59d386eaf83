/**
 * The engine's state to and from a {@link SimulationSnapshot}: what
 * `Simulation.snapshot()` saves and its `resume` option restores.
 *
 * @module
 */
import type { ChargerState, Session } from "./_engine_state.ts";
import type { ChargeCurve } from "./charge_curve.ts";
import { sessionCopy } from "./charger_fields.ts";
import type { Vehicle } from "./network.ts";
import { Random } from "./random.ts";
import type { TimerQueue } from "./timer_queue.ts";
import type { SimulationStats } from "./simulation.ts";
import { fromTime, type SessionSnapshot, type SimulationSnapshot, toTime } from "./snapshot.ts";

/** Timer kinds per millisecond of a queue key (`time · KINDS + kind`; see `simulation.ts`). */
export const KINDS = 4;

/** What of the engine a snapshot holds. */
export interface EngineState {
  /** Simulated time reached. */
  now: number;
  /** The last event's `seq`. */
  seq: number;
  readonly stats: SimulationStats;
  /** Every charger, in the network's order. */
  readonly chargers: readonly ChargerState[];
  /** Arrivals, faults and maintenance, queued with their charger. */
  readonly timers: TimerQueue<ChargerState>;
  /** Session steps, queued with their session. */
  readonly steps: TimerQueue<Session>;
}

/**
 * A queue's entries, as [charger index, key] pairs, without
 * those `keep` says are stale.
 */
function entries<T>(
  queue: TimerQueue<T>,
  index: (item: T) => number,
  keep: (item: T, key: number) => boolean = () => true,
): [number, number][] {
  const out: [number, number][] = [];
  for (const [item, key] of queue.entries()) {
    if (keep(item, key)) out.push([index(item), key]);
  }
  return out;
}

/** A session's saved fields. */
function saveSession(s: Session): SessionSnapshot {
  return {
    id: s.id,
    userId: s.userId,
    vehicle: s.vehicle.name,
    drawPercent: s.drawPercent,
    startIso: s.startIso,
    socStart: s.socStart,
    socTarget: s.socTarget,
    estimatedMinutes: s.estimatedMinutes,
    segmentSoc: s.segmentSoc,
    segmentStart: toTime(s.segmentStart),
    chargedMs: s.chargedMs,
    completeAt: toTime(s.completeAt),
    interruptAt: toTime(s.interruptAt),
    checks: s.checks,
    soc: s.soc,
    startMs: s.startMs,
    departAt: toTime(s.departAt),
    completed: s.completed,
    dwellPart: s.dwellPart,
    interrupted: s.interrupted,
    events: s.events,
  };
}

/**
 * A session of charger `c` from its saved fields. The engine makes new
 * sessions with it too, so that every session has the same shape.
 */
export function loadSession(
  c: ChargerState,
  vehicle: Vehicle,
  curve: ChargeCurve,
  saved: SessionSnapshot,
): Session {
  return {
    charger: c,
    fields: sessionCopy(c.fields),
    events: saved.events,
    idPrefix: c.idPrefix,
    index: c.index,
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
    segmentClock: curve.secondsTo(saved.segmentSoc),
    segmentStart: fromTime(saved.segmentStart),
    chargedMs: saved.chargedMs,
    completeAt: fromTime(saved.completeAt),
    interruptAt: fromTime(saved.interruptAt),
    checks: saved.checks,
    soc: saved.soc,
    startMs: saved.startMs,
    departAt: fromTime(saved.departAt),
    completed: saved.completed,
    dwellPart: saved.dwellPart,
    stepAt: NaN,
  };
}

/** The whole state as plain JSON. */
export function saveSimulation(state: EngineState): SimulationSnapshot {
  return {
    now: state.now,
    seq: state.seq,
    stats: { ...state.stats },
    chargers: state.chargers.map((c) => ({
      id: c.fields.chargerId,
      status: c.status,
      events: c.events,
      sessions: c.sessions,
      random: [...c.random.state] as [number, number, number, number],
      faultPending: c.faultPending,
      plannedPending: c.plannedPending,
      plannedAt: c.plannedAt,
      windowOpen: c.windowOpen,
      capKw: c.capKw ?? null,
      held: c.held,
      session: c.session && saveSession(c.session),
    })),
    // Timers due at the same millisecond run in the order of their charger, however queued.
    timers: entries(state.timers, (c) => c.index),
    // A command can leave stale steps behind (see `Session.stepAt`): only due ones are saved.
    steps: entries(
      state.steps,
      (s) => s.charger.index,
      (s, key) => s.charger.session === s && Math.floor(key / KINDS) === s.stepAt,
    ),
  };
}

/** How {@link restoreSimulation} finds a saved session's vehicle and charge curve. */
export interface SessionMaker {
  vehicles: readonly Vehicle[];
  /** The charge curve of `vehicle` on charger `c` drawing `percent` of the power. */
  curve(vehicle: Vehicle, c: ChargerState, percent: number): ChargeCurve;
}

/**
 * Puts `snapshot` back into `state`, a simulation of the same network not run
 * yet (its queues empty). Throws a `RangeError` if the snapshot is of another
 * network.
 */
export function restoreSimulation(
  state: EngineState,
  snapshot: SimulationSnapshot,
  maker: SessionMaker,
): void {
  const { chargers } = state;
  if (snapshot.chargers.length !== chargers.length) {
    throw new RangeError(
      `the snapshot has ${snapshot.chargers.length} chargers, the network ${chargers.length}`,
    );
  }
  state.now = snapshot.now;
  state.seq = snapshot.seq;
  Object.assign(state.stats, snapshot.stats);
  const vehicles = new Map(maker.vehicles.map((x) => [x.name, x]));
  snapshot.chargers.forEach((saved, i) => {
    const c = chargers[i];
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
    c.windowOpen = saved.windowOpen ?? saved.status === "Maintenance";
    c.capKw = saved.capKw ?? undefined;
    c.held = saved.held;
    if (saved.session) {
      const vehicle = vehicles.get(saved.session.vehicle);
      if (!vehicle) {
        throw new RangeError(`the snapshot's vehicle ${saved.session.vehicle} is unknown`);
      }
      const curve = maker.curve(vehicle, c, saved.session.drawPercent);
      c.session = loadSession(c, vehicle, curve, saved.session);
    }
  });
  const charger = (i: number) => {
    const c = chargers[i];
    if (!c) throw new RangeError(`the snapshot's queue names charger ${i}, out of range`);
    return c;
  };
  for (const [i, key] of snapshot.timers) state.timers.push(charger(i), key, i);
  for (const [i, key] of snapshot.steps) {
    const session = charger(i).session;
    if (!session) throw new RangeError(`the snapshot's queue has a step for idle charger ${i}`);
    session.stepAt = Math.floor(key / KINDS);
    state.steps.push(session, key, i);
  }
}
