import assert from "node:assert/strict";
import * as v from "valibot";
import { ConfigSchema } from "../core/config.ts";
import { simEvents } from "../tests/_events.ts";
import { inTempDir } from "../tests/_evsim.ts";
import { openInputFile } from "./input_file.ts";
import { replayEvents, replayReport } from "./replay.ts";

Deno.test("replayEvents() sends a file's events to the sinks and counts the bad lines", async () => {
  await inTempDir(async (dir) => {
    const events = simEvents(50);
    const text = events.map((e) => JSON.stringify(e)).join("\n") + "\nnot an event\n";
    await Deno.writeTextFile(`${dir}/in.ndjson`, text);
    const config = v.parse(ConfigSchema, { log: { file: null } });
    const input = await openInputFile(`${dir}/in.ndjson`);
    const result = await replayEvents(config, input, { sinks: [`file:${dir}/out.ndjson`] });
    assert.equal(result.events, 50);
    assert.equal(result.badLines, 1);
    assert.deepEqual(result.delivery, { lost: 0, undelivered: 0 });
    const out = (await Deno.readTextFile(`${dir}/out.ndjson`)).trimEnd().split("\n");
    assert.deepEqual(out.map((l) => JSON.parse(l)), events);
    assert.equal(
      replayReport(result).headline,
      `replayed 50 event(s) from ${dir}/in.ndjson, skipped 1 bad line(s)`,
    );
  });
});
