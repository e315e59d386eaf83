/**
 * What the echo server has accepted: the idempotency keys it has seen, the
 * latest event of each session, counters, and live subscribers. Keys are
 * bounded in number and total length, sessions in number and approximate
 * size, the oldest going first (ended sessions before active ones), so memory
 * stays flat on long runs and under hostile input.
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
   * forgotten is accepted again. The keys kept also total at most
   * `maxKeys` × 64 characters, so long keys leave room for fewer (evsim's own
   * are under 40).
   * @default {1000000}
   */
  maxKeys?: number;
  /**
   * Sessions whose latest event is kept; beyond this one goes: the least
   * recently updated ended session (completed, failed or ended), or, when
   * none has ended, the least recently updated one.
   * @default {100000}
   */
  maxSessions?: number;
  /**
   * The approximate size (as JSON) of the session events kept, in bytes;
   * beyond it sessions go as beyond `maxSessions`. evsim's events are under
   * 1 KB, so this binds only when events are padded.
   * @default {268435456}
   */
  maxBytes?: number;
}

/** Options of {@link EventStore.sessionPage}. */
export interface PageOptions {
  /** Where the page starts: the `next` of the page before; omitted, the first page. @default {0} */
  after?: number;
  /** The most sessions on the page. @default {1000} */
  limit?: number;
  /**
   * The approximate size (as JSON) of the page, in bytes: a page stops before
   * the session that would take it over (it always holds at least one).
   * @default {16777216}
   */
  maxBytes?: number;
}

/** One page of {@link EventStore.sessionPage}. */
export interface SessionPage {
  /** The sessions, least recently updated first. */
  sessions: SessionState[];
  /**
   * Pass as `after` for the next page; undefined on the last page. A session
   * updated while a client pages moves to the end, so it may come again (with
   * its newer event); none that stays tracked is missed.
   */
  next?: number;
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
  /**
   * The event comes from this process's own simulation (the server sink), so
   * its `eventId` is new by construction: it is neither looked up nor kept
   * among the keys seen. And as the events of one session differ only in
   * their numbers and event ID, one of the same type and message as its
   * session's previous event is sized from that one, not field by field.
   * @default {false}
   */
  own?: boolean;
  /**
   * The event's size as the store counts it, where the caller has measured
   * it already (the echo server's check does); otherwise the store does.
   * @default {undefined}
   */
  size?: number;
}

/** Options of {@link EventStore.subscribe}. */
export interface SubscribeOptions {
  /**
   * Whether the listener is a client (an SSE stream), counted in
   * {@link EventStore.subscribers}; the live page's state, which takes every
   * event for as long as the server runs, is not.
   * @default {true}
   */
  client?: boolean;
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
  /** Approximate size (as JSON) of the session events kept, in bytes (at most `maxBytes`). */
  sessionBytes: number;
  /** Sessions dropped to stay within `maxSessions` or `maxBytes`. */
  evictedSessions: number;
}

/** Receives each accepted event with its acceptance number (1, 2, …, in order). */
export type StoreListener = (event: SimEvent, seq: number) => void;

/**
 * Items in the order they were added, the oldest taken first, each in O(1)
 * amortized: an array read from a moving start, cut down once most of it
 * has been read. (Not a live iterator over a `Set` or `Map`: V8 keeps every
 * table such a collection has outgrown for as long as an iterator over it
 * has not moved on, which grew a store to gigabytes.)
 */
class Queue<T> {
  #items: T[] = [];
  #first = 0;

  get length(): number {
    return this.#items.length - this.#first;
  }

  push(item: T): void {
    this.#items.push(item);
  }

  /** The oldest item, not taken. */
  peek(): T | undefined {
    return this.#items[this.#first];
  }

  /** Takes the oldest item. */
  shift(): T | undefined {
    if (this.#first >= this.#items.length) return undefined;
    const item = this.#items[this.#first++];
    if (this.#first >= 1024 && this.#first * 2 >= this.#items.length) {
      this.#items = this.#items.slice(this.#first);
      this.#first = 0;
    }
    return item;
  }

  /** Keeps only the items `keep` says to, in order. */
  filter(keep: (item: T) => boolean): void {
    this.#items = this.#items.slice(this.#first).filter(keep);
    this.#first = 0;
  }

  *[Symbol.iterator](): Generator<T> {
    for (let i = this.#first; i < this.#items.length; i++) yield this.#items[i];
  }
}

/**
 * A set that forgets its oldest entries beyond `max` entries or `maxChars`
 * characters in all (keeping at least the newest).
 */
class BoundedSet {
  readonly #set = new Set<string>();
  /** The keys in the order they were added. */
  readonly #order = new Queue<string>();
  #chars = 0;

  constructor(readonly max: number, readonly maxChars: number) {}

  has(key: string): boolean {
    return this.#set.has(key);
  }

  /** Adds `key` unless it is here; whether it was new (one lookup of the set either way). */
  add(key: string): boolean {
    const size = this.#set.size;
    if (this.#set.add(key).size === size) return false;
    this.#order.push(key);
    this.#chars += key.length;
    while (this.#set.size > this.max || (this.#chars > this.maxChars && this.#set.size > 1)) {
      const oldest = this.#order.shift()!;
      this.#set.delete(oldest);
      this.#chars -= oldest.length;
    }
    return true;
  }
}

/** A tracked session: its latest event, when it was stored, its approximate size. */
interface Entry {
  /**
   * Null once gone: replaced by a newer event of its session, or its session
   * forgotten. A gone entry waits in the queues until it is met, holding no event.
   */
  event: SessionState | null;
  /** The acceptance number of `event`: entries are stored in increasing order of it. */
  stamp: number;
  size: number;
}

/**
 * About the length of `event` as JSON, counted without serializing it: the
 * store sizes every event it keeps, the server sink's at simulation speed.
 */
export function approximateSize(event: SessionState): number {
  // A loop over the keys, not Object.entries: no array of pairs for every event.
  const record = event as unknown as Record<string, unknown>;
  let size = 2;
  for (const key in record) {
    if (!Object.hasOwn(record, key)) continue;
    const value = record[key];
    size += key.length + 4;
    if (typeof value === "string") size += value.length + 2;
    else if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) if (i in value) size += String(value[i]).length + 3;
    } else size += 8;
  }
  return size;
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

/** What the keys kept may average, in characters, before they are fewer than `maxKeys`. */
const MAX_CHARS_PER_KEY = 64;

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
  readonly #maxBytes: number;
  /** The entry of each session tracked, by session ID (in no order that is used: see `#order`). */
  readonly #sessions = new Map<string, Entry>();
  /** Every entry stored, in order (so by stamp), those gone skipped as they are met. */
  readonly #order = new Queue<Entry>();
  /** The entries of ended sessions among them, in the same order: evicted first. */
  readonly #endedOrder = new Queue<Entry>();
  #endedCount = 0;
  #sessionBytes = 0;
  #evicted = 0;
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
  #clients = 0;

  constructor(options: EventStoreOptions = {}) {
    const maxKeys = checkLimit("maxKeys", options.maxKeys ?? 1_000_000);
    this.#eventIds = new BoundedSet(maxKeys, maxKeys * MAX_CHARS_PER_KEY);
    this.#idempotencyKeys = new BoundedSet(maxKeys, maxKeys * MAX_CHARS_PER_KEY);
    this.#maxSessions = checkLimit("maxSessions", options.maxSessions ?? 100_000);
    this.#maxBytes = checkLimit("maxBytes", options.maxBytes ?? 256 * 1024 * 1024);
  }

  /**
   * Accepts `event` unless its `eventId` (or `options.idempotencyKey`) was
   * seen before, then tells every subscriber. The event is trusted: validate
   * outside input first. Returns false for a duplicate.
   */
  add(event: SimEvent, options: AddOptions = {}): boolean {
    const own = options.own ?? false;
    if (!own) {
      const key = options.idempotencyKey;
      if (
        (key !== undefined && this.#idempotencyKeys.has(key)) || !this.#eventIds.add(event.eventId)
      ) {
        this.#duplicates++;
        return false;
      }
      if (key !== undefined) this.#idempotencyKeys.add(key);
    }
    const seq = ++this.#accepted;
    this.#byType[event.type]++;
    if ("sessionId" in event) this.#track(event, seq, own, options.size);
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

  /**
   * The latest event of each tracked session that matches `filter`, least
   * recently updated first: all of them, up to `maxSessions`. To answer a
   * request, use {@link EventStore.sessionPage}.
   */
  sessions(filter: SessionFilter = {}): SessionState[] {
    const out: SessionState[] = [];
    for (const { event } of this.#order) {
      if (event && matches(event, filter)) out.push(event);
    }
    return out;
  }

  /**
   * One page of {@link EventStore.sessions}: at most `page.limit` sessions and
   * about `page.maxBytes`, from `page.after` on, and where the next page starts.
   */
  sessionPage(filter: SessionFilter = {}, page: PageOptions = {}): SessionPage {
    const after = page.after ?? 0;
    const limit = page.limit ?? 1000;
    const maxBytes = page.maxBytes ?? 16 * 1024 * 1024;
    const sessions: SessionState[] = [];
    let bytes = 0;
    let last = after;
    // Entries are in increasing stamp order, so the page starts at the first past `after`.
    for (const { event, stamp, size } of this.#order) {
      if (!event || stamp <= after || !matches(event, filter)) continue;
      const full = sessions.length >= limit || (sessions.length > 0 && bytes + size > maxBytes);
      if (full) return { sessions, next: last };
      sessions.push(event);
      bytes += size;
      last = stamp;
    }
    return { sessions };
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
      sessionBytes: this.#sessionBytes,
      evictedSessions: this.#evicted,
    };
  }

  /**
   * Calls `listener` with each event accepted from now on, in order; a
   * listener that throws is logged and does not stop the others. Returns the
   * function that unsubscribes.
   */
  subscribe(listener: StoreListener, options: SubscribeOptions = {}): () => void {
    const entry: StoreListener = (event, seq) => listener(event, seq);
    const client = options.client ?? true;
    this.#listeners = [...this.#listeners, entry];
    if (client) this.#clients++;
    let subscribed = true;
    return () => {
      if (!subscribed) return;
      subscribed = false;
      this.#listeners = this.#listeners.filter((l) => l !== entry);
      if (client) this.#clients--;
    };
  }

  /** How many clients are subscribed (listeners subscribed with `client: false` apart). */
  get subscribers(): number {
    return this.#clients;
  }

  #track(event: SessionState, stamp: number, own: boolean, size: number | undefined): void {
    const previous = this.#sessions.get(event.sessionId);
    if (previous) {
      const before = previous.event!;
      // A late, older event (a retry, say) does not replace what is newer.
      if (isOlder(event, before)) return;
      this.#forget(previous);
      if (own && event.type === before.type && event.statusMessage === before.statusMessage) {
        size = previous.size + event.eventId.length - before.eventId.length;
      }
    }
    const entry: Entry = { event, stamp, size: size ?? approximateSize(event) };
    this.#sessions.set(event.sessionId, entry);
    this.#order.push(entry);
    this.#sessionBytes += entry.size;
    if (isEnded(event)) {
      this.#endedOrder.push(entry);
      this.#endedCount++;
    } else this.#active++;
    while (
      this.#sessions.size > this.#maxSessions ||
      (this.#sessionBytes > this.#maxBytes && this.#sessions.size > 1)
    ) {
      // Both are asked only while they hold an entry other than the one just added.
      const oldest = this.#endedCount > 1 || (this.#endedCount === 1 && !isEnded(event))
        ? oldestOf(this.#endedOrder)
        : oldestOf(this.#order);
      this.#sessions.delete(oldest.event!.sessionId);
      this.#forget(oldest);
      this.#evicted++;
    }
    // The entries gone are dropped once they are most of a queue: memory stays in proportion.
    if (this.#order.length > 2 * this.#sessions.size + 1024) this.#order.filter(isKept);
    if (this.#endedOrder.length > 2 * this.#endedCount + 1024) this.#endedOrder.filter(isKept);
  }

  /** Marks `entry` gone (replaced or forgotten) and takes it out of the counts. */
  #forget(entry: Entry): void {
    if (isEnded(entry.event!)) this.#endedCount--;
    else this.#active--;
    entry.event = null;
    this.#sessionBytes -= entry.size;
  }
}

const isKept = (entry: Entry) => entry.event !== null;

/** Takes the entries gone from the front of `queue`, then the oldest kept one. */
function oldestOf(queue: Queue<Entry>): Entry {
  while (queue.peek()!.event === null) queue.shift();
  return queue.shift()!;
}

function matches(event: SessionState, filter: SessionFilter): boolean {
  return (filter.status === undefined || event.status === filter.status) &&
    (filter.city === undefined || event.city === filter.city);
}
