import assert from "node:assert/strict";
import { Hono } from "hono";
import { LiveFeed } from "./live_feed.ts";
import { LIVE_PAGE_FILES, livePage, liveRoutes } from "./live_routes.ts";
import { LiveState } from "./live_state.ts";

/** A server of the live page alone, over an empty state. */
function setup() {
  const closing = new AbortController();
  const live = new LiveState();
  const feed = new LiveFeed(live, { intervalMs: 10 });
  const app = new Hono()
    .route("/", livePage())
    .route("/", liveRoutes(live, feed, { closing: closing.signal, slowClient: () => new Error() }));
  return { app, closing, feed };
}

Deno.test("livePage() serves the page's files, not to be cached stale", async () => {
  const { app, feed } = setup();
  feed.close();
  assert.deepEqual(LIVE_PAGE_FILES.map(([path]) => path), [
    "/",
    "/live.js",
    "/live.css",
    "/us.json",
  ]);
  for (const [path, type, text] of LIVE_PAGE_FILES) {
    const res = await app.request(path);
    assert.equal(res.status, 200, path);
    assert.equal(res.headers.get("content-type"), type, path);
    assert.equal(res.headers.get("cache-control"), "no-cache", path);
    assert.equal(await res.text(), text, path);
  }
});

Deno.test("liveRoutes() refuses bad queries with JSON saying what was wrong, and ends its streams", async () => {
  const { app, closing } = setup();
  const error = async (path: string, status: number) => {
    const res = await app.request(path);
    assert.equal(res.status, status, path);
    return (await res.json()).error as string;
  };
  assert.match(
    await error("/live/sessions?limit=1001", 400),
    /\?limit must be an integer from 1 to 1000, got "1001"/,
  );
  assert.match(
    await error("/live/sessions?siteType=x", 400),
    /unknown site type "x" in \?siteType/,
  );
  assert.match(
    await error("/live/sessions?status=x", 400),
    /unknown station status "x" in \?status/,
  );
  assert.match(await error("/live/stations/S1", 404), /no station "S1"/);
  assert.deepEqual(await (await app.request("/live/sessions")).json(), []);
  const stream = await app.request("/live");
  assert.equal(stream.headers.get("content-type"), "text/event-stream");
  closing.abort();
  await stream.body!.pipeTo(new WritableStream());
  assert.match(await error("/live", 503), /shutting down/);
});
