import assert from "node:assert/strict";
import { SiteTypeSchema } from "../core/network.ts";
import { SITE_TYPES } from "./frame.ts";
import { frameKind } from "./live_sse.ts";

Deno.test("SITE_TYPES lists every site type of the network schema", () => {
  assert.deepEqual([...SITE_TYPES].sort(), [...SiteTypeSchema.options].sort());
});

Deno.test("frameKind() reads a frame's kind from its JSON", () => {
  assert.equal(frameKind(JSON.stringify({ id: 12, kind: "snapshot", stations: [] })), "snapshot");
  assert.equal(frameKind(JSON.stringify({ id: 13, kind: "delta", added: [] })), "delta");
});
