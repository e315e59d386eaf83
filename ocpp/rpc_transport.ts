/**
 * The transport on ocpp-rpc (npm, MIT): a charge point's client that
 * reconnects with backoff, a central system's server, and the official JSON
 * schemas of OCPP 1.6 and 2.0.1 that its strict mode checks. The only file of
 * evsim that imports ocpp-rpc.
 *
 * @module
 */
import { createServer as createHttpsServer } from "node:https";
import { createValidator, RPCClient, RPCServer } from "ocpp-rpc";
import schemas16 from "ocpp-rpc/lib/schemas/ocpp1_6.json" with { type: "json" };
import schemas201 from "ocpp-rpc/lib/schemas/ocpp2_0_1.json" with { type: "json" };
import {
  type CallOptions,
  OcppCallError,
  type OcppHandler,
  type OcppPeer,
  type OcppTransport,
  OcppTransportError,
  type OcppVersion,
  type Payload,
  SUBPROTOCOLS,
  type TransportEvent,
  type TransportOptions,
  versionOf,
} from "./transport.ts";

// The parts of ocpp-rpc used here, typed narrowly (its own types want every option).
interface RpcError extends Error {
  rpcErrorCode?: string;
  details?: Payload;
}
interface RpcEmitter {
  on(event: string, listener: (arg: never) => void): void;
  off(event: string, listener: (arg: never) => void): void;
}
interface RpcClientLike extends RpcEmitter {
  readonly identity: string;
  readonly protocol: string | undefined;
  readonly state: number;
  connect(): Promise<unknown>;
  call(method: string, params: unknown, options?: Record<string, unknown>): Promise<unknown>;
  handle(method: string, handler: (call: { params: Payload; method: string }) => unknown): void;
  close(options?: Record<string, unknown>): Promise<unknown>;
  sendRaw(message: string): void;
  /** The `ws` socket of the connection, if open; its `_socket` is the TCP (or TLS) socket. */
  readonly _ws?: { _socket?: { pause(): void; resume(): void } };
}
interface ServerHandshake {
  identity: string;
  protocols: Set<string>;
  password?: Uint8Array;
  remoteAddress?: string;
}
interface RpcServerLike extends RpcEmitter {
  listen(port: number, host: string): Promise<{ address(): { port: number } | string | null }>;
  auth(
    cb: (
      accept: (session?: Record<string, unknown>, protocol?: string) => void,
      reject: (code: number, message: string) => void,
      handshake: ServerHandshake,
    ) => void,
  ): void;
  close(options?: Record<string, unknown>): Promise<void>;
}

const OPEN = 1;
/** How long after a connection opens it is announced (see `RpcPeer`). */
const OPEN_GRACE_MS = 20;
type ValidationFailure = {
  method: string;
  error: Error;
  outbound: boolean;
  isCall: boolean;
  params: unknown;
  result: unknown;
};

/** Wraps one ocpp-rpc client (of a charge point, or a server's view of one) as an {@link OcppPeer}. */
class RpcPeer implements OcppPeer {
  readonly #client: RpcClientLike;
  readonly #listeners = new Set<(event: TransportEvent) => void>();
  readonly #localFailures = new WeakSet<Error>();
  readonly #callTimeoutMs: number;
  #version: OcppVersion;
  protected opened = 0;

  constructor(client: RpcClientLike, version: OcppVersion, callTimeoutMs: number) {
    this.#client = client;
    this.#version = version;
    this.#callTimeoutMs = callTimeoutMs;
    client.on("strictValidationFailure", (f: ValidationFailure) => {
      if (f.outbound && f.isCall) this.#localFailures.add(f.error);
      this.emit({
        type: "schema_violation",
        action: f.method,
        part: f.isCall ? "call" : "result",
        outbound: f.outbound,
        error: f.error.message,
        payload: f.isCall ? f.params : f.result,
      });
    });
    client.on("badMessage", (b: { buffer: { toString(): string }; error: Error }) => {
      this.emit({ type: "bad_message", message: String(b.buffer), error: b.error.message });
    });
    client.on("disconnect", (d: { code?: number; reason?: unknown }) => {
      this.emit({ type: "disconnect", code: d.code ?? 1006, reason: String(d.reason ?? "") });
    });
    client.on("close", (d: { code?: number; reason?: unknown }) => {
      this.emit({ type: "closed", code: d.code ?? 1006, reason: String(d.reason ?? "") });
    });
    // Announced a little after it opens: a frame sent the moment a connection opens is now and
    // then lost between ocpp-rpc's client and server under Deno (about one run in four of 152
    // charge points booting at once on loopback: a BootNotification the server never saw).
    client.on("open", () => {
      const reconnect = ++this.opened > 1;
      setTimeout(() => this.emit({ type: "open", reconnect }), OPEN_GRACE_MS);
    });
    // Without a handler, ocpp-rpc answers NotImplemented; the charge point sets its own.
  }

  get identity(): string {
    return this.#client.identity;
  }

  onFrame(listener: (text: string, outbound: boolean) => void): () => void {
    const on = ({ message, outbound }: { message: unknown; outbound: boolean }) =>
      listener(String(message), outbound);
    this.#client.on("message", on as (e: unknown) => void);
    return () => this.#client.off?.("message", on as (e: unknown) => void);
  }

  get version(): OcppVersion {
    return versionOf(this.#client.protocol) ?? this.#version;
  }

  get connected(): boolean {
    return this.#client.state === OPEN;
  }

  protected emit(event: TransportEvent): void {
    for (const listener of this.#listeners) listener(event);
  }

  on(listener: (event: TransportEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  async call(action: string, payload: Payload, options: CallOptions = {}): Promise<Payload> {
    // ocpp-rpc would hold a call made while reconnecting and send it later, even after its
    // caller gave up on it: a call is made only on an open connection.
    if (!this.connected) {
      throw new OcppTransportError("not_connected", `${action}: not connected`);
    }
    try {
      return await this.#client.call(action, payload, {
        callTimeoutMs: options.timeoutMs ?? this.#callTimeoutMs,
        signal: options.signal,
      }) as Payload;
    } catch (error) {
      throw this.#mapError(action, error as RpcError, options.signal);
    }
  }

  #mapError(action: string, error: RpcError, signal?: AbortSignal): Error {
    if (signal?.aborted) return signal.reason instanceof Error ? signal.reason : error;
    if (error.rpcErrorCode) {
      const local = this.#localFailures.has(error);
      return new OcppCallError(
        error.rpcErrorCode,
        local ? `${action} breaks the schema: ${error.message}` : error.message,
        { details: error.details, local, cause: error },
      );
    }
    if (error.name === "TimeoutError" || error.constructor?.name === "TimeoutError") {
      return new OcppTransportError("timeout", `${action}: no answer in time`, { cause: error });
    }
    if (error.name === "AbortError") {
      return new OcppTransportError("disconnected", `${action}: ${error.message}`, {
        cause: error,
      });
    }
    return new OcppTransportError("not_connected", `${action}: ${error.message}`, {
      cause: error,
    });
  }

  handle(action: string, handler: OcppHandler): void {
    const wrapped = async ({ params, method }: { params: Payload; method: string }) => {
      try {
        return await handler(params, method);
      } catch (error) {
        if (error instanceof OcppCallError) {
          throw Object.assign(new Error(error.message), {
            rpcErrorCode: error.code,
            rpcErrorMessage: error.message,
            details: error.details,
          });
        }
        throw error;
      }
    };
    if (action === "*") {
      (this.#client.handle as unknown as (h: typeof wrapped) => void)(wrapped);
    } else {
      this.#client.handle(action, wrapped);
    }
  }

  sendRaw(text: string): boolean {
    if (!this.connected) return false;
    this.#client.sendRaw(text);
    return true;
  }

  stall(on: boolean): void {
    // ocpp-rpc keeps the `ws` socket as `_ws`, and `ws` the network socket as `_socket`.
    const socket = this.#client._ws?._socket;
    if (on) socket?.pause();
    else socket?.resume();
  }

  async close(options: { code?: number; reason?: string; force?: boolean } = {}): Promise<void> {
    await this.#client.close({ code: options.code, reason: options.reason, force: options.force });
  }
}

class RpcClientTransport extends RpcPeer implements OcppTransport {
  readonly #client: RpcClientLike;
  readonly #backoff: { initialMs: number; maxMs: number };
  #closed = false;
  #timer?: ReturnType<typeof setTimeout>;

  constructor(
    client: RpcClientLike,
    version: OcppVersion,
    callTimeoutMs: number,
    backoff: { initialMs: number; maxMs: number },
  ) {
    super(client, version, callTimeoutMs);
    this.#client = client;
    this.#backoff = backoff;
  }

  /**
   * Connects; rejects if the first attempt fails, and keeps trying in the
   * background (ocpp-rpc reconnects only a connection that was once open),
   * with the same backoff, until it gets through, `signal` aborts or the
   * transport is closed.
   */
  async connect(signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    this.#closed = false; // connecting again after a close
    try {
      await this.#client.connect();
    } catch (error) {
      this.#retry(signal);
      throw new OcppTransportError("not_connected", (error as Error).message, { cause: error });
    }
  }

  #retry(signal?: AbortSignal): void {
    let delay = this.#backoff.initialMs;
    const attempt = () => {
      if (this.#closed || signal?.aborted) return;
      this.#client.connect().catch(() => {
        delay = Math.min(this.#backoff.maxMs, delay * 2);
        wait();
      });
    };
    const wait = () => {
      if (this.#closed || signal?.aborted) return;
      // Jittered by ±25 %, as ocpp-rpc's own reconnects are.
      this.#timer = setTimeout(attempt, delay * (0.75 + Math.random() * 0.5));
      signal?.addEventListener("abort", () => clearTimeout(this.#timer), { once: true });
    };
    wait();
  }

  override async close(
    options: { code?: number; reason?: string; force?: boolean } = {},
  ): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#timer);
    await super.close(options);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close({ force: true });
  }
}

/**
 * A charge point's transport on ocpp-rpc: it connects to `url/identity` with
 * the version's subprotocol, reconnects with exponential backoff (jittered)
 * when the connection drops, and in strict mode checks every message against
 * the official schemas.
 */
export function getRpcTransport(options: TransportOptions): OcppTransport {
  const callTimeoutMs = options.callTimeoutMs ?? 30_000;
  const backoff = options.backoff ?? { initialMs: 1000, maxMs: 30_000 };
  const client = new (RPCClient as unknown as new (o: Record<string, unknown>) => RpcClientLike)({
    endpoint: options.url.replace(/\/+$/, ""),
    identity: options.identity,
    protocols: [SUBPROTOCOLS[options.version]],
    strictMode: options.strict ?? true,
    callTimeoutMs,
    pingIntervalMs: options.pingIntervalMs ?? 30_000,
    password: options.password ?? null,
    ...((options.ca !== undefined || options.clientCert) && {
      wsOpts: { ca: options.ca, cert: options.clientCert?.cert, key: options.clientCert?.key },
    }),
    reconnect: true,
    backoff: {
      initialDelay: backoff.initialMs,
      maxDelay: backoff.maxMs,
      factor: 2,
      randomisationFactor: 0.25,
    },
  });
  return new RpcClientTransport(client, options.version, callTimeoutMs, backoff);
}

/** A central system's server: it listens, and hands over each charge point that connects. */
export interface OcppServer extends AsyncDisposable {
  /** The port it listens on. */
  readonly port: number;
  /** Stops listening and drops every connection. */
  close(): Promise<void>;
}

/** Options of {@link listenRpcServer}. */
export interface ServerOptions {
  /** The address to bind. @default {"127.0.0.1"} */
  host?: string;
  /** The port; 0 for any free one. @default {0} */
  port?: number;
  /** The versions accepted, in the server's order of preference. @default {["2.0.1", "1.6"]} */
  versions?: OcppVersion[];
  /** Checks every message against the version's schemas, answering breaches with a CALLERROR. @default {true} */
  strict?: boolean;
  /** How long a call to a charge point waits for its answer. @default {30000} */
  callTimeoutMs?: number;
  /** WebSocket ping interval; 0 for none. @default {0} */
  pingIntervalMs?: number;
  /**
   * Decides whether a charge point may connect (security profile 1): its
   * identity and the Basic auth password it gave, if any. @default {every one}
   */
  accept?: (identity: string, password: string | undefined) => boolean;
  /** Serves `wss://` with this certificate and key (PEM) instead of `ws://`. @default {none} */
  tls?: { cert: string; key: string };
}

/**
 * Listens for charge points on ocpp-rpc. A connection whose subprotocols name
 * none of `versions` is refused (HTTP 400) before the WebSocket opens.
 */
export async function listenRpcServer(
  onPeer: (peer: OcppPeer) => void,
  options: ServerOptions = {},
): Promise<OcppServer> {
  const versions = options.versions ?? ["2.0.1", "1.6"];
  const callTimeoutMs = options.callTimeoutMs ?? 30_000;
  const server = new (RPCServer as unknown as new (o: Record<string, unknown>) => RpcServerLike)({
    protocols: versions.map((v) => SUBPROTOCOLS[v]),
    strictMode: options.strict ?? true,
    callTimeoutMs,
    pingIntervalMs: options.pingIntervalMs ?? 0,
  });
  const peers = new Set<RpcClientLike>();
  server.auth((accept, reject, handshake) => {
    const protocol = versions.map((v) => SUBPROTOCOLS[v]).find((p) => handshake.protocols.has(p));
    if (!protocol) {
      return reject(400, `no supported subprotocol (offered: ${[...handshake.protocols]})`);
    }
    const password = handshake.password && new TextDecoder().decode(handshake.password);
    if (options.accept && !options.accept(handshake.identity, password)) {
      return reject(401, "unauthorized");
    }
    accept({}, protocol);
  });
  server.on("client", (client: RpcClientLike) => {
    peers.add(client);
    client.on("close", () => peers.delete(client));
    onPeer(new RpcPeer(client, versionOf(client.protocol)!, callTimeoutMs));
  });
  const host = options.host ?? "127.0.0.1";
  let tls: ReturnType<typeof createHttpsServer> | undefined;
  let address: ReturnType<Awaited<ReturnType<RpcServerLike["listen"]>>["address"]>;
  if (options.tls) {
    // wss://: ocpp-rpc's upgrade handler on an HTTPS server of our own.
    const https = tls = createHttpsServer({ cert: options.tls.cert, key: options.tls.key });
    https.on(
      "upgrade",
      (server as unknown as { handleUpgrade: (...a: unknown[]) => void }).handleUpgrade,
    );
    await new Promise<void>((resolve, reject) => {
      https.once("error", reject);
      https.listen(options.port ?? 0, host, () => resolve());
    });
    address = https.address();
  } else {
    address = (await server.listen(options.port ?? 0, host)).address();
  }
  const port = typeof address === "object" && address ? address.port : 0;
  let closing: Promise<void> | undefined;
  const close = () =>
    closing ??= (async () => {
      await Promise.allSettled([...peers].map((p) => p.close({ force: true })));
      await server.close({ force: true });
      if (tls) {
        tls.closeAllConnections();
        await new Promise((resolve) => tls!.close(resolve));
      }
    })();
  return { port, close, [Symbol.asyncDispose]: close };
}

const SCHEMAS: Record<OcppVersion, { $id: string }[]> = {
  "1.6": schemas16 as { $id: string }[],
  "2.0.1": schemas201 as { $id: string }[],
};

/** Checks payloads against the official JSON schemas of one version. */
export interface SchemaCheck {
  /** The problem with `payload` as the request (`req`) or answer (`conf`) of `action`, or undefined. */
  (action: string, part: "req" | "conf", payload: unknown): string | undefined;
  /** The actions the version defines (both directions). */
  readonly actions: ReadonlySet<string>;
}

const checks = new Map<OcppVersion, SchemaCheck>();

/** The schema check of `version` (the schemas ocpp-rpc's strict mode uses). */
export function schemaCheck(version: OcppVersion): SchemaCheck {
  let check = checks.get(version);
  if (!check) {
    const validator = createValidator(SUBPROTOCOLS[version], SCHEMAS[version]);
    const actions = new Set(
      SCHEMAS[version].map((s) => s.$id.replace(/^urn:/, "").replace(/\.(req|conf)$/, "")),
    );
    check = Object.assign((action: string, part: "req" | "conf", payload: unknown) => {
      try {
        validator.validate(`urn:${action}.${part}`, payload);
        return undefined;
      } catch (error) {
        return (error as Error).message;
      }
    }, { actions });
    checks.set(version, check);
  }
  return check;
}
