import assert from "node:assert/strict";
import { newSimulationStats, type SimulationStats } from "./simulation.ts";
import { formatResumedSummary, formatSummary, statsBetween } from "./summary.ts";

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
