/**
 * What `evsim stats` reports: the figures of an event stream, overall and per
 * site type, as plain JSON (`evsim stats --json` prints it as it is).
 *
 * @module
 */
import type { SiteType } from "../core/network.ts";

/** How each site type is named in the reports' headings and captions. */
export const SITE_LABELS: Readonly<Record<SiteType, string>> = {
  workplace: "Workplace",
  public: "Public L2",
  dc_fast: "DC fast",
  residential: "Residential",
};

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
  /**
   * The distances of the site type's sessions to a real reference set, when
   * one is chosen for it (not in `overall`).
   */
  realism?: Realism;
}

/** Median and quartiles of a distribution; null when it is empty. */
export interface Spread {
  median: number | null;
  p25: number | null;
  p75: number | null;
}

/** One metric of a {@link Realism} block: the stream's distribution against the reference's. */
export interface RealismMetric {
  /** The reference's name of the metric: `connectionMinutes`, `stayMinutes`, `energyKwh`… */
  metric: string;
  /** How it reads: `connection (min)`. */
  label: string;
  /** Cleaned sessions of the stream that have it (arrival SoC needs the `session.started`). */
  sessions: number;
  /** Cleaned sessions of the reference that have it. */
  referenceSessions: number;
  stream: Spread;
  reference: Spread;
  /** Kolmogorov–Smirnov distance of the two distributions; null without sessions. */
  ks: number | null;
  /** The most KS allowed; null for a metric without a target (reported only). */
  target: number | null;
  /** Whether `ks` ≤ `target`; null without a target. */
  pass: boolean | null;
}

/**
 * How close a site type's sessions come to a real reference set. Sessions are
 * counted at their `session.ended` and cleaned like the reference: under
 * 0.5 kWh, under 5 minutes or over 48 hours plugged in are dropped.
 */
export interface Realism {
  /** The reference set's name (`boulder`) and the site type it describes. */
  reference: string;
  referenceSiteType: SiteType;
  citation: string;
  /** Cleaned sessions of the stream compared, and those dropped by each rule (in order). */
  sessions: number;
  dropped: { underHalfKwh: number; under5Minutes: number; over48Hours: number };
  /** Cleaned sessions of the reference. */
  referenceSessions: number;
  metrics: RealismMetric[];
  /** Total-variation distance of the local arrival-hour histograms (shares, 24 bins each). */
  arrivalHours: {
    tvd: number | null;
    target: number;
    pass: boolean;
    stream: number[];
    reference: number[];
  };
  /** Shares of cleaned sessions starting Monday–Friday, and stream minus reference. */
  weekdayShare: {
    stream: number | null;
    reference: number;
    difference: number | null;
    target: number;
    pass: boolean;
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
  /** Row of the charging-facts reference; null for a distance to a real reference set. */
  row: number | null;
  /** The real reference set a distance is measured to (`boulder`); absent for the charging facts. */
  reference?: string;
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
  /** Lines that were events (each once). */
  events: number;
  /**
   * Events skipped as repeats of one read before (the same `eventId`, as a run
   * resumed from `--state` repeats them). Always set by `evsim stats`.
   */
  duplicates?: number;
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
  /**
   * What the span is too short for: under a day, the daily figures only
   * reflect the hours it covers; under a week, the weekday shares the days it
   * covers. Empty from a week up. Always set by `StatsCollector`.
   */
  warnings?: string[];
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
    /**
     * Per site type with a realism block, each metric's distribution as
     * quantiles at the 101 levels 0, 0.01, …, 1: the stream's and the reference's.
     */
    realism?: Partial<
      Record<SiteType, { metric: string; label: string; stream: number[]; reference: number[] }[]>
    >;
  };
}
