/**
 * Runs a load-test scenario: the simulation drives the charge points of a
 * lazy fleet (`ocpp/fleet.ts`) against a central system, phase after phase
 * over wall time, while every call is measured (`recorder.ts`). Which
 * charge points join, in which order, which of them a storm or an outage
 * takes, and when each comes back, all come from the seed: the same
 * scenario and seed do the same thing.
 *
 * @module
 */
import { getLogger } from "@logtape/logtape";
import type { Command, CommandOutcome } from "../core/command.ts";
import { CommandInbox } from "../core/command.ts";
import { systemClock } from "../core/clock.ts";
import { Random } from "../core/random.ts";
import { inShard, type Shard } from "../core/shard.ts";
import { runSimulation } from "../core/run.ts";
import type { Simulation } from "../core/simulation.ts";
import type { ChargePointStats } from "../ocpp/charge_point.ts";
import { getOcppFleet, type OcppFleetOptions } from "../ocpp/fleet.ts";
import { getRpcTransport } from "../ocpp/rpc_transport.ts";
import type { StationSpec } from "../ocpp/station.ts";
import { getRotatingFileSink } from "../sinks/rotating_file.ts";
import { meteredFactory, type MeteredTransport } from "./metered_transport.ts";
import {
  type ActionReport,
  type ConnectionReport,
  type Latency,
  LoadRecorder,
  type PhaseReport,
  type Second,
} from "./recorder.ts";
import { durationOf, kindOf, type Scenario } from "./scenario.ts";

const logger = getLogger(["evsim", "loadtest"]);

/** Options of {@link runLoadTest}. */
export interface LoadTestOptions {
  scenario: Scenario;
  /** The simulation, warmed up and at the test's simulated start. */
  sim: Simulation;
  /**
   * Every station that may take part (of every shard: the choices are made
   * over all of them, so that the shards of a test make the choices of one
   * process together).
   */
  stations: readonly StationSpec[];
  /** The slice of the charge points this process runs (`--shard I/N`). @default {all} */
  shard?: Shard;
  /** The station IDs of a region (an outage's `region`). Needed when a scenario names one. */
  regionStations?: (region: string) => ReadonlySet<string>;
  /** How each charge point connects and behaves (see `app/ocpp.ts` `ocppFleetOptions`). */
  fleet: OcppFleetOptions;
  /** Seeds every choice of the scenario. */
  seed: number;
  /** Stops the test early (the report covers what ran). */
  signal?: AbortSignal;
  /** How long the end waits for the charge points to send what they hold. @default {5000} */
  shutdownTimeoutMs?: number;
  /** Called as each phase begins. */
  onPhase?: (index: number, kind: string) => void;
  /** Where the frame trace goes, if the scenario asks for one: its path resolved. @default {the scenario's `trace.path`} */
  tracePath?: string;
  /**
   * Serves Prometheus metrics at `http://hostname:port/metrics` while the
   * test runs (port 0: any free one); `onListen` gets the address.
   */
  metrics?: { port: number; hostname?: string; onListen?: (url: string) => void };
}

/** What a load test did. */
export interface LoadReport {
  url: string;
  version: string;
  seed: number;
  /** Wall ms from the first phase to the end. */
  durationMs: number;
  /** Whether every phase ran (false: stopped early). */
  completed: boolean;
  /** Events the simulation made, and those of stations not online then (not sent). */
  events: number;
  eventsNotOnline: number;
  /** Every action over the whole test, then each phase. */
  actions: ActionReport[];
  phases: PhaseReport[];
  connections: ConnectionReport;
  /**
   * How late this process's timers fired, sampled every 10 ms: the latency
   * the load generator itself adds to every figure above (keep its p99
   * under a few ms, or shard).
   */
  eventLoopDelay: { latencyMs: Latency; histogram: string };
  /** Every second of the test: calls by outcome, latency, charge points online. */
  timeline: Second[];
  /** What the charge points counted: answers, calls given up, commands from the central system. */
  chargePoints: ChargePointStats & { queued: number };
}

/** How often the number of charge points online is noted. */
const TICK_MS = 250;
/** How often a ramp adds charge points: a few at a time, not bursts. */
const RAMP_TICK_MS = 50;
/** How often the event loop's delay is sampled. */
const LAG_EVERY_MS = 10;

/** Runs `scenario`; resolves with the report once every phase ran (or `signal` stopped it). */
export async function runLoadTest(options: LoadTestOptions): Promise<LoadReport> {
  const { scenario, sim, signal } = options;
  const began = performance.now();
  const recorder = new LoadRecorder(() => performance.now() - began);
  const order = takingPart(scenario, options.stations.map((s) => s.stationId), options.seed);
  const { shard } = options;
  const mine = (id: string) => !shard || inShard(id, shard);
  const ramps = scenario.phases.flatMap((p) => ("ramp" in p ? [p.ramp] : []));
  // The commands of the central system go to the inbox of the phase running.
  let inbox = new CommandInbox();
  const commands = { send: (c: Command): Promise<CommandOutcome> => inbox.send(c) };
  const transports = new Map<string, MeteredTransport>();
  const trace = scenario.trace && frameTrace(options.tracePath ?? scenario.trace.path, {
    maxBytes: scenario.trace.maxMegabytes * 1024 * 1024,
    backups: scenario.trace.backups,
  });
  const metered = meteredFactory(options.fleet.transport ?? getRpcTransport, recorder, transports);
  const fleet = getOcppFleet(options.stations.filter((s) => mine(s.stationId)), {
    ...options.fleet,
    commands,
    lazy: true,
    transport: trace
      ? (o) => {
        const transport = metered(o);
        transport.onFrame((text, outbound) => trace.frame(o.identity, text, outbound));
        return transport;
      }
      : metered,
  });
  const identity = (id: string) => options.fleet.identity?.(id) ?? id;
  /** Charge points online, of every shard: the first of `order`. */
  let online = 0;
  const joinUpTo = async (n: number) => {
    const next = order.slice(online, n).filter(mine);
    online = Math.max(online, Math.min(n, order.length));
    for (const id of next) recorder.joined(identity(id));
    await fleet.join(next);
  };
  /**
   * A share of the charge points online (of every shard), the same in one
   * process or across shards: those of the lowest ranks phase `index` draws
   * for each station; then those of this shard, with each one's own stream.
   */
  const pick = (share: number, index: number, among?: ReadonlySet<string>) => {
    const rank = (id: string) => Random.stream(options.seed, `pick ${index} ${id}`).next();
    const ranked = order.slice(0, online).filter((id) => !among || among.has(id))
      .map((id) => ({ id, rank: rank(id) }));
    ranked.sort((a, b) => a.rank - b.rank);
    return ranked.slice(0, Math.round(ranked.length * share)).flatMap(({ id }) => {
      const cp = fleet.chargePoints.get(id);
      if (!cp || !mine(id)) return [];
      return [{ id, cp, random: Random.stream(options.seed, `phase ${index} ${id}`) }];
    });
  };

  let events = 0;
  const sink = Object.assign((event: Parameters<typeof fleet>[0]) => {
    events++;
    fleet(event);
  }, { flush: () => Promise.resolve() });

  let speed = scenario.speed;
  let completed = true;
  const drops: Promise<void>[] = [];
  /** Ends the chaos of the phase running, if any. */
  let calm = () => {};
  // prom-client loads only for a test that serves metrics.
  const metrics = options.metrics && await (async () => {
    const { loadTestRegistry } = await import("./metrics.ts");
    const { serveMetrics } = await import("../sinks/metrics.ts");
    const server = serveMetrics(loadTestRegistry(recorder), options.metrics);
    options.metrics!.onListen?.(server.url);
    return server;
  })();
  const sampler = setInterval(() => recorder.sample(), TICK_MS);
  let due = performance.now() + LAG_EVERY_MS;
  const lagMeter = setInterval(() => {
    const now = performance.now();
    recorder.lag(Math.max(0, now - due));
    due = now + LAG_EVERY_MS;
  }, LAG_EVERY_MS);
  // Each phase ends at the simulated time the scenario says: the same in every shard.
  let simAt = sim.now;
  try {
    for (const [index, phase] of scenario.phases.entries()) {
      if (signal?.aborted) {
        completed = false;
        break;
      }
      const kind = kindOf(phase);
      options.onPhase?.(index, kind);
      logger.info("Phase {index} {kind}: {phase}", {
        index: index + 1,
        kind,
        phase: JSON.stringify(Object.values(phase)[0]),
      });
      recorder.beginPhase(kind, simAt);
      // Online from the start: the first ramp's `from`, or all of them without a ramp.
      if (index === 0) await joinUpTo(ramps.length > 0 ? ramps[0].from : order.length);
      if ("steady" in phase && phase.steady.speed !== undefined) speed = phase.steady.speed;
      const ms = durationOf(phase);
      const phaseStart = performance.now();
      inbox = new CommandInbox();
      const end = simAt + ms * speed;
      const simulated = runSimulation(sim, sink, {
        end,
        anchor: { wallMs: systemClock.now(), simMs: simAt },
        speed,
        signal,
        commands: inbox,
      });
      if ("ramp" in phase) {
        const { from, to, over } = phase.ramp;
        await joinUpTo(from);
        while (!signal?.aborted) {
          const done = Math.min(1, (performance.now() - phaseStart) / over);
          await joinUpTo(Math.round(from + (to - from) * done));
          if (done >= 1) break;
          await sleep(Math.min(RAMP_TICK_MS, over), signal);
        }
      } else if ("reconnectStorm" in phase) {
        const { share, within } = phase.reconnectStorm;
        for (const { id, cp, random } of pick(share, index)) {
          recorder.acted(identity(id));
          drops.push(cp.dropConnection(random.uniform(0, within)));
        }
      } else if ("chaos" in phase) {
        const c = phase.chaos;
        let end = () => {};
        const over = new Promise<void>((resolve) => end = resolve);
        const chosen = pick(c.share, index).flatMap(({ id, cp, random }) => {
          const transport = transports.get(identity(id));
          return transport ? [{ id: identity(id), cp, transport, random }] : [];
        });
        for (const { id, transport, random } of chosen) {
          recorder.acted(id);
          transport.chaos = {
            latencyMs: c.latency,
            duplicate: c.duplicate,
            clockSkewMs: c.clockSkew,
            unresponsive: c.unresponsive,
            halfOpen: c.halfOpen,
            random,
            over,
          };
          if (c.halfOpen) transport.stall(true);
        }
        logger.info("Chaos on {n} charge points for {ms} ms", { n: chosen.length, ms });
        calm = () => {
          for (const { transport } of chosen) transport.chaos = undefined;
          // A half-open link found dead: each connects again, then sends what waited.
          if (c.halfOpen) {
            drops.push(Promise.all(chosen.map(({ cp }) => cp.dropConnection(0))).then(end));
          } else end();
          calm = () => {};
        };
      } else if ("alignedBurst" in phase) {
        const every = phase.alignedBurst.every;
        const before = new Map(
          [...fleet.chargePoints].map(([id, cp]) => [id, cp.settings.alignedIntervalSec]),
        );
        for (const cp of fleet.chargePoints.values()) cp.configure({ alignedIntervalSec: every });
        calm = () => {
          for (const [id, cp] of fleet.chargePoints) {
            cp.configure({ alignedIntervalSec: before.get(id) ?? 0 });
          }
          calm = () => {};
        };
      } else if ("offline" in phase) {
        const { share } = phase.offline;
        for (const { id, cp } of pick(share, index)) {
          recorder.acted(identity(id));
          drops.push(cp.dropConnection(ms));
        }
      } else if ("outage" in phase) {
        const among = phase.outage.region === undefined
          ? undefined
          : options.regionStations!(phase.outage.region);
        for (const { id, cp } of pick(phase.outage.share, index, among)) {
          recorder.acted(identity(id));
          drops.push(cp.powerCut(ms));
        }
      }
      if (await simulated === "stopped") completed = false;
      else {
        // The simulation ends the phase at its last event before `end`: the phase lasts its time.
        await sleep(phaseStart + ms - performance.now(), signal);
        if (signal?.aborted) completed = false;
        simAt = end;
      }
      calm();
    }
  } finally {
    calm();
    clearInterval(sampler);
    clearInterval(lagMeter);
    recorder.finish(completed ? simAt : sim.now);
    const late = new AbortController();
    await Promise.race([
      Promise.all(drops).then(() => fleet.idle()),
      sleep(options.shutdownTimeoutMs ?? 5000, late.signal),
    ]);
    late.abort();
    await fleet[Symbol.asyncDispose]();
    await metrics?.[Symbol.asyncDispose]();
    await trace?.[Symbol.asyncDispose]();
  }
  const { chargePoints: _, accepted: __, ...totals } = fleet.totals();
  return {
    url: options.fleet.url,
    version: options.fleet.version,
    seed: options.seed,
    durationMs: Math.round(performance.now() - began),
    completed,
    events,
    eventsNotOnline: fleet.unknownStations,
    actions: recorder.actions(),
    phases: recorder.phases(),
    connections: recorder.connections(),
    eventLoopDelay: recorder.eventLoopDelay(),
    timeline: recorder.timeline(),
    chargePoints: totals,
  };
}

/**
 * The frame trace: a JSON line per frame (`time`, `identity`, `direction`
 * `sent` or `received`, and the `frame` itself, as text when it is not
 * JSON) in a rotating file. A write that fails is logged once, and the
 * test goes on.
 */
function frameTrace(path: string, options: { maxBytes: number; backups: number }) {
  const file = getRotatingFileSink(path, options);
  let failed = false;
  const fail = (error: unknown) => {
    if (failed) return;
    failed = true;
    logger.error("Frame trace {path}: {error}", { path, error: (error as Error).message });
  };
  return {
    frame(identity: string, text: string, outbound: boolean) {
      let frame: unknown = text;
      try {
        frame = JSON.parse(text);
      } catch {
        // a malformed frame is traced as its text
      }
      const line = {
        time: new Date().toISOString(),
        identity,
        direction: outbound ? "sent" : "received",
        frame,
      };
      // The rotating file sink writes any record as a JSON line.
      const written = file(line as unknown as Parameters<typeof file>[0]);
      if (written) written.catch(fail);
    },
    async [Symbol.asyncDispose]() {
      await Promise.resolve(file[Symbol.asyncDispose]()).catch(fail);
    },
  };
}

/**
 * The stations that take part in `scenario`, in the order they join: as
 * many as it ever has online (the largest ramp's `to`, or `chargePoints`),
 * drawn from `stationIds` by the test's `seed`. A test need simulate only these.
 */
export function takingPart(
  scenario: Scenario,
  stationIds: readonly string[],
  seed: number,
): string[] {
  const ramps = scenario.phases.flatMap((p) => ("ramp" in p ? [p.ramp.to] : []));
  const most = ramps.length > 0 ? Math.max(...ramps) : scenario.chargePoints ?? stationIds.length;
  return shuffled(stationIds, Random.stream(seed, "loadtest")).slice(0, most);
}

/** `items` in an order drawn from `random` (Fisher–Yates). */
function shuffled<T>(items: readonly T[], random: Random): T[] {
  const out = items.slice();
  for (let i = out.length - 1; i > 0; i--) {
    const j = random.int(0, i);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/** Waits `ms` unless `signal` aborts first. */
function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}
