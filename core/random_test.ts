import assert from "node:assert/strict";
import fc from "fast-check";
import { deriveState, Random } from "./random.ts";

Deno.test("Random.stream() gives the same sequence for the same seed and name", () => {
  fc.assert(
    fc.property(fc.integer(), fc.string(), (seed, name) => {
      const a = Random.stream(seed, name);
      const b = Random.stream(seed, name);
      for (let i = 0; i < 5; i++) assert.equal(a.next(), b.next());
    }),
  );
});

Deno.test("Random.stream() separates streams by seed and by name", () => {
  const draws = (r: Random) => Array.from({ length: 4 }, () => r.next());
  assert.notDeepEqual(draws(Random.stream(1, "NYC-0001")), draws(Random.stream(2, "NYC-0001")));
  assert.notDeepEqual(draws(Random.stream(1, "NYC-0001")), draws(Random.stream(1, "NYC-0002")));
  const states = new Set<string>();
  for (let i = 0; i < 100_000; i++) states.add(deriveState(42, `C-${i}`).join(","));
  assert.equal(states.size, 100_000);
});

Deno.test("Random resumes exactly from its saved state", () => {
  const a = Random.stream(7, "x");
  a.next();
  const b = new Random(a.state);
  assert.equal(a.next(), b.next());
});

Deno.test("Random draws stay in their ranges and match their means", () => {
  const r = Random.stream(3, "ranges");
  let sumExp = 0;
  let sumNormal = 0;
  const n = 20_000;
  for (let i = 0; i < n; i++) {
    const u = r.next();
    assert.ok(u >= 0 && u < 1);
    const k = r.int(2, 5);
    assert.ok(Number.isInteger(k) && k >= 2 && k <= 5);
    sumExp += r.exponential(4);
    sumNormal += r.normal(10, 2);
  }
  assert.ok(Math.abs(sumExp / n - 0.25) < 0.01);
  assert.ok(Math.abs(sumNormal / n - 10) < 0.05);
  const counts = [0, 0, 0];
  for (let i = 0; i < n; i++) counts[r.weighted([1, 2, 1])]++;
  assert.ok(Math.abs(counts[1] / n - 0.5) < 0.02);
});
