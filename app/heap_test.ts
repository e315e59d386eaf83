import assert from "node:assert/strict";
import v8 from "node:v8";
import { heapKeeper } from "./heap.ts";

const used = () => v8.getHeapStatistics().used_heap_size;
const MB = 1024 * 1024;

Deno.test("heapKeeper collects the garbage of a heap grown past its limit", () => {
  const keep = heapKeeper();
  let held: number[][] | null = Array.from(
    { length: 96 },
    (_, i) => new Array(MB / 8).fill(i + 0.5),
  );
  const grown = used();
  assert.equal(held.length, 96);
  held = null;
  keep();
  assert.ok(used() < grown - 48 * MB, `${used()} bytes used after the keeper, ${grown} before`);
});
