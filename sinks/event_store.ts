/**
 * What the echo server has accepted: the idempotency keys it has seen, the
 * latest event of each session, counters, and live subscribers. Keys and
 * sessions are bounded, the oldest going first, so memory stays flat on long
 * runs.
 *
 * @module
 */
import { getLogger } from "@logtape/logtape";
import {
  EVENT_TYPES,
  type EventType,
  type SessionEndedEvent,
  type SessionEndEvent,
  type SessionEvent,
  type SimEvent,
  type Status,
} from "../core/event.ts";

const logger = getLogger(["evsim", "server"]);

/** Options of an {@link EventStore}. */
export interface EventStoreOptions {
  /**
   * Idempotency keys (`eventId`s, and `Idempotency-Key` headers apart) to
   * remember; beyond this the oldest are forgotten, and an event whose key was
   * forgotten is accepted again.
   * @default {1000000}
   */
  maxKeys?: number;
  /** Sessions whose latest event is kept; beyond this the least recently updated go. @default {100000} */
  maxSessions?: number;
}

/** Options of {@link EventStore.add}. */
export interface AddOptions {
  /**
   * A key the sender gave for this event (the `Idempotency-Key` header),
   * checked as well as the event's `eventId`: the event is a duplicate if
   * either was seen.
   * @default {undefined}
   */
  idempotencyKey?: string;
}

/** Filters of {@link EventStore.sessions}; an omitted field matches every session. */
export interface SessionFilter {
  /** The `status` of the session's latest event, e.g. `"In Use"`. @default {undefined} */
  status?: Status;
  /** The city, matched exactly, e.g. `"Chicago"`. @default {undefined} */
  city?: string;
}

/** The latest event of a session. */
export type SessionState = SessionEvent | SessionEndEvent | SessionEndedEvent;

/** Counters of an {@link EventStore}, as `GET /stats` shows them. */
export interface EventStoreStats {
  /** Events accepted. */
  accepted: number;
  /** Events dropped because their key was seen before. */
  duplicates: number;
  /** Events refused as invalid (see {@link EventStore.reject}). */
  rejected: number;
  /** Accepted events of each type. */
  byType: Record<EventType, number>;
  /** Tracked sessions whose latest event is neither `completed` nor `failed`. */
  activeSessions: number;
  /** Sessions tracked, active or ended (at most `maxSessions`). */
  sessions: number;
}

/** Receives each accepted event with its acceptance number (1, 2, …, in order). */
export type StoreListener = (event: SimEvent, seq: number) => void;

/**
 * An insertion-ordered set that forgets its oldest entries beyond `max`.
 *
 * Eviction goes through one live iterator kept for the set's lifetime: every
 * entry before it has been evicted, so its `next()` is the oldest entry in
 * O(1). (`set.values().next()` would rescan the deleted slots each time, which
 * is quadratic at a million keys.)
 */
class BoundedSet {
  readonly #set = new Set<string>();
  readonly #oldest = this.#set.values();

  constructor(readonly max: number) {}

  has(key: string): boolean {
    return this.#set.has(key);
  }

  add(key: string): void {
    this.#set.add(key);
    while (this.#set.size > this.max) this.#set.delete(this.#oldest.next().value!);
  }
}

/** Charging is over: the target reached, given up, or the vehicle gone. */
const isEnded = (event: SessionState) =>
  event.type === "session.completed" || event.type === "session.failed" ||
  event.type === "session.ended";

/** Whether `a` happened before `b` (by time, then by `seq`). */
function isOlder(a: SessionState, b: SessionState): boolean {
  // UTC timestamps of one shape (evsim's own) compare as strings, without parsing.
  if (a.time.length === b.time.length && a.time.endsWith("Z") && b.time.endsWith("Z")) {
    return a.time < b.time || (a.time === b.time && a.seq < b.seq);
  }
  const ta = Date.parse(a.time);
  const tb = Date.parse(b.time);
  return ta < tb || (ta === tb && a.seq < b.seq);
}

function checkLimit(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new RangeError(`EventStore: ${name} must be a positive integer, got ${value}`);
  }
  return value;
}

/**
 * The events a server accepted: drops duplicates by idempotency key, keeps the
 * latest event of each session, counts, and hands each accepted event to its
 * subscribers.
 */
export class EventStore {
  readonly #eventIds: BoundedSet;
  readonly #idempotencyKeys: BoundedSet;
  readonly #maxSessions: number;
  /** Latest event per session ID, least recently updated first. */
  readonly #sessions = new Map<string, SessionState>();
  /** Live iterator over `#sessions`, as in {@link BoundedSet}. */
  readonly #oldestSession = this.#sessions.values();
  readonly #byType = Object.fromEntries(EVENT_TYPES.map((t) => [t, 0])) as Record<
    EventType,
    number
  >;
  #accepted = 0;
  #duplicates = 0;
  #rejected = 0;
  #active = 0;
  /** Replaced, never mutated, so a listener may (un)subscribe while being called. */
  #listeners: readonly StoreListener[] = [];

  constructor(options: EventStoreOptions = {}) {
    const maxKeys = checkLimit("maxKeys", options.maxKeys ?? 1_000_000);
    this.#eventIds = new BoundedSet(maxKeys);
    this.#idempotencyKeys = new BoundedSet(maxKeys);
    this.#maxSessions = checkLimit("maxSessions", options.maxSessions ?? 100_000);
  }

  /**
   * Accepts `event` unless its `eventId` (or `options.idempotencyKey`) was
   * seen before, then tells every subscriber. The event is trusted: validate
   * outside input first. Returns false for a duplicate.
   */
  add(event: SimEvent, options: AddOptions = {}): boolean {
    const key = options.idempotencyKey;
    if (
      this.#eventIds.has(event.eventId) || (key !== undefined && this.#idempotencyKeys.has(key))
    ) {
      this.#duplicates++;
      return false;
    }
    this.#eventIds.add(event.eventId);
    if (key !== undefined) this.#idempotencyKeys.add(key);
    const seq = ++this.#accepted;
    this.#byType[event.type]++;
    if ("sessionId" in event) this.#track(event);
    for (const listener of this.#listeners) {
      try {
        listener(event, seq);
      } catch (error) {
        logger.error("A subscriber failed on event {eventId}: {error}", {
          eventId: event.eventId,
          error,
        });
      }
    }
    return true;
  }

  /** Counts `count` events refused as invalid, for {@link EventStore.stats}. */
  reject(count = 1): void {
    this.#rejected += count;
  }

  /** The latest event of each tracked session that matches `filter`, least recently updated first. */
  sessions(filter: SessionFilter = {}): SessionState[] {
    const out: SessionState[] = [];
    for (const event of this.#sessions.values()) {
      if (filter.status !== undefined && event.status !== filter.status) continue;
      if (filter.city !== undefined && event.city !== filter.city) continue;
      out.push(event);
    }
    return out;
  }

  /** A snapshot of the counters. */
  stats(): EventStoreStats {
    return {
      accepted: this.#accepted,
      duplicates: this.#duplicates,
      rejected: this.#rejected,
      byType: { ...this.#byType },
      activeSessions: this.#active,
      sessions: this.#sessions.size,
    };
  }

  /**
   * Calls `listener` with each event accepted from now on, in order; a
   * listener that throws is logged and does not stop the others. Returns the
   * function that unsubscribes.
   */
  subscribe(listener: StoreListener): () => void {
    const entry: StoreListener = (event, seq) => listener(event, seq);
    this.#listeners = [...this.#listeners, entry];
    return () => {
      this.#listeners = this.#listeners.filter((l) => l !== entry);
    };
  }

  /** How many listeners are subscribed. */
  get subscribers(): number {
    return this.#listeners.length;
  }

  #track(event: SessionState): void {
    const previous = this.#sessions.get(event.sessionId);
    if (previous) {
      // A late, older event (a retry, say) does not replace what is newer.
      if (isOlder(event, previous)) return;
      this.#sessions.delete(event.sessionId);
      if (!isEnded(previous)) this.#active--;
    }
    this.#sessions.set(event.sessionId, event);
    if (!isEnded(event)) this.#active++;
    while (this.#sessions.size > this.#maxSessions) {
      const oldest = this.#oldestSession.next().value!;
      this.#sessions.delete(oldest.sessionId);
      if (!isEnded(oldest)) this.#active--;
    }
  }
}
