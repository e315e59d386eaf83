/**
 * The engine's state of each charger and session, shared by the engine
 * (`simulation.ts`) and the mapping to and from its snapshot
 * (`simulation_snapshot.ts`).
 *
 * @module
 */
import type { ArrivalProcess } from "./arrivals.ts";
import type { ChargeCurve } from "./charge_curve.ts";
import type { ChargerFields } from "./charger_fields.ts";
import type { Status } from "./event.ts";
import type { LocalTime } from "./local_time.ts";
import type { Level, SiteType, Vehicle } from "./network.ts";
import type { Random } from "./random.ts";

/** A charging session. */
export interface Session {
  charger: ChargerState;
  /** The charger's fields, a copy made beside the session (`sessionCopy`), read by every event. */
  fields: Readonly<ChargerFields>;
  /** The charger's event count, kept here while the session runs. */
  events: number;
  /** The charger's {@link ChargerState.idPrefix}, next to the count. */
  idPrefix: string;
  /**
   * The charger's {@link ChargerState.index}: its steps' tie in the queue, kept here so that a
   * step need not read the charger (about 3 % faster with 100,000 chargers, one paired comparison).
   */
  index: number;
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
  /**
   * SoC and time at which the current charging stretch began (`segmentStart`
   * Infinity: held at no power by a cap of 0 kW).
   */
  segmentSoc: number;
  segmentStart: number;
  /** `curve.secondsTo(segmentSoc)`: where the stretch begins on the curve's clock. */
  segmentClock: number;
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
  /** When its pending step is due: a queued step at another time is stale, and skipped. */
  stepAt: number;
}

/** A charger's state. */
export interface ChargerState {
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
  /** A planned maintenance window is under way. */
  windowOpen: boolean;
  /** A power cap set from outside (a central system's charging profile), kW; 0 holds the charge. */
  capKw: number | undefined;
  /** Taken out of service from outside: Maintenance once free, until released. */
  held: boolean;
  /** Position in the network's charger list. */
  index: number;
  sessions: number;
  /** Events so far, numbering event IDs (while a session runs, the session counts them). */
  events: number;
  /** What its event IDs start with: `chargerId:history:` (see `historyKey`). */
  idPrefix: string;
}
