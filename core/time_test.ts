import assert from "node:assert/strict";
import fc from "fast-check";
import { isoTime, parseDuration, parseInstant } from "./time.ts";

Deno.test("parseDuration() reads single and compound durations", () => {
  assert.equal(parseDuration("7d"), 7 * 86_400_000);
  assert.equal(parseDuration("1d12h"), 36 * 3_600_000);
  assert.equal(parseDuration("90s"), 90_000);
  assert.equal(parseDuration("1.5h"), 5_400_000);
  assert.equal(parseDuration("2w"), 14 * 86_400_000);
  assert.equal(parseDuration("250ms"), 250);
  assert.equal(parseDuration("1w2d3h4m5s6ms"), ((9 * 24 + 3) * 60 + 4) * 60_000 + 5_006);
});

Deno.test("parseDuration() refuses what is not a duration", () => {
  for (const bad of ["", "7", "d", "7 days", "-1d", "0s", "1d x", "1h1h1h", "30m1h", "1d1d"]) {
    assert.equal(parseDuration(bad), undefined, bad);
  }
});

Deno.test("parseInstant() reads dates as UTC midnight and date-times with a zone", () => {
  assert.equal(parseInstant("2026-01-05"), Date.UTC(2026, 0, 5));
  assert.equal(parseInstant("2026-01-05T08:00:00Z"), Date.UTC(2026, 0, 5, 8));
  assert.equal(parseInstant("2026-01-05T08:00-05:00"), Date.UTC(2026, 0, 5, 13));
});

Deno.test("parseInstant() refuses zoneless date-times and nonsense", () => {
  for (const bad of ["2026-01-05T08:00:00", "yesterday", "2026-13-45", "05/01/2026"]) {
    assert.equal(parseInstant(bad), undefined, bad);
  }
});

Deno.test("isoTime() matches Date.prototype.toISOString for whole milliseconds", () => {
  fc.assert(
    // Years 0 to 9999 and beyond either way, where it falls back on Date.
    fc.property(fc.integer({ min: -62_198_755_200_000, max: 300_000_000_000_000 }), (ms) => {
      assert.equal(isoTime(ms), new Date(ms).toISOString());
    }),
    { numRuns: 2000 },
  );
  const t = Date.UTC(2026, 0, 5, 23, 59, 59, 999);
  assert.equal(isoTime(t), "2026-01-05T23:59:59.999Z");
  assert.equal(isoTime(t + 1), "2026-01-06T00:00:00.000Z");
  // After a time it cannot make itself, the day it had is made again.
  assert.equal(isoTime(300_000_000_000_000), new Date(300_000_000_000_000).toISOString());
  assert.equal(isoTime(t), "2026-01-05T23:59:59.999Z");
});
