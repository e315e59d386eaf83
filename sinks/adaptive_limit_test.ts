import assert from "node:assert/strict";
import { AdaptiveLimit } from "./adaptive_limit.ts";

/** A limit on a clock the test moves: `run(latency)` is one window of `limit` requests. */
function limitWith(latencyOf: (limit: number) => number, waiting = true) {
  let now = 0;
  const limit = new AdaptiveLimit({ windowMs: 100, now: () => now });
  const windows = (n: number) => {
    const seen: number[] = [];
    for (let w = 0; w < n; w++) {
      const inFlight = limit.limit;
      for (let i = 0; i < inFlight; i++) limit.observe(latencyOf(inFlight), waiting);
      now += 100;
      limit.observe(latencyOf(inFlight), waiting);
      seen.push(limit.limit);
    }
    return seen;
  };
  return { limit, windows };
}

Deno.test("AdaptiveLimit grows to its maximum while requests wait and latency holds", () => {
  // A receiver 5 ms away that is never the bottleneck: latency does not depend on the load.
  const { windows } = limitWith(() => 5);
  const seen = windows(40);
  assert.equal(seen[0] > 4, true, "it grows from the first window");
  assert.ok(seen.every((n, i) => i === 0 || n >= seen[i - 1]), "it never shrinks");
  assert.equal(seen.at(-1), 64);
});

Deno.test("AdaptiveLimit stays put when nothing waits for a slot", () => {
  const { windows } = limitWith(() => 5, false);
  assert.deepEqual(new Set(windows(20)), new Set([4]));
});

Deno.test("AdaptiveLimit backs off when the receiver queues: latency grows with the load", () => {
  // A receiver that serves one request at a time in 1 ms: latency is the number in flight.
  const { windows } = limitWith((inFlight) => inFlight);
  const seen = windows(200);
  // Up until latency is twice the lowest seen, then back by a quarter: it settles near 8.
  assert.ok(Math.max(...seen) <= 12, `at most ${Math.max(...seen)}`);
  assert.ok(Math.min(...seen.slice(20)) >= 4, `at least ${Math.min(...seen.slice(20))}`);
});

Deno.test("AdaptiveLimit keeps within its bounds", () => {
  let now = 0;
  const limit = new AdaptiveLimit({ initial: 100, max: 10, min: 2, windowMs: 1, now: () => now });
  assert.equal(limit.limit, 10);
  for (let i = 0; i < 50; i++) {
    now += 2;
    limit.observe(i < 10 ? 1 : 100, true); // latency a hundred times the lowest: back off
  }
  assert.equal(limit.limit, 2);
});

Deno.test("AdaptiveLimit measures its lowest latency again after a long stretch at its smallest limit", () => {
  let now = 0;
  const limit = new AdaptiveLimit({ min: 1, windowMs: 1, memory: 5, now: () => now });
  const window = (ms: number) => {
    const n = limit.limit;
    for (let i = 0; i < n; i++) {
      now += 1;
      limit.observe(ms, true);
    }
  };
  window(1); // the lowest: 1 ms
  for (let i = 0; i < 5; i++) window(50); // the receiver moved 50 ms away: down to 1
  assert.equal(limit.limit, 1);
  for (let i = 0; i < 10; i++) window(50); // 50 ms is the new lowest: it grows again
  assert.ok(limit.limit > 1, `${limit.limit}`);
});
