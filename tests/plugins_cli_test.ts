/**
 * Plugins end to end: `evsim init`, plugins from files and shipped ones, plugin
 * sink types, and every way a plugin can be wrong, through the real CLI.
 */
import assert from "node:assert/strict";
import * as v from "valibot";
import { EventSchema } from "../core/event.ts";
import { decode, evsimCommand, inTempDir, MAIN, SIM_FLAGS } from "./_evsim.ts";

const lines = (text: string) => text.trimEnd().split("\n").filter((l) => l !== "");

Deno.test("evsim init writes a config and a plugin that validate and run", async () => {
  await inTempDir(async (dir) => {
    const init = await evsimCommand(["init", "starter"], dir).output();
    assert.equal(init.code, 0, decode(init.stderr));
    const ok = await evsimCommand(["validate", "-c", "starter/config.json"], dir).output();
    assert.equal(ok.code, 0, decode(ok.stderr));
    // The 50 cities' 28,652 real ports, Springfield's 31 real ones, and the plugin's 12.
    assert.match(decode(ok.stdout), /ok \(51 cities, 28695 chargers/);
    const run = await evsimCommand(["-c", "starter/config.json", "--duration", "6h"], dir).output();
    assert.equal(run.code, 0, decode(run.stderr));
    const springfield = lines(decode(run.stdout)).map((l) => JSON.parse(l)).filter((e) =>
      e.city === "Springfield"
    );
    assert.ok(springfield.length > 0, "no event from the plugin's city");
    const again = await evsimCommand(["init", "starter"], dir).output();
    assert.equal(again.code, 1);
    assert.match(decode(again.stderr), /not overwriting starter\/config\.json/);
  });
});

const BAD_PLUGINS: [string, string, RegExp][] = [
  [
    "a module that does not load",
    "export default {",
    /plugins\[0\] \(\.\/p\.ts\): cannot load the module/,
  ],
  [
    "no default export",
    "export const x = 1;",
    /plugins\[0\] \(\.\/p\.ts\): the module has no default export/,
  ],
  [
    "the wrong shape",
    "export default { name: 'p', cities: 3 };",
    /default export\.cities: expected a function/,
  ],
  [
    "a hook that throws",
    "export default { name: 'p', chargers: () => { throw new Error('db down'); } };",
    /plugin p \(plugins\[0\]\): chargers\(\) failed: db down/,
  ],
  [
    "a city with negative population",
    `export default { name: 'p', cities: ({ cities }) => [...cities, { ...cities[0], name: 'X', population: -5 }] };`,
    /plugin p \(plugins\[0\]\): cities\(\) returned: cities\[50\]\.population/,
  ],
  [
    "a charger without coordinates",
    `export default { name: 'p', chargers: ({ chargers }) => [...chargers, { id: 'Z', name: 'Z', city: 'Boston', level: 'L2', powerKw: 7.2 }] };`,
    /plugin p \(plugins\[0\]\): chargers\(\) returned: chargers\[\d+\]\.latitude: missing/,
  ],
];

Deno.test("evsim stops before any event on a bad plugin, naming it", async (t) => {
  for (const [name, source, message] of BAD_PLUGINS) {
    await t.step(name, async () => {
      await inTempDir(async (dir) => {
        await Deno.writeTextFile(`${dir}/p.ts`, source);
        await Deno.writeTextFile(
          `${dir}/c.json`,
          JSON.stringify({ plugins: [{ module: "./p.ts" }] }),
        );
        const { code, stdout, stderr } = await evsimCommand(
          ["-c", "c.json", "--duration", "1h"],
          dir,
        )
          .output();
        assert.equal(code, 2);
        assert.equal(decode(stdout), "", "no event emitted");
        assert.match(decode(stderr), message);
        assert.doesNotMatch(decode(stderr), /\n\s+at .*\(.*:\d+:\d+\)/, "no stack trace");
      });
    });
  }
});

Deno.test("evsim validates plugin options with the plugin's own schema", async () => {
  await inTempDir(async (dir) => {
    await Deno.writeTextFile(
      `${dir}/c.json`,
      JSON.stringify({
        plugins: [{ module: "population_chargers", options: { perHundredThousand: "many" } }],
      }),
    );
    const { code, stderr } = await evsimCommand(["validate", "-c", "c.json"], dir).output();
    assert.equal(code, 1);
    assert.match(
      decode(stderr),
      /plugin population_chargers \(plugins\[0\]\): options\.perHundredThousand: expected number, got "many"/,
    );
  });
});

Deno.test("evsim delivers to a sink type a plugin provides, and names unknown ones", async () => {
  await inTempDir(async (dir) => {
    await Deno.writeTextFile(
      `${dir}/sink_plugin.ts`,
      `import * as v from "npm:valibot@^1.5.0";
export default {
  name: "counter",
  sinks: {
    count: {
      schema: v.strictObject({ path: v.string() }),
      create: ({ path }) => {
        let n = 0;
        return Object.assign(() => { n++; }, {
          [Symbol.asyncDispose]: () => Deno.writeTextFile(path, String(n)),
        });
      },
    },
  },
};
`,
    );
    await Deno.writeTextFile(
      `${dir}/c.json`,
      JSON.stringify({
        plugins: [{ module: "./sink_plugin.ts" }],
        sinks: [{ type: "count", path: "count.txt" }, { type: "stdout" }],
      }),
    );
    const ok = await evsimCommand(["-c", "c.json", "--duration", "1h"], dir).output();
    assert.equal(ok.code, 0, decode(ok.stderr));
    assert.equal(
      Number(await Deno.readTextFile(`${dir}/count.txt`)),
      lines(decode(ok.stdout)).length,
    );

    await Deno.writeTextFile(
      `${dir}/bad.json`,
      JSON.stringify({ plugins: [{ module: "./sink_plugin.ts" }], sinks: [{ type: "kafka" }] }),
    );
    const bad = await evsimCommand(["-c", "bad.json", "--duration", "1h"], dir).output();
    assert.equal(bad.code, 2);
    assert.match(
      decode(bad.stderr),
      /sinks\[0\]\.type: unknown sink type "kafka" \(known: stdout, file, http, server, mqtt, count\)/,
    );
    await Deno.writeTextFile(
      `${dir}/opts.json`,
      JSON.stringify({
        plugins: [{ module: "./sink_plugin.ts" }],
        sinks: [{ type: "count", path: 3 }],
      }),
    );
    const opts = await evsimCommand(["-c", "opts.json", "--duration", "1h"], dir).output();
    assert.equal(opts.code, 2);
    assert.match(
      decode(opts.stderr),
      /opts\.json: sinks\[0\]\.path: expected string, got 3 \(sink type count of plugin counter\)/,
    );
  });
});

Deno.test("evsim simulates one state with geonames_cities and population_chargers", async () => {
  await inTempDir(async (dir) => {
    await Deno.writeTextFile(
      `${dir}/c.json`,
      JSON.stringify({
        plugins: [
          {
            module: "geonames_cities",
            options: { country: "US", state: "RI", minPopulation: 20000 },
          },
          { module: "population_chargers", options: { perHundredThousand: 20 } },
        ],
      }),
    );
    const { code, stdout, stderr } = await evsimCommand(
      ["-c", "c.json", "--duration", "12h", "--seed", "4"],
      dir,
    ).output();
    assert.equal(code, 0, decode(stderr));
    const events = lines(decode(stdout)).map((l) => JSON.parse(l));
    assert.ok(events.length > 200, `${events.length} events`);
    for (const e of events) {
      assert.ok(v.is(EventSchema, e));
      assert.equal(e.state, "RI");
    }
    const cities = new Set(events.map((e) => e.city));
    assert.ok(cities.has("Providence") && cities.size >= 3, [...cities].join(", "));
  });
});

Deno.test("evsim loads a plugin from an npm: specifier", async () => {
  await inTempDir(async (dir) => {
    // is-number's default export is a function, not a plugin: loading it proves the
    // specifier resolved, and the message names what is wrong.
    await Deno.writeTextFile(
      `${dir}/c.json`,
      JSON.stringify({ plugins: [{ module: "npm:is-number@7.0.0" }] }),
    );
    const { code, stderr } = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--no-lock",
        ...SIM_FLAGS,
        MAIN,
        "-c",
        "c.json",
        "--duration",
        "1h",
      ],
      cwd: dir,
      stdout: "null",
      stderr: "piped",
      env: { NO_COLOR: "1" },
    }).output();
    assert.equal(code, 2);
    assert.match(
      decode(stderr),
      /plugins\[0\] \(npm:is-number@7\.0\.0\): default export: expected Object, got Function/,
    );
  });
});
