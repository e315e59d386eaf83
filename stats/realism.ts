/**
 * The cleaned sessions of one site type, gathered in constant memory, and
 * their distances to a real reference set (`realism` in the report).
 *
 * @module
 */
import {
  type DropReason,
  dropReason,
  KW_MIN_CHARGING_MINUTES,
  type QuantileTable,
  type ReferenceMetric,
  type ReferenceSet,
} from "../core/reference_table.ts";
import { DISTANCE_TARGETS, inRange } from "./calibration.ts";
import { LogHistogram } from "./histogram.ts";
import {
  histogramCdf,
  ksDistance,
  METRIC_INFO,
  quantileCdf,
  type SessionMetric,
  totalVariation,
  weekdayShareDifference,
} from "./reference.ts";
import type { Realism, RealismMetric, Spread } from "./report.ts";

/** What a session's `session.ended` says of it. */
export interface EndedSession {
  connectedMinutes: number;
  chargingMinutes: number;
  idleMinutes: number;
  totalEnergyKwh: number;
  /** State of charge at unplug. */
  socPercent: number;
}

/** What is kept of a session's `session.started` while it is open. */
export interface StartedSession {
  /** State of charge at plug-in. */
  socPercent: number;
  /** Local hour (0–23) and ISO weekday (1 = Monday … 7 = Sunday) of its start. */
  hour: number;
  weekday: number;
}

/** Levels of the chart curves: 0, 0.01, …, 1. */
const CURVE_LEVELS = 101;

/** Running totals of the cleaned sessions of one site type. */
export class RealismTotals {
  /** Sessions kept by the cleaning. */
  sessions = 0;
  dropped: Record<DropReason, number> = { underHalfKwh: 0, under5Minutes: 0, over48Hours: 0 };
  readonly metrics: Record<SessionMetric, LogHistogram> = {
    connectionMinutes: new LogHistogram(),
    energyKwh: new LogHistogram(),
    chargingMinutes: new LogHistogram(),
    idleShare: new LogHistogram(),
    kwCharging: new LogHistogram(),
    socArrival: new LogHistogram(),
    socDeparture: new LogHistogram(),
  };
  readonly arrivalsByHour: number[] = new Array<number>(24).fill(0);
  weekdayArrivals = 0;

  /**
   * Adds one ended session, cleaned like the reference sets. `started` is what
   * its `session.started` said, or null when the stream began after it; then
   * `localStart()` gives the local hour and weekday of its start, and its
   * arrival SoC is unknown.
   */
  add(
    ended: EndedSession,
    started: StartedSession | null,
    localStart: () => { hour: number; weekday: number },
  ): void {
    const connected = ended.connectedMinutes;
    const reason = dropReason(ended.totalEnergyKwh, connected);
    if (reason !== null) {
      this.dropped[reason]++;
      return;
    }
    this.sessions++;
    const { hour, weekday } = started ?? localStart();
    this.arrivalsByHour[hour]++;
    if (weekday >= 1 && weekday <= 5) this.weekdayArrivals++;
    const m = this.metrics;
    m.connectionMinutes.add(connected);
    m.energyKwh.add(ended.totalEnergyKwh);
    m.chargingMinutes.add(ended.chargingMinutes);
    m.idleShare.add(Math.min(1, Math.max(0, ended.idleMinutes / connected)));
    if (ended.chargingMinutes >= KW_MIN_CHARGING_MINUTES) {
      m.kwCharging.add(ended.totalEnergyKwh / (ended.chargingMinutes / 60));
    }
    if (started) m.socArrival.add(started.socPercent);
    m.socDeparture.add(ended.socPercent);
  }
}

/** The `p` quantile of a table of evenly spaced levels, interpolated between them. */
function tableQuantile(quantiles: readonly number[], p: number): number {
  const rank = p * (quantiles.length - 1);
  const below = Math.floor(rank);
  const fraction = rank - below;
  return fraction === 0
    ? quantiles[below]
    : quantiles[below] + (quantiles[below + 1] - quantiles[below]) * fraction;
}

const spreadOf = (q: (p: number) => number | null): Spread => ({
  median: q(0.5),
  p25: q(0.25),
  p75: q(0.75),
});

/** The metrics `set` has, in the order of its table, with their tables. */
function metricsOf(set: ReferenceSet): [ReferenceMetric, QuantileTable][] {
  return (Object.entries(set.metrics) as [ReferenceMetric, QuantileTable | undefined][])
    .filter((entry): entry is [ReferenceMetric, QuantileTable] => entry[1] !== undefined);
}

/** The distances of `totals` to `set`, each against its target ({@link DISTANCE_TARGETS}). */
export function realismOf(totals: RealismTotals, set: ReferenceSet): Realism {
  const metrics = metricsOf(set).map(([metric, table]): RealismMetric => {
    const h = totals.metrics[METRIC_INFO[metric].session];
    const cdf = histogramCdf(h);
    const ks = cdf === null ? null : ksDistance(cdf, quantileCdf(table.quantiles));
    const target = DISTANCE_TARGETS.ks[metric] ?? null;
    return {
      metric,
      label: METRIC_INFO[metric].label,
      sessions: h.count,
      referenceSessions: table.n,
      stream: spreadOf((p) => h.quantile(p)),
      reference: spreadOf((p) => tableQuantile(table.quantiles, p)),
      ks,
      target,
      pass: target === null ? null : inRange(ks, 0, target),
    };
  });
  const n = totals.sessions;
  const tvd = totalVariation(totals.arrivalsByHour, set.arrivalShareByHour);
  const weekday = n > 0 ? totals.weekdayArrivals / n : null;
  const difference = weekdayShareDifference(weekday, set.weekdayShare);
  return {
    reference: set.name,
    referenceSiteType: set.siteType,
    citation: set.citation,
    sessions: n,
    dropped: { ...totals.dropped },
    referenceSessions: set.rows.cleaned,
    metrics,
    arrivalHours: {
      tvd,
      target: DISTANCE_TARGETS.arrivalHoursTvd,
      pass: inRange(tvd, 0, DISTANCE_TARGETS.arrivalHoursTvd),
      stream: totals.arrivalsByHour.map((c) => (n > 0 ? c / n : 0)),
      reference: [...set.arrivalShareByHour],
    },
    weekdayShare: {
      stream: weekday,
      reference: set.weekdayShare,
      difference,
      target: DISTANCE_TARGETS.weekdayShare,
      pass: inRange(
        difference === null ? null : Math.abs(difference),
        0,
        DISTANCE_TARGETS.weekdayShare,
      ),
    },
  };
}

/** Each metric of `set` as quantiles at 101 levels, the stream's beside the reference's, for the charts. */
export function realismCurves(
  totals: RealismTotals,
  set: ReferenceSet,
): { metric: string; label: string; stream: number[]; reference: number[] }[] {
  const levels = Array.from({ length: CURVE_LEVELS }, (_, i) => i / (CURVE_LEVELS - 1));
  return metricsOf(set).flatMap(([metric, table]) => {
    const h = totals.metrics[METRIC_INFO[metric].session];
    if (h.count === 0) return [];
    return [{
      metric,
      label: METRIC_INFO[metric].label,
      stream: levels.map((p) => h.quantile(p)!),
      reference: levels.map((p) => tableQuantile(table.quantiles, p)),
    }];
  });
}
