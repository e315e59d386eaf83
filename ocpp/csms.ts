/**
 * A small central system for tests and for watching a simulation: it accepts
 * OCPP 1.6 and 2.0.1 charge points (by WebSocket subprotocol), checks every
 * message against the official schemas (strict mode) and the rules schemas
 * cannot express (`csms_rules.ts`), answers as a permissive CSMS would
 * (every boot and token accepted), records what it received and every
 * violation, and can send calls to a charge point or drop its connection. It
 * binds 127.0.0.1 unless told otherwise.
 *
 * @module
 */
import { getLogger } from "@logtape/logtape";
import { StationRules, type TransactionRecord } from "./csms_rules.ts";
import { listenRpcServer, type OcppServer } from "./rpc_transport.ts";
import {
  type CallOptions,
  OcppCallError,
  type OcppPeer,
  OcppTransportError,
  type OcppVersion,
  type Payload,
} from "./transport.ts";

const logger = getLogger(["evsim", "csms"]);

/** Message IDs of a connection remembered to find one used twice. */
const IDS_KEPT = 10_000;

/** A call a charge point made. */
export interface ReceivedCall {
  identity: string;
  version: OcppVersion;
  action: string;
  payload: Payload;
  /** Wall-clock ms when it arrived. */
  at: number;
}

/** A message that broke a schema or a rule. */
export interface Violation {
  identity: string;
  action: string;
  /** `schema`: the official JSON schema; `rule`: a rule of `csms_rules.ts`. */
  kind: "schema" | "rule";
  message: string;
  payload?: unknown;
}

/** What the central system knows of one charge point. */
export interface CsmsStation {
  identity: string;
  version: OcppVersion;
  connected: boolean;
  /** Times it connected. */
  connections: number;
  /** BootNotifications it sent. */
  boots: number;
  /** Calls received, by action. */
  calls: Record<string, number>;
  /** The rule checker, with its transactions. */
  rules: StationRules;
}

/** How the central system answers a call, instead of its default answer. */
export type AnswerHook = (call: ReceivedCall) => Payload | OcppCallError | undefined;

/** Told of each call the central system answered, and of the answer. */
export type CallListener = (call: ReceivedCall, answer: Payload) => void;

/** Options of {@link startCsms}. */
export interface CsmsOptions {
  /** @default {"127.0.0.1"} */
  host?: string;
  /** @default {0: any free port} */
  port?: number;
  /** @default {["2.0.1", "1.6"]} */
  versions?: OcppVersion[];
  /** Checks every message against the schemas and answers breaches with a CALLERROR. @default {true} */
  strict?: boolean;
  /** The heartbeat interval given in the BootNotification answer, seconds. @default {300} */
  heartbeatIntervalSec?: number;
  /**
   * The answer to a BootNotification (`attempt`: 1 for its first since it
   * connected). @default {Accepted with `heartbeatIntervalSec`}
   */
  boot?: (identity: string, attempt: number) => { status: string; interval?: number };
  /** Answers a call differently: a payload, a CALLERROR, or undefined for the default. */
  answer?: AnswerHook;
  /** Keeps every call received in `received`. @default {true} */
  record?: boolean;
  /** Who may connect: identity and Basic auth password. @default {everyone} */
  accept?: (identity: string, password: string | undefined) => boolean;
  /** Serves `wss://` with this certificate and key (PEM). @default {none: ws://} */
  tls?: { cert: string; key: string };
}

/** A running central system. */
export interface Csms extends AsyncDisposable {
  /** `ws://host:port`: a charge point connects to `url/identity`. */
  readonly url: string;
  readonly port: number;
  /** Every call received (when `record`), in order of arrival. */
  readonly received: readonly ReceivedCall[];
  readonly violations: readonly Violation[];
  readonly stations: ReadonlyMap<string, CsmsStation>;
  /** Every transaction of every charge point. */
  transactions(): (TransactionRecord & { identity: string })[];
  /**
   * Calls `listener` with each call answered from now on (not those answered
   * with a CALLERROR) and its answer, as the answer goes out; returns the
   * function that unsubscribes. A listener that throws is logged, not fatal.
   */
  onCall(listener: CallListener): () => void;
  /** Sends a call to a connected charge point and resolves with its answer (`options`: its timeout). */
  call(identity: string, action: string, payload: Payload, options?: CallOptions): Promise<Payload>;
  /** Drops a charge point's connection without a closing handshake. */
  drop(identity: string): Promise<void>;
  /** Resolves once `test` holds (checked after each call received), or rejects after `timeoutMs`. */
  waitFor(test: () => boolean, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

/** Starts a central system. */
export async function startCsms(options: CsmsOptions = {}): Promise<Csms> {
  const host = options.host ?? "127.0.0.1";
  const record = options.record ?? true;
  const heartbeat = options.heartbeatIntervalSec ?? 300;
  const received: ReceivedCall[] = [];
  const violations: Violation[] = [];
  const stations = new Map<string, CsmsStation>();
  const peers = new Map<string, OcppPeer>();
  const waiters = new Set<() => void>();
  const listeners = new Set<CallListener>();
  let nextTransactionId = 1;

  /** Tells the listeners of an answered call. */
  const answered = (call: ReceivedCall, answer: Payload): Payload => {
    for (const listener of listeners) {
      try {
        listener(call, answer);
      } catch (error) {
        logger.error("A call listener failed on {identity} {action}: {error}", {
          identity: call.identity,
          action: call.action,
          error,
        });
      }
    }
    return answer;
  };

  const violate = (v: Violation) => {
    violations.push(v);
    logger.warn("{identity}: {action} breaks {kind}: {message}", { ...v });
  };

  const onPeer = (peer: OcppPeer) => {
    const identity = peer.identity;
    let station = stations.get(identity);
    if (!station || station.version !== peer.version) {
      station = {
        identity,
        version: peer.version,
        connected: true,
        connections: 0,
        boots: 0,
        calls: {},
        rules: new StationRules(peer.version),
      };
      stations.set(identity, station);
    }
    const s = station;
    s.connected = true;
    s.connections++;
    peers.set(identity, peer);
    let attempt = 0;
    // OCPP-J: a CALL's message ID differs from every one the sender used before on the
    // connection. The last IDs_KEPT are remembered.
    const ids = new Set<string>();
    peer.onFrame((text, outbound) => {
      if (outbound) return;
      const id = /^\[\s*2\s*,\s*"((?:[^"\\]|\\.)*)"/.exec(text)?.[1];
      if (id === undefined) return;
      if (ids.has(id)) {
        const action = /^\[\s*2\s*,\s*"(?:[^"\\]|\\.)*"\s*,\s*"([^"]*)"/.exec(text)?.[1] ?? "";
        violate({ identity, action, kind: "rule", message: `message ID ${id} used twice` });
        return;
      }
      ids.add(id);
      if (ids.size > IDS_KEPT) ids.delete(ids.values().next().value!);
    });
    peer.on((e) => {
      if (e.type === "closed" || e.type === "disconnect") {
        s.connected = false;
        if (peers.get(identity) === peer) peers.delete(identity);
      } else if (e.type === "schema_violation" && !e.outbound && e.part === "call") {
        violate({
          identity,
          action: e.action,
          kind: "schema",
          message: e.error,
          payload: e.payload,
        });
        notify();
      } else if (e.type === "bad_message") {
        violate({ identity, action: "", kind: "schema", message: `bad frame: ${e.error}` });
      }
    });
    peer.handle("*", (payload, action) => {
      const call: ReceivedCall = { identity, version: s.version, action, payload, at: Date.now() };
      if (record) received.push(call);
      s.calls[action] = (s.calls[action] ?? 0) + 1;
      try {
        const custom = options.answer?.(call);
        if (custom instanceof OcppCallError) throw custom;
        let transactionId: number | undefined;
        if (action === "StartTransaction" && !custom) transactionId = nextTransactionId++;
        else if (action === "StartTransaction") transactionId = custom?.transactionId as number;
        if (action === "BootNotification") {
          s.boots++;
          const boot = options.boot?.(identity, ++attempt) ?? { status: "Accepted" };
          const answer = custom ?? {
            status: boot.status,
            interval: boot.interval ?? heartbeat,
            currentTime: new Date().toISOString(),
          };
          for (const m of s.rules.observe(action, payload)) {
            violate({ identity, action, kind: "rule", message: m, payload });
          }
          s.rules.booted(answer.status as string);
          return answered(call, answer);
        }
        for (const m of s.rules.observe(action, payload, transactionId)) {
          violate({ identity, action, kind: "rule", message: m, payload });
        }
        return answered(call, custom ?? defaultAnswer(s.version, action, payload, transactionId));
      } finally {
        notify();
      }
    });
  };

  const notify = () => {
    for (const w of waiters) w();
  };

  const server: OcppServer = await listenRpcServer(onPeer, {
    host,
    port: options.port,
    versions: options.versions,
    strict: options.strict ?? true,
    accept: options.accept,
    tls: options.tls,
  });
  const shownHost = host.includes(":") ? `[${host}]` : host;
  const scheme = options.tls ? "wss" : "ws";
  logger.info("Central system listening on {scheme}://{host}:{port}", {
    scheme,
    host: shownHost,
    port: server.port,
  });

  const close = () => server.close();
  return {
    url: `${scheme}://${shownHost}:${server.port}`,
    port: server.port,
    received,
    violations,
    stations,
    transactions: () =>
      [...stations.values()].flatMap((s) =>
        s.rules.transactions.map((t) => ({ ...t, identity: s.identity }))
      ),
    onCall(listener) {
      const entry: CallListener = (call, answer) => listener(call, answer);
      listeners.add(entry);
      return () => {
        listeners.delete(entry);
      };
    },
    async call(identity, action, payload, callOptions) {
      const peer = peers.get(identity);
      if (!peer) throw new OcppTransportError("not_connected", `${identity} is not connected`);
      return await peer.call(action, payload, callOptions);
    },
    async drop(identity) {
      await peers.get(identity)?.close({ force: true });
    },
    waitFor(test, timeoutMs = 10_000) {
      if (test()) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const check = () => {
          if (!test()) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve();
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`central system: condition not met in ${timeoutMs} ms`));
        }, timeoutMs);
        waiters.add(check);
      });
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}

/** What a permissive central system answers. */
function defaultAnswer(
  version: OcppVersion,
  action: string,
  payload: Payload,
  transactionId?: number,
): Payload {
  const now = new Date().toISOString();
  switch (action) {
    case "Heartbeat":
      return { currentTime: now };
    case "Authorize":
      return version === "1.6"
        ? { idTagInfo: { status: "Accepted" } }
        : { idTokenInfo: { status: "Accepted" } };
    case "StartTransaction":
      return { transactionId: transactionId!, idTagInfo: { status: "Accepted" } };
    case "StopTransaction":
      return payload.idTag ? { idTagInfo: { status: "Accepted" } } : {};
    case "TransactionEvent":
      return payload.idToken ? { idTokenInfo: { status: "Accepted" } } : {};
    case "StatusNotification":
    case "MeterValues":
    case "NotifyEvent":
    case "FirmwareStatusNotification":
    case "DiagnosticsStatusNotification":
    case "SecurityEventNotification":
    case "LogStatusNotification":
      return {};
    case "DataTransfer":
      return { status: "UnknownVendorId" };
  }
  throw new OcppCallError("NotImplemented", `${action} is not handled by this central system`);
}
