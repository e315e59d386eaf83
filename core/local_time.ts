/**
 * Local clock time in a city's IANA time zone, for hour-of-day and weekday
 * profiles. Uses `Intl` (a web standard) and caches per 15-minute slot, the
 * finest step at which any zone's offset changes.
 *
 * @module
 */

/** Local hour (0–23) and weekday (0 = Sunday … 6 = Saturday) of an instant. */
export interface LocalTime {
  hour: number;
  weekday: number;
}

const SLOT_MS = 15 * 60_000;
const WEEKDAYS: Record<string, number> = { Sun: 0, Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6 };
/** Time zone names checked so far (a network has thousands of cities in a few zones). */
const timeZones = new Map<string, boolean>();

/** Tells whether `timeZone` is an IANA zone this runtime knows. */
export function isTimeZone(timeZone: string): boolean {
  let known = timeZones.get(timeZone);
  if (known === undefined) {
    try {
      new Intl.DateTimeFormat("en-US", { timeZone });
      known = true;
    } catch {
      known = false;
    }
    timeZones.set(timeZone, known);
  }
  return known;
}

/** A function from epoch milliseconds to the local time in `timeZone`. */
export function localClock(timeZone: string): (ms: number) => LocalTime {
  const format = new Intl.DateTimeFormat("en-US", {
    timeZone,
    hour: "numeric",
    hourCycle: "h23",
    weekday: "short",
  });
  const cache = new Map<number, LocalTime>();
  return (ms) => {
    const slot = Math.floor(ms / SLOT_MS);
    let local = cache.get(slot);
    if (local === undefined) {
      let hour = 0;
      let weekday = 0;
      for (const part of format.formatToParts(slot * SLOT_MS)) {
        if (part.type === "hour") hour = Number(part.value);
        else if (part.type === "weekday") weekday = WEEKDAYS[part.value];
      }
      // Keep memory flat on long runs: the engine moves forward in time.
      if (cache.size >= 1024) cache.clear();
      local = { hour, weekday };
      cache.set(slot, local);
    }
    return local;
  };
}
