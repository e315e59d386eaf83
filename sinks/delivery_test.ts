import assert from "node:assert/strict";
import { getLogger } from "@logtape/logtape";
import type { SimEvent } from "../core/event.ts";
import { simEvents } from "../tests/_events.ts";
import { getDeliverySink, type Outcome, type Send } from "./delivery.ts";

const identity = { name: "test", where: "test", logger: getLogger(["evsim", "test"]) };
const RETRY: Outcome = { ok: false, retry: true, reason: "HTTP 503" };
const BASE_MS = 100;
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

/**
 * The gaps (ms) between the attempts at event 0 of `list`, which `fails`
 * decides (the attempt's number, 1-based); every other event is taken at
 * once. With `feedEveryMs`, the other events come one at a time that often,
 * so the receiver keeps taking requests while event 0 waits.
 */
async function gapsOfEventZero(
  list: SimEvent[],
  fails: (attempt: number) => boolean,
  feedEveryMs?: number,
): Promise<number[]> {
  const times: number[] = [];
  const send: Send = (events) => {
    if (events[0].eventId !== list[0].eventId) return Promise.resolve({ ok: true });
    times.push(performance.now());
    return Promise.resolve(fails(times.length) ? RETRY : { ok: true });
  };
  const sink = getDeliverySink(() => send, identity, {
    batchSize: 1,
    retryBaseMs: BASE_MS,
    // The largest delay the bound allows, so that the gaps show the bound.
    random: () => 0.999,
  });
  for (const e of list) {
    await sink(e);
    if (feedEveryMs) await new Promise((resolve) => setTimeout(resolve, feedEveryMs));
  }
  await sink[Symbol.asyncDispose]();
  return times.slice(1).map((t, i) => t - times[i]);
}

Deno.test("delivery: a receiver that fails everything gets a backoff doubling with each attempt", async () => {
  const gaps = await gapsOfEventZero(simEvents(1, { seed: 3 }), (n) => n <= 4);
  assert.equal(gaps.length, 4);
  // 100, 200, 400 and 800 ms (timers fire late, never early).
  for (let i = 0; i < gaps.length; i++) assert.ok(gaps[i] >= BASE_MS * 2 ** i * 0.99, `${gaps}`);
  assert.ok(gaps[3] > 2.5 * gaps[1], `gaps ${gaps.map(Math.round)} ms`);
});

Deno.test("delivery: a batch failing while the receiver takes others is retried soon", async () => {
  // Event 0 fails its first four attempts while other events go through every 20 ms: the
  // failures are not in a row, so each retry waits the first bound (100 ms; 400 ms in all),
  // not 100, 200, 400 and 800 ms (1,500 ms in all).
  const gaps = await gapsOfEventZero(simEvents(80, { seed: 3 }), (n) => n <= 4, 20);
  assert.equal(gaps.length, 4);
  assert.ok(sum(gaps) < 9 * BASE_MS, `gaps ${gaps.map(Math.round)} ms`);
});

Deno.test("delivery: a batch refused again and again still backs off, four doublings later", async () => {
  // Seven failures of event 0 while the others go through: its own failures double its
  // delay from the sixth on (200 ms), then 400 ms at the seventh, and so on.
  const gaps = await gapsOfEventZero(simEvents(150, { seed: 3 }), (n) => n <= 7, 20);
  assert.equal(gaps.length, 7);
  assert.ok(sum(gaps.slice(0, 4)) < 9 * BASE_MS, `gaps ${gaps.map(Math.round)} ms`);
  assert.ok(gaps[6] >= 4 * BASE_MS * 0.99, `gaps ${gaps.map(Math.round)} ms`);
});
