/**
 * A charge point's transport that records what happens on it for a load
 * test: each call's outcome and latency, and the connection opening and
 * dropping (see `recorder.ts`); and, while a chaos phase has it misbehave,
 * the misbehaviour, each act counted. Everything else is the transport
 * underneath.
 *
 * @module
 */
import type { Random } from "../core/random.ts";
import {
  type CallOptions,
  ForwardingTransport,
  OcppCallError,
  type OcppHandler,
  type OcppTransport,
  OcppTransportError,
  type Payload,
  type TransportFactory,
} from "../ocpp/transport.ts";
import type { CallOutcome, LoadRecorder } from "./recorder.ts";

/** How a charge point misbehaves on the link (the scenario's `chaos` phase). */
export interface Chaos {
  /** Each call waits this long before it goes, ms. */
  latencyMs?: number;
  /** The share of calls whose frame goes twice, with the same message ID. */
  duplicate?: number;
  /**
   * The connection is half open: the socket stays up, but nothing it sends
   * goes (calls wait for `over`) and nothing from the central system is
   * read (its calls and pings go unanswered).
   */
  halfOpen?: boolean;
  /** Every `timestamp` it sends is off by this much, ms. */
  clockSkewMs?: number;
  /** The central system's calls are answered only once `over` resolves. */
  unresponsive?: boolean;
  /** Draws which calls go twice. */
  random: Random;
  /** Resolves when the chaos ends. */
  over: Promise<void>;
}

/** `inner`, recording into `recorder`. */
export class MeteredTransport extends ForwardingTransport {
  readonly #recorder: LoadRecorder;
  /** Its misbehaviour now, if any. */
  chaos?: Chaos;

  constructor(inner: OcppTransport, recorder: LoadRecorder) {
    super(inner);
    this.#recorder = recorder;
    inner.on((e) => {
      if (e.type === "open") recorder.opened(inner.identity, e.reconnect);
      else if (e.type === "disconnect" || e.type === "closed") recorder.closed(inner.identity);
    });
  }

  override async call(action: string, payload: Payload, options?: CallOptions): Promise<Payload> {
    const chaos = this.chaos;
    if (chaos?.clockSkewMs) {
      this.#recorder.chaos("skewed");
      payload = skewed(payload, chaos.clockSkewMs) as Payload;
    }
    if (chaos?.latencyMs) {
      this.#recorder.chaos("delayed");
      await new Promise((resolve) => setTimeout(resolve, chaos.latencyMs));
    }
    if (chaos?.halfOpen) {
      this.#recorder.chaos("stalled");
      await chaos.over;
    }
    if (chaos?.duplicate && chaos.random.chance(chaos.duplicate)) {
      // Calls go one at a time: the next CALL frame out is this one. It goes again once
      // answered, as from a charge point that missed the answer: the same message ID twice.
      let frame: string | undefined;
      const stop = this.inner.onFrame((text, outbound) => {
        if (!outbound || !text.startsWith("[2,")) return;
        stop();
        frame = text;
      });
      try {
        return await this.#send(action, payload, options);
      } finally {
        stop();
        if (frame !== undefined && this.inner.sendRaw(frame)) this.#recorder.chaos("duplicated");
      }
    }
    return await this.#send(action, payload, options);
  }

  async #send(action: string, payload: Payload, options?: CallOptions): Promise<Payload> {
    const sent = performance.now();
    const record = (outcome: CallOutcome, answer?: Payload) =>
      this.#recorder.call(this.identity, action, outcome, performance.now() - sent, answer);
    try {
      const answer = await this.inner.call(action, payload, options);
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

  override handle(action: string, handler: OcppHandler): void {
    this.inner.handle(action, async (payload, name) => {
      const chaos = this.chaos;
      if (chaos?.unresponsive) {
        this.#recorder.chaos("held");
        await chaos.over;
      }
      return await handler(payload, name);
    });
  }
}

/**
 * Makes transports with `make` and meters each into `recorder`; `made`
 * gets each by its identity.
 */
export function meteredFactory(
  make: TransportFactory,
  recorder: LoadRecorder,
  made?: Map<string, MeteredTransport>,
): TransportFactory {
  return (options) => {
    const transport = new MeteredTransport(make(options), recorder);
    made?.set(options.identity, transport);
    return transport;
  };
}

/** `value` with every `timestamp` (ISO text) moved by `ms`. */
export function skewed(value: unknown, ms: number): unknown {
  if (Array.isArray(value)) return value.map((x) => skewed(x, ms));
  if (value === null || typeof value !== "object") return value;
  const out: Record<string, unknown> = {};
  for (const [key, x] of Object.entries(value)) {
    out[key] = key === "timestamp" && typeof x === "string" && !Number.isNaN(Date.parse(x))
      ? new Date(Date.parse(x) + ms).toISOString()
      : skewed(x, ms);
  }
  return out;
}
