import assert from "node:assert/strict";
import { simEvents } from "../tests/_events.ts";
import { type FeedFrame, LiveFeed } from "./live_feed.ts";
import { LiveState } from "./live_state.ts";

const EVENTS = simEvents(400);
const parse = (frame: FeedFrame) => JSON.parse(frame.text);

/** A feed over a state fed `EVENTS`, ticked by hand (its timer is never started). */
function setup(windowFrames = 3) {
  const state = new LiveState();
  let wall = 0;
  const feed = new LiveFeed(state, { windowFrames, now: () => (wall += 250) });
  return { state, feed };
}

Deno.test("LiveFeed numbers its frames from 1 and gives a new client a snapshot of the last", () => {
  const { state, feed } = setup();
  try {
    const [first] = feed.since();
    assert.deepEqual(parse(first), { ...parse(first), id: 0, kind: "snapshot", stations: [] });
    for (const event of EVENTS.slice(0, 200)) state.add(event);
    const frame = feed.tick();
    assert.equal(frame.id, 1);
    assert.equal(parse(frame).kind, "delta");
    assert.ok(parse(frame).added.length > 0);
    const [snapshot] = feed.since();
    assert.equal(snapshot.id, 1, "as of frame 1");
    assert.equal(parse(snapshot).stations.length, parse(frame).added.length);
  } finally {
    feed.close();
  }
});

Deno.test("LiveFeed.since() resumes within its window and gives a snapshot outside it", () => {
  const { feed } = setup(3);
  try {
    for (let i = 0; i < 5; i++) feed.tick();
    const ids = (lastId?: number) => feed.since(lastId).map((f) => [f.id, parse(f).kind]);
    assert.deepEqual(ids(5), [], "up to date");
    assert.deepEqual(ids(3), [[4, "delta"], [5, "delta"]]);
    assert.deepEqual(ids(2), [[3, "delta"], [4, "delta"], [5, "delta"]], "the oldest kept is 3");
    assert.deepEqual(ids(1), [[5, "snapshot"]], "frame 2 is gone");
    assert.deepEqual(ids(), [[5, "snapshot"]]);
    assert.deepEqual(ids(6), [[5, "snapshot"]], "an ID this feed never made (a restarted server)");
    assert.deepEqual(ids(2.5), [[5, "snapshot"]]);
  } finally {
    feed.close();
  }
});

Deno.test("LiveFeed makes frames on its timer only while a client listens", async () => {
  const state = new LiveState();
  using feed = new LiveFeed(state, { intervalMs: 10 });
  const got: number[] = [];
  const unsubscribe = feed.subscribe(undefined, (frame) => got.push(frame.id));
  assert.deepEqual(got, [0], "the snapshot first");
  await new Promise((resolve) => setTimeout(resolve, 60));
  unsubscribe();
  const made = feed.lastId;
  assert.ok(made >= 2, `${made} frames`);
  assert.deepEqual(got, Array.from({ length: made + 1 }, (_, i) => i));
  await new Promise((resolve) => setTimeout(resolve, 30));
  assert.equal(feed.lastId, made, "no frames without a client");
  const resumed: number[] = [];
  feed.subscribe(made - 1, (frame) => resumed.push(frame.id))();
  assert.deepEqual(resumed, [made]);
  feed.close();
  assert.throws(() => feed.subscribe(undefined, () => {}), /subscribed after it was closed/);
});

Deno.test("LiveFeed refuses an interval or window that is not positive", () => {
  assert.throws(
    () => new LiveFeed(new LiveState(), { intervalMs: 0 }),
    /intervalMs must be positive, got 0/,
  );
  assert.throws(
    () => new LiveFeed(new LiveState(), { windowFrames: -1 }),
    /windowFrames must be positive/,
  );
});
