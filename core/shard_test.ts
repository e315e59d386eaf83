import assert from "node:assert/strict";
import { defaults } from "../data/mod.ts";
import type { SimEvent } from "./event.ts";
import { inShard, parseShard, shardOf } from "./shard.ts";
import { Simulation } from "./simulation.ts";
import { chargerIn, testNetwork } from "../tests/_events.ts";

Deno.test("parseShard() reads i/n and refuses anything else", () => {
  assert.deepEqual(parseShard("0/1"), { index: 0, count: 1 });
  assert.deepEqual(parseShard("6/7"), { index: 6, count: 7 });
  for (const bad of ["", "1", "7/7", "1/0", "-1/3", "a/3", "1/3/4", "1.5/3"]) {
    assert.equal(parseShard(bad), undefined, bad);
  }
});

Deno.test("shardOf() spreads chargers evenly and depends on the ID only", () => {
  const ids = testNetwork.chargers.map((c) => c.id);
  const counts = new Array(7).fill(0);
  for (const id of ids) counts[shardOf(id, 7)]++;
  for (const n of counts) assert.ok(Math.abs(n - ids.length / 7) < ids.length / 7 * 0.15, `${n}`);
  assert.equal(
    shardOf(chargerIn("New York", "public"), 7),
    shardOf(chargerIn("New York", "public"), 7),
  );
});

/** Every event of a 2-day run of the given chargers, without `seq`. */
function events(ids: Set<string> | null): string[] {
  const network = ids
    ? { ...testNetwork, chargers: testNetwork.chargers.filter((c) => ids.has(c.id)) }
    : testNetwork;
  const sim = new Simulation({
    seed: 9,
    start: Date.UTC(2026, 0, 5),
    network,
    model: defaults.model,
    updateIntervalSeconds: 600,
  });
  const end = Date.UTC(2026, 0, 7);
  const out: SimEvent[] = [];
  while (sim.peek() < end) sim.step(out);
  return out.map((e) => JSON.stringify({ ...e, seq: 0 }));
}

Deno.test("each shard's events are the unsharded run's events of its chargers, in order", async (t) => {
  const whole = events(null);
  const ids = testNetwork.chargers.map((c) => c.id);
  for (const count of [1, 3, 7]) {
    await t.step(`n = ${count}`, () => {
      const union: string[] = [];
      for (let index = 0; index < count; index++) {
        const mine = new Set(ids.filter((id) => inShard(id, { index, count })));
        assert.ok(mine.size > 0);
        const own = events(mine);
        // Timers due at the same millisecond run in the order of their chargers: the same order.
        assert.deepEqual(own, whole.filter((e) => mine.has(JSON.parse(e).chargerId)));
        union.push(...own);
      }
      assert.deepEqual(union.sort(), [...whole].sort());
    });
  }
});
