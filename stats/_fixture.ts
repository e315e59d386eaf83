/**
 * Hand-made stats reports for the HTML report's tests: a week of four site
 * types in twelve cities, with every chart's data, built deterministically.
 *
 * @module
 */
import type { Model } from "../core/model.ts";
import type { SiteType } from "../core/network.ts";
import type { Bins, CalibrationCheck, CityStats, GroupStats, StatsReport } from "./report.ts";

/** Arrival profiles shaped like the model's: a morning peak at work, an evening peak at home. */
export const fixtureProfiles: Model["arrivalProfiles"] = {
  workplace: profile(0.9, 8, 10),
  public: profile(0.74, 13, 12),
  dc_fast: profile(0.74, 18, 14),
  residential: profile(0.72, 17, 17),
};

function profile(weekdayShare: number, weekdayPeak: number, weekendPeak: number) {
  const bump = (peak: number) =>
    Array.from({ length: 24 }, (_, h) => 0.01 + Math.exp(-((h - peak) ** 2) / 8));
  return { weekdayShare, weekday: bump(weekdayPeak), weekend: bump(weekendPeak) };
}

/** A histogram shaped like a log-normal with the given median, in `width` bins. */
function bins(median: number, width: number, count: number, sessions: number): Bins {
  const weights = Array.from({ length: count }, (_, i) => {
    const x = (i + 0.5) * width;
    return Math.exp(-(Math.log(x / median) ** 2) / 0.5) / x;
  });
  const sum = weights.reduce((a, b) => a + b, 0);
  return { start: 0, width, counts: weights.map((w) => Math.round((w / sum) * sessions)) };
}

/** The figures of one group, with the arrival shares of its profile, slightly off. */
export function makeGroup(siteType: SiteType, overrides: Partial<GroupStats> = {}): GroupStats {
  const p = fixtureProfiles[siteType];
  const wd = p.weekday.reduce((a, b) => a + b, 0);
  const we = p.weekend.reduce((a, b) => a + b, 0);
  const raw = p.weekday.map((x, h) =>
    (p.weekdayShare * x / wd + (1 - p.weekdayShare) * p.weekend[h] / we) * (1 + 0.1 * Math.sin(h))
  );
  const total = raw.reduce((a, b) => a + b, 0);
  const dc = siteType === "dc_fast";
  return {
    chargers: dc ? 540 : 660,
    sessions: dc ? 15_000 : 3_000,
    sessionsPerChargerPerDay: dc ? 4 : 0.65,
    energyKwh: { count: 3_000, median: dc ? 28 : 7.2, mean: dc ? 31 : 9.4, p90: dc ? 52 : 18 },
    stayMinutes: { count: 3_000, median: dc ? 32 : 240, mean: dc ? 35 : 300, p90: dc ? 50 : 600 },
    chargingMinutes: { count: 3_000, median: dc ? 25 : 110, mean: dc ? 27 : 130, p90: 200 },
    idleShare: dc ? 0.12 : 0.55,
    arrivalShareByHour: raw.map((x) => x / total),
    weekdayShare: p.weekdayShare,
    arrivalSocMedian: dc ? 0.31 : 0.5,
    departureSocMedian: dc ? 0.82 : 0.9,
    leavingAt80Share: dc ? 0.63 : 0.8,
    timeUtilization: dc ? 0.14 : 0.12,
    failedAttemptRate: 0.16,
    outOfServiceFailureShare: 0.6,
    interruptionRate: 0.03,
    outOfServiceShare: 0.02,
    uptime: { meanPercent: 98.4, minPercent: 91.2, portsAbove97Share: 0.85 },
    ...overrides,
  };
}

const CITIES: [string, string][] = [
  ["New York", "NY"],
  ["Los Angeles", "CA"],
  ["Chicago", "IL"],
  ["Houston", "TX"],
  ["Phoenix", "AZ"],
  ["Philadelphia", "PA"],
  ["San Antonio", "TX"],
  ["San Diego", "CA"],
  ["Dallas", "TX"],
  ["Jacksonville", "FL"],
  ["Austin", "TX"],
  ["Fort Worth", "TX"],
];

/** The figures of the `i`th of twelve cities; bigger cities (lower `i`) are busier. */
export function makeCity(i: number): CityStats {
  const [city, state] = CITIES[i % CITIES.length];
  return {
    city,
    state,
    chargers: 400 - 25 * i,
    sessions: 5_000 - 300 * i,
    energyKwh: 60_000 - 4_000 * i,
    timeUtilization: 0.2 - 0.01 * i,
    uptimeMeanPercent: 99.5 - 0.3 * i,
  };
}

const CALIBRATION: CalibrationCheck[] = [
  {
    row: 1,
    statistic: "Level 2 session energy median (kWh)",
    siteType: "workplace",
    value: 7.2,
    low: 5,
    high: 9,
    pass: true,
  },
  {
    row: 3,
    statistic: "DC fast session energy median (kWh)",
    siteType: "dc_fast",
    value: 28,
    low: 20,
    high: 35,
    pass: true,
  },
  {
    row: 4,
    statistic: "DC fast stay median (min)",
    siteType: "dc_fast",
    value: 52,
    low: 25,
    high: 45,
    pass: false,
  },
  {
    row: 18,
    statistic: "DC fast time utilization",
    siteType: "dc_fast",
    value: 0.14,
    low: 0.05,
    high: 0.2,
    pass: true,
  },
  {
    row: 21,
    statistic: "Failed attempt rate",
    siteType: "all",
    value: null,
    low: 0.1,
    high: 0.25,
    pass: false,
  },
];

/** The load curve: a daily wave per city over `days`, in 15-minute steps. */
function loadCurve(days: number): NonNullable<StatsReport["charts"]>["loadCurve"] {
  const steps = days * 24 * 4;
  return {
    start: "2026-01-05T00:00:00.000Z",
    stepMinutes: 15,
    cities: CITIES.map(([city]) => city),
    kw: CITIES.map((_, c) =>
      Array.from(
        { length: steps },
        (_, i) => (600 - 40 * c) * (1.2 + Math.sin((i / 96) * 2 * Math.PI - 2 + c / 10)),
      )
    ),
  };
}

/** A week's report of four site types in twelve cities, with chart data; `overrides` replace fields. */
export function makeReport(overrides: Partial<StatsReport> = {}): StatsReport {
  const siteTypes: SiteType[] = ["workplace", "public", "dc_fast", "residential"];
  const bySiteType = Object.fromEntries(siteTypes.map((s) => [s, makeGroup(s)]));
  return {
    lines: 1_234_570,
    events: 1_234_567,
    badLines: 3,
    from: "2026-01-05T00:00:00.000Z",
    to: "2026-01-11T23:59:00.000Z",
    days: 7,
    overall: makeGroup("public", { chargers: 2_530, sessions: 24_000 }),
    bySiteType,
    byCity: CITIES.map((_, i) => makeCity(i)),
    calibration: CALIBRATION,
    charts: {
      energyKwh: {
        workplace: bins(7, 2, 30, 3_000),
        public: bins(8, 2, 30, 3_000),
        dc_fast: bins(28, 2, 50, 15_000),
        residential: bins(9, 2, 30, 3_000),
      },
      stayMinutes: {
        workplace: bins(110, 15, 60, 3_000),
        public: bins(150, 15, 60, 3_000),
        dc_fast: bins(32, 15, 12, 15_000),
        residential: bins(600, 15, 96, 3_000),
      },
      loadCurve: loadCurve(7),
    },
    ...overrides,
  };
}
