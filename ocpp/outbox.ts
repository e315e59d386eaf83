/**
 * A charge point's outbox: the calls its events lead to, sent one at a time in
 * the order made, kept while the connection is down or the boot not yet
 * accepted. It is bounded: when full, it gives up first the oldest status
 * report, then the oldest periodic sample, and only then refuses the new
 * call; each call given up is counted.
 *
 * @module
 */
import type { OutCall } from "./station_state.ts";

/** A call waiting in the outbox. */
export interface Pending extends OutCall {
  /** Attempts made that the central system answered with a CALLERROR. */
  attempts: number;
}

/** What a full outbox gave up to take a call. */
export type Dropped = { call: OutCall; why: "full" } | undefined;

/** A bounded FIFO of calls. */
export class Outbox {
  readonly #limit: number;
  #items: Pending[] = [];
  #head = 0;
  /** Calls given up because the outbox was full. */
  dropped = 0;

  constructor(limit: number) {
    if (!(limit >= 1)) throw new RangeError(`outbox limit: expected at least 1, got ${limit}`);
    this.#limit = limit;
  }

  get length(): number {
    return this.#items.length - this.#head;
  }

  /** Adds `call` at the end; returns what was given up for it, if anything. */
  push(call: OutCall): Dropped {
    let dropped: Dropped;
    if (this.length >= this.#limit) {
      const victim = this.#victim();
      if (victim < 0) {
        this.dropped++;
        return { call, why: "full" };
      }
      dropped = { call: this.#items[victim], why: "full" };
      this.#items.splice(victim, 1);
      this.dropped++;
    }
    this.#items.push({ ...call, attempts: 0 });
    return dropped;
  }

  /** The index of the call to give up: the oldest status report, else the oldest periodic sample. */
  #victim(): number {
    // The head may be in flight: it is never the one given up.
    for (let i = this.#head + 1; i < this.#items.length; i++) {
      if (this.#items[i].kind === "status") return i;
    }
    for (let i = this.#head + 1; i < this.#items.length; i++) {
      if (this.#items[i].periodic) return i;
    }
    return -1;
  }

  /** The first call, without taking it. */
  peek(): Pending | undefined {
    return this.#items[this.#head];
  }

  /** Takes the first call. */
  shift(): Pending | undefined {
    const item = this.#items[this.#head];
    if (item === undefined) return undefined;
    this.#head++;
    if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return item;
  }

  /** Removes every call for which `drop` is true; returns how many. */
  removeWhere(drop: (call: Pending) => boolean): number {
    const before = this.length;
    this.#items = this.#items.slice(this.#head).filter((c) => !drop(c));
    this.#head = 0;
    return before - this.length;
  }

  /** The calls waiting, first to last. */
  *[Symbol.iterator](): IterableIterator<Pending> {
    for (let i = this.#head; i < this.#items.length; i++) yield this.#items[i];
  }
}
