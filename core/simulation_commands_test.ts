/**
 * Commands from outside the simulation (a central system's): a power cap
 * (`limitPower`) and taking a charger out of service (`setAvailable`).
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { defaults } from "../data/mod.ts";
import type { SimEvent } from "./event.ts";
import type { Charger } from "./network.ts";
import { Simulation } from "./simulation.ts";
import { testNetwork } from "../tests/_events.ts";

/** Any event of a session. */
type SessionEvent = Extract<SimEvent, { sessionId: string }>;

const START = Date.UTC(2026, 0, 5);
const DAY = 86_400_000;

/** A simulation of one charger, busy enough that its first session comes soon. */
function one(charger: Charger, seed: number): Simulation {
  const model = structuredClone(defaults.model);
  model.sessionsPerChargerPerDay = { L2: 6, DCFC: 24 };
  model.interruption.probability = 0;
  return new Simulation({
    seed,
    start: START,
    network: { ...testNetwork, chargers: [charger] },
    model,
  });
}

/** Steps until a session is charging (a `session.updated` with power); its events so far. */
function untilCharging(sim: Simulation): SessionEvent | undefined {
  const out: SimEvent[] = [];
  while (sim.peek() < START + 3 * DAY) {
    out.length = 0;
    sim.step(out);
    const e = out.find((e) => e.type === "session.updated" && e.powerKw > 0);
    if (e) return e as SessionEvent;
  }
  return undefined;
}

/** The rest of session `id`'s events. */
function restOf(sim: Simulation, id: string, first: SimEvent[] = []): SessionEvent[] {
  const out = [...first];
  while (!out.some((e) => e.type === "session.ended") && sim.peek() < START + 10 * DAY) {
    sim.step(out);
  }
  return out.filter((e): e is SessionEvent => "sessionId" in e && e.sessionId === id);
}

const chargerArb = fc.constantFrom(...testNetwork.chargers.slice(0, 300));

Deno.test("limitPower() lowers a session's power from then on, and it takes longer for no more energy", () => {
  fc.assert(
    fc.property(
      chargerArb,
      fc.integer({ min: 1, max: 10_000 }),
      fc.double({ min: 0.05, max: 0.9, noNaN: true }),
      (charger, seed, share) => {
        const capped = one(charger, seed);
        const free = one(charger, seed);
        const e = untilCharging(capped);
        if (!e) return;
        assert.deepEqual(untilCharging(free), e);
        const cap = Math.max(0.5, e.powerKw * share);
        const out: SimEvent[] = [];
        capped.limitPower(charger.id, cap, capped.now, out);
        assert.equal(out.length, 1);
        assert.equal(out[0].type, "session.updated");
        const a = restOf(capped, e.sessionId, out);
        const b = restOf(free, e.sessionId);
        for (const x of a) assert.ok(x.powerKw <= cap + 0.01, `${x.powerKw} kW > cap ${cap}`);
        const endA = a.at(-1)!;
        const endB = b.at(-1)!;
        assert.ok(endA.type === "session.ended" && endB.type === "session.ended");
        assert.ok(endA.totalEnergyKwh <= endB.totalEnergyKwh + 1e-3);
        // Energy never goes back, and power × time bounds it.
        for (let i = 1; i < a.length; i++) assert.ok(a[i].energyKwh >= a[i - 1].energyKwh - 1e-9);
        const completedA = a.find((x) => x.type === "session.completed");
        const completedB = b.find((x) => x.type === "session.completed");
        if (completedA && completedB) assert.ok(completedA.time >= completedB.time);
        if (completedB && endA.totalEnergyKwh < endB.totalEnergyKwh - 1e-3) {
          // Less energy only when the driver left before the capped charge was done.
          assert.ok(!completedA);
        }
      },
    ),
    { numRuns: 60 },
  );
});

Deno.test("limitPower() then its removal at the same moment changes nothing but the two updates", () => {
  fc.assert(
    fc.property(chargerArb, fc.integer({ min: 1, max: 10_000 }), (charger, seed) => {
      const capped = one(charger, seed);
      const free = one(charger, seed);
      const e = untilCharging(capped);
      if (!e) return;
      untilCharging(free);
      const out: SimEvent[] = [];
      capped.limitPower(charger.id, e.powerKw / 3, capped.now, out);
      capped.limitPower(charger.id, undefined, capped.now, out);
      assert.equal(out.length, 2);
      // The same events but for IDs; times to the millisecond a restarted charge segment rounds
      // its completion time to (it is worked out again from the state of charge then), and the
      // rounded figures to their last digit (a state of charge worked out again may fall on the
      // other side of a rounding).
      const strip = (list: SessionEvent[]) =>
        list.map(({ seq: _s, eventId: _e, time, ...rest }) => {
          const { endTime, ...others } = rest as typeof rest & { endTime?: string };
          return { ...others, ms: Date.parse(time), endMs: endTime ? Date.parse(endTime) : 0 };
        });
      const lastDigit: Record<string, number> = {
        energyKwh: 0.001,
        totalEnergyKwh: 0.001,
        socPercent: 0.01,
        percentComplete: 0.01,
        powerKw: 0.01,
      };
      const rounded = (x: Record<string, unknown>) =>
        Object.fromEntries(Object.entries(x).map(([k, v]) => [k, k in lastDigit ? 0 : v]));
      const a = strip(restOf(capped, e.sessionId).filter((x) => x.time > e.time));
      const b = strip(restOf(free, e.sessionId).filter((x) => x.time > e.time));
      assert.equal(a.length, b.length);
      a.forEach((x, i) => {
        const y = b[i];
        assert.ok(Math.abs(x.ms - y.ms) <= 1, `${x.type}: ${x.ms} vs ${y.ms}`);
        assert.ok(Math.abs(x.endMs - y.endMs) <= 1, `${x.type}: ends ${x.endMs} vs ${y.endMs}`);
        for (const [key, step] of Object.entries(lastDigit)) {
          const [u, v] = [(x as Record<string, unknown>)[key], (y as Record<string, unknown>)[key]];
          if (typeof u === "number" && typeof v === "number") {
            assert.ok(Math.abs(u - v) <= step + 1e-9, `${x.type}: ${key} ${u} vs ${v}`);
          } else assert.equal(u, v, `${x.type}: ${key}`);
        }
        assert.deepEqual(rounded({ ...x, ms: 0, endMs: 0 }), rounded({ ...y, ms: 0, endMs: 0 }));
      });
    }),
    { numRuns: 40 },
  );
});

Deno.test("limitPower(0) holds the charge at no power until the cap goes", () => {
  const charger = testNetwork.chargers.find((c) => c.level === "L2")!;
  for (let seed = 1; seed < 40; seed++) {
    const sim = one(charger, seed);
    const e = untilCharging(sim);
    if (!e) continue;
    const out: SimEvent[] = [];
    sim.limitPower(charger.id, 0, sim.now, out);
    // Ten updates held.
    while (out.filter((x) => x.type === "session.updated").length < 10) sim.step(out);
    const held = out.filter((x): x is SessionEvent =>
      "sessionId" in x && x.sessionId === e.sessionId
    );
    if (held.some((x) => x.type === "session.ended")) continue; // the driver left meanwhile
    for (const x of held) {
      assert.equal(x.powerKw, 0);
      assert.equal(x.energyKwh, held[0].energyKwh);
    }
    const after: SimEvent[] = [];
    sim.limitPower(charger.id, undefined, sim.now, after);
    assert.ok((after[0] as SessionEvent).powerKw > 0);
    sim.step(after);
    sim.step(after);
    const later = after.filter((x): x is SessionEvent => "sessionId" in x).at(-1)!;
    assert.ok(later.energyKwh > held[0].energyKwh || later.type === "session.ended");
    return;
  }
  assert.fail("no seed gave a held session");
});

Deno.test("a snapshot with a cap in place resumes exactly", () => {
  fc.assert(
    fc.property(
      chargerArb,
      fc.integer({ min: 1, max: 10_000 }),
      fc.integer({ min: 0, max: 30 }),
      (charger, seed, steps) => {
        const sim = one(charger, seed);
        const e = untilCharging(sim);
        if (!e) return;
        sim.limitPower(charger.id, e.powerKw / 2, sim.now, []);
        const skip: SimEvent[] = [];
        for (let i = 0; i < steps; i++) sim.step(skip);
        sim.limitPower(charger.id, undefined, sim.now, []);
        const snapshot = JSON.parse(JSON.stringify(sim.snapshot()));
        const model = structuredClone(defaults.model);
        model.sessionsPerChargerPerDay = { L2: 6, DCFC: 24 };
        model.interruption.probability = 0;
        const resumed = new Simulation({
          seed,
          start: START,
          network: { ...testNetwork, chargers: [charger] },
          model,
          resume: snapshot,
        });
        const a: SimEvent[] = [];
        const b: SimEvent[] = [];
        // Over the same simulated span: a stale step left by a command takes a step and makes
        // no event, and the snapshot does not keep it.
        const end = sim.now + DAY;
        while (sim.peek() < end) sim.step(a);
        while (resumed.peek() < end) resumed.step(b);
        assert.ok(a.length > 0);
        assert.deepEqual(b, a);
      },
    ),
    { numRuns: 30 },
  );
});

Deno.test("setAvailable(false) takes an idle charger out of service: its arrivals are lost until it is back", () => {
  const charger = testNetwork.chargers[0];
  const sim = one(charger, 7);
  const out: SimEvent[] = [];
  while (sim.peek() < START + DAY) {
    out.length = 0;
    sim.step(out);
    if (out.some((e) => e.type === "charger.status" && e.status === "Idle")) break;
  }
  out.length = 0;
  assert.equal(sim.setAvailable(charger.id, false, sim.now, out), "accepted");
  assert.equal(out.length, 1);
  assert.equal(out[0].type === "charger.status" && out[0].status, "Maintenance");
  const during: SimEvent[] = [];
  const until = sim.now + DAY;
  while (sim.peek() < until) sim.step(during);
  assert.ok(during.length > 0);
  assert.ok(
    during.every((e) => e.type === "session.rejected" && e.rejectReason === "out_of_service"),
  );
  const back: SimEvent[] = [];
  assert.equal(sim.setAvailable(charger.id, true, sim.now, back), "accepted");
  assert.equal(back[0].type === "charger.status" && back[0].status, "Idle");
  while (sim.peek() < until + DAY) sim.step(back);
  assert.ok(back.some((e) => e.type === "session.started"));
});

Deno.test("setAvailable(false) under a session waits for the vehicle to leave", () => {
  const charger = testNetwork.chargers[0];
  const sim = one(charger, 11);
  const e = untilCharging(sim)!;
  const out: SimEvent[] = [];
  assert.equal(sim.setAvailable(charger.id, false, sim.now, out), "scheduled");
  assert.equal(out.length, 0);
  while (!out.some((x) => x.type === "session.ended")) sim.step(out);
  sim.step(out);
  const status = out.filter((x) => x.type === "charger.status").at(-1);
  assert.equal(status?.type === "charger.status" && status.status, "Maintenance");
  assert.ok(out.some((x) => "sessionId" in x && x.sessionId === e.sessionId));
});

Deno.test("commands refuse a time outside now … the next timer, and an unknown charger", () => {
  const charger = testNetwork.chargers[0];
  const sim = one(charger, 1);
  sim.step([]);
  assert.throws(() => sim.limitPower(charger.id, 3, sim.now - 1, []), /a command's time must lie/);
  assert.throws(
    () => sim.limitPower(charger.id, 3, sim.peek() + 1, []),
    /a command's time must lie/,
  );
  assert.throws(() => sim.setAvailable("nope", false, sim.now, []), /no charger nope/);
  assert.throws(() => sim.limitPower(charger.id, -1, sim.now, []), /kw must be ≥ 0/);
});

Deno.test("the tests' simulations charge a session on most chargers", () => {
  let charging = 0;
  for (const c of testNetwork.chargers.slice(0, 50)) if (untilCharging(one(c, 1))) charging++;
  assert.ok(charging >= 40, `${charging} of 50`);
});

Deno.test("startSession() starts a session on a free charger now, and refuses a busy one", () => {
  const charger = testNetwork.chargers[0];
  const sim = one(charger, 3);
  const out: SimEvent[] = [];
  sim.step(out);
  out.length = 0;
  const started = sim.startSession(charger.id, sim.now, out);
  if (started) {
    assert.ok(out.some((e) => e.type === "session.started" && Date.parse(e.time) === sim.now));
    assert.equal(sim.startSession(charger.id, sim.now, []), false);
  } else {
    // A start can fail, as any start may.
    assert.ok(out.some((e) => e.type === "session.rejected"));
  }
});

Deno.test("stopSession() ends the session now: the driver unplugs, and its pending step is void", () => {
  fc.assert(
    fc.property(chargerArb, fc.integer({ min: 1, max: 10_000 }), (charger, seed) => {
      const sim = one(charger, seed);
      const e = untilCharging(sim);
      if (!e) return;
      const out: SimEvent[] = [];
      assert.equal(sim.stopSession(charger.id, sim.now, out), true);
      const ended = out.find((x) => x.type === "session.ended");
      assert.ok(ended && ended.type === "session.ended" && ended.sessionId === e.sessionId);
      assert.ok(ended.energyKwh >= e.energyKwh);
      assert.equal(Date.parse(ended.time), sim.now);
      // Nothing more of that session, and the snapshot holds no step of it.
      const later: SimEvent[] = [];
      const snapshot = sim.snapshot();
      assert.equal(snapshot.steps.length, 0);
      for (let i = 0; i < 50; i++) sim.step(later);
      assert.ok(!later.some((x) => "sessionId" in x && x.sessionId === e.sessionId));
      const busy = sim.snapshot().chargers[0].session !== null;
      assert.equal(sim.stopSession(charger.id, sim.now, []), busy);
    }),
    { numRuns: 40 },
  );
});
