/**
 * The reports of the shards of one load test (`evsim loadtest FILE --shard
 * I/N`, one per process or machine) merged into the report of the whole
 * (`evsim loadtest merge A.json B.json …`): counts add up, latency
 * histograms merge (so percentiles are those of every call, not averages
 * of percentiles), each phase's charge points join, and the number online
 * is summed over time.
 *
 * @module
 */
import * as hdr from "hdr-histogram-js";
import * as v from "valibot";
import { ConfigError, parseWith } from "../core/errors.ts";
import { addChargePointStats, newChargePointStats } from "../ocpp/charge_point.ts";
import { type ActionReport, latencyOf, type PhaseReport, type Second } from "./recorder.ts";
import type { LoadReport } from "./run.ts";

const Count = v.pipe(v.number(), v.integer(), v.minValue(0));
const Counts = v.record(v.string(), Count);
const ActionSchema = v.looseObject({
  action: v.string(),
  calls: Count,
  results: Count,
  callErrors: Counts,
  timeouts: Count,
  lost: Count,
  histogram: v.string(),
});

/**
 * What a report must hold to be merged (`--json` of `evsim loadtest`): its
 * test, its counts and its histograms.
 */
export const LoadReportSchema = v.looseObject({
  url: v.string(),
  version: v.string(),
  seed: v.number(),
  durationMs: v.number(),
  completed: v.boolean(),
  events: Count,
  eventsNotOnline: Count,
  actions: v.array(ActionSchema),
  phases: v.array(v.looseObject({
    index: Count,
    kind: v.string(),
    startMs: v.number(),
    endMs: v.number(),
    simFrom: v.string(),
    simTo: v.string(),
    chargePoints: v.array(v.string()),
    chaos: Counts,
    actions: v.array(ActionSchema),
  })),
  connections: v.looseObject({
    joined: Count,
    connects: Count,
    reconnects: Count,
    disconnects: Count,
    booted: Count,
    bootHistogram: v.string(),
    online: v.array(v.tuple([v.number(), Count])),
  }),
  eventLoopDelay: v.optional(v.looseObject({ histogram: v.string() })),
  timeline: v.optional(
    v.array(v.looseObject({
      second: Count,
      results: Count,
      callErrors: Count,
      timeouts: Count,
      lost: Count,
      latency: v.array(Count),
      online: Count,
    })),
    [],
  ),
  chargePoints: v.looseObject({ queued: Count }),
});

/** `value` as a report, or a `ConfigError` naming `where` and the field. */
export function parseReport(value: unknown, where: string): LoadReport {
  return parseWith(LoadReportSchema, value, where) as unknown as LoadReport;
}

/** The sampling interval of `online`, ms: samples of the shards are summed per interval. */
const ONLINE_BUCKET_MS = 250;

/** One report of the reports of the shards of a test; a `ConfigError` if they are not of one test. */
export function mergeReports(reports: readonly LoadReport[]): LoadReport {
  if (reports.length === 0) throw new ConfigError("loadtest merge: expected at least one report");
  const [first] = reports;
  for (const [i, r] of reports.entries()) {
    const same = r.url === first.url && r.version === first.version && r.seed === first.seed &&
      r.phases.map((p) => p.kind).join() === first.phases.map((p) => p.kind).join();
    if (!same) {
      throw new ConfigError(
        `loadtest merge: report ${i + 1} is of another test (central system, version, seed or ` +
          "phases differ from the first)",
      );
    }
  }
  const chargePoints = { ...newChargePointStats(), queued: 0 };
  for (const r of reports) {
    addChargePointStats(chargePoints, r.chargePoints);
    chargePoints.queued += r.chargePoints.queued;
  }
  const sum = (f: (r: LoadReport) => number) => reports.reduce((s, r) => s + f(r), 0);
  const boot = merged(reports.map((r) => r.connections.bootHistogram));
  return {
    url: first.url,
    version: first.version,
    seed: first.seed,
    durationMs: Math.max(...reports.map((r) => r.durationMs)),
    completed: reports.every((r) => r.completed),
    events: sum((r) => r.events),
    eventsNotOnline: sum((r) => r.eventsNotOnline),
    actions: mergeActions(reports.map((r) => r.actions)),
    phases: first.phases.map((p, i) => mergePhases(reports.map((r) => r.phases[i] ?? p))),
    connections: {
      joined: sum((r) => r.connections.joined),
      connects: sum((r) => r.connections.connects),
      reconnects: sum((r) => r.connections.reconnects),
      disconnects: sum((r) => r.connections.disconnects),
      booted: sum((r) => r.connections.booted),
      bootMs: latencyOf(boot),
      bootHistogram: hdr.encodeIntoCompressedBase64(boot),
      online: mergeOnline(reports.map((r) => r.connections.online)),
    },
    // Every shard's process's delays together.
    eventLoopDelay: (() => {
      const all = merged(
        reports.flatMap((r) => r.eventLoopDelay ? [r.eventLoopDelay.histogram] : []),
      );
      return { latencyMs: latencyOf(all), histogram: hdr.encodeIntoCompressedBase64(all) };
    })(),
    timeline: mergeTimeline(reports.map((r) => r.timeline)),
    chargePoints,
  };
}

/** The histograms (compressed) added up. */
function merged(histograms: readonly string[]) {
  const all = hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 3_600_000_000,
    numberOfSignificantValueDigits: 3,
  });
  for (const h of histograms) all.add(hdr.decodeFromCompressedBase64(h));
  return all;
}

function mergeActions(lists: readonly (readonly ActionReport[])[]): ActionReport[] {
  const by = new Map<string, ActionReport[]>();
  for (const a of lists.flat()) by.set(a.action, [...by.get(a.action) ?? [], a]);
  return [...by].sort(([a], [b]) => a.localeCompare(b)).map(([action, parts]) => {
    const callErrors: Record<string, number> = {};
    for (const p of parts) {
      for (const [code, n] of Object.entries(p.callErrors)) {
        callErrors[code] = (callErrors[code] ?? 0) + n;
      }
    }
    const latency = merged(parts.map((p) => p.histogram));
    const total = (f: (a: ActionReport) => number) => parts.reduce((s, p) => s + f(p), 0);
    return {
      action,
      calls: total((p) => p.calls),
      results: total((p) => p.results),
      callErrors,
      timeouts: total((p) => p.timeouts),
      lost: total((p) => p.lost),
      latencyMs: latencyOf(latency),
      histogram: hdr.encodeIntoCompressedBase64(latency),
    };
  });
}

function mergePhases(parts: readonly PhaseReport[]): PhaseReport {
  const chaos: Record<string, number> = {};
  for (const p of parts) {
    for (const [act, n] of Object.entries(p.chaos)) chaos[act] = (chaos[act] ?? 0) + n;
  }
  return {
    index: parts[0].index,
    kind: parts[0].kind,
    startMs: Math.min(...parts.map((p) => p.startMs)),
    endMs: Math.max(...parts.map((p) => p.endMs)),
    simFrom: parts.map((p) => p.simFrom).sort()[0],
    simTo: parts.map((p) => p.simTo).sort().at(-1)!,
    chargePoints: parts.flatMap((p) => p.chargePoints).sort(),
    chaos,
    // The worst shard's: percentiles of percentiles do not add up.
    eventLoopDelayMs: parts.map((p) => p.eventLoopDelayMs).filter((l) => l !== undefined)
      .reduce((a, b) => (b.p99 > a.p99 ? b : a)),
    actions: mergeActions(parts.map((p) => p.actions)),
  };
}

/** The timelines of the shards added up, second by second. */
function mergeTimeline(timelines: readonly (readonly Second[])[]): Second[] {
  const out: Second[] = [];
  for (const timeline of timelines) {
    for (const s of timeline) {
      while (out.length <= s.second) {
        out.push({
          second: out.length,
          results: 0,
          callErrors: 0,
          timeouts: 0,
          lost: 0,
          latency: [],
          online: 0,
        });
      }
      const into = out[s.second];
      into.results += s.results;
      into.callErrors += s.callErrors;
      into.timeouts += s.timeouts;
      into.lost += s.lost;
      into.online += s.online;
      s.latency.forEach((n, k) => into.latency[k] = (into.latency[k] ?? 0) + n);
    }
  }
  return out;
}

/**
 * The online counts of the shards summed per interval: in each, every
 * shard counts as its latest sample so far (0 before its first).
 */
function mergeOnline(series: readonly (readonly [number, number][])[]): [number, number][] {
  const bucket = (t: number) => Math.round(t / ONLINE_BUCKET_MS);
  const times = [...new Set(series.flatMap((s) => s.map(([t]) => bucket(t))))].sort((a, b) =>
    a - b
  );
  const out: [number, number][] = times.map((b) => [b * ONLINE_BUCKET_MS, 0]);
  for (const s of series) {
    let i = 0;
    let last = 0;
    for (const row of out) {
      while (i < s.length && bucket(s[i][0]) <= row[0] / ONLINE_BUCKET_MS) last = s[i++][1];
      row[1] += last;
    }
  }
  return out;
}
