/**
 * Hand-made event streams for the stats tests: events with only the fields
 * stats reads (plus a few it ignores), built from short descriptions.
 *
 * @module
 */
import type { SiteType } from "../core/network.ts";

/** Where an event happens: its charger and, unless given, a site in New York. */
export interface At {
  chargerId: string;
  siteType?: SiteType;
  city?: string;
  state?: string;
  /** The city's time zone; `null` leaves the field out, as older streams do. */
  timeZone?: string | null;
}

/** Epoch milliseconds of an ISO time, or of `hours` after 2026-01-05T00:00Z (a Monday). */
export function ms(time: string | number): number {
  return typeof time === "number" ? Date.UTC(2026, 0, 5) + time * 3_600_000 : Date.parse(time);
}

/** An event of `type` at `time` (ISO, or hours after 2026-01-05T00:00Z), with `fields`. */
export function event(
  type: string,
  time: string | number,
  at: At,
  fields: Record<string, unknown> = {},
): Record<string, unknown> {
  const out: Record<string, unknown> = {
    type,
    seq: 1,
    time: new Date(ms(time)).toISOString(),
    chargerId: at.chargerId,
    status: "In Use",
    city: at.city ?? "New York",
    state: at.state ?? "NY",
    country: "US",
    siteType: at.siteType ?? "public",
    level: at.siteType === "dc_fast" ? "DCFC" : "L2",
    ...fields,
  };
  if (at.timeZone !== null) out.timeZone = at.timeZone ?? "America/New_York";
  return out;
}

/** What a whole session looks like. */
export interface SessionSpec {
  /** Plug-in time (ISO, or hours after 2026-01-05T00:00Z). */
  start: string | number;
  /** Minutes plugged in. */
  stayMinutes: number;
  /** Minutes charging (from the start); the rest is idle. */
  chargingMinutes?: number;
  energyKwh: number;
  arrivalSoc?: number;
  departureSoc?: number;
  endReason?: "target_reached" | "departed" | "failed";
  /** Times of `session.interrupted` events, in minutes after the start. */
  interruptions?: number[];
  /** The `sessionId` of its events; left out when not given. */
  sessionId?: string;
}

/**
 * The events of one session: started, an update halfway through the charging
 * with half the energy, any interruptions, and ended.
 */
export function session(at: At, spec: SessionSpec): Record<string, unknown>[] {
  const start = ms(spec.start);
  const charging = spec.chargingMinutes ?? spec.stayMinutes;
  const iso = (minutes: number) => new Date(start + minutes * 60_000).toISOString();
  const id = spec.sessionId === undefined ? {} : { sessionId: spec.sessionId };
  const events = [
    event("session.started", iso(0), at, {
      ...id,
      energyKwh: 0,
      powerKw: 7,
      socPercent: spec.arrivalSoc ?? 40,
    }),
    event("session.updated", iso(charging / 2), at, { energyKwh: spec.energyKwh / 2, powerKw: 7 }),
    ...(spec.interruptions ?? []).map((m) =>
      event("session.interrupted", iso(m), at, { energyKwh: spec.energyKwh / 2, powerKw: 0 })
    ),
    event("session.ended", iso(spec.stayMinutes), at, {
      ...id,
      energyKwh: spec.energyKwh,
      powerKw: 0,
      socPercent: spec.departureSoc ?? 90,
      endReason: spec.endReason ?? "target_reached",
      connectedMinutes: spec.stayMinutes,
      chargingMinutes: charging,
      idleMinutes: spec.stayMinutes - charging,
      totalEnergyKwh: spec.energyKwh,
    }),
  ];
  return events.sort((a, b) => Date.parse(a.time as string) - Date.parse(b.time as string));
}

/** A `charger.status` event. */
export function status(
  time: string | number,
  at: At,
  value: string,
  fields: Record<string, unknown> = {},
): Record<string, unknown> {
  return event("charger.status", time, at, { status: value, ...fields });
}

/** NDJSON of `events`, sorted by time (stable), one per line. */
export function ndjson(events: Record<string, unknown>[]): string[] {
  return [...events]
    .sort((a, b) => Date.parse(a.time as string) - Date.parse(b.time as string))
    .map((e) => JSON.stringify(e));
}
