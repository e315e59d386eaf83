/**
 * What a load test measured: for each OCPP action the charge points sent,
 * over the run and per phase, how many, how they were answered (results,
 * CALLERRORs by code, timeouts, calls lost with the connection) and the
 * latency from sending to the answer, in HDR histograms
 * ([hdr-histogram-js](https://www.npmjs.com/package/hdr-histogram-js): 3
 * significant digits, microseconds); and the connections: connects,
 * reconnects, drops, the time from joining to an accepted boot, and how many
 * charge points were online over time.
 *
 * @module
 */
import * as hdr from "hdr-histogram-js";

/** How a call ended. */
export type CallOutcome =
  | { type: "result" }
  | { type: "callError"; code: string }
  | { type: "timeout" }
  /** The connection was not open, or dropped with the call in flight. */
  | { type: "lost" };

/** The latency of some calls, ms. */
export interface Latency {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

/** What the calls of one action did. */
export interface ActionReport {
  action: string;
  calls: number;
  results: number;
  callErrors: Record<string, number>;
  timeouts: number;
  lost: number;
  /** From sending to the answer (results and CALLERRORs). */
  latencyMs: Latency;
  /** The latency histogram, compressed (HDR, base64), for merging reports. */
  histogram: string;
}

/** A phase as run. */
export interface PhaseReport {
  index: number;
  kind: string;
  /** Wall ms from the start of the test. */
  startMs: number;
  endMs: number;
  /** Simulated time the phase covered, ISO. */
  simFrom: string;
  simTo: string;
  /** The charge points it acted on (those that joined in a ramp, dropped in a storm), in order. */
  chargePoints: string[];
  /** What chaos did, by act: calls `delayed`, `duplicated`, `skewed`; central system calls `held`. */
  chaos: Record<string, number>;
  /** How late this process's timers fired during the phase (see `LoadRecorder.lag`). */
  eventLoopDelayMs: Latency;
  actions: ActionReport[];
}

/**
 * One second of wall time: the calls that ended in it, by outcome, their
 * latency in {@link TIMELINE_BUCKETS_MS} buckets, and the charge points
 * online at its end.
 */
export interface Second {
  /** Seconds since the start of the test. */
  second: number;
  results: number;
  callErrors: number;
  timeouts: number;
  lost: number;
  /** Calls answered in each latency bucket (trailing empty buckets left out). */
  latency: number[];
  online: number;
}

/**
 * The upper bounds of the timeline's latency buckets, ms: from 0.25 ms,
 * doubling every two buckets (a factor of √2), to about 3 minutes; the last
 * holds everything above.
 */
export const TIMELINE_BUCKETS_MS: readonly number[] = Array.from(
  { length: 40 },
  (_, k) => 0.25 * 2 ** (k / 2),
);

/** The bucket of a latency of `ms`. */
function bucketOf(ms: number): number {
  const k = Math.ceil(2 * Math.log2(Math.max(ms, 0.25) / 0.25));
  return Math.min(TIMELINE_BUCKETS_MS.length - 1, Math.max(0, k));
}

/** The `p`-th percentile (0–100) of a second's latency buckets, ms (the bucket's bound); 0 if none. */
export function percentileOf(latency: readonly number[], p: number): number {
  const total = latency.reduce((a, b) => a + b, 0);
  if (total === 0) return 0;
  let seen = 0;
  for (const [k, n] of latency.entries()) {
    seen += n;
    if (seen >= (p / 100) * total) return TIMELINE_BUCKETS_MS[k];
  }
  return TIMELINE_BUCKETS_MS.at(-1)!;
}

/** The connections of a test. */
export interface ConnectionReport {
  /** Charge points that joined. */
  joined: number;
  /** Connections opened, and of those the ones after a drop. */
  connects: number;
  reconnects: number;
  /** Connections that dropped. */
  disconnects: number;
  /** From joining to the first accepted BootNotification. */
  bootMs: Latency;
  /** Its histogram, compressed (HDR, base64). */
  bootHistogram: string;
  /** Charge points whose boot was accepted. */
  booted: number;
  /** Charge points online (connected), sampled: `[wall ms since the start, count]`. */
  online: [number, number][];
}

const histogram = () =>
  hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 3_600_000_000,
    numberOfSignificantValueDigits: 3,
  });
type Histogram = ReturnType<typeof histogram>;

interface ActionStats {
  calls: number;
  results: number;
  callErrors: Record<string, number>;
  timeouts: number;
  lost: number;
  latency: Histogram;
}

const newStats = (): ActionStats => ({
  calls: 0,
  results: 0,
  callErrors: {},
  timeouts: 0,
  lost: 0,
  latency: histogram(),
});

/** The latency of `h` (µs inside) in ms. */
export function latencyOf(h: Histogram): Latency {
  const ms = (us: number) => Math.round(us) / 1000;
  // A percentile is its bucket's highest value: never above the largest recorded.
  const at = (p: number) => ms(Math.min(h.getValueAtPercentile(p), h.maxValue));
  return {
    count: h.totalCount,
    p50: at(50),
    p90: at(90),
    p99: at(99),
    max: ms(h.maxValue),
    mean: h.totalCount === 0 ? 0 : ms(h.mean),
  };
}

/** Records a load test as it runs; `now()` is wall ms since its start. */
export class LoadRecorder {
  readonly #now: () => number;
  readonly #total = new Map<string, ActionStats>();
  readonly #phases: {
    kind: string;
    startMs: number;
    simFrom: number;
    chargePoints: string[];
    chaos: Record<string, number>;
    lag: Histogram;
    actions: Map<string, ActionStats>;
  }[] = [];
  readonly #phaseEnds: { endMs: number; simTo: number }[] = [];
  readonly #joinedAt = new Map<string, number>();
  readonly #booted = new Set<string>();
  readonly #boot = histogram();
  readonly #lag = histogram();
  readonly #online = new Set<string>();
  readonly #samples: [number, number][] = [];
  readonly #seconds: Second[] = [];
  #finished = false;
  /** Told of every call as it ends (Prometheus metrics observe so). */
  onCall?: (action: string, outcome: CallOutcome, ms: number) => void;
  connects = 0;
  reconnects = 0;
  disconnects = 0;

  constructor(now: () => number = () => performance.now()) {
    this.#now = now;
  }

  /** Wall ms since the start. */
  now(): number {
    return this.#now();
  }

  /** A phase begins (the previous one ends) at simulated `simMs`. */
  beginPhase(kind: string, simMs: number): void {
    this.#endPhase(simMs);
    this.#phases.push({
      kind,
      startMs: this.#now(),
      simFrom: simMs,
      chargePoints: [],
      chaos: {},
      lag: histogram(),
      actions: new Map(),
    });
  }

  #endPhase(simMs: number): void {
    if (this.#phaseEnds.length < this.#phases.length) {
      this.#phaseEnds.push({ endMs: this.#now(), simTo: simMs });
    }
  }

  /** The last phase ended at simulated `simMs`. */
  finish(simMs: number): void {
    this.#endPhase(simMs);
    this.sample();
    this.#finished = true;
  }

  /** Charge point `identity` joined the test now. */
  joined(identity: string): void {
    if (this.#joinedAt.has(identity)) return;
    this.#joinedAt.set(identity, this.#now());
    this.acted(identity);
  }

  /** Chaos did `act` once (logged by the phase, counted here). */
  chaos(act: string): void {
    const phase = this.#phases.at(-1);
    if (phase) phase.chaos[act] = (phase.chaos[act] ?? 0) + 1;
  }

  /** The phase running acted on charge point `identity` (a storm dropped it). */
  acted(identity: string): void {
    this.#phases.at(-1)?.chargePoints.push(identity);
  }

  /** Its connection opened (`reconnect`: again, after a drop). */
  opened(identity: string, reconnect: boolean): void {
    this.connects++;
    if (reconnect) this.reconnects++;
    this.#online.add(identity);
  }

  /** Its connection dropped or closed (once the test is over: closed at its end, not counted). */
  closed(identity: string): void {
    if (this.#online.delete(identity) && !this.#finished) this.disconnects++;
  }

  /**
   * A timer of this process fired `ms` late: how long the event loop was
   * busy. Latency measured here includes it, so its p99 says how much a
   * loaded load generator adds to what it measures.
   */
  lag(ms: number): void {
    const us = Math.max(1, Math.round(ms * 1000));
    this.#lag.recordValue(us);
    this.#phases.at(-1)?.lag.recordValue(us);
  }

  /** How late this process's timers fired (see {@link lag}). */
  eventLoopDelay(): { latencyMs: Latency; histogram: string } {
    return {
      latencyMs: latencyOf(this.#lag),
      histogram: hdr.encodeIntoCompressedBase64(this.#lag),
    };
  }

  /** Charge points online now. */
  get online(): number {
    return this.#online.size;
  }

  /** The phase running: its index and kind (index -1 before the first). */
  get phase(): { index: number; kind: string } {
    return { index: this.#phases.length - 1, kind: this.#phases.at(-1)?.kind ?? "" };
  }

  /** Calls so far by action and how they ended: `result`, `callError`, `timeout`, `lost`. */
  callCounts(): { action: string; outcome: string; count: number }[] {
    return [...this.#total].flatMap(([action, s]) => [
      { action, outcome: "result", count: s.results },
      {
        action,
        outcome: "callError",
        count: Object.values(s.callErrors).reduce((a, b) => a + b, 0),
      },
      { action, outcome: "timeout", count: s.timeouts },
      { action, outcome: "lost", count: s.lost },
    ]);
  }

  /** Notes how many are online now. */
  sample(): void {
    this.#samples.push([Math.round(this.#now()), this.#online.size]);
    this.#second().online = this.#online.size;
  }

  /** The second of the timeline now (the seconds before it made, empty, if need be). */
  #second(): Second {
    const now = Math.floor(this.#now() / 1000);
    while (this.#seconds.length <= now) {
      const second = this.#seconds.length;
      this.#seconds.push({
        second,
        results: 0,
        callErrors: 0,
        timeouts: 0,
        lost: 0,
        latency: [],
        online: this.#online.size,
      });
    }
    return this.#seconds[now];
  }

  /** The timeline so far, a second at a time. */
  timeline(): Second[] {
    return this.#seconds.map((s) => ({ ...s, latency: s.latency.slice() }));
  }

  /** A call of `action` by `identity` sent `ms` ago ended with `outcome`. */
  call(identity: string, action: string, outcome: CallOutcome, ms: number, answer?: unknown): void {
    this.onCall?.(action, outcome, ms);
    const second = this.#second();
    if (outcome.type === "result" || outcome.type === "callError") {
      const k = bucketOf(ms);
      while (second.latency.length <= k) second.latency.push(0);
      second.latency[k]++;
    }
    if (outcome.type === "result") second.results++;
    else if (outcome.type === "callError") second.callErrors++;
    else if (outcome.type === "timeout") second.timeouts++;
    else second.lost++;
    const phase = this.#phases.at(-1)?.actions;
    let inPhase = phase?.get(action);
    if (phase && !inPhase) phase.set(action, inPhase = newStats());
    let total = this.#total.get(action);
    if (!total) this.#total.set(action, total = newStats());
    for (const s of inPhase ? [total, inPhase] : [total]) {
      s.calls++;
      if (outcome.type === "result") s.results++;
      else if (outcome.type === "callError") {
        s.callErrors[outcome.code] = (s.callErrors[outcome.code] ?? 0) + 1;
      } else if (outcome.type === "timeout") s.timeouts++;
      else s.lost++;
      if (outcome.type === "result" || outcome.type === "callError") {
        s.latency.recordValue(Math.max(1, Math.round(ms * 1000)));
      }
    }
    const status = (answer as { status?: unknown } | undefined)?.status;
    if (action === "BootNotification" && status === "Accepted" && !this.#booted.has(identity)) {
      this.#booted.add(identity);
      const joined = this.#joinedAt.get(identity);
      if (joined !== undefined) {
        this.#boot.recordValue(Math.max(1, Math.round((this.#now() - joined) * 1000)));
      }
    }
  }

  /** Every action over the whole test. */
  actions(): ActionReport[] {
    return reportOf(this.#total);
  }

  phases(): PhaseReport[] {
    return this.#phases.map((p, index) => ({
      index,
      kind: p.kind,
      startMs: Math.round(p.startMs),
      endMs: Math.round(this.#phaseEnds[index]?.endMs ?? this.#now()),
      simFrom: new Date(p.simFrom).toISOString(),
      simTo: new Date(this.#phaseEnds[index]?.simTo ?? p.simFrom).toISOString(),
      chargePoints: p.chargePoints.slice(),
      chaos: { ...p.chaos },
      eventLoopDelayMs: latencyOf(p.lag),
      actions: reportOf(p.actions),
    }));
  }

  connections(): ConnectionReport {
    return {
      joined: this.#joinedAt.size,
      connects: this.connects,
      reconnects: this.reconnects,
      disconnects: this.disconnects,
      bootMs: latencyOf(this.#boot),
      bootHistogram: hdr.encodeIntoCompressedBase64(this.#boot),
      booted: this.#booted.size,
      online: this.#samples.slice(),
    };
  }
}

function reportOf(stats: Map<string, ActionStats>): ActionReport[] {
  return [...stats].sort(([a], [b]) => a.localeCompare(b)).map(([action, s]) => ({
    action,
    calls: s.calls,
    results: s.results,
    callErrors: { ...s.callErrors },
    timeouts: s.timeouts,
    lost: s.lost,
    latencyMs: latencyOf(s.latency),
    histogram: hdr.encodeIntoCompressedBase64(s.latency),
  }));
}
