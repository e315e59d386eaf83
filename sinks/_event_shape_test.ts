import assert from "node:assert/strict";
import fc from "fast-check";
import * as v from "valibot";
import { EVENT_TYPES, EventSchema } from "../core/event.ts";
import { simEvents } from "../tests/_events.ts";
import { compileEventShape } from "./_event_shape.ts";
import { approximateSize, type SessionState } from "./event_store.ts";

const measure = compileEventShape(EventSchema);
const ENCODER = new TextEncoder();
/** The event store's size of `value`, which the measure must give. */
const storeSize = (value: unknown) => approximateSize(value as SessionState);

/** Real events as a server receives them (through JSON), a few of each type seen. */
const SAMPLES: Record<string, unknown>[] = (() => {
  const perType = new Map<string, number>();
  const kept: Record<string, unknown>[] = [];
  for (const e of simEvents(40_000)) {
    const n = perType.get(e.type) ?? 0;
    if (n >= 40) continue;
    perType.set(e.type, n + 1);
    kept.push(JSON.parse(JSON.stringify(e)));
  }
  return kept;
})();

/** Every string of `value` at any depth, field names included. */
function strings(value: unknown): string[] {
  if (typeof value === "string") return [value];
  if (typeof value !== "object" || value === null) return [];
  if (Array.isArray(value)) return value.flatMap(strings);
  return Object.entries(value).flatMap(([k, x]) => [k, ...strings(x)]);
}

Deno.test("compileEventShape() accepts real events of every type, within the default limits", () => {
  const types = new Set(SAMPLES.map((e) => e.type));
  for (const type of ["session.started", "session.updated", "session.ended", "charger.status"]) {
    assert.ok(types.has(type), `no ${type} among the samples`);
  }
  assert.ok([...types].every((t) => (EVENT_TYPES as readonly unknown[]).includes(t)));
  for (const event of SAMPLES) {
    const size = measure(event, 1024);
    assert.equal(size, storeSize(event), JSON.stringify(event));
    assert.ok(6 * size >= ENCODER.encode(JSON.stringify(event)).length, JSON.stringify(event));
    assert.ok(6 * size <= 16 * 1024, `${6 * size} bytes bound for ${JSON.stringify(event)}`);
  }
});

Deno.test("compileEventShape() leaves other key orders, unknown keys and bad values to valibot", () => {
  const event = SAMPLES.find((e) => e.type === "session.updated")!;
  const { type, seq, ...rest } = event;
  assert.equal(measure({ seq, type, ...rest }, 1024), -1, "another key order");
  assert.equal(measure({ ...event, extra: 1 }, 1024), -1, "an unknown key");
  assert.equal(measure({ ...event, socPercent: 101 }, 1024), -1, "out of range");
  assert.equal(measure({ ...event, seq: 1.5 }, 1024), -1, "not an integer");
  assert.equal(measure({ ...event, time: "2026-01-05 25:00:00Z" }, 1024), -1, "not a timestamp");
  assert.equal(measure({ ...event, connectors: ["J1772", "Type2"] }, 1024), -1, "a connector");
  assert.equal(measure({ ...event, type: "session.unknown" }, 1024), -1, "an unknown type");
  assert.equal(measure({ ...event, city: "x".repeat(30) }, 29), -1, "a string over the limit");
  assert.equal(measure({ ...event }, 10), -1, "field names over the limit");
  assert.equal(measure([event], 1024), -1, "an array");
  assert.equal(measure(null, 1024), -1, "null");
  // The schema's optional `repair` may be absent or present.
  const status = SAMPLES.find((e) => e.type === "charger.status")!;
  const { repair: _, ...bare } = status;
  assert.ok(measure(bare, 1024) > 0);
  assert.ok(measure({ ...bare, repair: "remote" }, 1024) > 0);
  assert.equal(measure({ ...bare, repair: "later" }, 1024), -1);
});

/** Changes an event the way a sender might get it wrong (or right in another way). */
const mutation = fc.oneof(
  fc.record({ kind: fc.constant("delete" as const), at: fc.nat() }),
  fc.record({ kind: fc.constant("add" as const), key: fc.string(), value: fc.jsonValue() }),
  fc.record({ kind: fc.constant("set" as const), at: fc.nat(), value: fc.jsonValue() }),
  fc.record({
    kind: fc.constant("number" as const),
    at: fc.nat(),
    value: fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.integer()),
  }),
  fc.record({
    kind: fc.constant("string" as const),
    at: fc.nat(),
    value: fc.oneof(
      fc.string({ unit: "binary", maxLength: 40 }),
      fc.string({ unit: "grapheme", maxLength: 40 }),
      fc.constantFrom(...EVENT_TYPES, "2026-01-05T08:00:00Z", "2026-01-05T08:00:00.1234567891Z"),
    ),
  }),
  fc.record({ kind: fc.constant("swap" as const), a: fc.nat(), b: fc.nat() }),
);
type Mutation = typeof mutation extends fc.Arbitrary<infer M> ? M : never;

function mutate(event: Record<string, unknown>, m: Mutation): Record<string, unknown> {
  const entries = Object.entries(event);
  const i = (n: number) => n % entries.length;
  switch (m.kind) {
    case "delete":
      entries.splice(i(m.at), 1);
      break;
    case "add":
      entries.push([m.key, m.value]);
      break;
    case "set":
    case "number":
    case "string":
      entries[i(m.at)] = [entries[i(m.at)][0], m.value];
      break;
    case "swap": {
      const [a, b] = [i(m.a), i(m.b)];
      [entries[a], entries[b]] = [entries[b], entries[a]];
      break;
    }
  }
  return Object.fromEntries(entries);
}

Deno.test("compileEventShape() accepts only what valibot accepts, with the same output, within the limits and sized as the store sizes it", () => {
  fc.assert(
    fc.property(
      fc.constantFrom(...SAMPLES),
      fc.array(mutation, { maxLength: 3 }),
      fc.integer({ min: 1, max: 2000 }),
      (sample, mutations, maxString) => {
        // Through JSON, as the server receives it: `__proto__` keys and all.
        const value = JSON.parse(JSON.stringify(mutations.reduce(mutate, sample)));
        const size = measure(value, maxString);
        if (size < 0) return;
        const result = v.safeParse(EventSchema, value);
        assert.ok(result.success, JSON.stringify(result.issues));
        assert.equal(JSON.stringify(result.output), JSON.stringify(value));
        assert.ok(strings(value).every((s) => s.length <= maxString));
        assert.equal(size, storeSize(value));
        assert.ok(ENCODER.encode(JSON.stringify(value)).length <= 6 * size);
      },
    ),
    { numRuns: 5000 },
  );
});

Deno.test("compileEventShape() refuses schemas it cannot mirror exactly", () => {
  const shape = (entries: v.ObjectEntries) =>
    v.variant("type", [v.strictObject({ type: v.literal("a"), ...entries })]);
  assert.throws(() => compileEventShape(shape({ x: v.pipe(v.string(), v.trim()) })), /transform/);
  assert.throws(() => compileEventShape(shape({ x: v.optional(v.string(), "") })), /default/);
  assert.throws(() => compileEventShape(shape({ x: v.date() })), /unsupported schema date/);
  assert.throws(() => compileEventShape(shape({ x: v.pipe(v.string(), v.email()) })), /email/);
  assert.throws(() => compileEventShape(shape({ x: v.array(v.number()) })), /array of number/);
});

Deno.test("six times compileEventShape()'s size bounds the bytes of strings that escape or encode long", () => {
  const event = SAMPLES.find((e) => e.type === "session.updated")!;
  for (
    const text of ["\u0001".repeat(300), "\ud800".repeat(300), "€".repeat(300), '"'.repeat(300)]
  ) {
    const value = { ...event, city: text, locationName: text, vehicleType: text };
    const bytes = ENCODER.encode(JSON.stringify(value)).length;
    assert.ok(6 * measure(value, 1024) >= bytes, `${JSON.stringify(text.slice(0, 2))}…`);
  }
});
