import assert from "node:assert/strict";
import type { SiteType } from "../core/network.ts";
import { calibrate } from "./calibration.ts";
import type { GroupStats, StatsReport, Summary } from "./report.ts";

const summary = (median: number | null, mean: number | null = median): Summary => ({
  count: median === null ? 0 : 10,
  median,
  mean,
  p90: mean,
});

/** A group whose figures are all null or empty, with `overrides`. */
function group(overrides: Partial<GroupStats> = {}): GroupStats {
  return {
    chargers: 1,
    sessions: 0,
    sessionsPerChargerPerDay: null,
    energyKwh: summary(null),
    stayMinutes: summary(null),
    chargingMinutes: summary(null),
    idleShare: null,
    arrivalShareByHour: new Array(24).fill(0),
    weekdayShare: null,
    arrivalSocMedian: null,
    departureSocMedian: null,
    leavingAt80Share: null,
    timeUtilization: null,
    failedAttemptRate: null,
    outOfServiceFailureShare: null,
    interruptionRate: null,
    outOfServiceShare: null,
    uptime: { meanPercent: null, minPercent: null, portsAbove97Share: null },
    ...overrides,
  };
}

function report(
  bySiteType: Partial<Record<SiteType, GroupStats>>,
  overall = group(),
): StatsReport {
  return {
    lines: 0,
    events: 0,
    badLines: 0,
    from: null,
    to: null,
    days: 0,
    overall,
    bySiteType,
    byCity: [],
    calibration: [],
  };
}

/** Hour shares with `shares` at the given hours and the rest spread evenly. */
function hours(shares: Record<number, number>): number[] {
  const given = Object.values(shares).reduce((a, b) => a + b, 0);
  const rest = (1 - given) / (24 - Object.keys(shares).length);
  return Array.from({ length: 24 }, (_, h) => shares[h] ?? rest);
}

Deno.test("calibrate() checks only the site types in the report, in row order", () => {
  const checks = calibrate(report({ dc_fast: group() }));
  assert.deepEqual(
    checks.map((c) => [c.row, c.siteType]),
    [
      [3, "dc_fast"],
      [4, "dc_fast"],
      [6, "dc_fast"],
      [6, "dc_fast"],
      [6, "dc_fast"],
      [10, "dc_fast"],
      [10, "dc_fast"],
      [18, "dc_fast"],
      [20, "dc_fast"],
      [21, "all"],
      [22, "dc_fast"],
      [23, "all"],
    ],
  );
  // Missing figures fail.
  assert.ok(checks.every((c) => c.value === null && !c.pass));
});

Deno.test("calibrate() has every check of the four site types and leaves out overall ones without chargers", () => {
  const all = calibrate(report({
    workplace: group(),
    public: group(),
    dc_fast: group(),
    residential: group(),
  }));
  assert.equal(all.length, 29);
  assert.deepEqual([...new Set(all.map((c) => c.row))], [
    1,
    2,
    3,
    4,
    5,
    6,
    7,
    8,
    9,
    10,
    18,
    19,
    20,
    21,
    22,
    23,
  ]);
  assert.deepEqual(calibrate(report({}, group({ chargers: 0 }))), []);
});

Deno.test("calibrate() passes figures inside the published ranges and fails those outside", () => {
  const checks = calibrate(report(
    {
      workplace: group({
        sessions: 100,
        energyKwh: summary(6.5, 9.1),
        idleShare: 0.45,
        arrivalShareByHour: hours({ 8: 0.15 }),
        weekdayShare: 0.9,
      }),
      public: group({
        sessions: 100,
        // Mean / median 2: too skewed.
        energyKwh: summary(7, 14),
        // Above 15–40 %.
        idleShare: 0.5,
        stayMinutes: summary(110),
        weekdayShare: 0.74,
        arrivalShareByHour: hours({ 12: 0.09 }),
        timeUtilization: 0.12,
        sessionsPerChargerPerDay: 0.8,
      }),
      residential: group({
        sessions: 100,
        energyKwh: summary(9),
        stayMinutes: summary(600),
        arrivalShareByHour: hours({ 15: 0.1, 16: 0.14, 17: 0.1, 18: 0.1, 19: 0.09, 20: 0.08 }),
      }),
      dc_fast: group({
        sessions: 100,
        energyKwh: summary(28),
        stayMinutes: summary(35),
        arrivalSocMedian: 31,
        departureSocMedian: 83,
        leavingAt80Share: 0.63,
        weekdayShare: 0.74,
        arrivalShareByHour: hours({ 18: 0.08 }),
        timeUtilization: 0.15,
        sessionsPerChargerPerDay: 4,
        // Exactly on the bound: passes.
        outOfServiceShare: 0.03,
      }),
    },
    group({ failedAttemptRate: 0.3, interruptionRate: 0.03 }),
  ));
  const failed = checks.filter((c) => !c.pass).map((c) => c.statistic);
  assert.deepEqual(failed, [
    "Public L2 session energy mean / median",
    "Public L2 idle share",
    "All chargers failed attempt rate",
  ]);
  const ratio = checks.find((c) => c.statistic === "Workplace session energy mean / median")!;
  assert.equal(ratio.row, 1);
  assert.ok(Math.abs(ratio.value! - 1.4) < 1e-12);
  assert.deepEqual([ratio.low, ratio.high], [1.2, 1.8]);
  const evening = checks.find((c) => c.statistic.includes("hours 15–20"))!;
  assert.ok(Math.abs(evening.value! - 0.61) < 1e-12);
});
