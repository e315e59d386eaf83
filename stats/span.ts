/**
 * Whether a stream is long enough for the figures of `evsim stats`: some
 * describe a day (arrivals by local hour, sessions per charger per day, time
 * utilization, uptime), others a week (weekday shares). A stream spanning
 * less gives them only for the hours or days it covers.
 *
 * @module
 */

/** Spans within 1 % of a day or a week count as whole: a one-day run's events span 23 h 59 min. */
const SLACK = 0.99;

/** A span in days, as it reads best: `45 minutes`, `5.0 hours`, `2.5 days`. */
function describe(days: number): string {
  const hours = days * 24;
  if (hours < 1) return `${Math.round(hours * 60)} minutes`;
  if (days < 1) return `${hours.toFixed(1)} hours`;
  return `${days.toFixed(1)} days`;
}

/**
 * One warning per period the stream falls short of, none from a week up:
 * the span of `days` and the figures it skews.
 */
export function spanWarnings(days: number): string[] {
  if (days >= 7 * SLACK) return [];
  const spans = `the stream spans ${describe(days)}`;
  if (days >= SLACK) {
    return [
      `${spans}, less than a week: weekday shares (and the calibration rows and distances that ` +
      "use them) reflect only the days it covers",
    ];
  }
  return [
    `${spans}, less than a day: arrivals by hour, sessions per charger per day, utilization and ` +
    "uptime reflect only those hours, stays and energy lean short (longer sessions do not end " +
    "in it), and weekday shares need a week",
  ];
}
