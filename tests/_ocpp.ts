/**
 * Events for the OCPP tests and benchmarks: a small real network (the stations of one city,
 * every port of each station) run by the engine, with faults, interruptions
 * and failed starts made common so that a day shows each of them.
 *
 * @module
 */
import type { SimEvent } from "../core/event.ts";
import type { Network } from "../core/network.ts";
import { Simulation } from "../core/simulation.ts";
import { defaults, regionNetwork } from "../data/mod.ts";
import { DEFAULT_SETTINGS, type Settings } from "../ocpp/settings.ts";
import { stationsOf, type StationSpec } from "../ocpp/station.ts";
import { initialState, type OutCall, type StationState, type Step } from "../ocpp/station_state.ts";

const networks = new Map<string, Network>();

/** The network of `region` (cached). */
export function networkOf(region: string): Network {
  let n = networks.get(region);
  if (!n) networks.set(region, n = regionNetwork(region));
  return n;
}

/** The first `n` stations of `region` (in the network's order): their IDs and a network of them. */
export function firstStations(
  n: number,
  region = "Boulder, CO",
): { ids: string[]; network: Network } {
  const all = networkOf(region);
  const ids = [...new Set(all.chargers.map((c) => c.stationId ?? c.id))].slice(0, n);
  const chargers = all.chargers.filter((c) => ids.includes(c.stationId ?? c.id));
  return { ids, network: { ...all, chargers } };
}

/** Options of {@link simulate}. */
export interface SimulateOptions {
  /** @default {"Boulder, CO"} */
  region?: string;
  /** @default {1} */
  seed?: number;
  /** Simulated hours from 2026-01-05 00:00 UTC. @default {24} */
  hours?: number;
  /** At most this many stations (the first by ID). @default {all} */
  stations?: number;
  /** The default model's rates of faults, interruptions and failed starts (`false`: as they are). @default {true} */
  eventful?: boolean;
}

/** A region's stations and the events of a simulated span of them. */
export function simulate(
  options: SimulateOptions = {},
): { stations: StationSpec[]; events: SimEvent[]; start: number } {
  const network = networkOf(options.region ?? "Boulder, CO");
  let stations = stationsOf(network);
  if (options.stations !== undefined) stations = stations.slice(0, options.stations);
  const ids = new Set(stations.flatMap((s) => s.ports.map((p) => p.chargerId)));
  const chargers = network.chargers.filter((c) => ids.has(c.id));
  const m = defaults.model;
  const model = options.eventful === false ? m : {
    ...m,
    failedStartProbability: 0.15,
    interruption: { ...m.interruption, probability: 0.25 },
    faults: { ...m.faults, perChargerPerDay: { L2: 1, DCFC: 1.5 } },
  };
  const start = Date.UTC(2026, 0, 5);
  const sim = new Simulation({
    seed: options.seed ?? 1,
    start,
    network: { ...network, chargers },
    model,
  });
  const end = start + (options.hours ?? 24) * 3_600_000;
  const events: SimEvent[] = [];
  while (sim.peek() < end) sim.step(events);
  return { stations, events: events.filter((e) => Date.parse(e.time) < end), start };
}

/** The calls of each station's events, built by `step` from the initial state. */
export function buildAll(
  stations: readonly StationSpec[],
  events: readonly SimEvent[],
  step: (spec: StationSpec, state: StationState, settings: Settings, event: SimEvent) => Step,
  settings: Settings = DEFAULT_SETTINGS,
): Map<string, { calls: OutCall[]; state: StationState }> {
  const out = new Map<string, { calls: OutCall[]; state: StationState }>();
  const specs = new Map(stations.map((s) => [s.stationId, s]));
  for (const s of stations) out.set(s.stationId, { calls: [], state: initialState(s) });
  for (const e of events) {
    const spec = specs.get(e.stationId);
    if (!spec) continue;
    const cp = out.get(e.stationId)!;
    const r = step(spec, cp.state, settings, e);
    cp.state = r.state;
    cp.calls.push(...r.calls);
  }
  return out;
}
