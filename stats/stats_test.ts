import assert from "node:assert/strict";
import fc from "fast-check";
import type { BadLine } from "../core/ndjson.ts";
import { RELATIVE_ACCURACY } from "./histogram.ts";
import { type At, event, ms, ndjson, session, status } from "./_stream.ts";
import type { SiteType } from "../core/network.ts";
import { quantiles, type ReferenceMetric, type ReferenceSet } from "../core/reference_table.ts";
import { neviUptime, StatsCollector } from "./stats.ts";
import type { StatsReport } from "./report.ts";

/** The report of `events` read as NDJSON lines. */
function statsOf(events: Record<string, unknown>[], charts = false): StatsReport {
  const stats = new StatsCollector();
  for (const line of ndjson(events)) stats.addLine(line);
  return stats.report({ charts });
}

/** Asserts `actual` is within `tolerance` (relative) of `expected`. */
function assertNear(actual: number | null | undefined, expected: number, tolerance = 1e-9) {
  assert.ok(typeof actual === "number", `expected ${expected}, got ${actual}`);
  assert.ok(
    Math.abs(actual - expected) <= tolerance * Math.max(1, Math.abs(expected)),
    `expected ${expected}, got ${actual}`,
  );
}
const withinHistogram = RELATIVE_ACCURACY * (1 + 1e-9);

const A: At = { chargerId: "A" };
const B: At = { chargerId: "B" };
const C: At = { chargerId: "C" };

Deno.test("StatsCollector summarizes energy, stay, charging and idle time of ended sessions", () => {
  const report = statsOf([
    ...session(A, { start: 1, stayMinutes: 60, chargingMinutes: 30, energyKwh: 4 }),
    ...session(A, { start: 3, stayMinutes: 120, chargingMinutes: 60, energyKwh: 6 }),
    ...session(B, { start: 2, stayMinutes: 240, chargingMinutes: 210, energyKwh: 20 }),
  ]);
  const g = report.overall;
  assert.equal(g.sessions, 3);
  assert.equal(g.energyKwh.count, 3);
  assertNear(g.energyKwh.median, 6, withinHistogram);
  assertNear(g.energyKwh.mean, 10);
  // p90 of 4, 6, 20: rank 1.8, between 6 and 20.
  assertNear(g.energyKwh.p90, 6 + 0.8 * 14, withinHistogram);
  assertNear(g.stayMinutes.median, 120, withinHistogram);
  assertNear(g.chargingMinutes.median, 60, withinHistogram);
  // Idle 30 + 60 + 30 of 420 plugged-in minutes.
  assertNear(g.idleShare, 120 / 420);
  assert.deepEqual(Object.keys(report.bySiteType), ["public"]);
  // The site type's figures are the overall ones, and its distances to its reference set.
  const { realism, ...figures } = report.bySiteType.public!;
  assert.deepEqual(figures, g);
  assert.equal(realism?.reference, "boulder");
  assert.equal(g.realism, undefined);
});

Deno.test("StatsCollector counts sessions per charger per day over the stream's span", () => {
  const report = statsOf([
    ...session(A, { start: 0, stayMinutes: 60, energyKwh: 5 }),
    ...session(A, { start: 10, stayMinutes: 60, energyKwh: 5 }),
    ...session(A, { start: 20, stayMinutes: 60, energyKwh: 5 }),
    ...session(B, { start: 30, stayMinutes: 60, energyKwh: 5 }),
    status(48, B, "Idle"),
  ]);
  assert.equal(report.days, 2);
  assert.equal(report.from, "2026-01-05T00:00:00.000Z");
  assert.equal(report.to, "2026-01-07T00:00:00.000Z");
  assert.equal(report.overall.chargers, 2);
  assertNear(report.overall.sessionsPerChargerPerDay, 4 / 2 / 2);
});

Deno.test("StatsCollector warns when the stream spans less than a week, or a day", () => {
  const day = [...session(A, { start: 1, stayMinutes: 60, energyKwh: 5 })];
  const hours = statsOf(day);
  assert.equal(hours.warnings?.length, 1);
  assert.match(hours.warnings![0], /^the stream spans 1\.0 hours, less than a day/);
  const days = statsOf([...day, status(3 * 24, B, "Idle")]);
  assert.match(days.warnings![0], /^the stream spans 3\.0 days, less than a week/);
  assert.deepEqual(statsOf([...day, status(8 * 24, B, "Idle")]).warnings, []);
  assert.deepEqual(new StatsCollector().report().warnings, []);
});

Deno.test("StatsCollector takes arrival hours and weekdays in the event's local time zone", async (t) => {
  await t.step("New York and Los Angeles", () => {
    const report = statsOf([
      // Monday 2026-01-05 14:30Z is 09:30 in New York.
      event("session.started", "2026-01-05T14:30:00Z", A, { energyKwh: 0, socPercent: 30 }),
      // Saturday 2026-01-10 03:00Z is Friday 19:00 in Los Angeles: a weekday.
      event("session.started", "2026-01-10T03:00:00Z", { ...B, timeZone: "America/Los_Angeles" }, {
        energyKwh: 0,
        socPercent: 30,
      }),
      // Saturday 2026-01-10 15:00Z is Saturday 10:00 in New York.
      event("session.started", "2026-01-10T15:00:00Z", C, { energyKwh: 0, socPercent: 30 }),
    ]);
    const shares = report.overall.arrivalShareByHour;
    assert.equal(shares.length, 24);
    assertNear(shares[9], 1 / 3);
    assertNear(shares[19], 1 / 3);
    assertNear(shares[10], 1 / 3);
    assertNear(shares.reduce((a, b) => a + b, 0), 1);
    assertNear(report.overall.weekdayShare, 2 / 3);
    assert.equal(report.arrivalsWithoutTimeZone, 0);
  });
  await t.step("an older stream without time zones counts them and uses UTC", () => {
    const report = statsOf([
      event("session.started", "2026-01-05T14:30:00Z", { ...A, timeZone: null }, {
        energyKwh: 0,
        socPercent: 30,
      }),
      event("session.started", "2026-01-05T15:30:00Z", { ...B, timeZone: "Mars/Olympus" }, {
        energyKwh: 0,
        socPercent: 30,
      }),
    ]);
    assert.equal(report.badLines, 0);
    assert.equal(report.arrivalsWithoutTimeZone, 2);
    assert.equal(report.overall.arrivalShareByHour[14], 0.5);
    assert.equal(report.overall.arrivalShareByHour[15], 0.5);
  });
  await t.step("no sessions: all shares 0, weekday share null", () => {
    const report = statsOf([status(0, A, "Idle")]);
    assert.deepEqual(report.overall.arrivalShareByHour, new Array(24).fill(0));
    assert.equal(report.overall.weekdayShare, null);
  });
});

Deno.test("StatsCollector reports arrival and departure SoC and the share leaving at 80 % or more", () => {
  const dc: At = { chargerId: "D", siteType: "dc_fast" };
  const report = statsOf([
    ...session(dc, { start: 1, stayMinutes: 30, energyKwh: 30, arrivalSoc: 20, departureSoc: 85 }),
    ...session(dc, { start: 2, stayMinutes: 30, energyKwh: 30, arrivalSoc: 30, departureSoc: 80 }),
    ...session(dc, { start: 3, stayMinutes: 30, energyKwh: 30, arrivalSoc: 40, departureSoc: 70 }),
  ]);
  const g = report.bySiteType.dc_fast!;
  assertNear(g.arrivalSocMedian, 30, withinHistogram);
  assertNear(g.departureSocMedian, 80, withinHistogram);
  assertNear(g.leavingAt80Share, 2 / 3);
});

Deno.test("StatsCollector measures time utilization, counting open sessions until the last event", () => {
  const report = statsOf([
    ...session(A, { start: 0, stayMinutes: 360, energyKwh: 10 }),
    event("session.started", 18, B, { energyKwh: 0, socPercent: 30 }),
    status(24, A, "Idle"),
  ]);
  // A plugged in 6 h, B 6 h (still plugged in at the end), of 2 × 24 h.
  assertNear(report.overall.timeUtilization, 12 / 48);
  assert.equal(report.byCity.length, 1);
  assertNear(report.byCity[0].timeUtilization, 12 / 48);
});

Deno.test("StatsCollector counts a session that started before the stream from the stream's start", () => {
  const report = statsOf([
    status(0, A, "Idle"),
    // Plugged in for 10 h, but the stream began 2 h before it ended.
    event("session.ended", 2, B, {
      energyKwh: 8,
      socPercent: 90,
      endReason: "departed",
      connectedMinutes: 600,
      chargingMinutes: 120,
      idleMinutes: 480,
      totalEnergyKwh: 8,
    }),
    status(4, A, "Idle"),
  ]);
  assert.equal(report.overall.sessions, 0);
  assert.equal(report.overall.energyKwh.count, 1);
  assertNear(report.overall.timeUtilization, 2 / (2 * 4));
});

Deno.test("StatsCollector computes the failed attempt rate and the out-of-service share of failures", () => {
  const report = statsOf([
    ...session(A, { start: 1, stayMinutes: 60, energyKwh: 5 }),
    ...session(A, { start: 3, stayMinutes: 60, energyKwh: 2, endReason: "failed" }),
    ...session(B, { start: 1, stayMinutes: 60, energyKwh: 5 }),
    event("session.rejected", 5, C, {
      status: "Faulted",
      socPercent: 40,
      rejectReason: "out_of_service",
    }),
    event("session.rejected", 6, B, { socPercent: 40, rejectReason: "authorization_failed" }),
  ]);
  // Failed: 2 rejected + 1 ended failed, of 3 started + 2 rejected visits.
  assertNear(report.overall.failedAttemptRate, 3 / 5);
  assertNear(report.overall.outOfServiceFailureShare, 1 / 3);
});

Deno.test("StatsCollector counts a session interrupted twice once", () => {
  const report = statsOf([
    ...session(A, { start: 1, stayMinutes: 120, energyKwh: 5, interruptions: [10, 50] }),
    ...session(A, { start: 4, stayMinutes: 60, energyKwh: 5 }),
    ...session(B, { start: 1, stayMinutes: 60, energyKwh: 5 }),
    ...session(C, { start: 1, stayMinutes: 60, energyKwh: 5, interruptions: [20] }),
    // An interruption of a session whose start the stream did not hold is not counted.
    event("session.interrupted", 10, { chargerId: "E" }, { energyKwh: 1 }),
  ]);
  assertNear(report.overall.interruptionRate, 2 / 4);
});

Deno.test("StatsCollector measures out-of-service time and NEVI uptime per port", async (t) => {
  await t.step("one day Faulted, one day in Maintenance, of ten", () => {
    const report = statsOf([
      status(0, A, "Idle"),
      status(24, A, "Faulted", { repair: "site_visit" }),
      status(48, A, "Idle"),
      status(72, B, "Maintenance"),
      status(96, B, "Idle"),
      status(240, C, "Idle"),
    ]);
    const span = 240;
    // 72 h of maintenance a year are excluded, scaled to the 10-day span.
    const excluded = 72 * span / 8760;
    const uptimes = [90, (span - (24 - excluded)) / span * 100, 100];
    const g = report.overall;
    assertNear(g.uptime.meanPercent, (uptimes[0] + uptimes[1] + uptimes[2]) / 3);
    assertNear(g.uptime.minPercent, 90);
    assertNear(g.uptime.portsAbove97Share, 1 / 3);
    assertNear(g.outOfServiceShare, (0.1 + 0.1 + 0) / 3);
    assertNear(report.byCity[0].uptimeMeanPercent, g.uptime.meanPercent!);
  });
  await t.step("an outage open at the end lasts until the last event", () => {
    const report = statsOf([
      status(0, A, "Idle"),
      status(6, A, "Faulted", { repair: "remote" }),
      // A repeated status changes nothing.
      status(9, A, "Faulted", { repair: "remote" }),
      status(12, B, "Idle"),
    ]);
    assertNear(report.overall.uptime.minPercent, 50);
    assertNear(report.overall.outOfServiceShare, (0.5 + 0) / 2);
  });
  await t.step("a switch from Maintenance to Faulted counts each for its time", () => {
    const report = statsOf([
      status(0, A, "Maintenance"),
      status(1, A, "Faulted"),
      status(3, A, "In Use"),
      status(10, A, "Idle"),
    ]);
    const excluded = 72 * 10 / 8760;
    assertNear(report.overall.uptime.meanPercent, (10 - (3 - excluded)) / 10 * 100);
    assertNear(report.overall.outOfServiceShare, 0.3);
  });
});

Deno.test("neviUptime() follows 23 CFR 680.116(b) with 72 h of maintenance a year excluded", () => {
  const year = 525_600 * 60_000;
  const hour = 3_600_000;
  // A year with 100 h of maintenance: 72 h excluded, 28 h count.
  assertNear(neviUptime(year, 0, 100 * hour), (8760 - 28) / 8760 * 100);
  // 11 days of faults in a year: just under 97 %.
  assertNear(neviUptime(year, 11 * 24 * hour, 0), (365 - 11) / 365 * 100);
  assert.equal(neviUptime(0, 0, 0), null);
});

Deno.test("StatsCollector groups by site type and by city and state", () => {
  const report = statsOf([
    ...session({ chargerId: "P1", city: "Portland", state: "OR", siteType: "workplace" }, {
      start: 1,
      stayMinutes: 60,
      energyKwh: 5,
    }),
    ...session({ chargerId: "P2", city: "Portland", state: "ME", siteType: "dc_fast" }, {
      start: 1,
      stayMinutes: 30,
      energyKwh: 25,
    }),
    ...session({ chargerId: "P3", city: "Portland", state: "ME", siteType: "dc_fast" }, {
      start: 2,
      stayMinutes: 30,
      energyKwh: 35,
    }),
  ]);
  assert.deepEqual(Object.keys(report.bySiteType), ["workplace", "dc_fast"]);
  assert.equal(report.bySiteType.dc_fast!.sessions, 2);
  assert.equal(report.bySiteType.workplace!.chargers, 1);
  assert.deepEqual(
    report.byCity.map(({ city, state, chargers, sessions, energyKwh }) => ({
      city,
      state,
      chargers,
      sessions,
      energyKwh,
    })),
    [
      { city: "Portland", state: "ME", chargers: 2, sessions: 2, energyKwh: 60 },
      { city: "Portland", state: "OR", chargers: 1, sessions: 1, energyKwh: 5 },
    ],
  );
});

Deno.test("StatsCollector counts bad lines and reads dead letters and extended events", () => {
  const bad: BadLine[] = [];
  const stats = new StatsCollector({ onBadLine: (b) => bad.push(b) });
  const good = event("session.started", 1, A, { energyKwh: 0, socPercent: 30, extra: "kept" });
  const lines = [
    JSON.stringify(good),
    "",
    "not json",
    JSON.stringify({ reason: "HTTP 500", attempts: 3, event: good }),
    JSON.stringify({ ...good, type: "session.teleported" }),
    JSON.stringify({ ...good, socPercent: undefined }),
    JSON.stringify({ ...good, time: "yesterday" }),
    "   ",
    JSON.stringify([1, 2]),
  ];
  for (const line of lines) stats.addLine(line);
  stats.addEvent({ ...good, chargerId: "B" });
  stats.addEvent(null);
  const report = stats.report();
  assert.equal(report.lines, 9);
  assert.equal(report.events, 3);
  assert.equal(report.badLines, 6);
  assert.equal(report.overall.sessions, 3);
  assert.deepEqual(bad.map((b) => b.line), [3, 5, 6, 7, 9, 11]);
  assert.match(bad[0].problem, /^invalid JSON: /);
  assert.match(bad[1].problem, /^event: type: /);
  assert.match(bad[2].problem, /^event: socPercent: missing/);
  assert.match(bad[3].problem, /^event: time: expected an ISO-8601 time/);
});

Deno.test("StatsCollector reports an empty stream without numbers it does not have", () => {
  const report = new StatsCollector().report({ charts: true });
  assert.equal(report.lines, 0);
  assert.equal(report.from, null);
  assert.equal(report.days, 0);
  assert.equal(report.overall.sessionsPerChargerPerDay, null);
  assert.equal(report.overall.energyKwh.median, null);
  assert.equal(report.overall.timeUtilization, null);
  assert.equal(report.overall.uptime.meanPercent, null);
  assert.deepEqual(report.bySiteType, {});
  assert.deepEqual(report.byCity, []);
  assert.deepEqual(report.calibration, []);
  assert.deepEqual(report.charts!.loadCurve.kw, []);
});

Deno.test("StatsCollector.report() can be asked mid-stream and changes nothing", () => {
  const lines = ndjson([
    ...session(A, { start: 0, stayMinutes: 120, energyKwh: 10 }),
    status(1, B, "Faulted"),
    status(4, B, "Idle"),
  ]);
  const stats = new StatsCollector();
  for (const line of lines.slice(0, 3)) stats.addLine(line);
  const mid = stats.report({ charts: true });
  assert.deepEqual(stats.report({ charts: true }), mid);
  for (const line of lines.slice(3)) stats.addLine(line);
  const end = stats.report({ charts: true });
  assert.deepEqual(stats.report({ charts: true }), end);
  const fresh = new StatsCollector();
  for (const line of lines) fresh.addLine(line);
  assert.deepEqual(fresh.report({ charts: true }), end);
});

Deno.test("StatsCollector adds chart data only when asked", async (t) => {
  const dc: At = { chargerId: "D", siteType: "dc_fast" };
  const events = [
    ...session(dc, { start: 0, stayMinutes: 40, energyKwh: 4 }),
    ...session(dc, { start: 1, stayMinutes: 70, energyKwh: 6 }),
    ...session(dc, { start: 3, stayMinutes: 1500, energyKwh: 150 }),
  ];
  assert.equal(statsOf(events).charts, undefined);
  const charts = statsOf(events, true).charts!;
  await t.step("energy in 2 kWh bins up to 100 kWh, then one overflow bin", () => {
    const bins = charts.energyKwh.dc_fast!;
    assert.equal(bins.start, 0);
    assert.equal(bins.width, 2);
    assert.equal(bins.counts.length, 51);
    const expected = new Array(51).fill(0);
    expected[2] = 1;
    expected[3] = 1;
    expected[50] = 1;
    assert.deepEqual(bins.counts, expected);
  });
  await t.step("stay in 15-minute bins up to 24 h, then one overflow bin", () => {
    const bins = charts.stayMinutes.dc_fast!;
    assert.equal(bins.width, 15);
    assert.equal(bins.counts.length, 97);
    assert.equal(bins.counts[2], 1);
    assert.equal(bins.counts[4], 1);
    assert.equal(bins.counts[96], 1);
  });
  assert.deepEqual(Object.keys(charts.energyKwh), ["dc_fast"]);
});

Deno.test("StatsCollector's load curve spreads each energy delta evenly over its interval", () => {
  const report = statsOf([
    // 10 kWh over one hour: 5 kWh by 00:30 (the update), 5 more by 01:00.
    ...session(A, { start: 0, stayMinutes: 60, energyKwh: 10 }),
    // 3 kWh in Boston between 00:00 and 00:15 (started, then ended; no update in between).
    event("session.started", 0, { chargerId: "X", city: "Boston", state: "MA" }, {
      energyKwh: 0,
      socPercent: 30,
    }),
    event("session.ended", 0.25, { chargerId: "X", city: "Boston", state: "MA" }, {
      energyKwh: 3,
      socPercent: 90,
      endReason: "departed",
      connectedMinutes: 15,
      chargingMinutes: 15,
      idleMinutes: 0,
      totalEnergyKwh: 3,
    }),
  ], true);
  const curve = report.charts!.loadCurve;
  assert.equal(curve.start, "2026-01-05T00:00:00.000Z");
  assert.equal(curve.stepMinutes, 15);
  assert.deepEqual(curve.cities, ["Boston, MA", "New York, NY"]);
  // 10 kW in each quarter hour of New York's hour; Boston 12 kW in the first.
  const [boston, newYork] = curve.kw;
  for (const [i, kw] of [10, 10, 10, 10].entries()) assertNear(newYork[i], kw);
  assertNear(boston[0], 12);
  assert.equal(boston[1], 0);
});

Deno.test("StatsCollector's load curve doubles its step past 2,000 steps and keeps the energy", () => {
  fc.assert(
    fc.property(
      fc.array(
        fc.record({
          start: fc.double({ min: 0, max: 2000, noNaN: true }),
          stayMinutes: fc.double({ min: 1, max: 3000, noNaN: true }),
          energyKwh: fc.double({ min: 0.1, max: 100, noNaN: true }),
        }),
        { minLength: 1, maxLength: 20 },
      ),
      (specs) => {
        // One charger per session, so sessions never overlap on a charger.
        const events = specs.flatMap((spec, i) => session({ chargerId: `C${i}` }, spec));
        const report = statsOf(events, true);
        const curve = report.charts!.loadCurve;
        const first = Math.min(...events.map((e) => Date.parse(e.time as string)));
        const last = Math.max(...events.map((e) => Date.parse(e.time as string)));
        const steps = curve.kw[0].length;
        assert.ok(steps <= 2000, `${steps} steps`);
        // 15-minute steps from the start's quarter hour, unless there would be more than 2,000.
        const quarters = Math.floor((last - Math.floor(first / 900_000) * 900_000) / 900_000);
        assert.equal(curve.stepMinutes > 15, quarters >= 2000);
        // Energy = Σ mean kW × covered hours of each step.
        const start = Date.parse(curve.start);
        const stepMs = curve.stepMinutes * 60_000;
        let energy = 0;
        for (let i = 0; i < steps; i++) {
          const from = Math.max(first, start + i * stepMs);
          const to = Math.min(last, start + (i + 1) * stepMs);
          if (to > from) energy += curve.kw[0][i] * (to - from) / 3_600_000;
        }
        const total = specs.reduce((a, s) => a + s.energyKwh, 0);
        assertNear(energy, total, 1e-6);
      },
    ),
    { numRuns: 50 },
  );
});

Deno.test("StatsCollector memory follows chargers, not stream length", () => {
  // Many sessions on one charger leave no trace per session: the report of a
  // long stream equals the report of a short one scaled in its counts.
  const stats = new StatsCollector();
  for (let day = 0; day < 200; day++) {
    for (const line of ndjson(session(A, { start: day * 24, stayMinutes: 60, energyKwh: 7 }))) {
      stats.addLine(line);
    }
  }
  const report = stats.report();
  assert.equal(report.overall.sessions, 200);
  assert.equal(report.overall.chargers, 1);
  assertNear(report.overall.energyKwh.median, 7, withinHistogram);
  assertNear(report.overall.timeUtilization, 200 / (199 * 24 + 1));
  assert.equal(ms(report.to!), ms(199 * 24 + 1));
});

/** A reference set of `siteType` whose every metric has the quantiles of `values`. */
function referenceOf(
  name: string,
  siteType: SiteType,
  values: Partial<Record<ReferenceMetric, number[]>>,
  overrides: Partial<ReferenceSet> = {},
): ReferenceSet {
  const metrics = Object.fromEntries(
    Object.entries(values).map((
      [m, xs],
    ) => [m, { n: xs.length, quantiles: quantiles([...xs].sort((a, b) => a - b)) }]),
  );
  return {
    name,
    siteType,
    title: name,
    citation: `${name} citation`,
    period: { from: "2024-01-01", to: "2024-12-31" },
    timeZone: "America/New_York",
    rows: { raw: 10, underHalfKwh: 0, under5Minutes: 0, over48Hours: 0, cleaned: 10 },
    metrics,
    arrivalShareByHour: Array.from({ length: 24 }, (_, h) => (h === 8 ? 1 : 0)),
    weekdayShare: 1,
    ...overrides,
  };
}

Deno.test("StatsCollector cleans sessions like the reference sets before comparing them", () => {
  const report = statsOf([
    // Kept: 1 h and 2 h on Monday 08:00 and 09:00 New York time.
    ...session(A, { start: 13, stayMinutes: 60, chargingMinutes: 30, energyKwh: 4 }),
    ...session(B, { start: 14, stayMinutes: 120, chargingMinutes: 120, energyKwh: 8 }),
    // Dropped: under 0.5 kWh, under 5 minutes, over 48 hours.
    ...session(A, { start: 20, stayMinutes: 30, energyKwh: 0.4 }),
    ...session(A, { start: 22, stayMinutes: 4, energyKwh: 1 }),
    ...session(C, { start: 30, stayMinutes: 49 * 60, energyKwh: 20 }),
  ]);
  const realism = report.bySiteType.public!.realism!;
  assert.equal(realism.reference, "boulder");
  assert.equal(realism.referenceSiteType, "public");
  assert.equal(realism.sessions, 2);
  assert.deepEqual(realism.dropped, { underHalfKwh: 1, under5Minutes: 1, over48Hours: 1 });
  const metric = (name: string) => realism.metrics.find((m) => m.metric === name)!;
  assert.deepEqual(realism.metrics.map((m) => m.metric), [
    "connectionMinutes",
    "energyKwh",
    "chargingMinutes",
    "idleShare",
    "kwCharging",
  ]);
  assertNear(metric("connectionMinutes").stream.median, 90, withinHistogram);
  // Idle shares 0.5 and 0; draw 8 and 4 kW.
  assertNear(metric("idleShare").stream.p75, 0.375, withinHistogram);
  assertNear(metric("kwCharging").stream.median, 6, withinHistogram);
  assert.equal(metric("kwCharging").target, null);
  assert.equal(metric("kwCharging").pass, null);
  assert.equal(metric("energyKwh").target, 0.15);
  assert.equal(metric("idleShare").target, 0.2);
  assert.deepEqual(
    realism.arrivalHours.stream.flatMap((s, h) => (s > 0 ? [[h, s]] : [])),
    [[8, 0.5], [9, 0.5]],
  );
  assert.equal(realism.weekdayShare.stream, 1);
  // The raw figures still count every session.
  assert.equal(report.bySiteType.public!.energyKwh.count, 5);
});

Deno.test("StatsCollector takes arrival SoC from the session's start, by sessionId", () => {
  const dc: At = { chargerId: "D", siteType: "dc_fast" };
  const report = statsOf([
    // A session whose end was lost: its start is forgotten when the charger's next one starts.
    event("session.started", 1, dc, { sessionId: "D-1", energyKwh: 0, socPercent: 5 }),
    ...session(dc, {
      start: 2,
      stayMinutes: 30,
      energyKwh: 30,
      arrivalSoc: 20,
      departureSoc: 80,
      sessionId: "D-2",
    }),
    ...session(dc, {
      start: 3,
      stayMinutes: 40,
      energyKwh: 30,
      arrivalSoc: 40,
      departureSoc: 90,
      sessionId: "D-3",
    }),
    // Started before the stream: no arrival SoC, its start hour from its end and stay.
    event("session.ended", 12, { chargerId: "E", siteType: "dc_fast" }, {
      sessionId: "E-9",
      energyKwh: 20,
      socPercent: 70,
      endReason: "departed",
      connectedMinutes: 90,
      chargingMinutes: 80,
      idleMinutes: 10,
      totalEnergyKwh: 20,
    }),
  ]);
  const realism = report.bySiteType.dc_fast!.realism!;
  assert.equal(realism.reference, "epfl");
  assert.equal(realism.sessions, 3);
  const metric = (name: string) => realism.metrics.find((m) => m.metric === name)!;
  assert.equal(metric("socArrival").sessions, 2);
  assertNear(metric("socArrival").stream.median, 30, withinHistogram);
  assert.equal(metric("socDeparture").sessions, 3);
  assertNear(metric("socDeparture").stream.median, 80, withinHistogram);
  assertNear(metric("stayMinutes").stream.median, 40, withinHistogram);
  // 02:00Z and 03:00Z are 21:00 and 22:00 on Sunday in New York; 10:30Z is 05:30 on Monday.
  assert.deepEqual(
    realism.arrivalHours.stream.flatMap((s, h) => (s > 0 ? [h] : [])),
    [5, 21, 22],
  );
  assertNear(realism.weekdayShare.stream, 1 / 3);
  // Only the started sessions count as arrivals without a time zone: none here.
  assert.equal(report.arrivalsWithoutTimeZone, 0);
});

Deno.test("StatsCollector measures the distances to the reference chosen for each site type", async (t) => {
  // Ten sessions of 30, 60, …, 300 minutes, 6 kWh each, charging the whole time, Monday 08:00.
  const stays = Array.from({ length: 10 }, (_, i) => 30 * (i + 1));
  const events = stays.flatMap((stay, i) =>
    session({ chargerId: `W${i}`, siteType: "workplace" }, {
      start: 13,
      stayMinutes: stay,
      energyKwh: 6,
    })
  );
  const stats = new StatsCollector();
  for (const line of ndjson(events)) stats.addLine(line);
  const same = referenceOf("same", "public", {
    connectionMinutes: stays,
    energyKwh: stays.map(() => 6),
    idleShare: stays.map(() => 0),
  });
  await t.step("a reference of the same sessions is close", () => {
    const realism = stats.report({ references: { workplace: same } }).bySiteType.workplace!
      .realism!;
    assert.equal(realism.reference, "same");
    assert.equal(realism.referenceSiteType, "public");
    for (const m of realism.metrics) {
      assert.ok(m.ks !== null && m.ks <= 0.12, `${m.metric}: ${m.ks}`);
      assert.equal(m.pass, true);
    }
    assert.equal(realism.arrivalHours.tvd, 0);
    assert.equal(realism.weekdayShare.difference, 0);
    assert.ok(realism.arrivalHours.pass && realism.weekdayShare.pass);
  });
  await t.step("a reference twice as long is far, and fails", () => {
    const long = referenceOf("long", "workplace", { connectionMinutes: stays.map((s) => 2 * s) }, {
      weekdayShare: 0.5,
    });
    const report = stats.report({ references: { workplace: long } });
    const realism = report.bySiteType.workplace!.realism!;
    const ks = realism.metrics[0].ks!;
    // At 300 minutes all the stream's sessions are over; of the reference's (60–600 minutes,
    // linear between its sessions) 240 / 540 are.
    assertNear(ks, 1 - 240 / 540, 0.006);
    assert.equal(realism.metrics[0].pass, false);
    assertNear(realism.weekdayShare.difference, 0.5);
    assert.equal(realism.weekdayShare.pass, false);
    // The same figures as rows of the calibration table.
    const rows = report.calibration.filter((c) => c.reference === "long");
    assert.deepEqual(rows.map((c) => [c.statistic, c.pass]), [
      ["Workplace KS distance of connection (min) to long", false],
      ["Workplace TVD of arrival hours to long", true],
      ["Workplace weekday share difference to long", false],
    ]);
    assert.equal(rows[0].value, ks);
    assert.deepEqual([rows[0].low, rows[0].high, rows[0].row], [0, 0.15, null]);
  });
  await t.step("no reference, no realism block", () => {
    const report = stats.report({ references: {} });
    assert.equal(report.bySiteType.workplace!.realism, undefined);
    assert.deepEqual(report.calibration.filter((c) => c.reference !== undefined), []);
  });
  await t.step("the charts hold each metric's quantiles beside the reference's", () => {
    const curves = stats.report({ charts: true, references: { workplace: same } }).charts!
      .realism!.workplace!;
    assert.deepEqual(curves.map((c) => c.metric), ["connectionMinutes", "energyKwh", "idleShare"]);
    assert.equal(curves[0].stream.length, 101);
    assert.equal(curves[0].reference.length, 101);
    assert.equal(curves[0].stream[0], 30);
    assert.equal(curves[0].reference[100], 300);
  });
});

Deno.test("StatsCollector skips the events a resumed run repeats, and counts them", async () => {
  const { simEvents } = await import("../tests/_events.ts");
  const list = simEvents(400, { seed: 3, city: "Denver" });
  const once = new StatsCollector();
  for (const e of list) once.addEvent(e);
  // Killed after 300 events and resumed from a save after event 200: 100 come again.
  const resumed = new StatsCollector();
  for (const e of [...list.slice(0, 300), ...list.slice(200)]) resumed.addEvent(e);
  const a = once.report();
  const b = resumed.report();
  assert.equal(a.duplicates, 0);
  assert.equal(b.duplicates, 100);
  assert.deepEqual({ ...b, duplicates: 0, lines: a.lines }, a);
});
