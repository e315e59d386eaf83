/**
 * A charge point's transport that records what happens on it for a load
 * test: each call's outcome and latency, and the connection opening and
 * dropping (see `recorder.ts`). Everything else is the transport underneath.
 *
 * @module
 */
import {
  type CallOptions,
  OcppCallError,
  type OcppHandler,
  type OcppTransport,
  OcppTransportError,
  type OcppVersion,
  type Payload,
  type TransportEvent,
  type TransportFactory,
} from "../ocpp/transport.ts";
import type { CallOutcome, LoadRecorder } from "./recorder.ts";

/** `inner`, recording into `recorder` as `identity`. */
export class MeteredTransport implements OcppTransport {
  readonly #inner: OcppTransport;
  readonly #recorder: LoadRecorder;

  constructor(inner: OcppTransport, recorder: LoadRecorder) {
    this.#inner = inner;
    this.#recorder = recorder;
    inner.on((e) => {
      if (e.type === "open") recorder.opened(inner.identity, e.reconnect);
      else if (e.type === "disconnect" || e.type === "closed") recorder.closed(inner.identity);
    });
  }

  get identity(): string {
    return this.#inner.identity;
  }

  get version(): OcppVersion {
    return this.#inner.version;
  }

  get connected(): boolean {
    return this.#inner.connected;
  }

  async call(action: string, payload: Payload, options?: CallOptions): Promise<Payload> {
    const sent = performance.now();
    const record = (outcome: CallOutcome, answer?: Payload) =>
      this.#recorder.call(this.identity, action, outcome, performance.now() - sent, answer);
    try {
      const answer = await this.#inner.call(action, payload, options);
      record({ type: "result" }, answer);
      return answer;
    } catch (error) {
      // A call its own schema check refused never left: not the central system's doing.
      if (error instanceof OcppCallError && !error.local) {
        record({ type: "callError", code: error.code });
      } else if (error instanceof OcppTransportError) {
        record(error.failure === "timeout" ? { type: "timeout" } : { type: "lost" });
      }
      throw error;
    }
  }

  handle(action: string, handler: OcppHandler): void {
    this.#inner.handle(action, handler);
  }

  on(listener: (event: TransportEvent) => void): () => void {
    return this.#inner.on(listener);
  }

  connect(signal?: AbortSignal): Promise<void> {
    return this.#inner.connect(signal);
  }

  close(options?: { code?: number; reason?: string; force?: boolean }): Promise<void> {
    return this.#inner.close(options);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.#inner[Symbol.asyncDispose]();
  }
}

/** Makes transports with `make` and meters each into `recorder`. */
export function meteredFactory(make: TransportFactory, recorder: LoadRecorder): TransportFactory {
  return (options) => new MeteredTransport(make(options), recorder);
}
