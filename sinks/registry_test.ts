import assert from "node:assert/strict";
import * as v from "valibot";
import { ConfigSchema } from "../core/config.ts";
import { ConfigError, UsageError } from "../core/errors.ts";
import { defineSinkType } from "../core/sink_type.ts";
import { mqttSinkType } from "./mqtt.ts";
import {
  builtInSinkTypes,
  configJsonSchema,
  parseSinkSpec,
  resolveSinks,
  sinkAccess,
  sinkConfigs,
  sinkSpecUsage,
  sinkTypesWith,
} from "./registry.ts";

const placed = (entries: { type: string; [k: string]: unknown }[], file?: string) =>
  entries.map((entry, i) => ({ entry, where: `sinks[${i}]`, file }));

/** A plugin's sink type with a shorthand of its own. */
const countType = defineSinkType({
  schema: v.strictObject({ path: v.string() }),
  shorthand: {
    usage: "count:PATH",
    parse: (spec) => spec.startsWith("count:") ? { path: spec.slice(6) } : undefined,
  },
  needs: (o) => [{ write: o.path, option: "path" }],
  create: () => Object.assign(() => {}, { [Symbol.asyncDispose]: async () => {} }),
});

Deno.test("parseSinkSpec() reads each built-in shorthand, and a plugin type's", () => {
  assert.deepEqual(parseSinkSpec("stdout"), { type: "stdout" });
  assert.deepEqual(parseSinkSpec("file:out/sessions.ndjson"), {
    type: "file",
    path: "out/sessions.ndjson",
  });
  assert.deepEqual(parseSinkSpec("http://127.0.0.1:8080/events"), {
    type: "http",
    url: "http://127.0.0.1:8080/events",
  });
  assert.deepEqual(parseSinkSpec("server:8788"), { type: "server", port: 8788 });
  assert.deepEqual(parseSinkSpec("server"), { type: "server", port: 8787 });
  assert.deepEqual(parseSinkSpec("mqtts://broker:8883"), {
    type: "mqtt",
    url: "mqtts://broker:8883",
  });
  const types = sinkTypesWith(new Map([["count", { type: countType, plugin: "counter" }]]));
  assert.deepEqual(parseSinkSpec("count:x", types), { type: "count", path: "x" });
});

Deno.test("parseSinkSpec() names the value no type reads, and the forms it knows", () => {
  assert.throws(
    () => parseSinkSpec("kafka://x"),
    (e: unknown) =>
      e instanceof UsageError &&
      e.message ===
        '--sink: expected stdout, file:PATH, http(s)://URL, server:PORT or mqtt(s)://HOST:PORT, got "kafka://x"',
  );
  assert.equal(
    sinkSpecUsage(sinkTypesWith(new Map([["count", { type: countType, plugin: "counter" }]]))),
    "stdout, file:PATH, http(s)://URL, server:PORT, mqtt(s)://HOST:PORT or count:PATH",
  );
});

Deno.test("resolveSinks() fills in defaults and lists every problem with its place", () => {
  const [file, http] = resolveSinks(placed([
    { type: "file", path: "out.ndjson" },
    { type: "http", url: "http://127.0.0.1/x" },
  ]));
  assert.deepEqual(file.options, { path: "out.ndjson", maxBytes: 100 * 1024 * 1024, backups: 5 });
  assert.equal((http.options as { batchSize: number }).batchSize, 1);
  assert.equal(http.where, "sinks[1]");

  let error: unknown;
  try {
    resolveSinks(placed([
      { type: "http", url: "ftp://x" },
      { type: "file", path: "" },
      { type: "kafka" },
      { type: "server", port: 99999 },
    ], "c.json"));
  } catch (thrown) {
    error = thrown;
  }
  assert.ok(error instanceof ConfigError);
  assert.deepEqual(error.problems, [
    'c.json: sinks[0].url: expected an http(s) URL, got "ftp://x"',
    "c.json: sinks[1].path: expected a path",
    'c.json: sinks[2].type: unknown sink type "kafka" (known: stdout, file, http, server, mqtt)',
    "c.json: sinks[3].port: Invalid value: Expected <=65535 but received 99999",
  ]);
});

Deno.test("resolveSinks() keeps secrets out of its messages", () => {
  assert.throws(
    () => resolveSinks(placed([{ type: "http", url: "ftp://u:pw@x/?key=secret" }])),
    (e: unknown) =>
      e instanceof ConfigError && !e.message.includes("pw") && !e.message.includes("secret"),
  );
});

Deno.test("a plugin's sink type is validated by its schema and named in the message", () => {
  const types = sinkTypesWith(new Map([["count", { type: countType, plugin: "counter" }]]));
  assert.throws(
    () => resolveSinks(placed([{ type: "count", path: 3 }]), types),
    (e: unknown) =>
      e instanceof ConfigError &&
      e.message === "sinks[0].path: expected string, got 3 (sink type count of plugin counter)",
  );
  const [count] = resolveSinks(placed([{ type: "count", path: "n.txt" }]), types);
  assert.deepEqual(sinkAccess([count]), [
    { access: { write: "n.txt", option: "path" }, where: "sinks[0]" },
  ]);
});

Deno.test("sinkTypesWith() refuses a plugin type that would replace a built-in one", () => {
  assert.throws(
    () => sinkTypesWith(new Map([["http", { type: countType, plugin: "greedy" }]])),
    /plugin greedy: sinks\.http: "http" is a built-in sink type/,
  );
  // The shipped mqtt plugin registers the built-in type itself: no conflict.
  const types = sinkTypesWith(new Map([["mqtt", { type: mqttSinkType, plugin: "mqtt" }]]));
  assert.equal(types.get("mqtt"), builtInSinkTypes.get("mqtt"));
});

Deno.test("sinkConfigs() adds the api shortcut as an http sink named api", () => {
  const config = v.parse(ConfigSchema, {
    sinks: [{ type: "stdout" }],
    api: { url: "http://127.0.0.1:8080/x", tokenEnv: "T" },
  });
  const list = sinkConfigs(config, "c.json");
  assert.deepEqual(list.map((s) => s.where), ["sinks[0]", "api"]);
  assert.equal(list[1].entry.type, "http");
  assert.equal(resolveSinks(list)[1].name, "http");
});

Deno.test("configJsonSchema() describes each built-in sink type's options", () => {
  const schema = configJsonSchema() as {
    properties: { sinks: { items: { anyOf: { properties: Record<string, unknown> }[] } } };
  };
  const branches = schema.properties.sinks.items.anyOf;
  const names = branches.map((b) => (b.properties.type as { const?: string }).const);
  assert.deepEqual(names, ["stdout", "file", "http", "server", "mqtt", undefined]);
  assert.ok("batchSize" in branches[2].properties);
  assert.ok("topic" in branches[4].properties);
});
