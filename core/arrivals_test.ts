import assert from "node:assert/strict";
import { defaults } from "../data/mod.ts";
import {
  ArrivalProcess,
  defaultDemand,
  hourWeights,
  populationFactor,
  weekWeights,
} from "./arrivals.ts";
import { localClock } from "./local_time.ts";
import { Random } from "./random.ts";
import { testNetwork } from "../tests/_events.ts";

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

Deno.test("weekWeights() turns a site profile into 168 weights with the published shares", () => {
  const profile = defaults.model.arrivalProfiles.workplace;
  const w = weekWeights(profile);
  assert.equal(w.length, 168);
  assert.ok(Math.abs(w.reduce((a, b) => a + b, 0) - 168) < 1e-9);
  const share = (days: number[], hours: number[]) =>
    days.flatMap((d) => hours.map((h) => w[d * 24 + h])).reduce((a, b) => a + b, 0) / 168;
  const all = [...Array(24).keys()];
  assert.ok(Math.abs(share([1, 2, 3, 4, 5], all) - profile.weekdayShare) < 1e-9);
  // Facts row 7: the weekday 08–09 h holds 12–18 % of workplace arrivals.
  const eight = share([1, 2, 3, 4, 5], [8]) / share([1, 2, 3, 4, 5], all);
  assert.ok(eight >= 0.12 && eight <= 0.18, `${eight}`);
});

Deno.test("weekWeights() moves arrivals into the peak hours without adding any", () => {
  const profile = defaults.model.arrivalProfiles.public;
  const plain = weekWeights(profile);
  const peaked = weekWeights(profile, [{ from: 17, to: 18 }], 3);
  assert.ok(
    Math.abs(peaked[1 * 24 + 17] / peaked[1 * 24 + 10] / (plain[24 + 17] / plain[24 + 10]) - 3) <
      1e-9,
  );
  // The week's total is the same: the peak hour gains what every other hour loses.
  const sum = (w: Float64Array) => w.reduce((a, b) => a + b, 0);
  assert.ok(Math.abs(sum(peaked) - sum(plain)) < 1e-9);
  for (let i = 0; i < 168; i++) {
    if (plain[i] === 0) continue;
    if (i % 24 === 17) assert.ok(peaked[i] > plain[i]);
    else assert.ok(peaked[i] < plain[i]);
  }
});

Deno.test("defaultDemand() gives each site type its own profile and scales by population", () => {
  const demand = defaultDemand(defaults.model);
  const [workplace, dcFast] = ["workplace", "dc_fast"].map((site) =>
    testNetwork.chargers.find((c) => c.siteType === site)!
  );
  const city = testNetwork.cities[0];
  const a = demand(workplace, city);
  const b = demand(dcFast, city);
  assert.notEqual(a.weights, b.weights);
  assert.equal(
    demand({ ...workplace, id: "other" }, city).weights,
    a.weights,
    "shared per site type",
  );
  assert.ok(b.perDay > a.perDay);
  assert.ok(demand(workplace, { ...city, population: city.population * 8 }).perDay > a.perDay);
});
