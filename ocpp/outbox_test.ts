import assert from "node:assert/strict";
import { Outbox } from "./outbox.ts";
import type { OutCall } from "./station_state.ts";

const call = (action: string, kind: OutCall["kind"], periodic = false): OutCall => ({
  action,
  payload: {},
  kind,
  periodic,
});

Deno.test("Outbox keeps calls in order", () => {
  const box = new Outbox(10);
  for (const a of ["A", "B", "C"]) box.push(call(a, "transaction"));
  assert.deepEqual([...box].map((c) => c.action), ["A", "B", "C"]);
  assert.equal(box.shift()?.action, "A");
  assert.equal(box.peek()?.action, "B");
  assert.equal(box.length, 2);
});

Deno.test("a full Outbox gives up a status, then a periodic sample, then the new call", () => {
  const box = new Outbox(4);
  box.push(call("Start", "transaction"));
  box.push(call("Status", "status"));
  box.push(call("Sample", "transaction", true));
  box.push(call("Stop", "transaction"));
  assert.equal(box.push(call("Start2", "transaction"))?.call.action, "Status");
  assert.equal(box.push(call("Stop2", "transaction"))?.call.action, "Sample");
  const refused = box.push(call("Start3", "transaction"));
  assert.equal(refused?.call.action, "Start3");
  assert.deepEqual([...box].map((c) => c.action), ["Start", "Stop", "Start2", "Stop2"]);
  assert.equal(box.dropped, 3);
});

Deno.test("a full Outbox never gives up its head, which may be in flight", () => {
  const box = new Outbox(2);
  box.push(call("Status0", "status"));
  box.push(call("Start", "transaction"));
  assert.equal(box.push(call("Stop", "transaction"))?.call.action, "Stop");
  assert.equal(box.peek()?.action, "Status0");
});

Deno.test("Outbox.removeWhere() takes out what matches, keeping the order of the rest", () => {
  const box = new Outbox(10);
  box.push(call("Authorize", "online"));
  box.push(call("Start", "transaction"));
  box.push(call("Authorize", "online"));
  box.push(call("Stop", "transaction"));
  box.shift();
  assert.equal(box.removeWhere((c) => c.kind === "online"), 1);
  assert.deepEqual([...box].map((c) => c.action), ["Start", "Stop"]);
});
