/**
 * A process using a disk queue, for sinks/disk_queue_test.ts. Its first
 * argument says what it does:
 *
 * - `open FOLDER`: opens the queue and prints `{"ok":true}`, or the error's
 *   name and message as JSON, then closes it.
 * - `write FOLDER TEMPLATE FIRST`: appends batches numbered from FIRST for
 *   ever, made from the events in the JSON file TEMPLATE, and now and then
 *   takes one out, acknowledges it and syncs. It says what it did on stdout
 *   as it goes (`appended N`, `ack N` just before acknowledging, `synced`
 *   after a sync), for the test that kills it.
 *
 * @module
 */
import type { SimEvent } from "../core/event.ts";
import { openDiskQueue } from "../sinks/disk_queue.ts";

const [mode, folder, template, first] = Deno.args;
const encoder = new TextEncoder();
const say = (line: string) => Deno.stdout.writeSync(encoder.encode(line + "\n"));

/** The number of the batch an event belongs to: its `eventId` is `bN-J`. */
export function batchOf(event: SimEvent): number {
  return Number(/^b(\d+)-/.exec(event.eventId)![1]);
}

if (mode === "open") {
  try {
    const queue = await openDiskQueue(folder, { maxBytes: 1 << 20 });
    await queue[Symbol.asyncDispose]();
    say(JSON.stringify({ ok: true }));
  } catch (error) {
    const { name, message } = error as Error;
    say(JSON.stringify({ ok: false, name, message }));
  }
} else if (mode === "write") {
  const events = JSON.parse(await Deno.readTextFile(template)) as SimEvent[];
  await using queue = await openDiskQueue(folder, { maxBytes: 2 ** 30, segmentBytes: 256 * 1024 });
  say("ready");
  for (let i = 0;; i++) {
    const n = Number(first) + i;
    // Mostly small batches, and now and then a large one, whose write a kill can cut short.
    const size = i % 7 === 0 ? events.length : 1 + i % 5;
    const batch = events.slice(0, size).map((e, j) => ({ ...e, eventId: `b${n}-${j}` }));
    await queue.append(batch);
    say(`appended ${n}`);
    if (i % 2 === 1) {
      const got = await queue.next();
      // Every fifth batch taken out stays unacknowledged, as if still in flight.
      if (got && i % 10 !== 1) {
        say(`ack ${batchOf(got.events[0])}`);
        queue.ack(got.id);
      }
    }
    if (i % 25 === 24) {
      await queue.sync();
      say("synced");
    }
  }
}
