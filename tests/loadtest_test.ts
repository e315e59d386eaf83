/**
 * `loadTest()` against the test central system on loopback: a ramp, a steady
 * phase at a new speed, a reconnect storm and an offline period; what the
 * report says happened is what the central system saw.
 */
import assert from "node:assert/strict";
import * as v from "valibot";
import { loadTest } from "../app/loadtest.ts";
import { ConfigSchema } from "../core/config.ts";
import { mergeReports } from "../loadtest/merge.ts";
import type { LoadReport } from "../loadtest/run.ts";
import { parseScenario } from "../loadtest/scenario.ts";
import { startCsms } from "../ocpp/csms.ts";
import { regionNetwork } from "../data/mod.ts";
import { decode, evsimCommand, inTempDir } from "./_evsim.ts";
import { parseMetrics, type Sample, valueOf } from "./_prometheus.ts";

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
    // Its own event loop, sampled every 10 ms through the 5 s of the test.
    assert.ok(
      report.eventLoopDelay.latencyMs.count > 200,
      `${report.eventLoopDelay.latencyMs.count}`,
    );
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

Deno.test("loadTest() chaos: delayed, duplicated and skewed calls and held answers, on the charge points it took only", async () => {
  await using csms = await startCsms();
  const chaotic = parseScenario({
    ocpp: { url: csms.url, version: "2.0.1" },
    region: "Boulder, CO",
    seed: 4,
    from: "2026-01-05T15:00:00Z",
    speed: 1200,
    chargePoints: 30,
    phases: [
      { steady: { for: "1s" } },
      {
        chaos: {
          share: 0.5,
          for: "2s",
          latency: "50ms",
          duplicate: 0.5,
          clockSkew: "-10m",
          unresponsive: true,
        },
      },
      { steady: { for: "500ms" } },
    ],
  }, "scenario");
  // Early in the chaos the central system calls every charge point: how long each answer takes.
  const waited = new Map<string, number>();
  const asked: Promise<void>[] = [];
  const report = await loadTest(config, chaotic, {
    onPhase: (i) => {
      if (i !== 1) return;
      asked.push(
        new Promise((resolve) => setTimeout(resolve, 300)).then(() =>
          Promise.all([...csms.stations.keys()].map(async (identity) => {
            const sent = performance.now();
            await csms.call(identity, "ClearCache", {}).catch(() => {});
            waited.set(identity, performance.now() - sent);
          }))
        ).then(() => {}),
      );
    },
  });
  await Promise.all(asked);
  const phase = report.phases[1];
  assert.equal(phase.kind, "chaos");
  assert.equal(phase.chargePoints.length, 15);
  const taken = new Set(phase.chargePoints);
  assert.ok(phase.chaos.delayed > 0, JSON.stringify(phase.chaos));
  assert.equal(phase.chaos.skewed, phase.chaos.delayed); // latency and skew on every call
  assert.ok(phase.chaos.duplicated > 0 && phase.chaos.duplicated < phase.chaos.delayed);
  // Each duplicated frame reached the central system with the message ID of the first (one
  // answered as the phase ended goes again in the next).
  const reused = csms.violations.filter((v) => /^message ID .* used twice$/.test(v.message));
  const later = report.phases[2].chaos.duplicated ?? 0;
  assert.equal(reused.length, phase.chaos.duplicated + later);
  assert.equal(phase.chaos.held, 15);
  assert.equal(waited.size, 30);
  for (const [identity, ms] of waited) {
    if (taken.has(identity)) assert.ok(ms > 1000, `${identity} answered after ${ms} ms`);
    else assert.ok(ms < 1000, `${identity} answered after ${ms} ms`);
  }
  // What broke the central system's rules (timestamps going back, messages twice) came from
  // those charge points only.
  assert.ok(csms.violations.length > 0);
  assert.ok(
    csms.violations.every((v) => taken.has(v.identity)),
    JSON.stringify(csms.violations.find((v) => !taken.has(v.identity))),
  );
  // After the phase, nothing is delayed, skewed or held; at most a call answered at its end goes twice.
  const { duplicated: _, ...after } = report.phases[2].chaos;
  assert.deepEqual(after, {});
  assert.ok(later <= 2, `${later}`);
});

Deno.test("loadTest() chaos halfOpen: the link passes nothing until the charge points find it dead and connect again", async () => {
  await using csms = await startCsms();
  const asked = new Map<string, Promise<number>>();
  const report = await loadTest(
    config,
    parseScenario({
      ocpp: { url: csms.url, version: "1.6" },
      region: "Boulder, CO",
      seed: 6,
      from: "2026-01-05T19:00:00Z",
      speed: 1200,
      chargePoints: 30,
      phases: [
        { steady: { for: "1s" } },
        { chaos: { share: 0.5, for: "2s", halfOpen: true } },
        { steady: { for: "1500ms" } },
      ],
    }, "scenario"),
    {
      onPhase: (i) => {
        if (i !== 1) return;
        // Early in the phase the central system calls each charge point, with a 1 s timeout.
        setTimeout(() => {
          for (const identity of csms.stations.keys()) {
            const sent = performance.now();
            asked.set(
              identity,
              csms.call(identity, "ClearCache", {}, { timeoutMs: 1000 }).then(
                () => performance.now() - sent,
                () => Infinity,
              ),
            );
          }
        }, 300);
      },
    },
  );
  const phase = report.phases[1];
  assert.equal(phase.chargePoints.length, 15);
  const taken = new Set(phase.chargePoints);
  const waited = new Map(
    await Promise.all([...asked].map(async ([id, ms]) => [id, await ms] as const)),
  );
  assert.equal(waited.size, 30);
  for (const [identity, ms] of waited) {
    // Half open: the call is never read, so never answered; the others answer at once.
    if (taken.has(identity)) assert.equal(ms, Infinity, identity);
    else assert.ok(ms < 500, `${identity} answered after ${ms} ms`);
  }
  // Each one it took connected again once, without a new boot; the others kept their connection.
  for (const station of csms.stations.values()) {
    assert.equal(station.connections, taken.has(station.identity) ? 2 : 1, station.identity);
    assert.equal(station.boots, 1, station.identity);
  }
  // What they had to send during the phase went once they were back.
  assert.ok(phase.chaos.stalled > 0, JSON.stringify(phase.chaos));
  assert.deepEqual(csms.violations, []);
  assert.equal(report.chargePoints.queued, 0);
});

for (const version of ["1.6", "2.0.1"]) {
  Deno.test(`loadTest() OCPP ${version} outage: the charge points it took stop their transactions (PowerLoss), go dark, start nothing, and boot again`, async () => {
    await using csms = await startCsms();
    const report = await loadTest(
      config,
      parseScenario({
        ocpp: { url: csms.url, version },
        region: "Boulder, CO",
        seed: 5,
        from: "2026-01-05T19:00:00Z",
        speed: 1200,
        phases: [
          { steady: { for: "1500ms" } },
          { outage: { share: 0.5, for: "1500ms" } },
          { steady: { for: "1500ms" } },
        ],
      }, "scenario"),
    );
    assert.equal(report.completed, true);
    const outage = report.phases[1];
    assert.equal(outage.kind, "outage");
    assert.equal(outage.chargePoints.length, 76); // half of Boulder's 152 stations
    const taken = new Set(outage.chargePoints);
    // The only rules broken: a call the cut caught in flight, sent again after the boot.
    assert.ok(
      csms.violations.every((v) =>
        taken.has(v.identity) &&
        /sent twice|^(StartTransaction|TransactionEvent Started) on .* is open$/.test(v.message)
      ),
      JSON.stringify(csms.violations.map((v) => [v.identity, v.action, v.message])),
    );
    // Each one it took booted again once the power was back; the others booted once.
    for (const station of csms.stations.values()) {
      assert.equal(station.boots, taken.has(station.identity) ? 2 : 1, station.identity);
    }
    const calls = (identity: string, action: string) =>
      csms.received.filter((c) => c.identity === identity && c.action === action);
    if (version === "2.0.1") {
      for (const id of taken) {
        assert.deepEqual(calls(id, "BootNotification").map((c) => c.payload.reason), [
          "PowerUp",
          "PowerUp",
        ]);
      }
    }
    // Transactions open at the cut stopped with PowerLoss, on the charge points it took only.
    const powerLoss = csms.received.filter((c) =>
      version === "1.6"
        ? c.action === "StopTransaction" && c.payload.reason === "PowerLoss"
        : c.action === "TransactionEvent" && c.payload.eventType === "Ended" &&
          (c.payload.transactionInfo as { stoppedReason?: string }).stoppedReason === "PowerLoss"
    );
    assert.ok(powerLoss.length > 0, "no transaction stopped by the power cut");
    assert.ok(powerLoss.every((c) => taken.has(c.identity)));
    // While dark, nothing started on them: no transaction has its start in the outage (after
    // the simulated minute the cut takes to reach the simulation at this speed).
    const [from, to] = [Date.parse(outage.simFrom) + 60_000, Date.parse(outage.simTo)];
    for (const station of csms.stations.values()) {
      if (!taken.has(station.identity)) continue;
      for (const t of station.rules.transactions) {
        const start = Date.parse(t.startTime);
        assert.ok(start <= from || start >= to, `${station.identity} started at ${t.startTime}`);
      }
    }
    // Each one reported out of service (a port already faulted stays so), then back.
    for (const id of taken) {
      const statuses = calls(id, "StatusNotification").map((c) =>
        (c.payload.status ?? c.payload.connectorStatus) as string
      );
      assert.ok(
        statuses.includes("Unavailable") || statuses.includes("Faulted"),
        `${id}: ${statuses.join(", ")}`,
      );
      assert.notEqual(statuses.at(-1), "Unavailable", `${id}: ${statuses.join(", ")}`);
    }
  });
}

Deno.test("loadTest() outage of a region: the charge points online there, and only those", async () => {
  await using csms = await startCsms();
  const report = await loadTest(
    config,
    parseScenario({
      ocpp: { url: csms.url, version: "1.6" },
      region: "CO",
      seed: 7,
      from: "2026-01-05T19:00:00Z",
      speed: 1200,
      chargePoints: 150,
      phases: [
        { steady: { for: "500ms" } },
        { outage: { region: "Boulder, CO", for: "1s" } },
        { steady: { for: "1s" } },
      ],
    }, "scenario"),
  );
  const boulder = new Set(regionNetwork("Boulder, CO").chargers.map((c) => c.stationId!));
  const online = [...csms.stations.keys()];
  const there = online.filter((id) => boulder.has(id));
  assert.equal(online.length, 150);
  assert.ok(there.length > 0 && there.length < 150, `${there.length} of them in Boulder`);
  assert.deepEqual(report.phases[1].chargePoints.toSorted(), there.toSorted());
  for (const station of csms.stations.values()) {
    assert.equal(station.boots, boulder.has(station.identity) ? 2 : 1, station.identity);
  }
  assert.throws(
    () =>
      parseScenario({
        ocpp: { url: csms.url },
        phases: [{ outage: { region: "Atlantis, ZZ", for: "1s" } }],
      }, "scenario.json"),
    /scenario\.json.*phases.*region/s,
  );
});

Deno.test("loadTest() alignedBurst: clock-aligned meter values at each multiple of `every`, during the phase only", async () => {
  await using csms = await startCsms();
  const report = await loadTest(
    config,
    parseScenario({
      ocpp: { url: csms.url, version: "1.6" },
      region: "Boulder, CO",
      from: "2026-01-05T15:00:00Z",
      speed: 1200,
      chargePoints: 60,
      phases: [
        { steady: { for: "500ms" } },
        { alignedBurst: { every: "5m", for: "2s" } },
        { steady: { for: "1s" } },
      ],
    }, "scenario"),
  );
  assert.deepEqual(csms.violations, []);
  const burst = report.phases[1];
  const clock = csms.received.flatMap((c) =>
    c.action === "MeterValues"
      ? (c.payload.meterValue as { timestamp: string; sampledValue: { context?: string }[] }[])
        .filter((m) => m.sampledValue.some((s) => s.context === "Sample.Clock"))
        .map((m) => Date.parse(m.timestamp))
      : []
  );
  assert.ok(clock.length > 5, `${clock.length} clock-aligned samples`);
  for (const t of clock) {
    assert.ok(
      t >= Date.parse(burst.simFrom) && t <= Date.parse(burst.simTo),
      new Date(t).toISOString(),
    );
    // Taken at each port's first event after the aligned instant: within the update interval.
    assert.ok(t % 300_000 <= 60_000, new Date(t).toISOString());
  }
});

Deno.test("loadTest() in 3 shards, merged: the report of one process running the same scenario", async () => {
  const shardable = (url: string) =>
    parseScenario({
      ocpp: { url, version: "1.6" },
      region: "Boulder, CO",
      seed: 9,
      from: "2026-01-05T15:00:00Z",
      speed: 600,
      phases: [
        { ramp: { from: 10, to: 60, over: "1s" } },
        { reconnectStorm: { share: 0.5, within: "500ms" } },
        { steady: { for: "500ms" } },
      ],
    }, "scenario");
  await using one = await startCsms();
  const whole = await loadTest(config, shardable(one.url));
  await using many = await startCsms();
  const shards = await Promise.all(
    [0, 1, 2].map((index) => loadTest(config, shardable(many.url), { shard: { index, count: 3 } })),
  );
  // Every shard took part.
  assert.ok(shards.every((s) => s.connections.joined > 0));
  const merged = mergeReports(shards);
  const sets = (r: LoadReport) => r.phases.map((p) => p.chargePoints.toSorted());
  assert.deepEqual(sets(merged), sets(whole));
  for (const key of ["joined", "booted", "reconnects"] as const) {
    assert.equal(merged.connections[key], whole.connections[key], key);
  }
  assert.equal(merged.connections.joined, 60);
  assert.equal(many.stations.size, 60);
  // Each phase ends at the simulated time the scenario says: the same events, in all.
  assert.equal(merged.events, whole.events);
  assert.deepEqual(merged.phases.map((p) => p.simTo), whole.phases.map((p) => p.simTo));
  const boots = (r: LoadReport) => r.actions.find((a) => a.action === "BootNotification")!;
  assert.equal(boots(merged).results, 60);
  assert.equal(boots(merged).latencyMs.count, boots(whole).latencyMs.count);
  assert.equal(Math.max(...merged.connections.online.map(([, n]) => n)), 60);

  // The same, from the command line.
  await inTempDir(async (cwd) => {
    const files = shards.map((_, i) => `shard-${i}.json`);
    for (const [i, s] of shards.entries()) {
      await Deno.writeTextFile(`${cwd}/${files[i]}`, JSON.stringify(s));
    }
    const out = await evsimCommand(["loadtest", "merge", ...files, "--json"], cwd).output();
    assert.equal(out.code, 0, decode(out.stderr));
    const fromCli = JSON.parse(decode(out.stdout)) as LoadReport;
    assert.deepEqual(sets(fromCli), sets(whole));
    await Deno.writeTextFile(`${cwd}/other.json`, JSON.stringify({ ...shards[0], seed: 1 }));
    const bad = await evsimCommand(["loadtest", "merge", files[0], "other.json"], cwd).output();
    assert.equal(bad.code, 2);
    assert.match(decode(bad.stderr), /report 2 is of another test/);
  });
});

Deno.test("loadTest() metrics: Prometheus metrics while it runs", async () => {
  await using csms = await startCsms();
  let scraped: Sample[] = [];
  let url = "";
  const report = await loadTest(
    config,
    parseScenario({
      ocpp: { url: csms.url },
      region: "Boulder, CO",
      from: "2026-01-05T15:00:00Z",
      speed: 600,
      chargePoints: 20,
      phases: [{ steady: { for: "500ms" } }, { steady: { for: "1s" } }],
    }, "scenario"),
    {
      metrics: { port: 0, onListen: (u) => url = u },
      onPhase: async (i) => {
        if (i === 1) scraped = parseMetrics(await (await fetch(url)).text());
      },
    },
  );
  assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
  assert.equal(valueOf(scraped, "evsim_loadtest_charge_points_online"), 20);
  assert.equal(
    valueOf(scraped, "evsim_loadtest_calls_total", {
      action: "BootNotification",
      outcome: "result",
    }),
    20,
  );
  assert.equal(
    valueOf(scraped, "evsim_loadtest_call_latency_seconds_count", { action: "BootNotification" }),
    20,
  );
  assert.equal(valueOf(scraped, "evsim_loadtest_connections_total", { kind: "connect" }), 20);
  assert.equal(valueOf(scraped, "evsim_loadtest_phase", { kind: "steady" }), 2);
  assert.equal(report.connections.booted, 20);
  // Stopped with the test.
  await assert.rejects(fetch(url));
});

Deno.test("loadTest() trace: every frame sent and received, a JSON line each", async () => {
  await inTempDir(async (dir) => {
    await using csms = await startCsms();
    const report = await loadTest(
      config,
      parseScenario({
        ocpp: { url: csms.url, version: "2.0.1" },
        region: "Boulder, CO",
        from: "2026-01-05T15:00:00Z",
        speed: 1200,
        chargePoints: 20,
        trace: { path: `${dir}/frames.ndjson` },
        phases: [{ steady: { for: "1s" } }],
      }, "scenario"),
    );
    const lines = (await Deno.readTextFile(`${dir}/frames.ndjson`)).trimEnd().split("\n")
      .map((l) => JSON.parse(l) as { identity: string; direction: string; frame: unknown[] });
    // Each call the central system received is a CALL frame sent, and each got its result.
    const sentCalls = lines.filter((l) => l.direction === "sent" && l.frame[0] === 2);
    const results = lines.filter((l) => l.direction === "received" && l.frame[0] === 3);
    assert.equal(sentCalls.length, csms.received.length);
    assert.equal(results.length, sentCalls.length);
    assert.equal(sentCalls.length, report.actions.reduce((s, a) => s + a.calls, 0));
    assert.deepEqual(
      new Set(sentCalls.map((l) => l.identity)),
      new Set([...csms.stations.keys()]),
    );
  });
});
