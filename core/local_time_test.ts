import assert from "node:assert/strict";
import { isTimeZone, localClock } from "./local_time.ts";

Deno.test("localClock() gives the local hour and weekday in each time zone", () => {
  const t = Date.parse("2026-01-05T15:30:00Z"); // a Monday
  assert.deepEqual(localClock("America/New_York")(t), { hour: 10, weekday: 1 });
  assert.deepEqual(localClock("America/Los_Angeles")(t), { hour: 7, weekday: 1 });
  assert.deepEqual(localClock("UTC")(Date.parse("2026-01-04T23:59:00Z")), { hour: 23, weekday: 0 });
  assert.deepEqual(localClock("Asia/Kolkata")(Date.parse("2026-01-05T00:29:00Z")), {
    hour: 5,
    weekday: 1,
  });
});

Deno.test("localClock() follows daylight saving time", () => {
  const ny = localClock("America/New_York");
  assert.equal(ny(Date.parse("2026-03-08T06:59:00Z")).hour, 1); // EST
  assert.equal(ny(Date.parse("2026-03-08T07:00:00Z")).hour, 3); // EDT
  const phoenix = localClock("America/Phoenix"); // no DST
  assert.equal(phoenix(Date.parse("2026-07-01T12:00:00Z")).hour, 5);
});

Deno.test("isTimeZone() tells known zones from unknown ones", () => {
  assert.equal(isTimeZone("America/Chicago"), true);
  assert.equal(isTimeZone("Mars/Olympus_Mons"), false);
});
