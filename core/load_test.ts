import assert from "node:assert/strict";
import { defaults } from "../data/mod.ts";
import { ConfigError } from "./errors.ts";
import { dirname, loadConfig, loadInputs, type ReadTextFile, resolvePath } from "./load.ts";
import { SPRINGFIELD } from "../tests/_events.ts";

/** An in-memory file system. */
function memory(files: Record<string, unknown>): ReadTextFile {
  return (path) => {
    if (!(path in files)) {
      return Promise.reject(Object.assign(new Error("No such file"), { name: "NotFound" }));
    }
    const content = files[path];
    return Promise.resolve(typeof content === "string" ? content : JSON.stringify(content));
  };
}

async function problems(run: () => Promise<unknown>): Promise<string[]> {
  try {
    await run();
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems];
    throw error;
  }
  return [];
}

const city = SPRINGFIELD;
const charger = {
  id: "SPR-1",
  name: "Capitol Garage",
  latitude: 39.8,
  longitude: -89.65,
  level: "L2",
  powerKw: 7.2,
};

Deno.test("loadConfig() gives the defaults without a file", async () => {
  const config = await loadConfig(memory({}));
  assert.equal(config.seed, 1);
  assert.deepEqual(config.sinks, [{ type: "stdout" }]);
  assert.equal(config.log.file, "charging_sessions.log");
});

Deno.test("loadConfig() names a missing file, bad JSON and each schema problem", async () => {
  const read = memory({
    "bad.json": '{ "seed": 1, }',
    "wrong.json": { seed: "x", sinks: [{ type: "HTTP" }], extra: 1 },
  });
  assert.deepEqual(await problems(() => loadConfig(read, "none.json")), [
    "none.json: config file not found",
  ]);
  const [json] = await problems(() => loadConfig(read, "bad.json"));
  assert.match(json, /^bad\.json:1:14: invalid JSON/);
  const schema = await problems(() => loadConfig(read, "wrong.json"));
  assert.ok(schema.includes('wrong.json: seed: expected number, got "x"'), schema.join("\n"));
  // Each sink's options are its type's to check (sinks/registry_test.ts); the name is the config's.
  assert.ok(schema.some((p) => p.startsWith("wrong.json: sinks[0].type:")), schema.join("\n"));
  assert.ok(schema.some((p) => p.startsWith("wrong.json: extra:")));
});

Deno.test("loadInputs() loads data files relative to the config's folder", async () => {
  const read = memory({
    "conf/cities.json": [city],
    "conf/chargers.json": { "Springfield, IL": [charger] },
  });
  const config = await loadConfig(
    memory({ c: { data: { cities: "cities.json", chargers: "chargers.json" } } }),
    "c",
  );
  const { network, model } = await loadInputs(config, { read, baseDir: "conf", defaults });
  assert.equal(network.cities.length, 1);
  assert.deepEqual(network.chargers, [{ ...charger, city: "Springfield", state: "IL" }]);
  assert.equal(network.vehicles, defaults.network.vehicles);
  assert.equal(model, defaults.model);
});

Deno.test("loadInputs() reports every bad data file with the field at fault", async () => {
  const read = memory({
    "cities.json": [{ ...city, population: -5, timeZone: "Mars/Base" }],
    "chargers.json": [{ ...charger, city: "Springfield", latitude: 91 }],
  });
  const config = await loadConfig(
    memory({ c: { data: { cities: "cities.json", chargers: "chargers.json" } } }),
    "c",
  );
  const found = await problems(() => loadInputs(config, { read, baseDir: ".", defaults }));
  assert.ok(found.some((p) => p.startsWith("cities.json: [0].population")), found.join("\n"));
  assert.ok(found.some((p) => p.includes('unknown IANA time zone "Mars/Base"')));
  assert.ok(found.some((p) => p.startsWith("chargers.json: [0].latitude")), found.join("\n"));
});

Deno.test("loadInputs() names the path of a field of the wrong type in either chargers shape", async () => {
  const read = memory({
    "list.json": [{ ...charger, city: "Springfield" }, {
      ...charger,
      id: "SPR-2",
      city: "Springfield",
      level: "L3",
    }],
    "groups.json": { "Springfield, IL": [charger, { ...charger, id: "SPR-2", powerKw: "fast" }] },
  });
  const cases = [
    ["list.json", 'list.json: [1].level: expected ("L2" | "DCFC"), got "L3"'],
    ["groups.json", 'groups.json: Springfield, IL[1].powerKw: expected number, got "fast"'],
  ];
  for (const [file, problem] of cases) {
    const config = await loadConfig(memory({ c: { data: { chargers: file } } }), "c");
    const found = await problems(() => loadInputs(config, { read, baseDir: ".", defaults }));
    assert.deepEqual(found, [problem]);
  }
});

Deno.test("loadInputs() refuses chargers in unknown cities and duplicate IDs", async () => {
  const read = memory({
    "chargers.json": [
      { ...charger, city: "New York" },
      { ...charger, city: "Gotham" },
    ],
  });
  const config = await loadConfig(memory({ c: { data: { chargers: "chargers.json" } } }), "c");
  const found = await problems(() => loadInputs(config, { read, baseDir: ".", defaults }));
  assert.deepEqual(found, [
    'chargers.json: chargers[1].id: duplicate ID "SPR-1"',
    'chargers.json: chargers[1].city: no city "Gotham" in the city list',
  ]);
});

Deno.test("resolvePath() and dirname() handle relative and absolute paths", () => {
  assert.equal(resolvePath("conf", "a.json"), "conf/a.json");
  assert.equal(resolvePath("conf/", "/abs/a.json"), "/abs/a.json");
  assert.equal(resolvePath(".", "a.json"), "a.json");
  assert.equal(dirname("conf/config.json"), "conf");
  assert.equal(dirname("config.json"), ".");
});
