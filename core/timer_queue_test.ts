import assert from "node:assert/strict";
import fc from "fast-check";
import { TimerQueue } from "./timer_queue.ts";

/** A timer: queued in order (`inOrder`) or not, due at `key`, tied by `tie`. */
const timerArb = fc.record({
  key: fc.integer({ min: 0, max: 40 }),
  tie: fc.integer({ min: 0, max: 5 }),
  inOrder: fc.boolean(),
});
/** A push, or (null) a pop. */
const opsArb = fc.array(fc.option(timerArb, { freq: 3 }), { maxLength: 3_000 });

Deno.test("TimerQueue pops by key, then tie, however its timers were queued", () => {
  fc.assert(fc.property(opsArb, (ops) => {
    const queue = new TimerQueue<number>();
    // The model: every waiting timer, by the number of its push.
    const waiting: { key: number; tie: number; n: number }[] = [];
    const popOne = () => {
      const n = queue.pop();
      if (waiting.length === 0) return assert.equal(n, undefined);
      let first = 0;
      for (let i = 1; i < waiting.length; i++) {
        const a = waiting[i];
        const b = waiting[first];
        if (a.key < b.key || (a.key === b.key && a.tie < b.tie)) first = i;
      }
      const expected = waiting[first];
      // Timers with the same key and tie may come in either order: compare those, not the number.
      const got = waiting.findIndex((w) => w.n === n);
      assert.ok(got >= 0, `popped ${n}, which is not waiting`);
      assert.deepEqual([waiting[got].key, waiting[got].tie], [expected.key, expected.tie]);
      waiting.splice(got, 1);
    };
    ops.forEach((op, n) => {
      if (op === null) return popOne();
      if (op.inOrder) queue.pushInOrder(n, op.key, op.tie);
      else queue.push(n, op.key, op.tie);
      waiting.push({ key: op.key, tie: op.tie, n });
    });
    assert.equal(queue.length, waiting.length);
    assert.deepEqual(
      [...queue.entries()].map(([n]) => n).sort((a, b) => a - b),
      waiting.map((w) => w.n),
    );
    while (waiting.length > 0) popOne();
    assert.equal(queue.peekKey(), Infinity);
    assert.equal(queue.pop(), undefined);
  }));
});

Deno.test("TimerQueue.peekKey() is the key of the timer pop() returns", () => {
  fc.assert(fc.property(fc.array(timerArb, { maxLength: 200 }), (timers) => {
    const queue = new TimerQueue<number>();
    timers.forEach((t, n) =>
      t.inOrder ? queue.pushInOrder(n, t.key, t.tie) : queue.push(n, t.key, t.tie)
    );
    let last = -Infinity;
    while (queue.length > 0) {
      const key = queue.peekKey();
      assert.ok(key >= last);
      assert.equal(timers[queue.pop()!].key, key);
      last = key;
    }
  }));
});

Deno.test("TimerQueue keeps thousands of timers queued in order (its ring grows)", () => {
  const queue = new TimerQueue<number>();
  for (let i = 0; i < 5_000; i++) queue.pushInOrder(i, Math.floor(i / 3), i % 3);
  // Popping some makes the ring wrap around before it grows again.
  for (let i = 0; i < 1_500; i++) assert.equal(queue.pop(), i);
  for (let i = 5_000; i < 9_000; i++) queue.pushInOrder(i, Math.floor(i / 3), i % 3);
  for (let i = 1_500; i < 9_000; i++) assert.equal(queue.pop(), i);
  assert.equal(queue.length, 0);
});
