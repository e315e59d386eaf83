import assert from "node:assert/strict";
import * as v from "valibot";
import { ConfigSchema } from "../core/config.ts";
import { UsageError } from "../core/errors.ts";
import { newSinkStats, type Sink } from "../core/sink.ts";
import { builtInSinkTypes } from "../sinks/registry.ts";
import { builtInSinks, chooseSinks, deliveryCounts } from "./sinks.ts";

const config = v.parse(ConfigSchema, { sinks: [{ type: "file", path: "config.ndjson" }] });
const types = (entries: { entry: { type: string } }[]) => entries.map((e) => e.entry.type);

Deno.test("chooseSinks() takes the config's sinks, replaced by --sink values or extended by +SPEC", () => {
  assert.deepEqual(types(chooseSinks(config, builtInSinkTypes)), ["file"]);
  const replaced = chooseSinks(config, builtInSinkTypes, { sinks: ["stdout"] });
  assert.deepEqual(replaced.map((s) => s.where), ["--sink[0]"]);
  assert.deepEqual(types(replaced), ["stdout"]);
  const added = chooseSinks(config, builtInSinkTypes, { sinks: ["+stdout"], configFile: "c.json" });
  assert.deepEqual(types(added), ["file", "stdout"]);
  assert.equal(added[0].file, "c.json");
  assert.throws(
    () => chooseSinks(config, builtInSinkTypes, { sinks: ["nope"] }),
    (e) => e instanceof UsageError && e.message.startsWith("--sink: expected "),
  );
});

Deno.test("builtInSinks() resolves what it can before the plugins load, and leaves problems for later", () => {
  assert.deepEqual(builtInSinks(config).map((s) => s.name), ["file"]);
  assert.deepEqual(builtInSinks(config, { sinks: ["nope"] }), []);
});

Deno.test("deliveryCounts() adds up what the sinks lost, dead-lettered and dropped", () => {
  const sink = (lost: number, deadLettered: number, dropped: number): Sink => {
    const stats = { ...newSinkStats("s"), lost, deadLettered, dropped };
    return Object.assign(() => {}, { stats });
  };
  assert.deepEqual(deliveryCounts([sink(1, 2, 3), sink(0, 4, 0), () => {}]), {
    lost: 1,
    undelivered: 9,
  });
});
