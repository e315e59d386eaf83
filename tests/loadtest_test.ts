/**
 * `loadTest()` against the test central system on loopback: a ramp, a steady
 * phase at a new speed, a reconnect storm and an offline period; what the
 * report says happened is what the central system saw.
 */
import assert from "node:assert/strict";
import * as v from "valibot";
import { loadTest } from "../app/loadtest.ts";
import { ConfigSchema } from "../core/config.ts";
import { parseScenario } from "../loadtest/scenario.ts";
import { startCsms } from "../ocpp/csms.ts";
import { decode, evsimCommand, inTempDir } from "./_evsim.ts";

const config = v.parse(ConfigSchema, { log: { file: null } });

const scenario = (url: string, version: string) =>
  parseScenario({
    ocpp: { url, version },
    region: "Boulder, CO",
    seed: 3,
    from: "2026-01-05T15:00:00Z",
    speed: 600,
    phases: [
      { ramp: { from: 10, to: 60, over: "1500ms" } },
      { steady: { for: "1s", speed: 1200 } },
      { reconnectStorm: { share: 0.5, within: "1s" } },
      { offline: { share: 0.2, for: "1s" } },
      { steady: { for: "1s" } },
    ],
  }, "scenario");

for (const version of ["1.6", "2.0.1"]) {
  Deno.test(`loadTest() OCPP ${version}: ramp, steady, reconnect storm, offline; the report matches the central system`, async () => {
    await using csms = await startCsms();
    const report = await loadTest(config, scenario(csms.url, version));
    assert.equal(report.completed, true);
    assert.deepEqual(
      report.phases.map((p) => p.kind),
      ["ramp", "steady", "reconnectStorm", "offline", "steady"],
    );
    const c = report.connections;
    // The ramp joined 60 of Boulder's 152 stations; each booted.
    assert.equal(c.joined, 60);
    assert.equal(c.booted, 60);
    assert.equal(csms.stations.size, 60);
    assert.equal(report.phases[0].chargePoints.length, 60);
    // The storm took 30 of them, the offline phase 12; each came back once, without a new boot.
    assert.equal(report.phases[2].chargePoints.length, 30);
    assert.equal(report.phases[3].chargePoints.length, 12);
    assert.equal(c.reconnects, 42);
    const connections = [...csms.stations.values()].reduce((s, x) => s + x.connections, 0);
    assert.equal(connections, 60 + 42);
    assert.ok([...csms.stations.values()].every((s) => s.boots === 1));
    assert.deepEqual(csms.violations, []);
    // Every answered call reached the central system; a call lost with a dropped connection may have.
    for (const a of report.actions) {
      const received = csms.received.filter((r) => r.action === a.action).length;
      const answered = a.results + Object.values(a.callErrors).reduce((s, k) => s + k, 0);
      assert.ok(received >= answered && received <= a.calls, `${a.action}: ${received} received`);
      assert.equal(a.latencyMs.count, answered);
      assert.ok(a.latencyMs.p50 <= a.latencyMs.p99 && a.latencyMs.p99 <= a.latencyMs.max);
    }
    assert.ok(report.actions.some((a) => a.action === "BootNotification" && a.results === 60));
    // Online over time: up to 60 during the ramp, fewer while offline.
    const online = c.online.map(([, k]) => k);
    assert.equal(Math.max(...online), 60);
    const offline = report.phases[3];
    const during = c.online.filter(([t]) => t > offline.startMs + 100 && t < offline.endMs - 100);
    assert.ok(during.length > 0 && during.every(([, k]) => k <= 48), JSON.stringify(during));
    // The calls of the phases add up to the whole.
    const phaseCalls = report.phases.flatMap((p) => p.actions).reduce((s, a) => s + a.calls, 0);
    assert.equal(phaseCalls, report.actions.reduce((s, a) => s + a.calls, 0));
  });
}

Deno.test("loadTest(): the same seed picks the same charge points, in the same order", async () => {
  await using csms = await startCsms();
  const small = (seed: number) =>
    parseScenario({
      ocpp: { url: csms.url },
      region: "Boulder, CO",
      seed,
      from: "2026-01-05T15:00:00Z",
      phases: [
        { ramp: { from: 2, to: 8, over: "300ms" } },
        { reconnectStorm: { share: 0.5, within: "200ms" } },
      ],
    }, "scenario");
  const picked = async (seed: number) =>
    (await loadTest(config, small(seed))).phases.map((p) => p.chargePoints);
  const first = await picked(1);
  assert.equal(first[0].length, 8);
  assert.equal(first[1].length, 4);
  assert.deepEqual(await picked(1), first);
  assert.notDeepEqual(await picked(2), first);
});

Deno.test("evsim loadtest FILE --json: the report on stdout, phases on stderr; a bad scenario names its field", async () => {
  await inTempDir(async (cwd) => {
    await using csms = await startCsms();
    await Deno.writeTextFile(
      `${cwd}/scenario.yaml`,
      [
        "ocpp: { url: " + JSON.stringify(csms.url) + ", version: '2.0.1' }",
        "region: Boulder, CO",
        "from: 2026-01-05T15:00:00Z",
        "phases:",
        "  - ramp: { from: 5, to: 20, over: 500ms }",
        "  - reconnectStorm: { share: 0.5, within: 300ms }",
      ].join("\n"),
    );
    const { code, stdout, stderr } = await evsimCommand(
      ["loadtest", "scenario.yaml", "--json"],
      cwd,
    ).output();
    assert.equal(code, 0, decode(stderr));
    assert.match(decode(stderr), /phase 1 of 2: ramp[\s\S]*phase 2 of 2: reconnectStorm/);
    const report = JSON.parse(decode(stdout));
    assert.equal(report.connections.joined, 20);
    assert.equal(report.connections.reconnects, 10);
    assert.equal(csms.stations.size, 20);
    assert.deepEqual(csms.violations, []);

    await Deno.writeTextFile(
      `${cwd}/bad.json`,
      JSON.stringify({ ocpp: { url: csms.url }, phases: [{ ramp: { from: 1, to: 5 } }] }),
    );
    const bad = await evsimCommand(["loadtest", "bad.json"], cwd).output();
    assert.equal(bad.code, 2);
    assert.match(decode(bad.stderr), /bad\.json: phases\[0\]/);
  });
});

Deno.test("evsim schema loadtest: the JSON Schema of a scenario", async () => {
  const { code, stdout } = await evsimCommand(["schema", "loadtest"], ".").output();
  assert.equal(code, 0);
  const schema = JSON.parse(decode(stdout));
  assert.deepEqual(schema.required, ["ocpp", "phases"]);
  assert.ok(schema.properties.phases.items.anyOf.length >= 4);
});
