import assert from "node:assert/strict";
import { ArrivalProcess, hourWeights, populationFactor } from "./arrivals.ts";
import { localClock } from "./local_time.ts";
import { Random } from "./random.ts";

Deno.test("hourWeights() raises the peak hours and keeps a mean of 1", () => {
  const w = hourWeights([{ from: 7, to: 10 }, { from: 16, to: 20 }], 3);
  assert.ok(Math.abs(w.reduce((a, b) => a + b, 0) - 24) < 1e-9);
  assert.ok(Math.abs(w[8] / w[3] - 3) < 1e-9);
  assert.equal(w[10], w[3]);
  assert.equal(w[19], w[7]);
});

Deno.test("populationFactor() grows with population", () => {
  assert.equal(populationFactor(1_000_000, 1_000_000, 0.3), 1);
  assert.ok(
    populationFactor(8_000_000, 1_000_000, 0.3) > populationFactor(400_000, 1_000_000, 0.3),
  );
  assert.equal(populationFactor(500, 1_000_000, 0), 1);
});

/** Arrivals by local hour over `days` days for a charger in `timeZone`. */
function arrivalsByUtcHour(timeZone: string, days: number): number[] {
  const weights = hourWeights([{ from: 17, to: 19 }], 6);
  const process = new ArrivalProcess(20, weights, localClock(timeZone));
  const random = Random.stream(1, timeZone);
  const start = Date.parse("2026-01-05T00:00:00Z");
  const counts = new Array(24).fill(0);
  for (let t = process.nextCandidate(start, random); t < start + days * 86_400_000;) {
    if (process.accept(t, random)) counts[new Date(t).getUTCHours()]++;
    t = process.nextCandidate(t, random);
  }
  return counts;
}

Deno.test("ArrivalProcess peaks at the local peak hours of each city's time zone", () => {
  const busiest = (counts: number[]) => counts.indexOf(Math.max(...counts));
  // 17–19 local is 22–24 UTC in New York (EST) and 01–03 UTC in Los Angeles (PST).
  assert.ok([22, 23].includes(busiest(arrivalsByUtcHour("America/New_York", 200))));
  assert.ok([1, 2].includes(busiest(arrivalsByUtcHour("America/Los_Angeles", 200))));
});

Deno.test("ArrivalProcess keeps the configured daily mean", () => {
  const total = arrivalsByUtcHour("America/Chicago", 200).reduce((a, b) => a + b, 0);
  assert.ok(Math.abs(total / 200 - 20) < 1, `${total / 200} per day`);
});
