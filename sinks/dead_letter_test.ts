import assert from "node:assert/strict";
import { type BadLine, readEvents } from "../core/ndjson.ts";
import { simEvents } from "../tests/_events.ts";
import { deadLetterEvent } from "./dead_letter.ts";

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

Deno.test("readEvents() with deadLetterEvent() takes events and dead-letter entries and reports bad lines", async () => {
  const events = simEvents(2);
  const lines = [
    JSON.stringify(events[0]),
    "",
    JSON.stringify({ reason: "HTTP 500", attempts: 3, sink: "http", event: events[1] }),
    "{oops",
    JSON.stringify({ ...events[0], socPercent: 140 }),
  ];
  const bad: BadLine[] = [];
  const got = await collect(
    readEvents(lines, (b) => bad.push(b), { unwrap: deadLetterEvent }),
  );
  assert.deepEqual(got, [events[0], events[1]]);
  assert.deepEqual(bad.map((b) => b.line), [4, 5]);
  assert.match(bad[0].problem, /invalid JSON/);
  assert.match(bad[1].problem, /socPercent/);
});

Deno.test("deadLetterEvent() takes the event of an entry and leaves anything else as it is", () => {
  const event = { type: "charger.status" };
  assert.equal(deadLetterEvent({ reason: "HTTP 500", attempts: 3, sink: "http", event }), event);
  for (const value of [event, { event }, { reason: "x" }, null, 3, "text", [event]]) {
    assert.equal(deadLetterEvent(value), value);
  }
});
