import assert from "node:assert/strict";
import type { SessionState } from "./event_store.ts";
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
});

Deno.test("EventStore stays bounded with many more keys and sessions than it keeps", () => {
  const store = new EventStore({ maxKeys: 100, maxSessions: 10 });
  for (const e of EVENTS) store.add(e);
  const stats = store.stats();
  assert.equal(stats.accepted, EVENTS.length);
  assert.equal(stats.sessions, 10);
  assert.deepEqual(store.sessions(), latestBySession(EVENTS).slice(-10));
  assert.equal(
    stats.activeSessions,
    latestBySession(EVENTS).slice(-10).filter((e) => !ended(e)).length,
  );
  // The last 100 keys are known, older ones are not.
  assert.equal(store.add(EVENTS.at(-1)!), false);
  assert.equal(store.add(EVENTS.at(-100)!), false);
  assert.equal(store.add(EVENTS[0]), true);
});
