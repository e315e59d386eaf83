/**
 * Parsing of the instants and durations people type: `2026-01-05`,
 * `2026-01-05T08:00:00-05:00`, `7d`, `1d12h`, `90s`.
 *
 * @module
 */

const UNITS: Record<string, number> = {
  w: 604_800_000,
  d: 86_400_000,
  h: 3_600_000,
  m: 60_000,
  s: 1_000,
  ms: 1,
};

/**
 * Milliseconds in a duration such as `7d`, `1d12h`, `90m` or `1.5h`
 * (units w, d, h, m, s, ms), or undefined if it is not one.
 */
export function parseDuration(text: string): number | undefined {
  const parts = text.trim().match(/(\d+(?:\.\d+)?)(ms|w|d|h|m|s)/g);
  if (!parts || parts.join("") !== text.trim()) return undefined;
  let ms = 0;
  const order = ["w", "d", "h", "m", "s", "ms"];
  let last = -1;
  for (const part of parts) {
    const [, n, unit] = /^(\d+(?:\.\d+)?)(ms|w|d|h|m|s)$/.exec(part)!;
    // Each unit at most once, largest first: 1d12h, never 1h1h or 30m1h.
    const rank = order.indexOf(unit);
    if (rank <= last) return undefined;
    last = rank;
    ms += Number(n) * UNITS[unit];
  }
  return ms > 0 ? Math.round(ms) : undefined;
}

/**
 * Epoch milliseconds of a date (`2026-01-05`, midnight UTC) or an ISO-8601
 * date-time with `Z` or an offset; undefined otherwise. A date-time without a
 * zone is refused, so the same text means the same instant on every machine.
 */
export function parseInstant(text: string): number | undefined {
  const t = text.trim();
  if (/^\d{4}-\d{2}-\d{2}$/.test(t)) {
    const ms = Date.parse(`${t}T00:00:00Z`);
    return Number.isNaN(ms) ? undefined : ms;
  }
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(t)) {
    return undefined;
  }
  const ms = Date.parse(t);
  return Number.isNaN(ms) ? undefined : ms;
}

const DAY_MS = 86_400_000;
let cachedDay = NaN;
/** The character codes of the last time made: `YYYY-MM-DDTHH:MM:SS.mmmZ`. */
const codes: number[] = Array.from("0000-00-00T00:00:00.000Z", (c) => c.charCodeAt(0));
const ZERO = 48;

/**
 * `new Date(ms).toISOString()` for years 0–9999, several times faster for
 * times on the same day as the previous call (the engine's common case). The
 * string is made from its character codes in one piece: a plain string that
 * serializes fast, where one built with `+` would not (see `flat_string.ts`).
 */
export function isoTime(ms: number): string {
  const day = Math.floor(ms / DAY_MS);
  if (day !== cachedDay) {
    const date = new Date(day * DAY_MS).toISOString();
    if (date.length !== 24) return new Date(ms).toISOString(); // a year past 9999 or before 0
    for (let i = 0; i < 11; i++) codes[i] = date.charCodeAt(i);
    cachedDay = day;
  }
  let rest = ms - day * DAY_MS;
  const h = Math.floor(rest / 3_600_000);
  rest -= h * 3_600_000;
  const m = Math.floor(rest / 60_000);
  rest -= m * 60_000;
  const s = Math.floor(rest / 1000);
  const milli = rest - s * 1000;
  codes[11] = ZERO + Math.floor(h / 10);
  codes[12] = ZERO + h % 10;
  codes[14] = ZERO + Math.floor(m / 10);
  codes[15] = ZERO + m % 10;
  codes[17] = ZERO + Math.floor(s / 10);
  codes[18] = ZERO + s % 10;
  codes[20] = ZERO + Math.floor(milli / 100);
  codes[21] = ZERO + Math.floor(milli / 10) % 10;
  codes[22] = ZERO + milli % 10;
  return String.fromCharCode.apply(null, codes);
}
