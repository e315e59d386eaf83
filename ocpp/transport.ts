/**
 * The transport of OCPP-J: a WebSocket connection that carries CALLs, their
 * results and CALLERRORs, in either direction. Charge points and the test
 * central system are written against these interfaces only; the
 * implementation on ocpp-rpc is `rpc_transport.ts`, the one file that imports
 * it.
 *
 * @module
 */

/** The OCPP versions a charge point speaks. */
export type OcppVersion = "1.6" | "2.0.1";

/** The WebSocket subprotocol of each version. */
export const SUBPROTOCOLS: Readonly<Record<OcppVersion, string>> = {
  "1.6": "ocpp1.6",
  "2.0.1": "ocpp2.0.1",
};

/** The version a WebSocket subprotocol names, if it is one evsim speaks. */
export function versionOf(subprotocol: string | undefined): OcppVersion | undefined {
  if (subprotocol === "ocpp1.6") return "1.6";
  if (subprotocol === "ocpp2.0.1") return "2.0.1";
  return undefined;
}

/** The payload of a CALL or of its result: a JSON object. */
export type Payload = Record<string, unknown>;

/** The error codes of a CALLERROR (OCPP-J 1.6 §4.2.3 with its errata, 2.0.1 Part 4 §4.2.3). */
export type OcppErrorCode =
  | "NotImplemented"
  | "NotSupported"
  | "InternalError"
  | "ProtocolError"
  | "SecurityError"
  | "FormationViolation"
  | "FormatViolation"
  | "PropertyConstraintViolation"
  | "OccurrenceConstraintViolation"
  | "OccurenceConstraintViolation"
  | "TypeConstraintViolation"
  | "GenericError"
  | "MessageTypeNotSupported"
  | "RpcFrameworkError";

/**
 * A CALLERROR: the other side answered a call with an error, or (`local`) the
 * call was refused before it was sent because its payload broke the schema.
 * A handler throws one to answer with that error code.
 */
export class OcppCallError extends Error {
  /** The error code of the CALLERROR. */
  readonly code: string;
  /** The CALLERROR's details object. */
  readonly details: Payload;
  /** The call never left: this side's own strict validation refused it. */
  readonly local: boolean;

  constructor(
    code: OcppErrorCode | string,
    message: string,
    options: { details?: Payload; local?: boolean; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = "OcppCallError";
    this.code = code;
    this.details = options.details ?? {};
    this.local = options.local ?? false;
  }
}

/** Why a call got no answer. */
export type TransportFailure =
  /** The connection was not open: the call was not sent. */
  | "not_connected"
  /** The connection dropped with the call in flight: it may or may not have arrived. */
  | "disconnected"
  /** No answer came in time. */
  | "timeout";

/** A call that got no answer: see {@link TransportFailure}. */
export class OcppTransportError extends Error {
  readonly failure: TransportFailure;

  constructor(failure: TransportFailure, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "OcppTransportError";
    this.failure = failure;
  }
}

/** Answers a CALL from the other side; throw an {@link OcppCallError} to answer with one. */
export type OcppHandler = (payload: Payload, action: string) => Payload | Promise<Payload>;

/** What happened to a connection. */
export type TransportEvent =
  /** The connection is open: for the first time, or again after it dropped. */
  | { type: "open"; reconnect: boolean }
  /** The connection dropped; a client tries again unless it was closed. */
  | { type: "disconnect"; code: number; reason: string }
  /** The connection is closed for good (closed by this side, or the client gave up). */
  | { type: "closed"; code: number; reason: string }
  /** The other side sent a frame that is not valid OCPP-J (answered with a CALLERROR). */
  | { type: "bad_message"; message: string; error: string }
  /** A message broke the version's schema (`outbound`: one of ours). */
  | {
    type: "schema_violation";
    action: string;
    /** A CALL's payload, or the payload of a result. */
    part: "call" | "result";
    outbound: boolean;
    error: string;
    payload: unknown;
  };

/** One side of an OCPP-J connection: a charge point's client, or a central system's view of one. */
export interface OcppPeer {
  /** The charge point's identity (the last path segment of the URL). */
  readonly identity: string;
  /** The version the two sides agreed on. */
  readonly version: OcppVersion;
  /** Whether the connection is open now. */
  readonly connected: boolean;
  /**
   * Sends a CALL and resolves with its result. Rejects with an
   * {@link OcppCallError} (a CALLERROR) or an {@link OcppTransportError} (no
   * answer). Calls are sent one at a time, in the order made.
   */
  call(action: string, payload: Payload, options?: CallOptions): Promise<Payload>;
  /** Answers CALLs of `action` (`"*"`: of any action without a handler of its own). */
  handle(action: string, handler: OcppHandler): void;
  /** Listens to what happens to the connection; returns the function that stops listening. */
  on(listener: (event: TransportEvent) => void): () => void;
  /**
   * Listens to every frame sent (`outbound`) and received, as its text;
   * returns the function that stops listening. For traces: a peer nobody
   * listens to this way pays nothing for it.
   */
  onFrame(listener: (text: string, outbound: boolean) => void): () => void;
  /**
   * Sends `text` as it is, a frame of its own: a chaos test's frame sent
   * twice with its message ID. Whether it went (nothing goes while the
   * connection is closed).
   */
  sendRaw(text: string): boolean;
  /**
   * Stops reading the socket (`true`) as a link that died without a word
   * does (a half-open connection): the other side's frames and pings stay
   * unread until it reads again (`false`) or the connection closes.
   */
  stall(on: boolean): void;
  /** Closes the connection (`force`: drops the socket without a closing handshake). */
  close(options?: { code?: number; reason?: string; force?: boolean }): Promise<void>;
}

/** Options of one call. */
export interface CallOptions {
  /** How long to wait for the answer. @default {the transport's call timeout} */
  timeoutMs?: number;
  /** Cancels the wait. */
  signal?: AbortSignal;
}

/** A charge point's connection to its central system: it connects, and reconnects when it drops. */
export interface OcppTransport extends OcppPeer, AsyncDisposable {
  /**
   * Opens the connection; resolves once it is open. Rejects if this first
   * attempt fails (the transport then keeps trying in the background, and
   * says `open` when it gets through, unless closed).
   */
  connect(signal?: AbortSignal): Promise<void>;
}

/**
 * A transport that passes everything to `inner`: the base of one that wraps
 * another and changes part of what it does, overriding only that.
 */
export class ForwardingTransport implements OcppTransport {
  /** The transport underneath. */
  protected inner: OcppTransport;

  constructor(inner: OcppTransport) {
    this.inner = inner;
  }

  get identity(): string {
    return this.inner.identity;
  }

  get version(): OcppVersion {
    return this.inner.version;
  }

  get connected(): boolean {
    return this.inner.connected;
  }

  call(action: string, payload: Payload, options?: CallOptions): Promise<Payload> {
    return this.inner.call(action, payload, options);
  }

  handle(action: string, handler: OcppHandler): void {
    this.inner.handle(action, handler);
  }

  on(listener: (event: TransportEvent) => void): () => void {
    return this.inner.on(listener);
  }

  onFrame(listener: (text: string, outbound: boolean) => void): () => void {
    return this.inner.onFrame(listener);
  }

  sendRaw(text: string): boolean {
    return this.inner.sendRaw(text);
  }

  stall(on: boolean): void {
    this.inner.stall(on);
  }

  connect(signal?: AbortSignal): Promise<void> {
    return this.inner.connect(signal);
  }

  close(options?: { code?: number; reason?: string; force?: boolean }): Promise<void> {
    return this.inner.close(options);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.inner[Symbol.asyncDispose]();
  }
}

/** Options of a charge point's transport. */
export interface TransportOptions {
  /** The central system's URL (`ws://` or `wss://`); the identity is appended as a path segment. */
  url: string;
  /** The charge point's identity. */
  identity: string;
  version: OcppVersion;
  /** Basic auth password (security profile 1). @default {none} */
  password?: string;
  /** Certificates (PEM) to trust for `wss://`, besides the system's. @default {the system's} */
  ca?: string;
  /**
   * This charge point's client certificate and its key (PEM), for a central
   * system that asks for one (security profile 3: mutual TLS). @default {none}
   */
  clientCert?: { cert: string; key: string };
  /** Checks every message, sent and received, against the version's JSON schemas. @default {true} */
  strict?: boolean;
  /** How long a call waits for its answer. @default {30000} */
  callTimeoutMs?: number;
  /** WebSocket ping interval; 0 for none. @default {30000} */
  pingIntervalMs?: number;
  /** Reconnect delays: the first, and the cap (doubling with jitter in between). @default {{ initialMs: 1000, maxMs: 30000 }} */
  backoff?: { initialMs: number; maxMs: number };
}

/** Makes a charge point's transport: the factory a fleet of charge points is given. */
export type TransportFactory = (options: TransportOptions) => OcppTransport;
