/**
 * Statistics of an evsim event stream, read one line at a time in constant
 * memory: what is kept grows with the number of chargers and cities, never
 * with the length of the stream. Definitions of every figure are in
 * `report.ts`.
 *
 * ```ts
 * const stats = new StatsCollector();
 * for await (const line of readLines(Deno.stdin.readable)) stats.addLine(line);
 * const report = stats.report();
 * ```
 *
 * @module
 */
import * as v from "valibot";
import { formatIssues } from "../core/errors.ts";
import { SessionEndedEventSchema, SessionRejectedEventSchema } from "../core/event.ts";
import { localClock, type LocalTime } from "../core/local_time.ts";
import type { BadLine } from "../core/ndjson.ts";
import { type SiteType, SiteTypeSchema } from "../core/network.ts";
import { dropReason } from "../core/reference_table.ts";
import { deadLetterEvent } from "../sinks/dead_letter.ts";
import { calibrate } from "./calibration.ts";
import { LogHistogram } from "./histogram.ts";
import { realismCurves, realismOf, RealismTotals, type StartedSession } from "./realism.ts";
import { defaultReferenceChoice, type ReferenceChoice } from "./reference.ts";
import type { Bins, CityStats, GroupStats, StatsReport, Summary } from "./report.ts";
import { spanWarnings } from "./span.ts";

const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;
/** The NEVI rule's year: 525,600 minutes. */
const YEAR = 525_600 * MINUTE;
/** Planned maintenance excluded from outage time per year (California rule, charging-facts row 24). */
const EXCLUDED_MAINTENANCE_PER_YEAR = 72 * HOUR;
/** Load-curve step before any doubling. */
const LOAD_STEP = 15 * MINUTE;
/** The load curve doubles its step rather than hold more points than this per city. */
const MAX_LOAD_STEPS = 2_000;

/** The fields of the event contract (`core/event.ts`) that stats reads. */
const contract = {
  ...SessionEndedEventSchema.entries,
  rejectReason: SessionRejectedEventSchema.entries.rejectReason,
};

/** A number of the contract that must also be finite: JSON's `1e999` parses as Infinity. */
const finite = (schema: v.GenericSchema<number>) => v.pipe(schema, v.finite<number>());

/**
 * Only the fields stats needs, as the contract has them, in non-strict
 * objects: streams with extra fields still count, and so do older streams (no
 * `timeZone`, no `sessionId`) and newer ones (a status this version does not
 * know). `time` becomes epoch milliseconds.
 */
const base = {
  time: v.pipe(
    v.string(),
    v.transform(Date.parse),
    v.finite("expected an ISO-8601 time"),
  ),
  chargerId: contract.chargerId,
  city: contract.city,
  state: contract.state,
  timeZone: v.optional(contract.timeZone),
  siteType: contract.siteType,
  status: v.string(),
};

const StartedSchema = v.object({
  type: v.literal("session.started"),
  ...base,
  sessionId: v.optional(contract.sessionId),
  energyKwh: finite(contract.energyKwh),
  socPercent: contract.socPercent,
});
const ProgressSchema = v.object({
  type: v.picklist([
    "session.updated",
    "session.interrupted",
    "session.resumed",
    "session.completed",
    "session.failed",
  ]),
  ...base,
  energyKwh: finite(contract.energyKwh),
});
const EndedSchema = v.object({
  type: v.literal("session.ended"),
  ...base,
  sessionId: v.optional(contract.sessionId),
  energyKwh: finite(contract.energyKwh),
  socPercent: contract.socPercent,
  endReason: contract.endReason,
  connectedMinutes: finite(contract.connectedMinutes),
  chargingMinutes: finite(contract.chargingMinutes),
  idleMinutes: finite(contract.idleMinutes),
  totalEnergyKwh: finite(contract.totalEnergyKwh),
});
const RejectedSchema = v.object({
  type: v.literal("session.rejected"),
  ...base,
  rejectReason: contract.rejectReason,
});
const StatusEventSchema = v.object({ type: v.literal("charger.status"), ...base });
type StatsEvent = v.InferOutput<
  | typeof StartedSchema
  | typeof ProgressSchema
  | typeof EndedSchema
  | typeof RejectedSchema
  | typeof StatusEventSchema
>;

/**
 * The schema of each event type stats reads. A lookup by `type` rather than a
 * `v.variant`, which tries its options in turn: this is the hot path.
 */
const SCHEMAS = new Map<unknown, v.GenericSchema<unknown, StatsEvent>>([
  ["session.started", StartedSchema],
  ["session.updated", ProgressSchema],
  ["session.interrupted", ProgressSchema],
  ["session.resumed", ProgressSchema],
  ["session.completed", ProgressSchema],
  ["session.failed", ProgressSchema],
  ["session.ended", EndedSchema],
  ["session.rejected", RejectedSchema],
  ["charger.status", StatusEventSchema],
]);
const TYPES = [...SCHEMAS.keys()].map((t) => JSON.stringify(t)).join(" | ");

/** Running totals of one group of chargers: a site type, or all of them. */
class GroupTotals {
  chargers = 0;
  sessions = 0;
  energyKwh = new LogHistogram();
  stayMinutes = new LogHistogram();
  chargingMinutes = new LogHistogram();
  arrivalSoc = new LogHistogram();
  departureSoc = new LogHistogram();
  idleMinutes = 0;
  connectedMinutes = 0;
  arrivalsByHour = new Array<number>(24).fill(0);
  weekdayArrivals = 0;
  ended = 0;
  leavingAt80 = 0;
  endedFailed = 0;
  rejected = 0;
  rejectedOutOfService = 0;
  interruptedSessions = 0;
  /** Plugged-in time of the sessions closed so far. */
  pluggedMs = 0;
  /** The cleaned sessions, compared with a real reference set (site types only, not overall). */
  realism: RealismTotals | null;

  constructor(realism: boolean) {
    this.realism = realism ? new RealismTotals() : null;
  }
}

/** Running totals of one city. */
interface CityTotals {
  city: string;
  state: string;
  chargers: number;
  sessions: number;
  energyKwh: number;
  pluggedMs: number;
  /** Energy delivered in each load-curve step, kWh. */
  load: number[];
}

/** What is remembered of one charger: its groups, its open session and its outage. */
interface ChargerState {
  /** Its site type's totals and the overall totals: every figure goes to both. */
  groups: readonly [GroupTotals, GroupTotals];
  city: CityTotals;
  /** When its open session started (`session.started` seen), else NaN. */
  sessionStart: number;
  /** Whether the open session has been interrupted. */
  interrupted: boolean;
  /** The key of its open session in the collector's open sessions, else null. */
  openKey: string | null;
  /** Time and cumulative energy of the open session's last event, for the load curve; NaN when none. */
  energyTime: number;
  energyKwh: number;
  /** Since when it has been `Faulted` or in `Maintenance` (NaN when in service), and which. */
  outSince: number;
  outStatus: "Faulted" | "Maintenance" | null;
  faultedMs: number;
  maintenanceMs: number;
}

/** Options of {@link StatsCollector}. */
export interface StatsCollectorOptions {
  /**
   * Called for each line that is not an event, with its line number (blank
   * lines included in the numbering) and what is wrong with it.
   * @default undefined (bad lines are only counted)
   */
  onBadLine?: (bad: BadLine) => void;
}

/** Options of {@link StatsCollector.report}. */
export interface ReportOptions {
  /**
   * Include the chart data (`charts`: energy and stay bins, load curve,
   * realism curves).
   * @default false
   */
  charts?: boolean;
  /**
   * The real reference set each site type's sessions are compared with (its
   * `realism` block and the distance rows of the calibration table).
   * @default defaultReferenceChoice() (each embedded set with its own site type)
   */
  references?: ReferenceChoice;
}

/**
 * Reads an event stream and reports its statistics. Feed it NDJSON lines
 * ({@link StatsCollector.addLine}) or parsed values
 * ({@link StatsCollector.addEvent}) in stream order, then ask for
 * {@link StatsCollector.report} (as often as wanted: it changes nothing).
 */
export class StatsCollector {
  #onBadLine?: (bad: BadLine) => void;
  #inputs = 0;
  #lines = 0;
  #events = 0;
  #badLines = 0;
  #duplicates = 0;
  /** The highest event count seen per charger and history (`chargerId:history` of the `eventId`). */
  #counts = new Map<string, number>();
  #arrivalsWithoutTimeZone = 0;
  #first = Infinity;
  #last = -Infinity;
  #overall = new GroupTotals(false);
  #bySiteType = new Map<SiteType, GroupTotals>();
  #cities = new Map<string, CityTotals>();
  #chargers = new Map<string, ChargerState>();
  /** What is kept of each open session's start, by `sessionId`: at most one per charger. */
  #open = new Map<string, StartedSession>();
  /** One clock per time-zone name; null for names this runtime does not know. */
  #clocks = new Map<string, ((ms: number) => LocalTime) | null>();
  #utc = localClock("UTC");
  #loadStart = NaN;
  #loadStepMs = LOAD_STEP;
  #loadSteps = 0;

  constructor(options: StatsCollectorOptions = {}) {
    this.#onBadLine = options.onBadLine;
  }

  /** Reads one NDJSON line: an event, or a dead-letter entry holding one. Blank lines are skipped. */
  addLine(line: string): void {
    this.#inputs++;
    if (line.trim() === "") return;
    this.#lines++;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      this.#bad(`invalid JSON: ${(error as Error).message}`);
      return;
    }
    this.#add(value);
  }

  /** Reads one parsed value: an event, or a dead-letter entry (`{reason, event}`) holding one. */
  addEvent(value: unknown): void {
    this.#inputs++;
    this.#lines++;
    this.#add(value);
  }

  /**
   * Whether an event was seen already: its `eventId` (`chargerId:history:n`)
   * counts no higher than one seen before for its charger and history. evsim
   * writes each charger's events in order, and a resumed run repeats them in
   * order, so this finds the repeats in constant memory per charger.
   */
  #isDuplicate(eventId: unknown): boolean {
    if (typeof eventId !== "string") return false;
    const i = eventId.lastIndexOf(":");
    const n = Number(eventId.slice(i + 1));
    if (i < 0 || !Number.isInteger(n)) return false;
    const key = eventId.slice(0, i);
    const seen = this.#counts.get(key);
    if (seen !== undefined && n <= seen) return true;
    this.#counts.set(key, n);
    return false;
  }

  #bad(problem: string): void {
    this.#badLines++;
    this.#onBadLine?.({ line: this.#inputs, problem });
  }

  #add(value: unknown): void {
    value = deadLetterEvent(value);
    if (!value || typeof value !== "object" || Array.isArray(value)) {
      this.#bad(`event: expected an object, got ${JSON.stringify(value)?.slice(0, 40)}`);
      return;
    }
    const type = (value as { type?: unknown }).type;
    const schema = SCHEMAS.get(type);
    if (!schema) {
      const got = type === undefined ? "missing" : `got ${JSON.stringify(type)}`;
      this.#bad(`event: type: expected ${TYPES}, ${got}`);
      return;
    }
    const result = v.safeParse(schema, value);
    if (!result.success) {
      this.#bad(formatIssues("event", result.issues).join("; "));
      return;
    }
    if (this.#isDuplicate((value as { eventId?: unknown }).eventId)) {
      this.#duplicates++;
      return;
    }
    this.#events++;
    this.#record(result.output);
  }

  #record(event: StatsEvent): void {
    const t = event.time;
    if (t < this.#first) this.#first = t;
    if (t > this.#last) this.#last = t;
    if (Number.isNaN(this.#loadStart)) this.#loadStart = Math.floor(t / LOAD_STEP) * LOAD_STEP;
    const charger = this.#charger(event);
    const [group, overall] = charger.groups;
    switch (event.type) {
      case "session.started": {
        // A session still open here lost its end: it was plugged in until now at most.
        if (!Number.isNaN(charger.sessionStart)) this.#closeSession(charger, t);
        charger.sessionStart = t;
        charger.energyTime = t;
        charger.energyKwh = event.energyKwh;
        charger.city.sessions++;
        const local = this.#localTime(event.timeZone, t);
        for (const g of charger.groups) {
          g.sessions++;
          g.arrivalSoc.add(event.socPercent);
          g.arrivalsByHour[local.hour]++;
          if (local.weekday >= 1 && local.weekday <= 5) g.weekdayArrivals++;
        }
        // A session that lost its end stays no longer: one open session per charger.
        if (charger.openKey !== null) this.#open.delete(charger.openKey);
        charger.openKey = event.sessionId ?? `@${event.chargerId}`;
        this.#open.set(charger.openKey, {
          socPercent: event.socPercent,
          hour: local.hour,
          weekday: local.weekday,
        });
        break;
      }
      case "session.interrupted":
        if (!charger.interrupted && !Number.isNaN(charger.sessionStart)) {
          charger.interrupted = true;
          group.interruptedSessions++;
          overall.interruptedSessions++;
        }
        this.#energy(charger, t, event.energyKwh);
        break;
      case "session.updated":
      case "session.resumed":
      case "session.completed":
      case "session.failed":
        this.#energy(charger, t, event.energyKwh);
        break;
      case "session.ended": {
        this.#energy(charger, t, event.energyKwh);
        if (Number.isNaN(charger.sessionStart)) {
          // Started before the stream did: plugged in since then at most.
          const ms = Math.min(event.connectedMinutes * MINUTE, t - this.#first);
          group.pluggedMs += ms;
          overall.pluggedMs += ms;
          charger.city.pluggedMs += ms;
        } else {
          this.#closeSession(charger, t);
        }
        charger.energyTime = NaN;
        charger.city.energyKwh += event.totalEnergyKwh;
        const key = event.sessionId ?? `@${event.chargerId}`;
        const started = this.#open.get(key);
        if (started) {
          this.#open.delete(key);
          if (charger.openKey === key) charger.openKey = null;
        }
        group.realism?.add(
          event,
          started ?? null,
          () => this.#localTime(event.timeZone, t - event.connectedMinutes * MINUTE, false),
        );
        const kept = dropReason(event.totalEnergyKwh, event.connectedMinutes) === null;
        for (const g of charger.groups) {
          g.ended++;
          g.energyKwh.add(event.totalEnergyKwh);
          g.stayMinutes.add(event.connectedMinutes);
          g.chargingMinutes.add(event.chargingMinutes);
          g.departureSoc.add(event.socPercent);
          // Idle share over the sessions the real records keep (charging-facts row 5 is Boulder's).
          if (kept) {
            g.idleMinutes += event.idleMinutes;
            g.connectedMinutes += event.connectedMinutes;
          }
          if (event.socPercent >= 80) g.leavingAt80++;
          if (event.endReason === "failed") g.endedFailed++;
        }
        break;
      }
      case "session.rejected":
        for (const g of charger.groups) {
          g.rejected++;
          if (event.rejectReason === "out_of_service") g.rejectedOutOfService++;
        }
        break;
      case "charger.status": {
        const out = event.status === "Faulted" || event.status === "Maintenance"
          ? event.status
          : null;
        if (out === charger.outStatus) break;
        this.#closeOutage(charger, t);
        charger.outStatus = out;
        charger.outSince = out === null ? NaN : t;
        break;
      }
    }
  }

  /** The state of the event's charger, created on first sight. */
  #charger(event: StatsEvent): ChargerState {
    let charger = this.#chargers.get(event.chargerId);
    if (charger) return charger;
    let group = this.#bySiteType.get(event.siteType);
    if (!group) {
      group = new GroupTotals(true);
      this.#bySiteType.set(event.siteType, group);
    }
    const cityKey = `${event.city}, ${event.state}`;
    let city = this.#cities.get(cityKey);
    if (!city) {
      city = {
        city: event.city,
        state: event.state,
        chargers: 0,
        sessions: 0,
        energyKwh: 0,
        pluggedMs: 0,
        load: new Array<number>(this.#loadSteps).fill(0),
      };
      this.#cities.set(cityKey, city);
    }
    group.chargers++;
    this.#overall.chargers++;
    city.chargers++;
    charger = {
      groups: [group, this.#overall],
      city,
      sessionStart: NaN,
      interrupted: false,
      openKey: null,
      energyTime: NaN,
      energyKwh: 0,
      outSince: NaN,
      outStatus: null,
      faultedMs: 0,
      maintenanceMs: 0,
    };
    this.#chargers.set(event.chargerId, charger);
    return charger;
  }

  /**
   * Local hour and weekday of `t` in `timeZone`; UTC when the zone is missing
   * or unknown, counted as an arrival without a time zone if `count`.
   */
  #localTime(timeZone: string | undefined, t: number, count = true): LocalTime {
    let clock = timeZone === undefined ? null : this.#clocks.get(timeZone);
    if (clock === undefined) {
      try {
        clock = localClock(timeZone!);
      } catch {
        clock = null;
      }
      this.#clocks.set(timeZone!, clock);
    }
    if (clock === null) {
      if (count) this.#arrivalsWithoutTimeZone++;
      return this.#utc(t);
    }
    return clock(t);
  }

  /** Ends the charger's open session at `t`, adding its plugged-in time. */
  #closeSession(charger: ChargerState, t: number): void {
    const ms = Math.max(0, t - charger.sessionStart);
    charger.groups[0].pluggedMs += ms;
    charger.groups[1].pluggedMs += ms;
    charger.city.pluggedMs += ms;
    charger.sessionStart = NaN;
    charger.interrupted = false;
  }

  /** Ends the charger's outage (if any) at `t`, adding its duration. */
  #closeOutage(charger: ChargerState, t: number): void {
    if (charger.outStatus === null) return;
    const ms = Math.max(0, t - charger.outSince);
    if (charger.outStatus === "Faulted") charger.faultedMs += ms;
    else charger.maintenanceMs += ms;
  }

  /** Spreads the session's energy since its last event over the time between them. */
  #energy(charger: ChargerState, t: number, energyKwh: number): void {
    const from = charger.energyTime;
    const delta = energyKwh - charger.energyKwh;
    charger.energyTime = t;
    charger.energyKwh = energyKwh;
    if (Number.isNaN(from) || !(delta > 0)) return;
    const last = this.#step(t);
    const first = this.#step(Math.min(from, t));
    // After #step(), which may have replaced the arrays.
    const load = charger.city.load;
    if (first === last) {
      load[last] += delta;
      return;
    }
    const span = t - from;
    for (let i = first; i <= last; i++) {
      const stepStart = this.#loadStart + i * this.#loadStepMs;
      const overlap = Math.min(t, stepStart + this.#loadStepMs) - Math.max(from, stepStart);
      if (overlap > 0) load[i] += delta * overlap / span;
    }
  }

  /**
   * The load-curve step holding `t` (the first for times before it), with
   * every city's array long enough to hold it: past {@link MAX_LOAD_STEPS}
   * steps, each pair of steps merges into one twice as long.
   */
  #step(t: number): number {
    let i = Math.max(0, Math.floor((t - this.#loadStart) / this.#loadStepMs));
    while (i >= MAX_LOAD_STEPS) {
      for (const city of this.#cities.values()) {
        const merged: number[] = [];
        for (let j = 0; j < city.load.length; j += 2) {
          merged.push(city.load[j] + (city.load[j + 1] ?? 0));
        }
        city.load = merged;
      }
      this.#loadStepMs *= 2;
      this.#loadSteps = Math.ceil(this.#loadSteps / 2);
      i = Math.max(0, Math.floor((t - this.#loadStart) / this.#loadStepMs));
    }
    if (i >= this.#loadSteps) {
      for (const city of this.#cities.values()) {
        while (city.load.length <= i) city.load.push(0);
      }
      this.#loadSteps = i + 1;
    }
    return i;
  }

  /** The statistics of everything read so far. */
  report(options: ReportOptions = {}): StatsReport {
    const hasEvents = this.#events > 0;
    const first = hasEvents ? this.#first : 0;
    const last = hasEvents ? this.#last : 0;
    const span = last - first;
    const days = span / DAY;

    // Open sessions and outages count until the last event; per-port figures.
    const perGroup = new Map<GroupTotals, PortTotals>();
    const perCity = new Map<CityTotals, PortTotals>();
    const totalsOf = <K>(map: Map<K, PortTotals>, key: K) => {
      let totals = map.get(key);
      if (!totals) map.set(key, totals = newPortTotals());
      return totals;
    };
    for (const charger of this.#chargers.values()) {
      const open = Number.isNaN(charger.sessionStart)
        ? 0
        : Math.max(0, last - charger.sessionStart);
      const outNow = charger.outStatus === null ? 0 : Math.max(0, last - charger.outSince);
      const faulted = charger.faultedMs + (charger.outStatus === "Faulted" ? outNow : 0);
      const maintenance = charger.maintenanceMs +
        (charger.outStatus === "Maintenance" ? outNow : 0);
      // Each charger counts as one port.
      const port = {
        open,
        uptime: neviUptime(span, faulted, maintenance),
        out: faulted + maintenance,
      };
      addPort(totalsOf(perGroup, charger.groups[0]), port, span);
      addPort(totalsOf(perGroup, charger.groups[1]), port, span);
      addPort(totalsOf(perCity, charger.city), port, span);
    }

    const group = (g: GroupTotals) => groupStats(g, perGroup.get(g) ?? newPortTotals(), span);
    const references = options.references ?? defaultReferenceChoice();
    const bySiteType: Partial<Record<SiteType, GroupStats>> = {};
    for (const siteType of SiteTypeSchema.options) {
      const g = this.#bySiteType.get(siteType);
      if (!g) continue;
      const stats = bySiteType[siteType] = group(g);
      const set = references[siteType];
      if (set && g.realism) stats.realism = realismOf(g.realism, set);
    }
    const cities = [...this.#cities.values()].sort((a, b) =>
      a.state.localeCompare(b.state) || a.city.localeCompare(b.city)
    );
    const byCity: CityStats[] = cities.map((c) => {
      const ports = perCity.get(c) ?? newPortTotals();
      return {
        city: c.city,
        state: c.state,
        chargers: c.chargers,
        sessions: c.sessions,
        energyKwh: c.energyKwh,
        timeUtilization: utilization(c.pluggedMs + ports.openMs, c.chargers, span),
        uptimeMeanPercent: ports.ports > 0 ? ports.uptimeSum / ports.ports : null,
      };
    });

    const report: StatsReport = {
      lines: this.#lines,
      events: this.#events,
      duplicates: this.#duplicates,
      badLines: this.#badLines,
      arrivalsWithoutTimeZone: this.#arrivalsWithoutTimeZone,
      from: hasEvents ? new Date(first).toISOString() : null,
      to: hasEvents ? new Date(last).toISOString() : null,
      days,
      warnings: hasEvents ? spanWarnings(days) : [],
      overall: group(this.#overall),
      bySiteType,
      byCity,
      calibration: [],
    };
    report.calibration = calibrate(report);
    if (options.charts) report.charts = this.#charts(cities, first, last, references);
    return report;
  }

  #charts(
    cities: CityTotals[],
    first: number,
    last: number,
    references: ReferenceChoice,
  ): NonNullable<StatsReport["charts"]> {
    const energyKwh: Partial<Record<SiteType, Bins>> = {};
    const stayMinutes: Partial<Record<SiteType, Bins>> = {};
    const realism: NonNullable<NonNullable<StatsReport["charts"]>["realism"]> = {};
    for (const siteType of SiteTypeSchema.options) {
      const g = this.#bySiteType.get(siteType);
      if (!g) continue;
      // 0–100 kWh in 2 kWh bins and 0–24 h in 15-minute bins, each with an overflow bin.
      energyKwh[siteType] = g.energyKwh.bins(0, 2, 51);
      stayMinutes[siteType] = g.stayMinutes.bins(0, 15, 97);
      const set = references[siteType];
      if (set && g.realism) realism[siteType] = realismCurves(g.realism, set);
    }
    const start = Number.isNaN(this.#loadStart) ? first : this.#loadStart;
    const step = this.#loadStepMs;
    // Mean power over the part of each step the stream covers.
    const hours = Array.from({ length: this.#loadSteps }, (_, i) => {
      const from = Math.max(first, start + i * step);
      const to = Math.min(last, start + (i + 1) * step);
      return (to > from ? to - from : step) / HOUR;
    });
    return {
      energyKwh,
      stayMinutes,
      realism,
      loadCurve: {
        start: new Date(start).toISOString(),
        stepMinutes: step / MINUTE,
        cities: cities.map((c) => `${c.city}, ${c.state}`),
        kw: cities.map((c) => hours.map((h, i) => (c.load[i] ?? 0) / h)),
      },
    };
  }
}

/** Per-port figures of a group or a city, gathered at report time. */
interface PortTotals {
  /** Plugged-in time of sessions still open at the last event. */
  openMs: number;
  ports: number;
  uptimeSum: number;
  uptimeMin: number;
  above97: number;
  outShareSum: number;
}

function newPortTotals(): PortTotals {
  return { openMs: 0, ports: 0, uptimeSum: 0, uptimeMin: Infinity, above97: 0, outShareSum: 0 };
}

/** Adds one port: its open session's plugged-in time, its uptime and its out-of-service time. */
function addPort(
  totals: PortTotals,
  port: { open: number; uptime: number | null; out: number },
  span: number,
): void {
  totals.openMs += port.open;
  if (port.uptime === null) return;
  totals.ports++;
  totals.uptimeSum += port.uptime;
  totals.uptimeMin = Math.min(totals.uptimeMin, port.uptime);
  if (port.uptime > 97) totals.above97++;
  totals.outShareSum += port.out / span;
}

/**
 * A port's uptime in percent by the NEVI formula (23 CFR 680.116(b)), over a
 * span of `span` ms instead of a year: μ = (T − (T_outage − T_excluded)) / T × 100,
 * where the outage is faulted plus maintenance time and the excluded time is
 * the maintenance time, up to 72 h per year of span (California rule). Null
 * for an empty span.
 */
export function neviUptime(span: number, faultedMs: number, maintenanceMs: number): number | null {
  if (!(span > 0)) return null;
  const excluded = Math.min(maintenanceMs, EXCLUDED_MAINTENANCE_PER_YEAR * span / YEAR);
  return (span - (faultedMs + maintenanceMs - excluded)) / span * 100;
}

function utilization(pluggedMs: number, chargers: number, span: number): number | null {
  return chargers > 0 && span > 0 ? pluggedMs / (chargers * span) : null;
}

const ratio = (a: number, b: number) => (b > 0 ? a / b : null);

function summary(h: LogHistogram): Summary {
  return { count: h.count, median: h.quantile(0.5), mean: h.mean, p90: h.quantile(0.9) };
}

function groupStats(g: GroupTotals, ports: PortTotals, span: number): GroupStats {
  const failed = g.rejected + g.endedFailed;
  return {
    chargers: g.chargers,
    sessions: g.sessions,
    sessionsPerChargerPerDay: g.chargers > 0 && span > 0
      ? g.sessions / g.chargers / (span / DAY)
      : null,
    energyKwh: summary(g.energyKwh),
    stayMinutes: summary(g.stayMinutes),
    chargingMinutes: summary(g.chargingMinutes),
    idleShare: ratio(g.idleMinutes, g.connectedMinutes),
    arrivalShareByHour: g.arrivalsByHour.map((n) => (g.sessions > 0 ? n / g.sessions : 0)),
    weekdayShare: ratio(g.weekdayArrivals, g.sessions),
    arrivalSocMedian: g.arrivalSoc.quantile(0.5),
    departureSocMedian: g.departureSoc.quantile(0.5),
    leavingAt80Share: ratio(g.leavingAt80, g.ended),
    timeUtilization: utilization(g.pluggedMs + ports.openMs, g.chargers, span),
    failedAttemptRate: ratio(failed, g.sessions + g.rejected),
    outOfServiceFailureShare: ratio(g.rejectedOutOfService, failed),
    interruptionRate: ratio(g.interruptedSessions, g.sessions),
    outOfServiceShare: ratio(ports.outShareSum, ports.ports),
    uptime: {
      meanPercent: ratio(ports.uptimeSum, ports.ports),
      minPercent: ports.ports > 0 ? ports.uptimeMin : null,
      portsAbove97Share: ratio(ports.above97, ports.ports),
    },
  };
}
