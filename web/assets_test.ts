import assert from "node:assert/strict";
import { ASSETS_MODULE, buildAssets } from "./build.ts";
import * as assets from "./assets.gen.ts";

Deno.test("web/assets.gen.ts is what `deno task web` builds from the sources now", async () => {
  const committed = await Deno.readTextFile(ASSETS_MODULE);
  const built = await buildAssets();
  assert.ok(
    committed === built,
    "web/assets.gen.ts is out of date with web/client/ (or was edited): run `deno task web`",
  );
});

Deno.test("the live page refers to nothing outside the server", () => {
  for (const [name, text] of Object.entries(assets)) {
    if (name === "usAtlas") continue;
    const urls = text.match(/\b(?:https?:)?\/\/[a-z0-9.-]+\.[a-z]{2,}[^\s"'`)]*/gi) ?? [];
    // The only absolute URLs are XML namespaces, which browsers never fetch.
    assert.deepEqual(urls.filter((url) => !url.startsWith("http://www.w3.org/")), [], name);
  }
});
