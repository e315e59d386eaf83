import assert from "node:assert/strict";
import * as v from "valibot";
import { PluginError } from "./errors.ts";
import { definePlugin } from "./plugin.ts";
import { loadPlugins, resolveModule } from "./plugin_loader.ts";

const good = definePlugin({
  name: "good",
  options: v.strictObject({ count: v.optional(v.number(), 3) }),
  cities: ({ cities }) => cities,
});

/** Loads one plugin whose module exports `exported`; returns the error message, if any. */
async function failure(exported: unknown, options?: unknown): Promise<string> {
  try {
    await loadPlugins([{ module: "./p.ts", options }], {
      baseDir: "/cfg",
      importModule: () => Promise.resolve({ default: exported }),
    });
  } catch (error) {
    assert.ok(error instanceof PluginError, String(error));
    return error.message;
  }
  return "";
}

Deno.test("resolveModule() resolves paths against the config folder and keeps specifiers", () => {
  assert.equal(
    resolveModule("./my plugin.ts", "/etc/evsim", {}),
    "file:///etc/evsim/my%20plugin.ts",
  );
  assert.equal(resolveModule("/abs/p.ts", "/etc", {}), "file:///abs/p.ts");
  assert.equal(resolveModule("npm:evsim-kafka@1", "/etc", {}), "npm:evsim-kafka@1");
  assert.equal(
    resolveModule("mqtt", "/etc", { mqtt: () => Promise.resolve({ default: 1 }) }),
    "mqtt",
  );
});

Deno.test("loadPlugins() loads shipped and module plugins in order with validated options", async () => {
  const urls: string[] = [];
  const loaded = await loadPlugins(
    [{ module: "shipped" }, { module: "./p.ts", options: { count: 5 } }, { module: "./p.ts" }],
    {
      baseDir: "/cfg",
      shipped: { shipped: () => Promise.resolve({ default: definePlugin({ name: "s" }) }) },
      importModule: (url) => {
        urls.push(url);
        return Promise.resolve({ default: good });
      },
    },
  );
  assert.deepEqual(loaded.map((l) => l.plugin.name), ["s", "good", "good"]);
  assert.deepEqual(loaded.map((l) => l.options), [undefined, { count: 5 }, { count: 3 }]);
  assert.deepEqual(urls, ["file:///cfg/p.ts", "file:///cfg/p.ts"]);
  assert.equal(loaded[1].where, "plugin good (plugins[1])");
});

Deno.test("loadPlugins() refuses every kind of bad plugin with a message naming it", async (t) => {
  const cases: [string, unknown, unknown, RegExp][] = [
    [
      "no default export",
      undefined,
      undefined,
      /plugins\[0\] \(\.\/p\.ts\): the module has no default export/,
    ],
    ["not an object", 42, undefined, /plugins\[0\] \(\.\/p\.ts\): default export: expected Object/],
    ["no name", { cities: () => [] }, undefined, /default export\.name: missing/],
    [
      "a hook that is not a function",
      { name: "x", cities: [] },
      undefined,
      /default export\.cities: expected a function/,
    ],
    [
      "an unknown field",
      { name: "x", citys: () => [] },
      undefined,
      /default export\.citys: unknown field/,
    ],
    [
      "options that are not a schema",
      { name: "x", options: { count: 1 } },
      undefined,
      /default export\.options: expected a valibot schema/,
    ],
    [
      "a bad sink type",
      { name: "x", sinks: { Kafka: { schema: v.object({}), create: () => {} } } },
      undefined,
      /default export\.sinks/,
    ],
    [
      "options of the wrong type",
      good,
      { count: "many" },
      /plugin good \(plugins\[0\]\): options\.count: expected number, got "many"/,
    ],
    [
      "options it does not take",
      definePlugin({ name: "bare" }),
      { x: 1 },
      /plugin bare \(plugins\[0\]\): options: this plugin takes no options/,
    ],
  ];
  for (const [name, exported, options, message] of cases) {
    await t.step(name, async () => {
      assert.match(await failure(exported, options), message);
    });
  }
});

Deno.test("loadPlugins() names a module that cannot be imported", async () => {
  const error = await loadPlugins([{ module: "./missing.ts" }], {
    baseDir: "/nowhere",
  }).catch((e) => e);
  assert.ok(error instanceof PluginError);
  assert.match(error.message, /^plugins\[0\] \(\.\/missing\.ts\): cannot load the module: /);
});
