import assert from "node:assert/strict";
import * as v from "valibot";
import { ConfigSchema } from "../core/config.ts";
import { planRun } from "../core/plan.ts";
import { inTempDir } from "../tests/_evsim.ts";
import { prepareRun, runConfig, runPrepared, runReport } from "./run.ts";

const config = v.parse(ConfigSchema, { region: "Boulder, CO", log: { file: null } });
const plan = planRun(config, { duration: "2h", updateInterval: "300" }, 0);
const lines = async (path: string) => (await Deno.readTextFile(path)).trimEnd().split("\n");

Deno.test("runConfig() runs a config's plan into its sinks and returns the summary", async () => {
  await inTempDir(async (dir) => {
    const result = await runConfig(config, plan, { sinks: [`file:${dir}/out.ndjson`] });
    assert.equal(result.end, "finished");
    assert.ok(result.stats.events > 100);
    assert.equal((await lines(`${dir}/out.ndjson`)).length, result.stats.events);
    assert.deepEqual(result.delivery, { lost: 0, undelivered: 0 });
    assert.equal(result.sinks[0].sent, result.stats.events);
    const report = runReport(result);
    assert.match(report.headline, /^finished backfill from 2026-01-05T00:00:00\.000Z to .* in \d/);
    assert.match(report.lines[0], /^events [\d,]+ · sessions started/);
  });
});

Deno.test("prepareRun() hands the sinks to authorizeSinks before creating any", async () => {
  await inTempDir(async (dir) => {
    const refused = new Error("refused");
    await assert.rejects(
      () =>
        prepareRun(config, plan, {
          sinks: [`file:${dir}/out.ndjson`],
          authorizeSinks: (sinks) => {
            assert.deepEqual(sinks.map((s) => s.where), ["--sink[0]"]);
            throw refused;
          },
        }),
      (e) => e === refused,
    );
    assert.deepEqual([...Deno.readDirSync(dir)], []);
  });
});

Deno.test("prepareRun() keeps a shard's chargers only", async () => {
  const whole = await prepareRun(config, plan);
  const shard = await prepareRun(config, plan, { shard: { index: 0, count: 2 } });
  const count = shard.inputs.network.chargers.length;
  assert.ok(count > 0 && count < whole.inputs.network.chargers.length);
});

Deno.test("a run with a state file resumes it; once finished, it does nothing", async () => {
  await inTempDir(async (dir) => {
    const state = { path: `${dir}/run.state` };
    const sinks = [`file:${dir}/out.ndjson`];
    const first = await runPrepared(await prepareRun(config, plan, { state, sinks }));
    assert.equal(first.end, "finished");
    const again = await runPrepared(await prepareRun(config, plan, { state, sinks }));
    assert.equal(again.end, "done");
    assert.equal(again.stats.events, 0);
    assert.match(runReport(again).headline, /run\.state: this run already finished \(backfill/);
  });
});

Deno.test("runPrepared() stops when its signal aborts", async () => {
  await inTempDir(async (dir) => {
    const prepared = await prepareRun(config, plan, { sinks: [`file:${dir}/out.ndjson`] });
    const result = await runPrepared(prepared, { signal: AbortSignal.abort() });
    assert.equal(result.end, "stopped");
    assert.equal(result.stats.events, 0);
  });
});
