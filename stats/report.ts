/**
 * What `evsim stats` reports: the figures of an event stream, overall and per
 * site type, as plain JSON (`evsim stats --json` prints it as it is).
 *
 * @module
 */
import type { SiteType } from "../core/network.ts";

/** Median, mean and 90th percentile of a distribution; null when it is empty. */
export interface Summary {
  count: number;
  median: number | null;
  mean: number | null;
  p90: number | null;
}

/** The figures of one group of chargers (a site type, or all of them). */
export interface GroupStats {
  /** Chargers seen in the stream (any event). */
  chargers: number;
  /** Sessions started (`session.started`). */
  sessions: number;
  /** Sessions / chargers / days of the stream. */
  sessionsPerChargerPerDay: number | null;
  /** `totalEnergyKwh` of `session.ended`. */
  energyKwh: Summary;
  /** Plugged-in minutes (`connectedMinutes` of `session.ended`). */
  stayMinutes: Summary;
  /** Minutes drawing power (`chargingMinutes` of `session.ended`). */
  chargingMinutes: Summary;
  /** Idle minutes / plugged-in minutes, over all ended sessions. */
  idleShare: number | null;
  /** Share of session starts in each local hour 0–23 (sums to 1; all 0 when none). */
  arrivalShareByHour: number[];
  /** Share of session starts on local weekdays (Monday–Friday). */
  weekdayShare: number | null;
  /** Median state of charge at plug-in (`session.started`). */
  arrivalSocMedian: number | null;
  /** Median state of charge at unplug (`session.ended`). */
  departureSocMedian: number | null;
  /** Share of ended sessions that left at 80 % or more. */
  leavingAt80Share: number | null;
  /** Plugged-in time / (chargers × stream span). */
  timeUtilization: number | null;
  /** Visits that failed / visits: (`session.rejected` + `session.ended` with `failed`) / (started + rejected). */
  failedAttemptRate: number | null;
  /** Among failed visits, the share rejected because the charger was out of service. */
  outOfServiceFailureShare: number | null;
  /** Sessions with at least one `session.interrupted` / sessions started. */
  interruptionRate: number | null;
  /** Mean share of time chargers spent `Faulted` or in `Maintenance`. */
  outOfServiceShare: number | null;
  /** Per-port uptime by the NEVI formula (23 CFR 680.116(b)), in percent. */
  uptime: {
    meanPercent: number | null;
    minPercent: number | null;
    /** Share of ports above 97 %. */
    portsAbove97Share: number | null;
  };
}

/** One city's figures, for the utilization and uptime charts. */
export interface CityStats {
  city: string;
  state: string;
  chargers: number;
  sessions: number;
  energyKwh: number;
  timeUtilization: number | null;
  uptimeMeanPercent: number | null;
}

/** One figure of the calibration table: a published range and whether the stream lands in it. */
export interface CalibrationCheck {
  /** Row of the charging-facts reference. */
  row: number;
  /** What is measured, such as `DC fast session energy median (kWh)`. */
  statistic: string;
  siteType: SiteType | "all";
  value: number | null;
  low: number;
  high: number;
  pass: boolean;
}

/** A histogram with equal-width bins: `counts[i]` values fell in `[start + i·width, start + (i+1)·width)`; the last bin holds everything above. */
export interface Bins {
  start: number;
  width: number;
  counts: number[];
}

/** Everything `evsim stats` computes. */
export interface StatsReport {
  /** Lines read (blank lines excluded). */
  lines: number;
  /** Lines that were events. */
  events: number;
  /** Lines that were not valid events: counted, not fatal. */
  badLines: number;
  /**
   * Session starts without a known `timeZone` (streams older than the field):
   * their local hour and weekday were taken in UTC. Always set by `evsim stats`.
   */
  arrivalsWithoutTimeZone?: number;
  /** First and last event time (ISO-8601), null when there were no events. */
  from: string | null;
  to: string | null;
  /** Span of the stream in days. */
  days: number;
  overall: GroupStats;
  /** Only the site types that appear in the stream. */
  bySiteType: Partial<Record<SiteType, GroupStats>>;
  byCity: CityStats[];
  calibration: CalibrationCheck[];
  /** Chart data, present when asked for (the HTML report). */
  charts?: {
    /** Energy per session, 2 kWh bins, per site type. */
    energyKwh: Partial<Record<SiteType, Bins>>;
    /** Plugged-in minutes, 15-minute bins, per site type. */
    stayMinutes: Partial<Record<SiteType, Bins>>;
    /**
     * Mean power drawn in each city over time: `kw[c][i]` is city `cities[c]`
     * in the step starting at `start + i·stepMinutes`. Steps are 15 minutes,
     * doubled as needed so that long streams keep a bounded number of points.
     */
    loadCurve: { start: string; stepMinutes: number; cities: string[]; kw: number[][] };
  };
}
