import assert from "node:assert/strict";
import { newSimulationStats, type SimulationStats } from "./simulation.ts";
import {
  formatProgress,
  formatResumedSummary,
  formatSummary,
  formatWait,
  statsBetween,
} from "./summary.ts";

const stats = (patch: Partial<SimulationStats>): SimulationStats => ({
  ...newSimulationStats(),
  ...patch,
});

Deno.test("formatSummary() lists the counters, energy to a tenth of a kWh", () => {
  assert.equal(
    formatSummary(stats({ events: 12_345, sessionsStarted: 30, energyKwh: 1234.56 })),
    "events 12,345 · sessions started 30 · completed 0 · failed 0 · rejected 0 · " +
      "interruptions 0 · faults 0 · energy delivered 1,234.6 kWh",
  );
});

Deno.test("formatResumedSummary() gives this run's part, then the totals since the first start", () => {
  const before = stats({ events: 4_000, sessionsStarted: 100, faults: 3, energyKwh: 500.25 });
  const after = stats({ events: 10_000, sessionsStarted: 260, faults: 3, energyKwh: 1_200 });
  assert.deepEqual(statsBetween(before, after), {
    ...newSimulationStats(),
    events: 6_000,
    sessionsStarted: 160,
    energyKwh: 699.75,
  });
  const [run, all] = formatResumedSummary(after, { at: Date.UTC(2026, 0, 5, 6), stats: before });
  assert.match(
    run,
    /^this run, from 2026-01-05T06:00:00\.000Z: events 6,000 · sessions started 160 · /,
  );
  assert.match(run, / faults 0 · energy delivered 699\.8 kWh$/);
  assert.match(all, /^in all since the first start: events 10,000 · sessions started 260 · /);
  assert.match(all, / faults 3 · energy delivered 1,200 kWh$/);
});

const DAY0 = Date.UTC(2026, 0, 5);
const HOUR = 3_600_000;

Deno.test("formatProgress() shows the share of the span done and the time left at the speed so far", async (t) => {
  const span = { start: DAY0, end: DAY0 + 4 * 24 * HOUR };
  await t.step("a quarter done in 10 s: 30 s left", () => {
    assert.equal(
      formatProgress({ simTime: DAY0 + 24 * HOUR, events: 500_000, elapsedMs: 10_000 }, span),
      "simulated 2026-01-06T00:00Z · 25.0 % · about 30 s left · 500,000 events · 50,000 events/s",
    );
  });
  await t.step("resumed at 40 %: the speed and the events are this process's", () => {
    const resumedAt = { simTime: DAY0 + 38.4 * HOUR, events: 1_000 };
    assert.equal(
      formatProgress({ simTime: DAY0 + 57.6 * HOUR, events: 3_000, elapsedMs: 2_000 }, {
        ...span,
        resumedAt,
      }),
      "simulated 2026-01-07T09:36Z · 60.0 % · about 4 s left · 2,000 events · 1,000 events/s",
    );
  });
  await t.step("no span, or an endless one: time and events only", () => {
    const p = { simTime: DAY0 + HOUR, events: 2_000, elapsedMs: 1_000 };
    const plain = "simulated 2026-01-05T01:00Z · 2,000 events · 2,000 events/s";
    assert.equal(formatProgress(p), plain);
    assert.equal(formatProgress(p, { start: DAY0, end: Infinity }), plain);
  });
  await t.step("nothing simulated yet: no time left to guess", () => {
    assert.equal(
      formatProgress({ simTime: DAY0, events: 0, elapsedMs: 1_000 }, span),
      "simulated 2026-01-05T00:00Z · 0.0 % · 0 events · 0 events/s",
    );
  });
});

Deno.test("formatWait() rounds a wait up to seconds, then minutes and hours", () => {
  assert.equal(formatWait(400), "1 s");
  assert.equal(formatWait(59_000), "59 s");
  assert.equal(formatWait(200_000), "3 min 20 s");
  assert.equal(formatWait(2 * HOUR + 5 * 60_000 + 10_000), "2 h 05 min");
});
