import assert from "node:assert/strict";
import type { SessionFilter, SessionState } from "./event_store.ts";
import type { SimEvent } from "../core/event.ts";
import { EventStore } from "./event_store.ts";
import { simEvents } from "../tests/_events.ts";

const isSession = (e: SimEvent): e is SessionState => "sessionId" in e;
const ended = (e: SessionState) =>
  e.type === "session.completed" || e.type === "session.failed" || e.type === "session.ended";

/** The reference: the last event of each session, in the order sessions were last updated. */
function latestBySession(events: readonly SimEvent[]): SessionState[] {
  const latest = new Map<string, SessionState>();
  for (const e of events.filter(isSession)) {
    latest.delete(e.sessionId);
    latest.set(e.sessionId, e);
  }
  return [...latest.values()];
}

/**
 * The reference for a store of at most `max` sessions: the last event of each
 * session kept, least recently updated first; beyond `max`, the least recently
 * updated ended session goes (not the one just updated), else the least
 * recently updated.
 */
function keptWithin(
  events: readonly SimEvent[],
  max: number,
): { kept: SessionState[]; evicted: number } {
  const kept: SessionState[] = [];
  let evicted = 0;
  for (const e of events.filter(isSession)) {
    const at = kept.findIndex((k) => k.sessionId === e.sessionId);
    if (at >= 0) kept.splice(at, 1);
    kept.push(e);
    while (kept.length > max) {
      const oldestEnded = kept.slice(0, -1).findIndex(ended);
      kept.splice(Math.max(oldestEnded, 0), 1);
      evicted++;
    }
  }
  return { kept, evicted };
}

const EVENTS = simEvents(3000);

Deno.test("EventStore.add() accepts an event once and drops repeats of its eventId", () => {
  const store = new EventStore();
  const [a, b] = EVENTS;
  assert.equal(store.add(a), true);
  assert.equal(store.add(b), true);
  assert.equal(store.add(structuredClone(a)), false);
  assert.equal(store.add({ ...b, seq: 99 }), false);
  const stats = store.stats();
  assert.equal(stats.accepted, 2);
  assert.equal(stats.duplicates, 2);
});

Deno.test("EventStore.add() treats an Idempotency-Key as a second key of the event", async (t) => {
  const [a, b, c] = EVENTS;
  await t.step("another event under a seen key is a duplicate", () => {
    const store = new EventStore();
    assert.equal(store.add(a, { idempotencyKey: "k1" }), true);
    assert.equal(store.add(b, { idempotencyKey: "k1" }), false);
    assert.equal(store.add(b, { idempotencyKey: "k2" }), true);
  });
  await t.step("the event's eventId still counts when a new key comes with it", () => {
    const store = new EventStore();
    assert.equal(store.add(a, { idempotencyKey: "k1" }), true);
    assert.equal(store.add(a, { idempotencyKey: "k2" }), false);
    assert.equal(store.add(a), false);
  });
  await t.step("keys and eventIds are apart: a key equal to some eventId is not that event", () => {
    const store = new EventStore();
    assert.equal(store.add(a), true);
    assert.equal(store.add(c, { idempotencyKey: a.eventId }), true);
  });
});

Deno.test("EventStore remembers at most maxKeys keys, forgetting the oldest first", () => {
  const store = new EventStore({ maxKeys: 3 });
  const [e1, e2, e3, e4] = EVENTS;
  for (const e of [e1, e2, e3, e4]) assert.equal(store.add(e), true);
  // e1 was forgotten when e4 came; e2..e4 are still known.
  assert.equal(store.add(e3), false);
  assert.equal(store.add(e4), false);
  assert.equal(store.add(e1), true);
  // Taking e1 back pushed out e2, the oldest; taking e2 back pushes out e3.
  assert.equal(store.add(e2), true);
  assert.equal(store.add(e4), false);
  assert.equal(store.add(e3), true);
  assert.equal(store.add(e1), false);
});

Deno.test("EventStore keeps the latest event of each session and counts by type", () => {
  const store = new EventStore();
  for (const e of EVENTS) store.add(e);
  const expected = latestBySession(EVENTS);
  assert.deepEqual(store.sessions(), expected);
  const stats = store.stats();
  assert.equal(stats.accepted, EVENTS.length);
  assert.equal(stats.sessions, expected.length);
  assert.equal(stats.activeSessions, expected.filter((e) => !ended(e)).length);
  assert.ok(stats.activeSessions > 0 && stats.activeSessions < expected.length);
  for (const type of Object.keys(stats.byType) as SimEvent["type"][]) {
    assert.equal(stats.byType[type], EVENTS.filter((e) => e.type === type).length, type);
  }
  assert.ok(stats.byType["session.completed"] > 0);
});

Deno.test("EventStore.sessions() filters by status and city", async (t) => {
  const store = new EventStore();
  for (const e of EVENTS) store.add(e);
  const all = latestBySession(EVENTS);
  await t.step("by status", () => {
    const completed = store.sessions({ status: "Completed" });
    assert.deepEqual(completed, all.filter((e) => e.status === "Completed"));
    assert.ok(completed.length > 0 && completed.length < all.length);
  });
  await t.step("by city", () => {
    const chicago = store.sessions({ city: "Chicago" });
    assert.deepEqual(chicago, all.filter((e) => e.city === "Chicago"));
    assert.ok(chicago.length > 0 && chicago.length < all.length);
  });
  await t.step("by both", () => {
    const both = store.sessions({ status: "In Use", city: "Chicago" });
    assert.deepEqual(both, all.filter((e) => e.status === "In Use" && e.city === "Chicago"));
    assert.ok(both.length > 0);
    assert.ok(both.length < store.sessions({ city: "Chicago" }).length);
  });
  await t.step("a city with no sessions", () => {
    assert.deepEqual(store.sessions({ city: "Atlantis" }), []);
  });
});

Deno.test("EventStore keeps at most maxSessions sessions, dropping the least recently updated", () => {
  const sessions = new Map<string, SessionState[]>();
  for (const e of EVENTS.filter(isSession)) {
    sessions.set(e.sessionId, [...sessions.get(e.sessionId) ?? [], e]);
  }
  const [a, b, c] = [...sessions.values()].filter((list) => list.length >= 2);
  const store = new EventStore({ maxSessions: 2 });
  store.add(a[0]);
  store.add(b[0]);
  store.add(a[1]); // a is now the most recently updated
  store.add(c[0]); // so b goes
  assert.deepEqual(store.sessions().map((e) => e.sessionId), [a[0].sessionId, c[0].sessionId]);
  assert.equal(store.stats().sessions, 2);
  assert.equal(store.stats().activeSessions, 2);
});

Deno.test("EventStore does not let a late, older event replace a session's latest", () => {
  const session = EVENTS.filter(isSession).find((e) => e.type === "session.updated")!;
  const events = EVENTS.filter((e) => isSession(e) && e.sessionId === session.sessionId);
  assert.ok(events.length >= 2);
  const store = new EventStore();
  store.add(events[1]);
  store.add(events[0]);
  assert.deepEqual(store.sessions(), [events[1]]);
  assert.equal(store.stats().accepted, 2);
});

Deno.test("EventStore.subscribe() with client: false delivers events without counting a subscriber", () => {
  const store = new EventStore();
  const seen: string[] = [];
  const unsubscribe = store.subscribe((event) => seen.push(event.eventId), { client: false });
  store.subscribe(() => {})();
  assert.equal(store.subscribers, 0);
  store.add(EVENTS[0]);
  unsubscribe();
  unsubscribe();
  store.add(EVENTS[1]);
  assert.deepEqual(seen, [EVENTS[0].eventId]);
  assert.equal(store.subscribers, 0);
});

Deno.test("EventStore.subscribe() delivers each accepted event in order until unsubscribed", () => {
  const store = new EventStore();
  const seen: [number, string][] = [];
  const alsoSeen: string[] = [];
  const unsubscribe = store.subscribe((event, seq) => seen.push([seq, event.eventId]));
  store.subscribe((event) => alsoSeen.push(event.eventId));
  assert.equal(store.subscribers, 2);
  const [e1, e2, e3] = EVENTS;
  store.add(e1);
  store.add(e1); // a duplicate is not delivered
  store.add(e2);
  unsubscribe();
  unsubscribe(); // twice is harmless
  assert.equal(store.subscribers, 1);
  store.add(e3);
  assert.deepEqual(seen, [[1, e1.eventId], [2, e2.eventId]]);
  assert.deepEqual(alsoSeen, [e1.eventId, e2.eventId, e3.eventId]);
});

Deno.test("EventStore.subscribe() keeps delivering to the others when a listener throws", () => {
  const store = new EventStore();
  const seen: string[] = [];
  store.subscribe(() => {
    throw new Error("listener broke");
  });
  store.subscribe((event) => seen.push(event.eventId));
  assert.equal(store.add(EVENTS[0]), true);
  assert.deepEqual(seen, [EVENTS[0].eventId]);
  assert.equal(store.stats().accepted, 1);
});

Deno.test("EventStore.reject() counts invalid events in stats()", () => {
  const store = new EventStore();
  store.reject();
  store.reject(3);
  assert.equal(store.stats().rejected, 4);
  assert.equal(store.stats().accepted, 0);
});

Deno.test("new EventStore() refuses limits that are not positive integers", () => {
  assert.throws(() => new EventStore({ maxKeys: 0 }), /maxKeys must be a positive integer, got 0/);
  assert.throws(
    () => new EventStore({ maxSessions: 1.5 }),
    /maxSessions must be a positive integer, got 1.5/,
  );
  assert.throws(() => new EventStore({ maxBytes: -1 }), /maxBytes must be a positive integer/);
});

Deno.test("EventStore stays bounded with many more keys and sessions than it keeps", () => {
  const store = new EventStore({ maxKeys: 100, maxSessions: 10 });
  for (const e of EVENTS) store.add(e);
  const stats = store.stats();
  const { kept, evicted } = keptWithin(EVENTS, 10);
  assert.equal(stats.accepted, EVENTS.length);
  assert.equal(stats.sessions, 10);
  assert.deepEqual(store.sessions(), kept);
  assert.equal(stats.activeSessions, kept.filter((e) => !ended(e)).length);
  // A session evicted and then updated is tracked anew, and may be evicted again.
  assert.equal(stats.evictedSessions, evicted);
  // The last 100 keys are known, older ones are not.
  assert.equal(store.add(EVENTS.at(-1)!), false);
  assert.equal(store.add(EVENTS.at(-100)!), false);
  assert.equal(store.add(EVENTS[0]), true);
});

Deno.test("EventStore evicts the least recently updated ended session before any active one", () => {
  const byId = Map.groupBy(EVENTS.filter(isSession), (e) => e.sessionId);
  const histories = [...byId.values()];
  const activeA = histories[0][0];
  const endedB = histories.find((h) => h[0] !== activeA && h.some(ended))!.find(ended)!;
  const others = histories.filter((h) =>
    ![activeA, endedB].some((e) => e.sessionId === h[0].sessionId)
  );
  const [activeC, activeD] = [others[0][0], others[1][0]];
  assert.ok(!ended(activeA) && !ended(activeC) && !ended(activeD));
  const store = new EventStore({ maxSessions: 2 });
  store.add(activeA);
  store.add(endedB); // more recently updated than A, but ended
  store.add(activeC);
  assert.deepEqual(store.sessions().map((e) => e.sessionId), [
    activeA.sessionId,
    activeC.sessionId,
  ]);
  assert.equal(store.stats().evictedSessions, 1);
  assert.equal(store.stats().activeSessions, 2);
  // With only active sessions left, the least recently updated goes.
  store.add(activeD);
  assert.deepEqual(store.sessions().map((e) => e.sessionId), [
    activeC.sessionId,
    activeD.sessionId,
  ]);
  assert.equal(store.stats().evictedSessions, 2);
});

Deno.test("EventStore keeps the session events within maxBytes, sized about as JSON", () => {
  const latest = latestBySession(EVENTS);
  const json = (events: readonly SimEvent[]) =>
    events.reduce((sum, e) => sum + JSON.stringify(e).length, 0);
  const all = new EventStore();
  for (const e of EVENTS) all.add(e);
  const { sessionBytes } = all.stats();
  assert.ok(
    Math.abs(sessionBytes - json(latest)) < json(latest) * 0.1,
    `estimated ${sessionBytes} bytes, JSON ${json(latest)}`,
  );
  const maxBytes = Math.floor(sessionBytes / 4);
  const store = new EventStore({ maxBytes });
  for (const e of EVENTS) store.add(e);
  const stats = store.stats();
  assert.ok(stats.sessionBytes <= maxBytes, `${stats.sessionBytes} > ${maxBytes}`);
  assert.ok(stats.sessions > 0 && stats.sessions < latest.length / 2);
  assert.ok(stats.evictedSessions >= latest.length - stats.sessions);
  // An event larger than maxBytes is still kept, alone.
  const tiny = new EventStore({ maxBytes: 10 });
  const five = EVENTS.filter(isSession).slice(0, 5);
  for (const e of five) tiny.add(e);
  assert.deepEqual(tiny.sessions(), [five[4]]);
});

Deno.test("EventStore.add() with own: true keeps no key, and sizes and keeps sessions as without it", () => {
  const checked = new EventStore({ maxSessions: 40 });
  const own = new EventStore({ maxSessions: 40 });
  for (const e of EVENTS) {
    assert.equal(checked.add(e), true);
    assert.equal(own.add(e, { own: true }), true);
  }
  // The same sessions, evictions and sizes (sized from the session's previous event or not).
  assert.deepEqual(own.stats(), checked.stats());
  assert.deepEqual(own.sessions(), checked.sessions());
  // Its keys were not kept: the same events are new to it, not to the other.
  assert.equal(checked.add(EVENTS[5]), false);
  assert.equal(own.add(EVENTS[5]), true);
});

Deno.test("EventStore forgets the oldest keys once they total more than maxKeys × 64 characters", () => {
  const store = new EventStore({ maxKeys: 10 });
  const long = EVENTS.slice(0, 10).map((e, i) => ({ ...e, eventId: `${i}:`.padEnd(200, "x") }));
  for (const e of long) assert.equal(store.add(e), true);
  // 640 characters hold three keys of 200: the three newest.
  for (const e of long.slice(-3)) assert.equal(store.add(e), false);
  assert.equal(store.add(long[6]), true);
  // Short keys are kept up to maxKeys.
  const short = new EventStore({ maxKeys: 10 });
  for (const e of EVENTS.slice(0, 10)) short.add(e);
  for (const e of EVENTS.slice(0, 10)) assert.equal(short.add(e), false);
});

Deno.test("EventStore.sessionPage() pages through the sessions that match, in order", async (t) => {
  const store = new EventStore();
  for (const e of EVENTS) store.add(e);
  const pages = (filter: SessionFilter, limit: number) => {
    const out: SessionState[][] = [];
    let after: number | undefined;
    do {
      const page = store.sessionPage(filter, { after, limit });
      out.push(page.sessions);
      after = page.next;
    } while (after !== undefined);
    return out;
  };
  await t.step("all of them, in pages of 7", () => {
    const all = pages({}, 7);
    assert.deepEqual(all.flat(), store.sessions());
    assert.ok(all.length > 2);
    assert.ok(all.slice(0, -1).every((p) => p.length === 7));
    assert.ok(all.at(-1)!.length > 0 && all.at(-1)!.length <= 7);
  });
  await t.step("filtered: the pages hold only matches, none empty", () => {
    const filter = { status: "In Use" as const };
    const all = pages(filter, 5);
    assert.deepEqual(all.flat(), store.sessions(filter));
    assert.ok(all.every((p) => p.length > 0));
  });
  await t.step("a page as long as what is left is the last", () => {
    const n = store.sessions().length;
    assert.equal(store.sessionPage({}, { limit: n }).next, undefined);
    assert.notEqual(store.sessionPage({}, { limit: n - 1 }).next, undefined);
  });
  await t.step("a filter nothing matches: one empty page", () => {
    assert.deepEqual(store.sessionPage({ city: "Atlantis" }), { sessions: [] });
  });
});

Deno.test("EventStore.sessionPage() misses no session updated while a client pages", () => {
  const byId = Map.groupBy(EVENTS.filter(isSession), (e) => e.sessionId);
  const firsts = [...byId.values()].map((h) => h[0]);
  const store = new EventStore();
  for (const e of firsts) store.add(e);
  const first = store.sessionPage({}, { limit: 10 });
  assert.deepEqual(first.sessions, firsts.slice(0, 10));
  // A session of the first page and one of the next get newer events.
  const again = [byId.get(firsts[0].sessionId)![1], byId.get(firsts[15].sessionId)![1]];
  for (const e of again) store.add(e);
  const rest: SessionState[] = [];
  let after = first.next;
  while (after !== undefined) {
    const page = store.sessionPage({}, { after, limit: 10 });
    rest.push(...page.sessions);
    after = page.next;
  }
  const seen = new Set([...first.sessions, ...rest].map((e) => e.sessionId));
  assert.equal(seen.size, firsts.length);
  // The updated ones come last, with their newer events.
  assert.deepEqual(rest.slice(-2), again);
});

Deno.test("EventStore.sessionPage() ends a page at maxBytes, with at least one session", () => {
  const store = new EventStore();
  for (const e of EVENTS) store.add(e);
  const size = JSON.stringify(store.sessions()[0]).length;
  const page = store.sessionPage({}, { limit: 1000, maxBytes: size * 3.5 });
  assert.ok(page.sessions.length >= 2 && page.sessions.length <= 4, `${page.sessions.length}`);
  assert.notEqual(page.next, undefined);
  assert.equal(store.sessionPage({}, { maxBytes: 1 }).sessions.length, 1);
});
