/**
 * A run's OCPP charge points (`--ocpp URL`, or the config's `ocpp` block):
 * every station of the simulated network connects to one central system as a
 * charge point and tells it what the simulation does, beside the event sinks.
 * See `ocpp/` for what each charge point sends and answers.
 *
 * @module
 */
import { getLogger } from "@logtape/logtape";
import * as v from "valibot";
import type { OcppConfig } from "../core/config.ts";
import { OcppConfigSchema } from "../core/config.ts";
import { ConfigError, formatIssues, parseJson } from "../core/errors.ts";
import { resolvePath } from "../core/load.ts";
import type { Network } from "../core/network.ts";
import type { RunPlan } from "../core/plan.ts";
import { CommandInbox } from "../core/command.ts";
import type { Simulation } from "../core/simulation.ts";
import type { DisposableSink } from "../core/sink.ts";
import type { ChargePointStats } from "../ocpp/charge_point.ts";
import type { OcppFleet, OcppFleetOptions } from "../ocpp/fleet.ts";
import { stationsOf } from "../ocpp/station.ts";
import type { PortStart } from "../ocpp/station_state.ts";
import type { SavedChargePoint, SavedOcpp } from "../ocpp/saved.ts";

const logger = getLogger(["evsim", "ocpp"]);

/** The command line's OCPP flags: they override the config's `ocpp` block, or make one. */
export interface OcppFlags {
  /** `--ocpp URL`. */
  url?: string;
  /** `--ocpp-version`. */
  version?: string;
}

/**
 * The OCPP settings of a run: the config's `ocpp` block with `flags` over
 * it, checked; undefined when neither asks for OCPP. A wrong flag value is a
 * `ConfigError` naming the flag.
 */
export function ocppSettings(
  config: { ocpp?: OcppConfig },
  flags: OcppFlags = {},
): OcppConfig | undefined {
  if (!config.ocpp && flags.url === undefined) {
    if (flags.version !== undefined) {
      throw new ConfigError("--ocpp-version: needs --ocpp URL or an ocpp block in the config");
    }
    return undefined;
  }
  const input = {
    ...config.ocpp,
    ...(flags.url !== undefined && { url: flags.url }),
    ...(flags.version !== undefined && { version: flags.version }),
  };
  const result = v.safeParse(OcppConfigSchema, input);
  if (result.success) return result.output;
  const [issue] = result.issues;
  const key = issue.path?.[0]?.key;
  const flag = key === "url" && flags.url !== undefined
    ? "--ocpp"
    : key === "version" && flags.version !== undefined
    ? "--ocpp-version"
    : undefined;
  if (flag) throw new ConfigError(`${flag}: ${issue.message}`);
  throw new ConfigError(formatIssues("", result.issues, "ocpp"));
}

/**
 * Refuses a plan a live central system cannot follow: a backfill (its time
 * runs as fast as the machine can, not on a clock).
 */
export function checkOcppPlan(plan: RunPlan): void {
  if (plan.mode === "backfill") {
    throw new ConfigError(
      "--ocpp: a central system lives on a clock, and a backfill has none: run in " +
        "realtime (--realtime) or accelerated (--speed N) mode, or drop --ocpp",
    );
  }
}

/** What the charge points of a run did. */
export interface OcppCounts extends ChargePointStats {
  chargePoints: number;
  /** Charge points whose boot the central system accepted. */
  accepted: number;
  /** Calls still waiting in the outboxes when the run stopped: never sent. */
  unsent: number;
  /** Of those, the ones the state file keeps: a resumed run sends them. */
  kept: number;
  /** Events about a station no charge point speaks for. */
  unknownStations: number;
}

/** The charge points of a run, as one sink; their counters once disposed. */
export interface OcppRun extends DisposableSink {
  readonly fleet: OcppFleet;
  /** The central system's commands, for the run loop to apply (`runSimulation`'s `commands`). */
  readonly commands: CommandInbox;
  /**
   * Its counters; `kept` says the calls not sent are kept in a state file
   * (a resumed run sends them), so they are not lost.
   */
  counts(options?: { kept?: boolean }): OcppCounts;
  /** Every charge point as it is now, for a state file. */
  save(): SavedOcpp;
}

/** Options of {@link startOcpp}. */
export interface StartOcppOptions {
  /** The simulation, warmed up: the charge points start with its ports as they are now. */
  sim: Simulation;
  /** Simulated start of the run, epoch ms: the time of the first status reports. */
  start: number;
  /** How long disposing waits for the charge points to send what they hold. */
  shutdownTimeoutMs: number;
  env: (name: string) => string | undefined;
  /** The folder `caFile` is relative to. @default {the working folder} */
  baseDir?: string;
  /** The charge points a state file saved: they go on from there. @default {none: they start afresh} */
  saved?: SavedOcpp;
}

/**
 * Connects a charge point for every station of `network` and boots it (a
 * few at a time: `connectConcurrency`); resolves once each has tried, booted
 * or not (those not connected keep trying, and keep what they are to send).
 */
export async function startOcpp(
  settings: OcppConfig,
  network: Network,
  options: StartOcppOptions,
): Promise<OcppRun> {
  const { saved } = options;
  if (saved && saved.version !== settings.version) {
    throw new ConfigError(
      `ocpp.version: the state file holds OCPP ${saved.version} charge points; run with ` +
        `--ocpp-version ${saved.version}, or move the state file away to start afresh`,
    );
  }
  const commands = new CommandInbox();
  const fleetOptions = ocppFleetOptions(settings, { ...options, commands });
  // The OCPP library (ocpp-rpc, ws) loads only for a run that speaks OCPP.
  const { getOcppFleet } = await import("../ocpp/fleet.ts");
  const stations = stationsOf(network);
  const fleet = getOcppFleet(stations, {
    ...fleetOptions,
    saved: saved &&
      new Map<string, SavedChargePoint>(saved.chargePoints.map((cp) => [cp.stationId, cp])),
  });
  logger.info("Connecting {n} charge points (OCPP {version}) to {url}", {
    n: stations.length,
    version: settings.version,
    url: settings.url,
  });
  const began = performance.now();
  await fleet.start();
  const booted = fleet.totals().accepted;
  logger.info("{booted} of {n} charge points booted in {ms} ms", {
    booted,
    n: stations.length,
    ms: Math.round(performance.now() - began),
  });
  if (booted < stations.length) {
    logger.info("{n} charge points are not booted yet: they keep at it, holding their messages", {
      n: stations.length - booted,
    });
  }

  let unsent = 0;
  let closed = false;
  const counts = ({ kept = false } = {}): OcppCounts => {
    const { queued, ...totals } = fleet.totals();
    const left = closed ? unsent : queued;
    return {
      ...totals,
      unsent: kept ? 0 : left,
      kept: kept ? left : 0,
      unknownStations: fleet.unknownStations,
    };
  };
  const run: OcppRun = Object.assign((event: Parameters<DisposableSink>[0]) => fleet(event), {
    fleet,
    commands,
    counts,
    save: () => ({ version: settings.version, chargePoints: fleet.save() }),
    flush: () => Promise.resolve(),
    async [Symbol.asyncDispose]() {
      if (closed) return;
      let timer: ReturnType<typeof setTimeout> | undefined;
      const late = new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(true), options.shutdownTimeoutMs);
      });
      const timedOut = await Promise.race([fleet.idle().then(() => false), late]);
      clearTimeout(timer);
      unsent = fleet.totals().queued;
      closed = true;
      if (timedOut) {
        logger.warn("Stopping the charge points after {ms} ms with {unsent} calls not sent", {
          ms: options.shutdownTimeoutMs,
          unsent,
        });
      }
      await fleet[Symbol.asyncDispose]();
    },
  });
  return run;
}

/**
 * The fleet options of `settings` for a run over `sim`: the Basic auth
 * password (from `passwordEnv` when given), the certificates of `caFile`,
 * each charge point's settings, and each port as the simulation has it when
 * its charge point is made. A password variable that is not set, or a
 * `caFile` it cannot read, is a {@link ConfigError}.
 */
export function ocppFleetOptions(
  settings: OcppConfig,
  options: Pick<StartOcppOptions, "sim" | "start" | "env" | "baseDir"> & {
    commands?: CommandInbox;
  },
): OcppFleetOptions {
  let password = settings.password;
  if (password === undefined && settings.passwordEnv !== undefined) {
    password = options.env(settings.passwordEnv);
    if (password === undefined) {
      throw new ConfigError(`ocpp.passwordEnv: ${settings.passwordEnv} is not set`);
    }
  }
  const baseDir = options.baseDir ?? ".";
  /** The file `path` (relative to `baseDir`) of the `ocpp.field` setting, read. */
  const read = (field: string, path: string) => {
    const file = resolvePath(baseDir, path);
    try {
      return { file, text: Deno.readTextFileSync(file) };
    } catch (error) {
      throw new ConfigError(`ocpp.${field}: cannot read ${file}: ${(error as Error).message}`);
    }
  };
  const ca = settings.caFile === undefined ? undefined : read("caFile", settings.caFile).text;
  const identity = (id: string) => settings.identity.replaceAll("{stationId}", id);
  let passwords: Record<string, string> = {};
  if (settings.passwordsFile !== undefined) {
    const { file, text } = read("passwordsFile", settings.passwordsFile);
    const parsed = v.safeParse(v.record(v.string(), v.string()), parseJson(text, file));
    if (!parsed.success) {
      throw new ConfigError(
        `ocpp.passwordsFile: ${file}: expected an object of passwords by identity`,
      );
    }
    passwords = parsed.output;
  }
  if ((settings.clientCert === undefined) !== (settings.clientKey === undefined)) {
    throw new ConfigError("ocpp.clientCert and ocpp.clientKey go together");
  }
  /** A charge point's file of `pattern`, read when its charge point is made. */
  const pem = (pattern: string, id: string, field: string) =>
    read(field, pattern.replaceAll("{stationId}", id)).text;
  const { sim } = options;
  return {
    commands: options.commands,
    url: settings.url,
    version: settings.version,
    strict: settings.strict,
    identity,
    password: (id) => passwords[identity(id)] ?? password?.replaceAll("{stationId}", id),
    ca,
    clientCert: settings.clientCert === undefined || settings.clientKey === undefined
      ? undefined
      : (id) => ({
        cert: pem(settings.clientCert!, id, "clientCert"),
        key: pem(settings.clientKey!, id, "clientKey"),
      }),
    portStart: (id) => portStartOf(sim, id),
    settings: {
      heartbeatIntervalSec: settings.heartbeatIntervalSeconds,
      sampleIntervalSec: settings.sampleIntervalSeconds,
      alignedIntervalSec: settings.alignedIntervalSeconds,
    },
    start: options.start,
    now: () => sim.now,
    outboxLimit: settings.outboxLimit,
    callTimeoutMs: settings.callTimeoutSeconds * 1000,
    connectConcurrency: settings.connectConcurrency,
    logger,
  };
}

/** A port as the simulation has it now: a vehicle plugged in, or out of service. */
function portStartOf(sim: Simulation, chargerId: string): PortStart | undefined {
  const c = sim.charger(chargerId);
  if (!c) return undefined;
  if (c.status === "Faulted" || c.status === "Maintenance") {
    return { plugged: c.plugged, outage: { kind: c.status, message: "" } };
  }
  return c.plugged || c.status === "In Use" ? { plugged: true } : undefined;
}

/** One line of what the charge points did, for the run's summary. */
export function formatOcppCounts(c: OcppCounts): string {
  const answered = Object.values(c.answered).reduce((a, b) => a + b, 0);
  const commands = Object.values(c.commands).reduce((a, b) => a + b, 0);
  const n = (x: number) => x.toLocaleString("en-US");
  return [
    `ocpp: ${n(c.accepted)} of ${n(c.chargePoints)} charge points booted`,
    `${n(answered)} calls answered`,
    `${n(c.callErrors)} CALLERRORs`,
    `${n(c.timeouts)} timeouts`,
    `${n(c.abandoned + c.dropped)} given up`,
    c.kept > 0 ? `${n(c.kept)} kept in the state file` : `${n(c.unsent)} unsent`,
    `${n(c.reconnects)} reconnects`,
    `${n(commands)} commands received`,
  ].join(", ");
}

/** Calls the central system never got: given up, dropped from a full outbox, or never sent. */
export function ocppUndelivered(c: OcppCounts): number {
  return c.abandoned + c.dropped + c.unsent;
}
