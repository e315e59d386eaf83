/**
 * The front door of a sink with a bounded buffer, shared by the HTTP and MQTT
 * sinks: events come in while there is room; when the buffer is full the caller
 * waits for room (`block`), or the event is dropped and counted (`drop`), with a
 * warning at the 1st, 10th, 100th … drop.
 *
 * @module
 */
import type { Logger } from "@logtape/logtape";
import type { SimEvent } from "../core/event.ts";
import type { SinkStats } from "../core/sink.ts";

/** Options of an {@link Admission}. */
export interface AdmissionOptions {
  bufferSize: number;
  onFull: "block" | "drop";
  /** Events the sink holds now. */
  held: () => number;
  stats: SinkStats;
  logger: Logger;
  /** The sink's place for messages (its URL without credentials). */
  where: string;
}

/** Lets events into a bounded buffer, in order. */
export class Admission {
  readonly #options: AdmissionOptions;
  #waiters: (() => void)[] = [];
  #warnedAt = 0;

  constructor(options: AdmissionOptions) {
    this.#options = options;
  }

  /** Hands `event` to `accept` now, once there is room, or drops it. */
  admit(event: SimEvent, accept: (event: SimEvent) => void): void | Promise<void> {
    const { bufferSize, onFull, held, stats, logger, where } = this.#options;
    if (held() < bufferSize && this.#waiters.length === 0) return accept(event);
    if (onFull === "drop") {
      stats.dropped++;
      if (stats.dropped >= this.#warnedAt * 10) {
        this.#warnedAt = stats.dropped;
        logger.warn("Buffer of {url} full: dropped {dropped} event(s) so far", {
          url: where,
          dropped: stats.dropped,
        });
      }
      return;
    }
    return new Promise<void>((resolve) => this.#waiters.push(resolve)).then(() => accept(event));
  }

  /** Lets the waiting events in, once the buffer has room. */
  roomMade(): void {
    const { bufferSize, held } = this.#options;
    if (this.#waiters.length === 0 || held() >= bufferSize) return;
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }
}
