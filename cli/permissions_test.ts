import assert from "node:assert/strict";
import * as v from "valibot";
import { type ConfigInput, ConfigSchema } from "../core/config.ts";
import { ConfigError } from "../core/errors.ts";
import type { SinkEntry } from "../core/config.ts";
import { DEFAULT_MQTT_DEAD_LETTER } from "../sinks/mqtt.ts";
import { parseSinkSpec, resolveSinks, sinkConfigs } from "../sinks/registry.ts";
import {
  initNeeds,
  inputNeeds,
  missingPermissions,
  type Need,
  type Permission,
  PermissionError,
  permissionFlag,
  permissionProblems,
  replayNeeds,
  requirePermissions,
  runNeeds,
  serveNeeds,
  sinkNeeds,
  statsNeeds,
} from "./permissions.ts";

const config = (input: ConfigInput = {}) => v.parse(ConfigSchema, input);

/** Each need as `FLAG (why)`. */
const shown = (needs: readonly Need[]) =>
  needs.map(({ permission, why }) => `${permissionFlag(permission)} (${why})`);

const nothingGranted = () => false;

/** Sink entries resolved as a run resolves them, named as `name[i]`. */
const sinks = (entries: SinkEntry[], name = "sinks") =>
  resolveSinks(entries.map((entry, i) => ({ entry, where: `${name}[${i}]` })));
const stdout = sinks([{ type: "stdout" }]);

Deno.test("runNeeds() of the embedded config is the log file in the working folder", () => {
  assert.deepEqual(shown(runNeeds(config(), { sinks: stdout })), [
    "--allow-write=. (log.file)",
    "--allow-read=charging_sessions.log (log.file)",
  ]);
  assert.deepEqual(
    runNeeds(config({ log: { file: null } }), { sinks: stdout }),
    [],
  );
});

Deno.test("inputNeeds() and runNeeds() name every file, endpoint, port and variable a config uses", () => {
  const c = config({
    data: { cities: "data/cities.json", model: "/etc/evsim/model.json" },
    plugins: [
      { module: "geonames_cities" },
      { module: "./my_fleet.ts" },
      { module: "afdc_stations", options: { file: "afdc.csv" } },
      { module: "npm:evsim-plugin-example@1" },
    ],
    sinks: [
      { type: "file", path: "out/sessions.ndjson" },
      { type: "http", url: "https://api.example.com/events", tokenEnv: "EVSIM_TOKEN" },
      { type: "server", port: 8787 },
      { type: "mqtt", url: "mqtts://user:secret@broker.example", passwordEnv: "MQTT_PASSWORD" },
    ],
    api: { url: "http://127.0.0.1:8080/x" },
    log: { file: "/var/log/evsim/evsim.log" },
  });
  const needs = [
    ...inputNeeds(c, { configFile: "conf/config.json", plugins: ["extra.ts"] }),
    ...runNeeds(c, {
      sinks: resolveSinks(sinkConfigs(c)),
      state: "run.state",
      metrics: { host: "0.0.0.0", port: 9464 },
      ocpp: { url: "wss://csms.example/ocpp", passwordEnv: "CP_PASSWORD" },
    }),
  ];
  assert.deepEqual(shown(needs), [
    "--allow-read=conf/data/cities.json (data.cities)",
    "--allow-read=/etc/evsim/model.json (data.model)",
    "--allow-read=conf/./my_fleet.ts (plugins[1].module)",
    "--allow-read=conf/afdc.csv (plugins[2].options.file)",
    "--allow-read=conf/extra.ts (--plugin[0].module)",
    "--allow-write=/var/log/evsim (log.file)",
    "--allow-read=/var/log/evsim/evsim.log (log.file)",
    "--allow-write=out (sinks[0].path)",
    "--allow-read=out/sessions.ndjson (sinks[0].path)",
    "--allow-net=api.example.com:443 (sinks[1].url)",
    "--allow-env=EVSIM_TOKEN (sinks[1].tokenEnv)",
    "--allow-write=evsim-dead-letter.ndjson (sinks[1].deadLetter)",
    "--allow-net=127.0.0.1:8787 (sinks[2].port)",
    "--allow-net=broker.example:8883 (sinks[3].url)",
    "--allow-env=MQTT_PASSWORD (sinks[3].passwordEnv)",
    `--allow-write=${DEFAULT_MQTT_DEAD_LETTER} (sinks[3].deadLetter)`,
    "--allow-env (sinks[3]: the mqtt client library reads the whole environment)",
    "--allow-net=127.0.0.1:8080 (api.url)",
    "--allow-write=evsim-dead-letter.ndjson (api.deadLetter)",
    "--allow-read=run.state (--state)",
    "--allow-write=run.state (--state)",
    "--allow-write=run.state.tmp (--state: its temporary file)",
    "--allow-net=0.0.0.0:9464 (--metrics-port)",
    "--allow-net=csms.example:443 (ocpp.url)",
    "--allow-env=WS_NO_BUFFER_UTIL (ocpp: its WebSocket library)",
    "--allow-env=WS_NO_UTF_8_VALIDATE (ocpp: its WebSocket library)",
    "--allow-env=CP_PASSWORD (ocpp.passwordEnv)",
  ]);
  assert.ok(!shown(needs).some((line) => line.includes("secret")), "credentials in a flag");
});

Deno.test("sinkNeeds() follows the sinks' own options", async (t) => {
  await t.step("a token in the config needs no variable", () => {
    const needs = sinkNeeds(sinks([
      parseSinkSpec("http://127.0.0.1:9/x"),
      { ...parseSinkSpec("server:0"), token: "t", tokenEnv: "EVSIM_UNUSED" },
    ]));
    assert.ok(!needs.some((n) => n.permission.name === "env"));
  });
  await t.step("--sink entries are named as the sinks' errors name them", () => {
    const needs = sinkNeeds(sinks([parseSinkSpec("file:x.ndjson")], "--sink"));
    assert.deepEqual(shown(needs), [
      "--allow-write=. (--sink[0].path)",
      "--allow-read=x.ndjson (--sink[0].path)",
    ]);
  });
  await t.step("IPv6 hosts are bracketed, default ports filled in", () => {
    const needs = sinkNeeds(sinks([
      parseSinkSpec("http://[::1]/events"),
      { type: "server", port: 8787, host: "::" },
      parseSinkSpec("mqtt://broker"),
    ]));
    assert.deepEqual(needs.filter((n) => n.permission.name === "net").map((n) => n.permission), [
      { name: "net", host: "[::1]:80" },
      { name: "net", host: "[::]:8787" },
      { name: "net", host: "broker:1883" },
    ]);
  });
  await t.step("an mqtt sink on the command line: its client library reads the environment", () => {
    const needs = sinkNeeds(sinks([parseSinkSpec("mqtt://h:1")], "--sink"));
    assert.deepEqual(shown(needs), [
      "--allow-net=h:1 (--sink[0].url)",
      `--allow-write=${DEFAULT_MQTT_DEAD_LETTER} (--sink[0].deadLetter)`,
      "--allow-env (--sink[0]: the mqtt client library reads the whole environment)",
    ]);
  });
});

Deno.test("the other commands need their files and ports", () => {
  assert.deepEqual(shown(statsNeeds("-", undefined)), []);
  assert.deepEqual(shown(statsNeeds("week.ndjson", "/tmp/week.html")), [
    "--allow-read=week.ndjson (stats FILE)",
    "--allow-write=/tmp/week.html (--html)",
  ]);
  assert.deepEqual(shown(initNeeds("starter")), [
    "--allow-read=starter (init DIR)",
    "--allow-write=starter (init DIR)",
  ]);
  assert.deepEqual(
    shown(serveNeeds(config({ log: { file: null } }), { host: "127.0.0.1", port: 0 })),
    [
      "--allow-net=127.0.0.1:0 (--port)",
    ],
  );
  assert.deepEqual(
    shown(replayNeeds(config({ log: { file: null } }), { file: "dead.ndjson", sinks: [] })),
    ["--allow-read=dead.ndjson (replay FILE)"],
  );
});

Deno.test("missingPermissions() lists each missing flag once, with every reason", () => {
  const needs = [
    { permission: { name: "net", host: "127.0.0.1:80" }, why: "sinks[0].url" },
    { permission: { name: "net", host: "api.example.com:443" }, why: "sinks[1].url" },
    { permission: { name: "net", host: "api.example.com:443" }, why: "sinks[2].url" },
    { permission: { name: "env", variable: "EVSIM_TOKEN" }, why: "sinks[1].tokenEnv" },
  ] satisfies Need[];
  const granted = (p: Permission) => p.name === "net" && p.host.startsWith("127.0.0.1");
  assert.deepEqual(missingPermissions(needs, granted), [
    "missing permission: --allow-net=api.example.com:443 (sinks[1].url, sinks[2].url)",
    "missing permission: --allow-env=EVSIM_TOKEN (sinks[1].tokenEnv)",
  ]);
  assert.deepEqual(missingPermissions(needs, () => true), []);
});

Deno.test("requirePermissions() throws a PermissionError naming what is missing", () => {
  const needs = runNeeds(config(), { sinks: sinks([parseSinkSpec("http://api.example.com/x")]) });
  let error: unknown;
  try {
    requirePermissions(needs, nothingGranted);
  } catch (thrown) {
    error = thrown;
  }
  assert.ok(error instanceof PermissionError);
  assert.deepEqual(permissionProblems(error), [
    "missing permission: --allow-write=. (log.file)",
    "missing permission: --allow-read=charging_sessions.log (log.file)",
    "missing permission: --allow-net=api.example.com:80 (sinks[0].url)",
    "missing permission: --allow-write=evsim-dead-letter.ndjson (sinks[0].deadLetter)",
  ]);
});

Deno.test("requirePermissions() asks Deno without prompting", () => {
  // The test task grants the loopback interface and no other host.
  requirePermissions([{ permission: { name: "net", host: "127.0.0.1:8787" }, why: "test" }]);
  const granted = Deno.permissions.querySync({ name: "net", host: "evsim.invalid:80" });
  if (granted.state !== "granted") {
    assert.throws(
      () =>
        requirePermissions([{ permission: { name: "net", host: "evsim.invalid:80" }, why: "x" }]),
      PermissionError,
    );
  }
});

Deno.test("permissionProblems() turns Deno's NotCapable error into the flag to add", async (t) => {
  await t.step("wrapped in the error that says what was being done", () => {
    const denied = new Deno.errors.NotCapable(
      'Requires write access to "/tmp/x/s.ndjson", run again with the --allow-write flag',
    );
    const error = new ConfigError(
      `sinks[0].path: cannot write /tmp/x/s.ndjson: ${denied.message}`,
      {
        cause: denied,
      },
    );
    assert.deepEqual(permissionProblems(error), [
      "missing permission: --allow-write=/tmp/x/s.ndjson (sinks[0].path: cannot write /tmp/x/s.ndjson)",
    ]);
  });
  await t.step("alone, and for the whole environment", () => {
    const denied = new Deno.errors.NotCapable(
      "Requires env access, run again with the --allow-env flag",
    );
    assert.deepEqual(permissionProblems(denied), ["missing permission: --allow-env"]);
  });
  await t.step("other errors are not permission problems", () => {
    assert.equal(permissionProblems(new ConfigError("x")), undefined);
    assert.equal(permissionProblems("x"), undefined);
  });
  const net = Deno.permissions.querySync({ name: "net", host: "evsim.invalid:80" });
  await t.step({
    name: "as Deno words it",
    ignore: net.state === "granted",
    fn: async () => {
      const error = await fetch("http://evsim.invalid/").then(() => undefined, (e) => e);
      assert.ok(error instanceof Deno.errors.NotCapable, String(error));
      assert.deepEqual(permissionProblems(new Error("POST failed", { cause: error })), [
        "missing permission: --allow-net=evsim.invalid:80 (POST failed)",
      ]);
    },
  });
});

Deno.test("inputNeeds() asks to import a plugin module fetched over the network", () => {
  const needs = inputNeeds(
    config({ plugins: [{ module: "https://plugins.example.com/cities.ts" }] }),
    { plugins: ["http://127.0.0.1:8000/p.ts", "./local.ts"] },
  );
  assert.deepEqual(shown(needs), [
    "--allow-import=plugins.example.com:443 (plugins[0].module)",
    "--allow-import=127.0.0.1:8000 (--plugin[0].module)",
    "--allow-read=./local.ts (--plugin[1].module)",
  ]);
});
