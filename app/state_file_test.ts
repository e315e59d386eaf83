import assert from "node:assert/strict";
import { defaults } from "../data/mod.ts";
import { ConfigError } from "../core/errors.ts";
import { planRun } from "../core/plan.ts";
import { Simulation } from "../core/simulation.ts";
import type { SimEvent } from "../core/event.ts";
import { ConfigSchema } from "../core/config.ts";
import * as v from "valibot";
import {
  loadPlan,
  openStateFile,
  readStateFile,
  savePlan,
  STATE_VERSION,
  type StateFile,
  writeStateFile,
} from "./state_file.ts";
import { testNetwork } from "../tests/_events.ts";

async function inTemp(fn: (dir: string) => Promise<void>) {
  const dir = await Deno.makeTempDir({ prefix: "evsim-state-" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

function state(): StateFile {
  const plan = planRun(v.parse(ConfigSchema, {}), { duration: "1d" }, 0);
  const sim = new Simulation({
    seed: plan.seed,
    start: plan.start,
    network: { ...testNetwork, chargers: testNetwork.chargers.slice(0, 20) },
    model: defaults.model,
  });
  const out: SimEvent[] = [];
  for (let i = 0; i < 500; i++) sim.step(out);
  return {
    format: "evsim-state",
    version: STATE_VERSION,
    savedAt: new Date(0).toISOString(),
    fingerprint: "abc",
    plan: savePlan(plan),
    finished: false,
    simulation: sim.snapshot(),
  };
}

Deno.test("writeStateFile() replaces the file whole and leaves no temporary file", async () => {
  await inTemp(async (dir) => {
    const path = `${dir}/run.state`;
    assert.equal(await readStateFile(path), undefined);
    const saved = state();
    await writeStateFile(path, saved);
    await writeStateFile(path, { ...saved, finished: true });
    assert.deepEqual(await readStateFile(path), { ...saved, finished: true });
    assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["run.state"]);
  });
});

Deno.test("a saved plan comes back the same, Infinity included", () => {
  const plan = planRun(v.parse(ConfigSchema, {}), { realtime: true }, 1_000);
  assert.equal(plan.end, Infinity);
  assert.deepEqual(loadPlan(JSON.parse(JSON.stringify(savePlan(plan)))), plan);
});

Deno.test("openStateFile() refuses another run's state, naming the file", async () => {
  await inTemp(async (dir) => {
    const path = `${dir}/run.state`;
    await writeStateFile(path, state());
    assert.ok(await openStateFile(path, "abc"));
    await assert.rejects(
      () => openStateFile(path, "def"),
      (e) => e instanceof ConfigError && e.message.startsWith(`${path}: this state belongs to`),
    );
  });
});

Deno.test("a state keeps file sink positions, and one saved without them still reads", async () => {
  await inTemp(async (dir) => {
    const path = `${dir}/run.state`;
    const position = { file: 0, size: 1234, tail: "ab".repeat(32) };
    const withPositions: StateFile = {
      ...state(),
      sinkPositions: [{ sink: "sinks[0]", type: "file", path: "out.ndjson", position }],
    };
    await writeStateFile(path, withPositions);
    assert.deepEqual(await readStateFile(path), withPositions);
    const old = state();
    await writeStateFile(path, old);
    const read = await readStateFile(path);
    assert.equal(read?.sinkPositions, undefined);
    assert.deepEqual(read, old);
    // Each sink type judges its own position (sinks/file_resume_test.ts); the state needs its place and type.
    const odd = { ...withPositions.sinkPositions![0], position: { ...position, tail: "abc" } };
    await writeStateFile(path, { ...withPositions, sinkPositions: [odd] });
    assert.deepEqual((await readStateFile(path))?.sinkPositions, [odd]);
    const { type: _, ...untyped } = odd;
    await writeStateFile(path, { ...withPositions, sinkPositions: [untyped as typeof odd] });
    await assert.rejects(
      () => readStateFile(path),
      (e) => e instanceof ConfigError && /sinkPositions.*type/.test(e.message),
    );
  });
});
