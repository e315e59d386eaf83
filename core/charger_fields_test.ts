import assert from "node:assert/strict";
import type * as v from "valibot";
import { defaults } from "../data/mod.ts";
import {
  ChargerStatusEventSchema,
  EVENT_TYPES,
  type EventType,
  SessionEndedEventSchema,
  SessionEndEventSchema,
  SessionEventSchema,
  SessionRejectedEventSchema,
  type SimEvent,
} from "./event.ts";
import { chargerFields, eventHead } from "./charger_fields.ts";
import { cityOf } from "./network.ts";
import { Simulation } from "./simulation.ts";
import { testNetwork } from "../tests/_events.ts";

const START = Date.UTC(2026, 0, 5);

const schemaOf = (type: EventType): v.ObjectEntries =>
  type === "charger.status"
    ? ChargerStatusEventSchema.entries
    : type === "session.rejected"
    ? SessionRejectedEventSchema.entries
    : type === "session.ended"
    ? SessionEndedEventSchema.entries
    : type === "session.completed" || type === "session.failed"
    ? SessionEndEventSchema.entries
    : SessionEventSchema.entries;

Deno.test("every event lists its keys in the order of its schema", () => {
  const model = structuredClone(defaults.model);
  // Busy chargers, so that every type of event comes up.
  model.sessionsPerChargerPerDay = { L2: 8, DCFC: 30 };
  model.faults.perChargerPerDay = { L2: 2, DCFC: 2 };
  model.interruption = { ...model.interruption, probability: 0.5, resolveProbability: 0.2 };
  const sim = new Simulation({
    seed: 5,
    start: START,
    network: { ...testNetwork, chargers: testNetwork.chargers.slice(0, 60) },
    model,
  });
  const seen = new Set<EventType>();
  const out: SimEvent[] = [];
  while (seen.size < EVENT_TYPES.length && sim.peek() < START + 30 * 86_400_000) {
    out.length = 0;
    sim.step(out);
    for (const e of out) {
      seen.add(e.type);
      const keys = Object.keys(schemaOf(e.type)).filter((k) => k in e);
      assert.deepEqual(Object.keys(e), keys, e.type);
    }
  }
  assert.deepEqual([...seen].sort(), [...EVENT_TYPES].sort());
});

Deno.test("eventHead() copies a charger's fields, which stay frozen", () => {
  const charger = testNetwork.chargers[0];
  const f = chargerFields(charger, cityOf(testNetwork)(charger));
  assert.ok(Object.isFrozen(f));
  const e = eventHead("charger.status", START, f, "Idle", "Available");
  assert.equal(e.time, "2026-01-05T00:00:00.000Z");
  assert.equal(e.chargerId, charger.id);
  for (const [key, value] of Object.entries(f)) {
    assert.deepEqual((e as Record<string, unknown>)[key], value, key);
  }
  // Its own list of connectors, not the charger's frozen one (which JSON.stringify is slow with).
  assert.notEqual(e.connectors, f.connectors);
  assert.ok(!Object.isFrozen(e.connectors));
});
