/**
 * Every station of a network as a charge point of one central system, fed by
 * evsim's events: a sink (see `core/sink.ts`) that hands each event to its
 * station's charge point. The command line's `--ocpp URL` builds on it.
 *
 * @module
 */
import { getLogger, type Logger } from "@logtape/logtape";
import type { DisposableSink } from "../core/sink.ts";
import {
  addChargePointStats,
  ChargePoint,
  type ChargePointOptions,
  type ChargePointStats,
  newChargePointStats,
} from "./charge_point.ts";
import { withCertificateRenewal } from "./renewable_transport.ts";
import { getRpcTransport } from "./rpc_transport.ts";
import type { Settings } from "./settings.ts";
import type { StationSpec } from "./station.ts";
import type { PortStart } from "./station_state.ts";
import type { SavedChargePoint } from "./saved.ts";
import type { OcppVersion, TransportFactory } from "./transport.ts";

/** Options of {@link getOcppFleet}. */
export interface OcppFleetOptions {
  /** The central system's URL; each charge point connects to `url/stationId`. */
  url: string;
  version: OcppVersion;
  /** Checks what is sent and received against the schemas. @default {true} */
  strict?: boolean;
  /**
   * Makes each charge point's transport.
   * @default {getRpcTransport, taking up a certificate the central system signed at the next connection}
   */
  transport?: TransportFactory;
  /** The identity a station connects as. @default {its station ID} */
  identity?: (stationId: string) => string;
  /** How a port (by charger ID) is at the start: plugged in, out of service. @default {idle} */
  portStart?: (chargerId: string) => PortStart | undefined;
  /** The charge points as an earlier run saved them, by station ID: each goes on from there. @default {none} */
  saved?: ReadonlyMap<string, SavedChargePoint>;
  /** Certificates (PEM) to trust for `wss://`. @default {the system's} */
  ca?: string;
  /** The Basic auth password of a charge point, if any. @default {none} */
  password?: (stationId: string) => string | undefined;
  /** A charge point's client certificate and key (PEM), if any (mutual TLS). @default {none} */
  clientCert?: (stationId: string) => { cert: string; key: string } | undefined;
  /** Settings every charge point starts from. @default {DEFAULT_SETTINGS} */
  settings?: Partial<Settings>;
  /** Simulated time at the start, epoch ms. @default {the first event's} */
  start?: number;
  /** Simulated time now, epoch ms. @default {the latest event's} */
  now?: () => number;
  /** Calls each charge point's outbox holds. @default {10000} */
  outboxLimit?: number;
  /** How long a call waits for its answer. @default {30000} */
  callTimeoutMs?: number;
  /** Reconnect delays. @default {{ initialMs: 1000, maxMs: 30000 }} */
  backoff?: { initialMs: number; maxMs: number };
  /** WebSocket ping interval; 0 for none. @default {30000} */
  pingIntervalMs?: number;
  /** Seconds before booting again when the boot fails without an interval. @default {30} */
  bootRetrySec?: number;
  /** Charge points connecting at once while starting. @default {100} */
  connectConcurrency?: number;
  /** Where the central system's commands go into the simulation (see `ChargePointOptions.commands`). @default {none: open loop} */
  commands?: ChargePointOptions["commands"];
  /**
   * Charge points only for the stations that {@link OcppFleet.join} names,
   * each made (its ports as `portStart` says then) and started when it
   * joins; the events of the others are dropped. A load test ramps up so.
   * @default {false: every station's, started by `start()`}
   */
  lazy?: boolean;
  logger?: Logger;
}

/** The charge points of a network, as one sink. */
export interface OcppFleet extends DisposableSink {
  /** Connects every charge point (a few at a time); resolves once each has tried. */
  start(): Promise<void>;
  /**
   * A lazy fleet: makes and starts the charge points of `stationIds` (those
   * not yet in it); resolves once each has tried to connect.
   */
  join(stationIds: readonly string[]): Promise<void>;
  /** Resolves once every charge point is booted and has sent or given up everything so far. */
  idle(): Promise<void>;
  readonly chargePoints: ReadonlyMap<string, ChargePoint>;
  /** Events whose station is not one of the fleet's (a lazy fleet: not joined yet). */
  readonly unknownStations: number;
  /** The charge points' counters, added up. */
  totals(): ChargePointStats & { chargePoints: number; accepted: number; queued: number };
  /** Every charge point as it is now, to resume from (see `ChargePoint.save`). */
  save(): SavedChargePoint[];
}

/** The charge points of `stations`, talking to `options.url`. */
export function getOcppFleet(
  stations: readonly StationSpec[],
  options: OcppFleetOptions,
): OcppFleet {
  const make = options.transport ?? withCertificateRenewal(getRpcTransport);
  const logger = options.logger ?? getLogger(["evsim", "ocpp"]);
  const chargePoints = new Map<string, ChargePoint>();
  const specs = new Map(stations.map((s) => [s.stationId, s]));
  const add = (spec: StationSpec) => {
    const transport = make({
      url: options.url,
      identity: options.identity?.(spec.stationId) ?? spec.stationId,
      version: options.version,
      password: options.password?.(spec.stationId),
      ca: options.ca,
      clientCert: options.clientCert?.(spec.stationId),
      strict: options.strict,
      callTimeoutMs: options.callTimeoutMs,
      pingIntervalMs: options.pingIntervalMs,
      backoff: options.backoff,
    });
    chargePoints.set(
      spec.stationId,
      new ChargePoint(spec, {
        version: options.version,
        transport,
        settings: options.settings,
        start: options.start,
        now: options.now,
        ports: options.portStart && spec.ports.map((p) => options.portStart!(p.chargerId) ?? {}),
        saved: options.saved?.get(spec.stationId),
        outboxLimit: options.outboxLimit,
        bootRetrySec: options.bootRetrySec,
        commands: options.commands,
        logger,
      }),
    );
    return chargePoints.get(spec.stationId)!;
  };
  if (!options.lazy) { for (const spec of stations) add(spec); }
  let unknown = 0;
  let started: Promise<void> | undefined;

  /** Starts `all`, a few at a time. */
  const startAll = async (all: ChargePoint[]) => {
    const concurrency = options.connectConcurrency ?? 100;
    let next = 0;
    await Promise.all(
      Array.from({ length: Math.min(concurrency, all.length) }, async () => {
        while (next < all.length) await all[next++].start();
      }),
    );
  };
  const start = () => started ??= startAll([...chargePoints.values()]);
  const join = (stationIds: readonly string[]) => {
    const joining = stationIds.flatMap((id) => {
      const spec = specs.get(id);
      return spec && !chargePoints.has(id) ? [add(spec)] : [];
    });
    return startAll(joining);
  };

  const sink = Object.assign(
    (event: Parameters<DisposableSink>[0]) => {
      const cp = chargePoints.get(event.stationId);
      if (cp) cp.handle(event);
      else unknown++;
    },
    {
      flush: () => Promise.resolve(),
      checkpoint: () => fleet.idle(),
    },
  );
  const fleet: OcppFleet = Object.assign(sink, {
    start,
    join,
    async idle() {
      await Promise.all([...chargePoints.values()].map((cp) => cp.idle()));
    },
    chargePoints,
    get unknownStations() {
      return unknown;
    },
    totals() {
      const t = {
        ...newChargePointStats(),
        chargePoints: chargePoints.size,
        accepted: 0,
        queued: 0,
      };
      for (const cp of chargePoints.values()) {
        addChargePointStats(t, cp.stats);
        if (cp.accepted) t.accepted++;
        t.queued += cp.queued;
      }
      return t;
    },
    save: () => [...chargePoints.values()].map((cp) => cp.save()),
    async [Symbol.asyncDispose]() {
      await Promise.all([...chargePoints.values()].map((cp) => cp.close()));
    },
  });
  return fleet;
}
