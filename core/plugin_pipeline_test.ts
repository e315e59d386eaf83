import assert from "node:assert/strict";
import * as v from "valibot";
import { defaults } from "../data/mod.ts";
import type { DemandModel } from "./arrivals.ts";
import { PluginError } from "./errors.ts";
import { definePlugin, type Plugin } from "./plugin.ts";
import type { LoadedPlugin } from "./plugin_loader.ts";
import { applyPlugins, type PluginOutput } from "./plugin_pipeline.ts";
import { SPRINGFIELD } from "../tests/_events.ts";

const flat: DemandModel = () => ({ perDay: 1, weights: new Array(24).fill(1) });
const start: PluginOutput = { ...defaults, demand: flat, sinkTypes: new Map() };
const host = { seed: 7, baseDir: "/cfg", readTextFile: () => Promise.resolve("") };
const springfield = SPRINGFIELD;

const loaded = (plugins: Plugin<unknown>[]): LoadedPlugin[] =>
  plugins.map((plugin, i) => ({
    plugin,
    options: undefined,
    where: `plugin ${plugin.name} (plugins[${i}])`,
  }));

async function failure(plugins: Plugin<unknown>[]): Promise<string> {
  try {
    await applyPlugins(loaded(plugins), start, host);
  } catch (error) {
    assert.ok(error instanceof PluginError, String(error));
    return error.message;
  }
  return "";
}

Deno.test("applyPlugins() runs hooks in order: later plugins replace or extend", async () => {
  const seen: string[] = [];
  const out = await applyPlugins(
    loaded([
      definePlugin({ name: "replace", cities: () => [springfield] }),
      definePlugin({
        name: "extend",
        cities: ({ cities }) => [...cities, { ...springfield, name: "Shelbyville" }],
        chargers: ({ cities, seed }) => {
          seen.push(`${cities.map((c) => c.name).join("+")} seed ${seed}`);
          return cities.map((c, i) => ({
            id: `C${i}`,
            name: "Lot",
            city: c.name,
            state: c.state,
            latitude: c.latitude,
            longitude: c.longitude,
            level: "L2" as const,
            powerKw: 7.2,
          }));
        },
      }),
    ]),
    start,
    host,
  );
  assert.deepEqual(out.network.cities.map((c) => c.name), ["Springfield", "Shelbyville"]);
  assert.deepEqual(seen, ["Springfield+Shelbyville seed 7"]);
  assert.equal(out.network.chargers.length, 2);
  assert.equal(out.network.vehicles, defaults.network.vehicles);
});

Deno.test("applyPlugins() passes each plugin its options and the model to demand", async () => {
  const demand: DemandModel = () => ({ perDay: 3, weights: new Array(24).fill(1) });
  const plugin = definePlugin({
    name: "busy",
    options: v.object({ factor: v.number() }),
    model: ({ model, options }) => ({ ...model, userCount: options.factor }),
    demand: ({ model }) => (model.userCount === 9 ? demand : flat),
  });
  const out = await applyPlugins(
    [{ plugin: plugin as Plugin<unknown>, options: { factor: 9 }, where: "plugin busy" }],
    start,
    host,
  );
  assert.equal(out.model.userCount, 9);
  assert.equal(out.demand, demand);
});

Deno.test("applyPlugins() stops on a plugin that throws or returns invalid data, naming it", async (t) => {
  const cases: [string, Plugin<unknown>, RegExp][] = [
    [
      "throws",
      definePlugin({
        name: "boom",
        cities: () => {
          throw new Error("no network");
        },
      }),
      /^plugin boom \(plugins\[0\]\): cities\(\) failed: no network$/,
    ],
    [
      "negative population",
      definePlugin({ name: "neg", cities: () => [{ ...springfield, population: -5 }] }),
      /^plugin neg \(plugins\[0\]\): cities\(\) returned: cities\[0\]\.population/,
    ],
    [
      "a charger without coordinates",
      definePlugin({
        name: "nocoords",
        chargers: ({ chargers }) => [
          ...chargers,
          { id: "X", name: "Lot", city: "Boston", level: "L2", powerKw: 7.2 } as never,
        ],
      }),
      /plugin nocoords \(plugins\[0\]\): chargers\(\) returned: chargers\[\d+\]\.latitude: missing/,
    ],
    [
      "a charger in no known city",
      definePlugin({
        name: "lost",
        chargers: () => [{
          id: "X",
          name: "Lot",
          city: "Gotham",
          latitude: 1,
          longitude: 1,
          level: "L2",
          powerKw: 7.2,
        }],
      }),
      /network after plugins lost: chargers\[0\]\.city: no city "Gotham"/,
    ],
    [
      "demand that is not a function",
      definePlugin({ name: "nodemand", demand: () => 3 as unknown as DemandModel }),
      /plugin nodemand \(plugins\[0\]\): demand\(\) returned number, expected a function/,
    ],
  ];
  for (const [name, plugin, message] of cases) {
    await t.step(name, async () => assert.match(await failure([plugin]), message));
  }
});

Deno.test("applyPlugins() collects sink types, a later plugin replacing an earlier one", async () => {
  const make = (name: string) =>
    definePlugin({
      name,
      sinks: { kafka: { schema: v.object({}), create: () => Promise.reject(new Error(name)) } },
    });
  const out = await applyPlugins(loaded([make("first"), make("second")]), start, host);
  assert.equal(out.sinkTypes.get("kafka")?.plugin, "second");
});
