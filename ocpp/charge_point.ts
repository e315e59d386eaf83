/**
 * A charge point on the network: the thin part around the pure message
 * builders. It boots (BootNotification, honouring Pending and Rejected and the
 * interval the central system gives), sends a Heartbeat at that interval,
 * sends what each evsim event leads to through its bounded outbox, keeps
 * transaction and status messages while offline and sends them in order once
 * back (without booting again), retries transaction messages the central
 * system answers with a CALLERROR, and answers the central system's calls.
 *
 * @module
 */
import { getLogger, type Logger } from "@logtape/logtape";
import type { SimEvent } from "../core/event.ts";
import { meterCalls16, statusCalls16, step16 } from "./messages_16.ts";
import { meterCalls201, statusCalls201, step201 } from "./messages_201.ts";
import { Outbox, type Pending } from "./outbox.ts";
import { schemaCheck } from "./rpc_transport.ts";
import {
  changeConfiguration,
  DEFAULT_SETTINGS,
  getConfiguration,
  getVariables,
  type Settings,
  setVariables,
} from "./settings.ts";
import type { StationSpec } from "./station.ts";
import {
  initialState,
  type OutCall,
  portIndex,
  type PortStart,
  type PortState,
  type StationState,
  type Step,
} from "./station_state.ts";
import {
  OcppCallError,
  type OcppHandler,
  type OcppTransport,
  OcppTransportError,
  type OcppVersion,
  type Payload,
} from "./transport.ts";
import { hardwareOf } from "./vendors.ts";
import type { Command, CommandOutcome } from "../core/command.ts";
import { voltageOf, wiringOf } from "./electrical.ts";
import {
  ChargingProfiles,
  type Limit,
  type Profile,
  profileOf,
  purposeOf,
  type TransactionRef,
} from "./smart_charging.ts";
import type { IdToken } from "./identity.ts";
import type { SavedChargePoint } from "./saved.ts";
import { CertificateStore, type InstallType } from "./certificate_store.ts";
import type { CertificateHashData } from "./certificates.ts";
import { canRenewCertificate } from "./renewable_transport.ts";

/** Options of a {@link ChargePoint}. */
export interface ChargePointOptions {
  version: OcppVersion;
  /** Its connection to the central system (not yet connected: the charge point connects it). */
  transport: OcppTransport;
  /** Settings to start from. @default {DEFAULT_SETTINGS} */
  settings?: Partial<Settings>;
  /** Simulated time at the start, epoch ms: the time of the first status reports. @default {the first event's} */
  start?: number;
  /**
   * Simulated time now, epoch ms, for what the charge point sends of its own
   * accord (a triggered message). @default {the time of the latest event}
   */
  now?: () => number;
  /** Each port at the start (by index): its register, a vehicle plugged in, an outage. @default {idle, registers at 0} */
  ports?: readonly PortStart[];
  /**
   * The charge point as an earlier run saved it ({@link ChargePoint.save}):
   * it goes on from there (`ports` and `settings` are then not used).
   */
  saved?: SavedChargePoint;
  /** Calls the outbox holds before it gives some up. @default {10000} */
  outboxLimit?: number;
  /** Seconds before booting again when the central system sets no interval or fails the boot. @default {30} */
  bootRetrySec?: number;
  /**
   * Where the central system's commands go into the simulation (power caps,
   * availability): the closed loop. Without it, ChangeAvailability is
   * rejected and charging profiles are kept and reported but change nothing.
   * @default {none: open loop}
   */
  commands?: { send(command: Command): Promise<CommandOutcome> };
  /** @default {the `evsim.ocpp` logger} */
  logger?: Logger;
}

/** What a charge point did. */
export interface ChargePointStats {
  /** Calls answered with a result, by action. */
  answered: Record<string, number>;
  /** Calls answered with a CALLERROR. */
  callErrors: number;
  /** Calls with no answer in time. */
  timeouts: number;
  /** Calls given up: refused again and again, or their transaction unknown. */
  abandoned: number;
  /** Calls given up because the outbox was full. */
  dropped: number;
  /** Authorize calls not made because the charge point was offline (it authorizes locally). */
  offlineAuthorizations: number;
  /** Authorize or StartTransaction answers that did not accept the driver's token. */
  refusedTokens: number;
  /** BootNotifications sent, and the times the connection came back. */
  boots: number;
  reconnects: number;
  /** Calls from the central system, by action. */
  commands: Record<string, number>;
}

/** Stats of a charge point that has done nothing yet. */
export function newChargePointStats(): ChargePointStats {
  return {
    answered: {},
    callErrors: 0,
    timeouts: 0,
    abandoned: 0,
    dropped: 0,
    offlineAuthorizations: 0,
    refusedTokens: 0,
    boots: 0,
    reconnects: 0,
    commands: {},
  };
}

/** Adds `from` to `into`: counts add up, and so do the counts by action. */
export function addChargePointStats(into: ChargePointStats, from: ChargePointStats): void {
  for (const key of Object.keys(from) as (keyof ChargePointStats)[]) {
    const value = from[key];
    if (typeof value === "number") (into[key] as number) += value;
    else {
      const sum = into[key] as Record<string, number>;
      for (const [action, n] of Object.entries(value)) sum[action] = (sum[action] ?? 0) + n;
    }
  }
}

/** One station speaking OCPP. */
export class ChargePoint implements AsyncDisposable {
  readonly spec: StationSpec;
  readonly version: OcppVersion;
  readonly stats: ChargePointStats = newChargePointStats();
  #state: StationState;
  #settings: Settings;
  readonly #transport: OcppTransport;
  readonly #outbox: Outbox;
  readonly #log: Logger;
  readonly #options: ChargePointOptions;
  readonly #closer = new AbortController();
  /** 1.6: the central system's transaction ID of each session, once StartTransaction is answered. */
  readonly #transactionIds = new Map<string, number>();
  #accepted = false;
  #booting = false;
  #draining = false;
  #bootReason = "PowerUp";
  #lastEventMs = -Infinity;
  #heartbeat?: ReturnType<typeof setTimeout>;
  #timers = new Set<ReturnType<typeof setTimeout>>();
  #idle: (() => void)[] = [];
  /** A reset waiting for the last transaction to end: the boot reason it reboots with. */
  #resetOnIdle?: string;
  /** The connection is being dropped on purpose (see {@link dropConnection}). */
  #dropping = false;
  /** Called once the connection opens (and the charge point has taken it up). */
  #onOpen: (() => void)[] = [];
  #rebooting?: Promise<void>;
  #started = false;
  readonly #profiles = new ChargingProfiles();
  /** The TxProfile a remote start came with, by port index, for its transaction. */
  readonly #pendingProfiles = new Map<number, Profile>();
  /** The power cap each port (by index) last asked the simulation for, kW. */
  readonly #caps: (number | undefined)[] = [];
  /** 2.0.1: its key pairs and certificates (see `certificate_store.ts`). */
  #certificates = new CertificateStore();

  constructor(spec: StationSpec, options: ChargePointOptions) {
    this.spec = spec;
    this.version = options.version;
    this.#options = options;
    this.#transport = options.transport;
    this.#settings = { ...DEFAULT_SETTINGS, ...options.settings };
    this.#state = initialState(spec, options.ports);
    this.#outbox = new Outbox(options.outboxLimit ?? 10_000);
    if (options.saved) this.#restore(options.saved);
    this.#log = options.logger ?? getLogger(["evsim", "ocpp"]);
    this.#transport.on((e) => {
      if (e.type === "open") {
        if (e.reconnect) {
          this.stats.reconnects++;
          this.#log.info("{identity}: connected again; {queued} messages to send", {
            identity: spec.stationId,
            queued: this.#outbox.length,
          });
        }
        if (this.#accepted) {
          this.#startHeartbeat();
          this.#drain();
        } else this.#boot();
        for (const opened of this.#onOpen.splice(0)) opened();
      } else if (e.type === "disconnect") {
        this.#stopHeartbeat();
        if (this.#closer.signal.aborted || this.#dropping) return; // closed on purpose
        // Authorize means nothing once offline: the charge point authorizes locally.
        const gone = this.#outbox.removeWhere((c) => c.kind === "online");
        this.stats.offlineAuthorizations += gone;
        this.#log.warn("{identity}: connection lost ({code} {reason}); {queued} messages wait", {
          identity: spec.stationId,
          code: e.code,
          reason: e.reason,
          queued: this.#outbox.length,
        });
      } else if (e.type === "bad_message") {
        this.#log.warn("{identity}: the central system sent a bad frame ({error}): {message}", {
          identity: spec.stationId,
          error: e.error,
          message: e.message.slice(0, 200),
        });
      } else if (e.type === "schema_violation") {
        this.#log.warn("{identity}: {action} {part} breaks the {version} schema: {error}", {
          identity: spec.stationId,
          action: e.action,
          part: e.outbound ? `(sent) ${e.part}` : `(received) ${e.part}`,
          version: this.version,
          error: e.error,
        });
      }
    });
    this.#registerHandlers();
  }

  /** The station's state now. */
  get state(): StationState {
    return this.#state;
  }

  /** The settings now (the central system may change them). */
  get settings(): Settings {
    return this.#settings;
  }

  /** Whether the central system accepted the boot. */
  get accepted(): boolean {
    return this.#accepted;
  }

  /**
   * 2.0.1: its certificates: the client certificate the central system
   * signed (`CertificateSigned`) and the roots it installed.
   */
  get certificates(): CertificateStore {
    return this.#certificates;
  }

  /** Calls waiting to be sent. */
  get queued(): number {
    return this.#outbox.length;
  }

  /** What it is now, for a resumed run to go on from (JSON as it is). */
  save(): SavedChargePoint {
    const certificates = this.#certificates.save();
    return {
      stationId: this.spec.stationId,
      state: this.#state,
      settings: this.#settings,
      transactionIds: [...this.#transactionIds],
      profiles: this.#profiles.all.slice(),
      caps: this.spec.ports.map((_, i) => this.#caps[i] ?? null),
      outbox: [...this.#outbox].map(({ attempts: _, ...call }) => call),
      ...(this.#resetOnIdle !== undefined && { resetOnIdle: this.#resetOnIdle }),
      ...(certificates && { certificates }),
    };
  }

  #restore(saved: SavedChargePoint): void {
    if (saved.state.ports.length !== this.spec.ports.length) {
      throw new RangeError(
        `${this.spec.stationId}: saved with ${saved.state.ports.length} ports, has ${this.spec.ports.length}`,
      );
    }
    this.#state = saved.state;
    this.#settings = { ...DEFAULT_SETTINGS, ...saved.settings };
    for (const [session, id] of saved.transactionIds) this.#transactionIds.set(session, id);
    for (const { connector, profile } of saved.profiles) this.#profiles.set(connector, profile);
    saved.caps.forEach((kw, i) => this.#caps[i] = kw ?? undefined);
    for (const call of saved.outbox) this.#outbox.push(call);
    this.#resetOnIdle = saved.resetOnIdle;
    if (saved.certificates) {
      this.#certificates = new CertificateStore({ saved: saved.certificates });
      const client = this.#certificates.clientCertificate;
      if (client && canRenewCertificate(this.#transport)) {
        this.#transport.useClientCertificate(client);
      }
    }
  }

  /** Connects and boots; resolves once the first connection attempt is over (boot or not). */
  async start(): Promise<void> {
    if (this.#started) return;
    this.#started = true;
    const start = this.#options.start;
    if (start !== undefined) this.#lastEventMs = start;
    this.#enqueueBootStatuses(start);
    try {
      await this.#transport.connect(this.#closer.signal);
    } catch (error) {
      // The transport keeps trying; the charge point boots when it gets through.
      this.#log.warn("{identity}: cannot connect yet ({error}); retrying", {
        identity: this.spec.stationId,
        error: (error as Error).message,
      });
    }
  }

  /** Takes one evsim event of this station. */
  handle(event: SimEvent): void {
    if (this.#closer.signal.aborted) return;
    const ms = Date.parse(event.time);
    if (ms > this.#lastEventMs) this.#lastEventMs = ms;
    if (!this.#started) this.start();
    const port = portIndex(this.spec, event.chargerId);
    const before = port < 0 ? undefined : this.#transactionOf(port);
    this.#apply(
      this.version === "1.6"
        ? step16(this.spec, this.#state, this.#settings, event)
        : step201(this.spec, this.#state, this.#settings, event),
    );
    if (port >= 0) {
      const now = this.#transactionOf(port);
      if (before && now?.id !== before.id) this.#profiles.endTransaction(before.id);
      const pending = this.#pendingProfiles.get(port);
      if (now && !before && pending) {
        this.#pendingProfiles.delete(port);
        this.#profiles.set(this.spec.ports[port].number, { ...pending, transactionId: now.id });
      }
      this.#syncCap(port, ms);
    }
    const reset = this.#resetOnIdle;
    if (reset && this.#state.ports.every((p) => !p.tx)) {
      this.#resetOnIdle = undefined;
      this.#reboot(reset);
    }
  }

  /** Resolves once the boot is accepted and every call made so far is answered or given up. */
  idle(): Promise<void> {
    if (this.#isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  /** Changes its settings, as the central system could (a new heartbeat interval restarts it). */
  configure(settings: Partial<Settings>): void {
    this.#changed({ ...this.#settings, ...settings });
  }

  /**
   * The network drops: the connection closes at once (no closing handshake)
   * and connects again after `ms`. The charge point does not reboot; what it
   * has to send meanwhile waits, and goes once it is back.
   */
  async dropConnection(ms: number): Promise<void> {
    if (this.#closer.signal.aborted) return;
    this.#log.info("{identity}: connection dropped for {ms} ms", {
      identity: this.spec.stationId,
      ms: Math.round(ms),
    });
    this.#stopHeartbeat();
    this.#dropping = true;
    await this.#transport.close({ force: true }).catch(() => {});
    const slept = await this.#sleep(ms);
    this.#dropping = false;
    if (!slept) return;
    // Resolves once back, or closed (a failed attempt keeps trying in the background).
    const opened = new Promise<void>((resolve) => this.#onOpen.push(resolve));
    await this.#transport.connect(this.#closer.signal).catch(() => {});
    await opened;
  }

  /**
   * A power cut of `ms` at the station. Its transactions stop (`PowerLoss`)
   * and its ports go out of service in the simulation (no driver can start
   * there); the charge point goes dark at once (no closing handshake, no
   * heartbeat) and keeps what it had not sent, a call whose answer the cut
   * lost included (the central system then sees it twice, as from a real
   * charge point). When power returns, its ports are back in service and it
   * boots again (2.0.1 reason `PowerUp`), then sends what it kept. Without the closed loop (`commands`) only the charge
   * point goes dark: the simulation's sessions go on.
   */
  async powerCut(ms: number): Promise<void> {
    if (this.#closer.signal.aborted) return;
    this.#log.info("{identity}: power cut for {ms} ms", {
      identity: this.spec.stationId,
      ms: Math.round(ms),
    });
    const ports = this.spec.ports.map((_, i) => i);
    const message = "Stopped by a power cut";
    for (const i of ports) {
      const p = this.#state.ports[i];
      if (p.tx) this.#remoteStop(i, "PowerLoss", message);
      // Plugged in with no transaction yet: the session ends all the same.
      else if (p.plugged) {
        this.#options.commands?.send({
          type: "stop",
          chargerId: this.spec.ports[i].chargerId,
          message,
        })
          .catch(() => {});
      }
    }
    const out = this.#changeAvailability(ports, false);
    this.#stopHeartbeat();
    this.#dropping = true;
    this.#accepted = false;
    this.#bootReason = "PowerUp";
    await this.#transport.close({ force: true }).catch(() => {});
    await out.catch(() => {});
    const slept = await this.#sleep(ms);
    this.#dropping = false;
    if (!slept) return;
    await this.#changeAvailability(ports, true).catch(() => {});
    this.#enqueueBootStatuses();
    const opened = new Promise<void>((resolve) => this.#onOpen.push(resolve));
    await this.#transport.connect(this.#closer.signal).catch(() => {});
    await opened;
  }

  /** Stops: drops the connection (what is still queued is not sent). */
  async close(): Promise<void> {
    if (this.#closer.signal.aborted) return;
    this.#closer.abort();
    this.#stopHeartbeat();
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
    await this.#transport.close({ force: true }).catch(() => {});
    for (const resolve of [...this.#idle.splice(0), ...this.#onOpen.splice(0)]) resolve();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #isIdle(): boolean {
    return this.#accepted && this.#outbox.length === 0 && !this.#draining;
  }

  #settle(): void {
    if (this.#isIdle()) { for (const resolve of this.#idle.splice(0)) resolve(); }
  }

  #now(): string {
    const now = Math.max(this.#options.now?.() ?? -Infinity, this.#lastEventMs);
    return new Date(Number.isFinite(now) ? now : Date.now()).toISOString();
  }

  #apply(step: Step): void {
    this.#state = step.state;
    for (const call of step.calls) this.#enqueue(call);
    this.#drain();
  }

  #enqueue(call: OutCall): void {
    const online = this.#transport.connected && this.#accepted;
    if (call.kind === "online" && !online) {
      this.stats.offlineAuthorizations++;
      return;
    }
    if (call.action === "TransactionEvent" && !this.#transport.connected) {
      call = { ...call, payload: { ...call.payload, offline: true } };
    }
    const dropped = this.#outbox.push(call);
    if (dropped) {
      this.stats.dropped++;
      if (this.stats.dropped === 1 || this.stats.dropped % 1000 === 0) {
        this.#log.warn("{identity}: outbox full; {dropped} messages given up so far", {
          identity: this.spec.stationId,
          dropped: this.stats.dropped,
        });
      }
    }
  }

  #enqueueBootStatuses(at?: number): void {
    const time = at !== undefined ? new Date(at).toISOString() : this.#now();
    this.#apply(
      this.version === "1.6"
        ? statusCalls16(this.spec, this.#state, time)
        : statusCalls201(this.spec, this.#state, time),
    );
  }

  /** Waits `ms` unless the charge point closes; resolves false if it did. */
  #sleep(ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      if (this.#closer.signal.aborted) return resolve(false);
      const t = setTimeout(() => {
        this.#timers.delete(t);
        resolve(!this.#closer.signal.aborted);
      }, ms);
      this.#timers.add(t);
      this.#closer.signal.addEventListener("abort", () => resolve(false), { once: true });
    });
  }

  #bootPayload(): Payload {
    const hw = hardwareOf({
      stationId: this.spec.stationId,
      network: this.spec.network,
      hasDc: this.spec.ports.some((p) => p.level === "DCFC"),
    });
    if (this.version === "1.6") {
      return {
        chargePointVendor: hw.vendor,
        chargePointModel: hw.model,
        chargePointSerialNumber: hw.serialNumber,
        firmwareVersion: hw.firmwareVersion,
      };
    }
    return {
      reason: this.#bootReason,
      chargingStation: {
        vendorName: hw.vendor,
        model: hw.model,
        serialNumber: hw.serialNumber,
        firmwareVersion: hw.firmwareVersion,
      },
    };
  }

  async #boot(): Promise<void> {
    if (this.#booting || this.#accepted) return;
    this.#booting = true;
    const retrySec = this.#options.bootRetrySec ?? 30;
    try {
      while (!this.#accepted && this.#transport.connected && !this.#closer.signal.aborted) {
        let answer: Payload;
        try {
          this.stats.boots++;
          answer = await this.#transport.call("BootNotification", this.#bootPayload());
        } catch (error) {
          if (error instanceof OcppTransportError && error.failure !== "timeout") return;
          this.#log.warn("{identity}: BootNotification failed ({error}); again in {seconds} s", {
            identity: this.spec.stationId,
            error: describe(error),
            seconds: retrySec,
          });
          if (!await this.#sleep(retrySec * 1000)) return;
          continue;
        }
        this.#count("BootNotification");
        const interval = typeof answer.interval === "number" ? answer.interval : 0;
        if (answer.status === "Accepted") {
          this.#accepted = true;
          if (interval > 0) this.#settings = { ...this.#settings, heartbeatIntervalSec: interval };
          this.#log.info("{identity}: boot accepted; heartbeat every {interval} s", {
            identity: this.spec.stationId,
            interval: this.#settings.heartbeatIntervalSec,
          });
          this.#startHeartbeat();
          break;
        }
        const wait = interval > 0 ? interval : retrySec;
        this.#log.warn("{identity}: boot {status}; BootNotification again in {seconds} s", {
          identity: this.spec.stationId,
          status: answer.status,
          seconds: wait,
        });
        if (!await this.#sleep(wait * 1000)) return;
      }
    } finally {
      this.#booting = false;
    }
    if (this.#accepted) this.#drain();
  }

  #startHeartbeat(): void {
    this.#stopHeartbeat();
    const every = this.#settings.heartbeatIntervalSec * 1000;
    if (!(every > 0) || this.#closer.signal.aborted) return;
    this.#heartbeat = setTimeout(async () => {
      this.#heartbeat = undefined;
      if (this.#transport.connected && this.#accepted) {
        await this.#sendHeartbeat();
        if (this.#transport.connected) this.#startHeartbeat();
      }
    }, every);
  }

  #stopHeartbeat(): void {
    if (this.#heartbeat !== undefined) clearTimeout(this.#heartbeat);
    this.#heartbeat = undefined;
  }

  async #sendHeartbeat(): Promise<void> {
    try {
      await this.#transport.call("Heartbeat", {});
      this.#count("Heartbeat");
    } catch (error) {
      this.#failed("Heartbeat", error);
    }
  }

  #count(action: string): void {
    this.stats.answered[action] = (this.stats.answered[action] ?? 0) + 1;
  }

  #failed(action: string, error: unknown): void {
    if (error instanceof OcppCallError) this.stats.callErrors++;
    else if (error instanceof OcppTransportError && error.failure === "timeout") {
      this.stats.timeouts++;
    }
    this.#log.warn("{identity}: {action} failed: {error}", {
      identity: this.spec.stationId,
      action,
      error: describe(error),
    });
  }

  /** The payload to send for `call`: 1.6 transaction messages take their transaction's ID. */
  #payloadOf(call: Pending): Payload | undefined {
    if (call.session === undefined || call.action === "StartTransaction") return call.payload;
    const id = this.#transactionIds.get(call.session);
    if (id === undefined) return undefined;
    return { ...call.payload, transactionId: id };
  }

  async #drain(): Promise<void> {
    if (this.#draining) return;
    this.#draining = true;
    try {
      while (this.#accepted && this.#transport.connected && !this.#closer.signal.aborted) {
        const call = this.#outbox.peek();
        if (!call) break;
        const payload = this.#payloadOf(call);
        if (payload === undefined) {
          this.#outbox.shift();
          this.stats.abandoned++;
          this.#log.warn(
            "{identity}: {action} of session {session} not sent: its transaction was never started",
            {
              identity: this.spec.stationId,
              action: call.action,
              session: call.session,
            },
          );
          continue;
        }
        let answer: Payload;
        try {
          answer = await this.#transport.call(call.action, payload);
        } catch (error) {
          if (error instanceof OcppTransportError) {
            if (error.failure !== "timeout") break; // back once connected again
            this.#failed(call.action, error);
            if (call.kind !== "transaction") this.#take(call);
            else if (!await this.#sleep(this.#settings.transactionRetrySec * 1000)) break;
            continue;
          }
          this.#failed(call.action, error);
          call.attempts++;
          const again = call.kind === "transaction" &&
            call.attempts < this.#settings.transactionAttempts;
          if (again) {
            if (!await this.#sleep(this.#settings.transactionRetrySec * 1000 * call.attempts)) {
              break;
            }
          } else {
            this.#take(call);
            this.stats.abandoned++;
          }
          continue;
        }
        this.#take(call);
        this.#count(call.action);
        this.#answered(call, answer);
      }
    } finally {
      this.#draining = false;
    }
    this.#settle();
  }

  #take(call: Pending): void {
    if (this.#outbox.peek() === call) this.#outbox.shift();
  }

  #answered(call: Pending, answer: Payload): void {
    const token = (answer.idTagInfo ?? answer.idTokenInfo) as { status?: string } | undefined;
    if (token?.status !== undefined && token.status !== "Accepted") {
      this.stats.refusedTokens++;
      this.#log.info("{identity}: {action} answered {status} for the driver's token", {
        identity: this.spec.stationId,
        action: call.action,
        status: token.status,
      });
      this.#refused(call, token.status);
    }
    if (call.action === "StartTransaction" && call.session) {
      this.#transactionIds.set(call.session, answer.transactionId as number);
    } else if (call.action === "StopTransaction" && call.session) {
      this.#transactionIds.delete(call.session);
    }
  }

  /**
   * The central system refused the token of `call` (Authorize, 1.6
   * StartTransaction, 2.0.1 TransactionEvent): in the closed loop the
   * transaction it belongs to stops (`DeAuthorized`) and the driver leaves.
   * The charge point started charging while it waited for the answer, as
   * one that authorizes locally first does.
   */
  #refused(call: Pending, status: string): void {
    const p = call.payload;
    const idTag = p.idTag ?? (p.idToken as IdToken | undefined)?.idToken;
    const txId = (p.transactionInfo as { transactionId?: string } | undefined)?.transactionId;
    const i = this.#state.ports.findIndex(({ tx }) =>
      tx !== undefined &&
      (call.session !== undefined
        ? tx.sessionId === call.session
        : txId !== undefined
        ? tx.transactionId === txId
        : tx.idToken.idToken === idTag)
    );
    this.#remoteStop(i, "DeAuthorized", `Token refused by the central system (${status})`);
  }

  async #reboot(reason: string): Promise<void> {
    if (this.#rebooting) return;
    this.#rebooting = (async () => {
      this.#log.info("{identity}: resetting ({reason})", {
        identity: this.spec.stationId,
        reason,
      });
      // What it has to say goes first (the transactions a reset ended), if it can in time.
      if (this.#accepted && this.#transport.connected && this.#outbox.length > 0) {
        await Promise.race([this.idle(), this.#sleep(10_000)]);
      }
      this.#accepted = false;
      this.#stopHeartbeat();
      this.#bootReason = reason;
      await this.#transport.close().catch(() => {});
      if (this.#closer.signal.aborted) return;
      this.#enqueueBootStatuses();
      await this.#transport.connect(this.#closer.signal).catch(() => {});
    })().finally(() => this.#rebooting = undefined);
    await this.#rebooting;
  }

  /** Runs `make` after the answer to the current call has gone out. */
  #afterAnswer(make: () => void): void {
    const t = setTimeout(() => {
      this.#timers.delete(t);
      if (!this.#closer.signal.aborted) make();
    }, 0);
    this.#timers.add(t);
  }

  #registerHandlers(): void {
    const handled = new Set<string>();
    const transport = this.#transport;
    const t = {
      handle(action: string, handler: OcppHandler) {
        handled.add(action);
        transport.handle(action, handler);
      },
    };
    const count = (action: string) => {
      this.stats.commands[action] = (this.stats.commands[action] ?? 0) + 1;
    };
    const busy = () => this.#state.ports.some((p) => p.tx);
    const ports = this.spec.ports.length;

    t.handle("ClearCache", () => (count("ClearCache"), { status: "Accepted" }));
    if (this.version === "1.6") {
      t.handle("Reset", (p) => {
        count("Reset");
        // Transactions first end (reason SoftReset / HardReset), then the charge point reboots.
        return { status: this.#reset(`${p.type}Reset`, `${p.type}Reset`) };
      });
      t.handle("GetConfiguration", (p) => {
        count("GetConfiguration");
        return getConfiguration(this.#settings, ports, p.key as string[] | undefined);
      });
      t.handle("ChangeConfiguration", (p) => {
        count("ChangeConfiguration");
        const r = changeConfiguration(this.#settings, p.key as string, p.value as string);
        this.#changed(r.settings);
        return { status: r.status };
      });
      t.handle("SetChargingProfile", (p) => {
        count("SetChargingProfile");
        const r = this.#setProfile(p.connectorId as number, p.csChargingProfiles as Payload);
        if (r.why) {
          this.#log.info("{identity}: SetChargingProfile rejected: {why}", {
            identity: this.spec.stationId,
            why: r.why,
          });
        }
        return { status: r.status };
      });
      t.handle("ClearChargingProfile", (p) => {
        count("ClearChargingProfile");
        return this.#clearProfiles({
          id: p.id,
          connector: p.connectorId,
          purpose: p.chargingProfilePurpose,
          stackLevel: p.stackLevel,
        });
      });
      t.handle("GetCompositeSchedule", (p) => {
        count("GetCompositeSchedule");
        const connector = p.connectorId as number;
        if (connector < 0 || connector > ports) return { status: "Rejected" };
        const unit = (p.chargingRateUnit as "A" | "W" | undefined) ?? "W";
        const c = this.#composite(connector, p.duration as number, unit);
        return {
          status: "Accepted",
          connectorId: connector,
          scheduleStart: c.start,
          chargingSchedule: {
            duration: p.duration,
            startSchedule: c.start,
            chargingRateUnit: unit,
            chargingSchedulePeriod: c.periods,
          },
        };
      });
      t.handle("RemoteStartTransaction", (p) => {
        count("RemoteStartTransaction");
        const connector = p.connectorId as number | undefined;
        if (connector !== undefined && (connector < 1 || connector > ports)) {
          return { status: "Rejected" };
        }
        const i = connector === undefined ? this.#freePort() : connector - 1;
        const token = { idToken: p.idTag as string, type: "ISO14443" } as IdToken;
        const profile = p.chargingProfile as Payload | undefined;
        return { status: i < 0 ? "Rejected" : this.#remoteStart(i, token, { profile }) };
      });
      t.handle("RemoteStopTransaction", (p) => {
        count("RemoteStopTransaction");
        const i = this.#portOfTransaction(String(p.transactionId));
        return { status: this.#remoteStop(i, "Remote", REMOTE_STOP) ? "Accepted" : "Rejected" };
      });
      t.handle("UnlockConnector", (p) => {
        count("UnlockConnector");
        const connector = p.connectorId as number;
        if (connector < 1 || connector > ports) return { status: "NotSupported" };
        const i = connector - 1;
        // Unlocking a connector in a transaction ends it first (§5.17).
        if (!this.#state.ports[i].tx) return { status: "Unlocked" };
        const unlocked = this.#remoteStop(
          i,
          "UnlockCommand",
          "Connector unlocked by the central system",
        );
        return { status: unlocked ? "Unlocked" : "UnlockFailed" };
      });
      t.handle("ChangeAvailability", async (p) => {
        count("ChangeAvailability");
        const connector = p.connectorId as number;
        if (connector < 0 || connector > ports) return { status: "Rejected" };
        const which = connector === 0 ? this.spec.ports.map((_, i) => i) : [connector - 1];
        return { status: await this.#changeAvailability(which, p.type === "Operative") };
      });
      t.handle("TriggerMessage", (p) => {
        count("TriggerMessage");
        const connector = p.connectorId as number | undefined;
        if (connector !== undefined && (connector < 0 || connector > ports)) {
          return { status: "Rejected" };
        }
        const what = p.requestedMessage as string;
        const make = this.#trigger16(what, connector);
        if (!make) return { status: "NotImplemented" };
        this.#afterAnswer(make);
        return { status: "Accepted" };
      });
    } else {
      t.handle("Reset", (p) => {
        count("Reset");
        if (p.evseId !== undefined) return { status: "Rejected" };
        if (busy() && p.type === "OnIdle") {
          this.#resetOnIdle = "ScheduledReset";
          return { status: "Scheduled" };
        }
        return { status: this.#reset("ImmediateReset", "RemoteReset") };
      });
      t.handle("GetVariables", (p) => {
        count("GetVariables");
        return getVariables(this.#settings, ports, p.getVariableData as never);
      });
      t.handle("SetVariables", (p) => {
        count("SetVariables");
        const r = setVariables(this.#settings, p.setVariableData as never);
        this.#changed(r.settings);
        return r.answer;
      });
      t.handle("SetChargingProfile", (p) => {
        count("SetChargingProfile");
        const r = this.#setProfile(p.evseId as number, p.chargingProfile as Payload);
        if (r.why) {
          this.#log.info("{identity}: SetChargingProfile rejected: {why}", {
            identity: this.spec.stationId,
            why: r.why,
          });
        }
        return r.why
          ? {
            status: r.status,
            statusInfo: { reasonCode: "Rejected", additionalInfo: r.why.slice(0, 512) },
          }
          : { status: r.status };
      });
      t.handle("ClearChargingProfile", (p) => {
        count("ClearChargingProfile");
        const c = (p.chargingProfileCriteria ?? {}) as Payload;
        return this.#clearProfiles({
          id: p.chargingProfileId,
          connector: c.evseId,
          purpose: c.chargingProfilePurpose,
          stackLevel: c.stackLevel,
        });
      });
      t.handle("GetCompositeSchedule", (p) => {
        count("GetCompositeSchedule");
        const evse = p.evseId as number;
        if (evse < 0 || evse > ports) return { status: "Rejected" };
        const unit = (p.chargingRateUnit as "A" | "W" | undefined) ?? "W";
        const c = this.#composite(evse, p.duration as number, unit);
        return {
          status: "Accepted",
          schedule: {
            evseId: evse,
            duration: p.duration,
            scheduleStart: c.start,
            chargingRateUnit: unit,
            chargingSchedulePeriod: c.periods,
          },
        };
      });
      t.handle("RequestStartTransaction", (p) => {
        count("RequestStartTransaction");
        const evse = p.evseId as number | undefined;
        if (evse !== undefined && (evse < 1 || evse > ports)) return { status: "Rejected" };
        const i = evse === undefined ? this.#freePort() : evse - 1;
        const status = i < 0 ? "Rejected" : this.#remoteStart(i, p.idToken as IdToken, {
          remoteStartId: p.remoteStartId as number,
          profile: p.chargingProfile as Payload | undefined,
        });
        return { status };
      });
      t.handle("RequestStopTransaction", (p) => {
        count("RequestStopTransaction");
        const i = this.#portOfTransaction(p.transactionId as string);
        return { status: this.#remoteStop(i, "Remote", REMOTE_STOP) ? "Accepted" : "Rejected" };
      });
      t.handle("UnlockConnector", (p) => {
        count("UnlockConnector");
        const evse = p.evseId as number;
        if (evse < 1 || evse > ports || p.connectorId !== 1) return { status: "UnknownConnector" };
        return {
          status: this.#state.ports[evse - 1].tx ? "OngoingAuthorizedTransaction" : "Unlocked",
        };
      });
      t.handle("ChangeAvailability", async (p) => {
        count("ChangeAvailability");
        const evse = (p.evse as { id: number } | undefined)?.id;
        if (evse !== undefined && (evse < 0 || evse > ports)) return { status: "Rejected" };
        const which = evse === undefined || evse === 0
          ? this.spec.ports.map((_, i) => i)
          : [evse - 1];
        return {
          status: await this.#changeAvailability(which, p.operationalStatus === "Operative"),
        };
      });
      t.handle("TriggerMessage", (p) => {
        count("TriggerMessage");
        const evse = (p.evse as { id: number } | undefined)?.id;
        if (evse !== undefined && (evse < 1 || evse > ports)) return { status: "Rejected" };
        const what = p.requestedMessage as string;
        if (what === "BootNotification" && this.#accepted) return { status: "Rejected" };
        const make = this.#trigger201(what, evse);
        if (!make) return { status: "NotImplemented" };
        this.#afterAnswer(make);
        return { status: "Accepted" };
      });
      t.handle("CertificateSigned", (p) => {
        count("CertificateSigned");
        return this.#certificateSigned(p);
      });
      t.handle("InstallCertificate", async (p) => {
        count("InstallCertificate");
        return {
          ...await this.#certificates.install(
            p.certificateType as InstallType,
            p.certificate as string,
          ),
        };
      });
      t.handle("GetInstalledCertificateIds", async (p) => {
        count("GetInstalledCertificateIds");
        return { ...await this.#certificates.installedIds(p.certificateType as string[]) };
      });
      t.handle("DeleteCertificate", async (p) => {
        count("DeleteCertificate");
        return {
          ...await this.#certificates.delete(p.certificateHashData as CertificateHashData),
        };
      });
    }
    // The version's other actions are known but not supported; ocpp-rpc answers any other
    // action NotImplemented (a handler for every action would make its strict mode answer
    // those with ProtocolError instead).
    for (const action of schemaCheck(this.version).actions) {
      if (handled.has(action)) continue;
      transport.handle(action, () => {
        count(action);
        throw new OcppCallError("NotSupported", `${action} is not supported by this charge point`);
      });
    }
  }

  /**
   * A reset now: with no transaction the charge point reboots (after the
   * answer); with some, in the closed loop, each ends with `stopReason` and it
   * reboots after the last. Without the closed loop it cannot end them: `Rejected`.
   */
  #reset(stopReason: string, bootReason: string): string {
    const running = this.#state.ports.flatMap((p, i) => (p.tx ? [i] : []));
    if (running.length === 0) {
      this.#afterAnswer(() => this.#reboot(bootReason));
      return "Accepted";
    }
    if (!this.#options.commands) return "Rejected";
    this.#resetOnIdle = bootReason;
    for (const i of running) {
      this.#remoteStop(i, stopReason, "Stopped by a reset of the charge point");
    }
    return "Accepted";
  }

  /** The transaction on port `i`, as profiles name it (1.6: once the central system gave its ID). */
  #transactionOf(i: number): TransactionRef | undefined {
    const tx = this.#state.ports[i].tx;
    if (!tx) return undefined;
    const id = this.version === "1.6"
      ? this.#transactionIds.get(tx.sessionId)?.toString() ?? `session:${tx.sessionId}`
      : tx.transactionId;
    return { id, startMs: Date.parse(tx.begin.time) };
  }

  /** A limit in kW on port `i`: W as they are, A at the port's voltage and phases. */
  #kw(i: number, limit: Limit): number {
    if (limit.unit === "W") return limit.limit / 1000;
    const port = this.spec.ports[i];
    const tx = this.#state.ports[i].tx;
    const volts = voltageOf(port, tx?.last.vehicleType ?? "", tx?.last.socPercent ?? 50);
    return limit.limit * volts * (limit.phases ?? wiringOf(port).phases) / 1000;
  }

  /** The power cap of port `i` at `time` that the profiles make, kW (undefined: none). */
  #capAt(i: number, time: number): number | undefined {
    const { max, tx } = this.#profiles.limitsAt(
      this.spec.ports[i].number,
      time,
      this.#transactionOf(i),
    );
    // The station's maximum is shared evenly by its ports.
    const kw = Math.min(
      max ? this.#kw(i, max) / this.spec.ports.length : Infinity,
      tx ? this.#kw(i, tx) : Infinity,
    );
    return kw === Infinity ? undefined : Math.max(0, Math.round(kw * 1000) / 1000);
  }

  /** Asks the simulation for port `i`'s cap at `time` if it changed (closed loop only). */
  #syncCap(i: number, time: number): void {
    const commands = this.#options.commands;
    // No profile, no cap: nothing to work out (the case of almost every event).
    if (!commands || (this.#profiles.all.length === 0 && this.#caps[i] === undefined)) return;
    const kw = this.#capAt(i, time);
    if (kw === this.#caps[i]) return;
    this.#caps[i] = kw;
    const chargerId = this.spec.ports[i].chargerId;
    commands.send({ type: "limit", chargerId, kw }).catch((error) => {
      this.#log.warn("{identity}: cannot limit {chargerId} to {kw} kW: {error}", {
        identity: this.spec.stationId,
        chargerId,
        kw: kw ?? "none",
        error: (error as Error).message,
      });
    });
  }

  #syncCaps(): void {
    const time = Date.parse(this.#now());
    for (let i = 0; i < this.spec.ports.length; i++) this.#syncCap(i, time);
  }

  /** SetChargingProfile on `connector` (0: the station): `Accepted`, or `Rejected` and why. */
  #setProfile(connector: number, payload: Payload): { status: string; why?: string } {
    if (connector < 0 || connector > this.spec.ports.length) {
      return { status: "Rejected", why: `no connector ${connector}` };
    }
    const profile = profileOf(payload);
    if (typeof profile === "string") return { status: "Rejected", why: profile };
    if (profile.purpose === "max" && connector !== 0) {
      return { status: "Rejected", why: "a station maximum goes on connector 0" };
    }
    if (profile.purpose === "tx") {
      const tx = connector > 0 ? this.#transactionOf(connector - 1) : undefined;
      if (!tx) {
        return { status: "Rejected", why: "a TxProfile needs a transaction on its connector" };
      }
      if (profile.transactionId !== undefined && profile.transactionId !== tx.id) {
        return {
          status: "Rejected",
          why: `transaction ${profile.transactionId} is not running there`,
        };
      }
      profile.transactionId = tx.id;
    }
    this.#profiles.set(connector, profile);
    this.#afterAnswer(() => this.#syncCaps());
    return { status: "Accepted" };
  }

  /**
   * ClearChargingProfile by the criteria given (each version's fields):
   * `Accepted` if it removed any, else `Unknown` (a purpose it does not take matches none).
   */
  #clearProfiles(
    c: { id?: unknown; connector?: unknown; purpose?: unknown; stackLevel?: unknown },
  ) {
    const purpose = purposeOf(c.purpose);
    const n = c.purpose !== undefined && !purpose ? 0 : this.#profiles.clear({
      id: c.id as number | undefined,
      connector: c.connector as number | undefined,
      purpose,
      stackLevel: c.stackLevel as number | undefined,
    });
    if (n > 0) this.#afterAnswer(() => this.#syncCaps());
    return { status: n > 0 ? "Accepted" : "Unknown" };
  }

  /**
   * The composite schedule of `connector` from now for `durationSec`, in
   * `unit`: the caps the profiles make, each from its start offset.
   */
  #composite(connector: number, durationSec: number, unit: "A" | "W") {
    const start = Date.parse(this.#now());
    const end = start + durationSec * 1000;
    const ports = connector === 0 ? this.spec.ports.map((_, i) => i) : [connector - 1];
    const times = new Set<number>();
    for (const i of ports) {
      const tx = this.#transactionOf(i);
      for (const t of this.#profiles.changesIn(this.spec.ports[i].number, start, end, tx)) {
        times.add(t);
      }
    }
    const periods: { startPeriod: number; limit: number }[] = [];
    for (const t of [...times].sort((a, b) => a - b)) {
      let kw = 0;
      for (const i of ports) kw += this.#capAt(i, t) ?? this.spec.ports[i].ratedKw;
      const i = ports[0];
      const perUnit = unit === "W"
        ? 1000
        : 1000 / (voltageOf(this.spec.ports[i], "", 50) * wiringOf(this.spec.ports[i]).phases);
      const limit = Math.round(kw * perUnit * 10) / 10;
      if (periods.at(-1)?.limit === limit) continue;
      periods.push({ startPeriod: Math.round((t - start) / 1000), limit });
    }
    return { start: new Date(start).toISOString(), periods };
  }

  /** Port `i`'s request from the central system (see `PortState.remote`), or none. */
  #setRemote(i: number, remote: PortState["remote"]): void {
    const ports = this.#state.ports.map((p, j) => (j === i ? { ...p, remote } : p));
    this.#state = { ...this.#state, ports };
  }

  /** The first port a remote start may use: no transaction, nothing plugged in, in service. */
  #freePort(): number {
    return this.#state.ports.findIndex((p) => !p.tx && !p.plugged && !p.outage);
  }

  /**
   * A remote start on port `i` with `idToken`: accepted when the port is
   * free; the driver then arrives in the simulation (after the answer), and
   * the transaction takes the token. `Rejected` when the port is not free or
   * the run has no closed loop.
   */
  #remoteStart(i: number, idToken: IdToken, extra: { remoteStartId?: number; profile?: Payload }) {
    const commands = this.#options.commands;
    const p = this.#state.ports[i];
    if (!commands || !p || p.tx || p.plugged || p.outage) return "Rejected";
    if (extra.profile) {
      const profile = profileOf(extra.profile);
      if (typeof profile === "string" || profile.purpose !== "tx") return "Rejected";
      this.#pendingProfiles.set(i, profile);
    }
    this.#setRemote(i, { idToken, remoteStartId: extra.remoteStartId });
    const chargerId = this.spec.ports[i].chargerId;
    this.#afterAnswer(() => {
      commands.send({ type: "start", chargerId }).then((outcome) => {
        if (outcome === "accepted") return;
        this.#setRemote(i, undefined);
        this.#pendingProfiles.delete(i);
        this.#log.info("{identity}: the remote start on {chargerId} did not start a session", {
          identity: this.spec.stationId,
          chargerId,
        });
      }, () => this.#setRemote(i, undefined));
    });
    return "Accepted";
  }

  /** The port whose transaction is `id` (1.6: the central system's number), or -1. */
  #portOfTransaction(id: string): number {
    return this.spec.ports.findIndex((_, i) => this.#transactionOf(i)?.id === id);
  }

  /**
   * Ends the transaction on port `i` (after the answer): the driver ends the
   * session in the simulation, `message` saying why, and the transaction
   * ends with the version's stop reason `reason`. Whether it can.
   */
  #remoteStop(i: number, reason: string, message: string): boolean {
    const commands = this.#options.commands;
    const p = this.#state.ports[i];
    if (!commands || !p?.tx) return false;
    if (p.remote?.stopReason !== undefined) return true; // already ending
    this.#setRemote(i, { ...p.remote, stopReason: reason });
    const chargerId = this.spec.ports[i].chargerId;
    this.#afterAnswer(() => {
      commands.send({ type: "stop", chargerId, message }).catch(() =>
        this.#setRemote(i, undefined)
      );
    });
    return true;
  }

  /** ChangeAvailability of the ports given (all when undefined): the simulation's answer. */
  async #changeAvailability(ports: number[], available: boolean): Promise<string> {
    const commands = this.#options.commands;
    if (!commands) return "Rejected";
    const outcomes = await Promise.all(
      ports.map((i) =>
        commands.send({ type: "availability", chargerId: this.spec.ports[i].chargerId, available })
      ),
    );
    return outcomes.includes("scheduled") ? "Scheduled" : "Accepted";
  }

  #changed(settings: Settings): void {
    const heartbeat = settings.heartbeatIntervalSec !== this.#settings.heartbeatIntervalSec;
    this.#settings = settings;
    if (heartbeat && this.#accepted) this.#startHeartbeat();
  }

  #trigger16(what: string, connector?: number): (() => void) | undefined {
    switch (what) {
      case "StatusNotification":
        return () => this.#apply(statusCalls16(this.spec, this.#state, this.#now(), connector));
      case "MeterValues":
        return () => {
          const calls = meterCalls16(
            this.spec,
            this.#state,
            this.#settings,
            this.#now(),
            connector,
          );
          this.#apply({ state: this.#state, calls });
        };
      case "Heartbeat":
        return () => void this.#sendHeartbeat();
      case "BootNotification":
        return () => void this.#triggeredBoot();
    }
    return undefined;
  }

  #trigger201(what: string, evse?: number): (() => void) | undefined {
    switch (what) {
      case "StatusNotification":
        return () => this.#apply(statusCalls201(this.spec, this.#state, this.#now(), evse));
      case "MeterValues":
      case "TransactionEvent":
        return () =>
          this.#apply(
            meterCalls201(this.spec, this.#state, this.#settings, this.#now(), what, evse),
          );
      case "Heartbeat":
        return () => void this.#sendHeartbeat();
      case "BootNotification":
        return () => {
          this.#bootReason = "Triggered";
          void this.#boot();
        };
      case "SignChargingStationCertificate":
        return () => void this.#signCertificate();
    }
    return undefined;
  }

  /**
   * 2.0.1 A02: a new key pair, and a SignCertificate with its CSR (CN: the
   * identity, O: the network, or `evsim`); the key waits for the
   * CertificateSigned the central system sends once it has signed it.
   */
  async #signCertificate(): Promise<void> {
    try {
      const csr = await this.#certificates.signRequest({
        commonName: this.#transport.identity,
        organization: this.spec.network || "evsim",
      });
      const answer = await this.#transport.call("SignCertificate", {
        csr,
        certificateType: "ChargingStationCertificate",
      });
      this.#count("SignCertificate");
      if (answer.status !== "Accepted") {
        this.#log.warn("{identity}: SignCertificate {status}: {why}", {
          identity: this.spec.stationId,
          status: answer.status,
          why: (answer.statusInfo as { reasonCode?: string } | undefined)?.reasonCode ?? "",
        });
      }
    } catch (error) {
      this.#failed("SignCertificate", error);
    }
  }

  /** 2.0.1 CertificateSigned: a new client certificate, used from the next connection if accepted. */
  async #certificateSigned(p: Payload): Promise<Payload> {
    const answer = await this.#certificates.certificateSigned(
      p.certificateChain as string,
      p.certificateType as string | undefined,
    );
    const client = this.#certificates.clientCertificate;
    if (answer.status === "Accepted" && client) {
      const renews = canRenewCertificate(this.#transport);
      if (renews) this.#transport.useClientCertificate(client);
      this.#log.info("{identity}: new client certificate {when}", {
        identity: this.spec.stationId,
        when: renews ? "used from the next connection" : "kept (its transport cannot change it)",
      });
    } else if (answer.statusInfo) {
      this.#log.warn("{identity}: CertificateSigned rejected ({reason}): {why}", {
        identity: this.spec.stationId,
        reason: answer.statusInfo.reasonCode,
        why: answer.statusInfo.additionalInfo ?? "",
      });
    }
    return { ...answer };
  }

  /** 1.6: a BootNotification the central system asked for, once booted (its answer changes nothing but the interval). */
  async #triggeredBoot(): Promise<void> {
    if (!this.#accepted) return void this.#boot();
    try {
      this.stats.boots++;
      const answer = await this.#transport.call("BootNotification", this.#bootPayload());
      this.#count("BootNotification");
      if (
        answer.status === "Accepted" && typeof answer.interval === "number" && answer.interval > 0
      ) {
        this.#changed({ ...this.#settings, heartbeatIntervalSec: answer.interval });
      }
    } catch (error) {
      this.#failed("BootNotification", error);
    }
  }
}

const REMOTE_STOP = "Stopped by the central system";

function describe(error: unknown): string {
  if (error instanceof OcppCallError) return `CALLERROR ${error.code}: ${error.message}`;
  return (error as Error).message ?? String(error);
}
