import assert from "node:assert/strict";
import { type At, ndjson, session, status } from "./_stream.ts";
import { StatsCollector } from "./stats.ts";
import { formatStatsText } from "./text.ts";

Deno.test("formatStatsText() shows a column per site type and overall, then the calibration table", () => {
  const dc: At = { chargerId: "D", siteType: "dc_fast" };
  const work: At = { chargerId: "W", siteType: "workplace" };
  const stats = new StatsCollector();
  for (
    const line of ndjson([
      ...session(dc, {
        start: 18,
        stayMinutes: 30,
        energyKwh: 28,
        arrivalSoc: 30,
        departureSoc: 85,
      }),
      ...session(work, { start: 13, stayMinutes: 120, chargingMinutes: 60, energyKwh: 7 }),
      status(24, dc, "Idle"),
    ])
  ) stats.addLine(line);
  const text = formatStatsText(stats.report());
  const lines = text.split("\n");
  assert.equal(
    lines[0],
    "evsim stats: 7 events from 2026-01-05T13:00:00.000Z to 2026-01-06T00:00:00.000Z (0.46 days)",
  );
  assert.match(text, /^ +workplace +dc_fast +all$/m);
  assert.match(text, /^sessions +1 +1 +2$/m);
  assert.match(text, /^energy median \(kWh\) +7\.0 +28\.0 +17\.5$/m);
  assert.match(text, /^idle share +50\.0 % +0\.0 % +40\.0 %$/m);
  // 13:00Z is 08:00 in New York; 18:00Z is 13:00.
  assert.match(text, /^peak hour \(local\) +08–09 \(100\.0 %\) +13–14 \(100\.0 %\)/m);
  assert.match(text, /^uptime mean \(%\) +100\.00 +100\.00 +100\.00$/m);
  assert.match(text, /^Calibration against the charging facts: \d+ of \d+ pass$/m);
  assert.match(text, /^ +3 +DC fast session energy median \(kWh\) +28 +20–35 +PASS$/m);
  assert.match(text, /^ +7 +Workplace weekday share +1 +0\.81–0\.97 +FAIL$/m);
  assert.match(text, /^ +21 +All chargers failed attempt rate +0 +0\.1–0\.25 +FAIL$/m);
});

Deno.test("formatStatsText() shows a dash for figures without data and notes missing time zones", () => {
  const stats = new StatsCollector();
  for (const line of ndjson([status(0, { chargerId: "A", timeZone: null }, "Idle")])) {
    stats.addLine(line);
  }
  stats.addLine(
    JSON.stringify({
      type: "session.started",
      time: "2026-01-05T01:00:00Z",
      chargerId: "A",
      city: "X",
      state: "Y",
      siteType: "public",
      status: "In Use",
      energyKwh: 0,
      socPercent: 30,
    }),
  );
  const text = formatStatsText(stats.report());
  assert.match(text, /^1 session start\(s\) without a known time zone: local times taken in UTC$/m);
  assert.match(text, /^energy median \(kWh\) +– +–$/m);
  assert.equal(
    formatStatsText(new StatsCollector().report()).split("\n")[0],
    "evsim stats: no events",
  );
});

Deno.test("formatStatsText() shows each site type's distances to its real reference set", () => {
  const dc: At = { chargerId: "D", siteType: "dc_fast" };
  const stats = new StatsCollector();
  for (
    const line of ndjson([
      ...session(dc, {
        start: 18,
        stayMinutes: 30,
        energyKwh: 28,
        arrivalSoc: 30,
        departureSoc: 85,
      }),
      ...session(dc, { start: 19, stayMinutes: 4, energyKwh: 2 }),
    ])
  ) stats.addLine(line);
  const text = formatStatsText(stats.report());
  assert.match(
    text,
    /^Distances to real sessions \(cleaned: ≥ 0\.5 kWh, 5 min – 48 h plugged in\)$/m,
  );
  assert.match(
    text,
    /^dc_fast against epfl \(dc_fast\): 1 sessions after cleaning, 1,126 real; DESL-EPFL, /m,
  );
  assert.match(
    text,
    /^metric +evsim median \[IQR\] +real median \[IQR\] +distance +target$/m,
  );
  // One session of 30 minutes against EPFL's stays (median 30 min, IQR 20.5–41.9).
  assert.match(
    text,
    /^stay \(min\) +30\.0 \[30\.0–30\.0\] +30\.3 \[20\.5–41\.9\] +KS 0\.\d{3} +≤ 0\.15 +FAIL$/m,
  );
  assert.match(text, /^arrival hours +TVD 0\.\d{3} +≤ 0\.1 +FAIL$/m);
  // 18:00Z on Monday is 13:00 in New York: a weekday; EPFL has 71.7 %.
  assert.match(text, /^weekday share +100\.0 % +71\.7 % +\+0\.283 +± 0\.05 +FAIL$/m);
  assert.match(text, /^Distances to real sessions: \d+ of 6 within target$/m);
  assert.match(
    text,
    /^ *epfl +DC fast KS distance of stay \(min\) to epfl +0\.51 +0–0\.15 +FAIL$/m,
  );
});
