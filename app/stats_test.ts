import assert from "node:assert/strict";
import { simEvents } from "../tests/_events.ts";
import { collectStats } from "./stats.ts";

Deno.test("collectStats() reports a stream's statistics and its first bad line", async () => {
  const text = ["junk", ...simEvents(300).map((e) => JSON.stringify(e)), "{}"].join("\n");
  const input = { path: "-", name: "stdin", readable: new Blob([text]).stream() };
  const { report, firstBadLine } = await collectStats(input);
  assert.equal(report.events, 300);
  assert.equal(report.badLines, 2);
  assert.match(firstBadLine!, /^line 1: invalid JSON/);
  assert.equal(report.charts, undefined);
});
