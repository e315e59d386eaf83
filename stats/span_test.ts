import assert from "node:assert/strict";
import { spanWarnings } from "./span.ts";

Deno.test("spanWarnings() warns of a span under a day or a week, and not from a week up", async (t) => {
  await t.step("under a day: the daily figures, and the weekly ones", () => {
    const [warning, ...more] = spanWarnings(2 / 24);
    assert.deepEqual(more, []);
    assert.match(warning, /^the stream spans 2\.0 hours, less than a day: arrivals by hour, /);
    assert.match(warning, /, and weekday shares need a week$/);
    assert.match(spanWarnings(0.5 / 24)[0], /^the stream spans 30 minutes, less than a day/);
  });
  await t.step("a day to a week: the weekly figures", () => {
    const [warning, ...more] = spanWarnings(2.5);
    assert.deepEqual(more, []);
    assert.match(warning, /^the stream spans 2\.5 days, less than a week: weekday shares/);
    assert.doesNotMatch(warning, /arrivals by hour/);
  });
  await t.step("a one-day run's events, 23 h 59 min apart, span a day", () => {
    assert.match(spanWarnings((24 * 60 - 1) / 1440)[0], /less than a week/);
  });
  await t.step("a week or more, give or take the last minutes: none", () => {
    assert.deepEqual(spanWarnings(7 - 1 / 1440), []);
    assert.deepEqual(spanWarnings(30), []);
  });
});
