import assert from "node:assert/strict";
import { ConfigSchema } from "../core/config.ts";
import { ConfigError } from "../core/errors.ts";
import { planRun } from "../core/plan.ts";
import { Simulation } from "../core/simulation.ts";
import { defaults, regionNetwork } from "../data/mod.ts";
import { startCsms } from "../ocpp/csms.ts";
import { stationsOf } from "../ocpp/station.ts";
import { selfSigned } from "../tests/_certs.ts";
import { firstStations } from "../tests/_ocpp.ts";
import * as v from "valibot";
import { inTempDir } from "../tests/_evsim.ts";
import { csmsTls } from "./csms.ts";
import { checkOcppPlan, ocppSettings, ocppUndelivered, startOcpp } from "./ocpp.ts";

const config = (input: Record<string, unknown> = {}) => v.parse(ConfigSchema, input);

Deno.test("ocppSettings(): the flags over the config's block, or none", async (t) => {
  await t.step("neither: no OCPP", () => {
    assert.equal(ocppSettings(config()), undefined);
  });
  await t.step("--ocpp alone: the defaults", () => {
    const s = ocppSettings(config(), { url: "ws://127.0.0.1:9000/ocpp" })!;
    assert.equal(s.url, "ws://127.0.0.1:9000/ocpp");
    assert.equal(s.version, "1.6");
    assert.equal(s.identity, "{stationId}");
    assert.equal(s.strict, true);
  });
  await t.step("the flags win over the block, which keeps the rest", () => {
    const c = config({
      ocpp: { url: "wss://csms.example/ocpp", version: "1.6", identity: "EV-{stationId}" },
    });
    const s = ocppSettings(c, { url: "ws://127.0.0.1:1/x", version: "2.0.1" })!;
    assert.deepEqual([s.url, s.version, s.identity], [
      "ws://127.0.0.1:1/x",
      "2.0.1",
      "EV-{stationId}",
    ]);
  });
  await t.step("a wrong flag is named", () => {
    assert.throws(
      () => ocppSettings(config(), { url: "http://127.0.0.1:9000" }),
      (e: Error) =>
        e instanceof ConfigError && /^--ocpp: expected a ws:\/\/ or wss:\/\/ URL/.test(e.message),
    );
    assert.throws(
      () => ocppSettings(config(), { url: "ws://127.0.0.1:9000", version: "2.0" }),
      (e: Error) => e instanceof ConfigError && e.message.startsWith("--ocpp-version: "),
    );
    assert.throws(
      () => ocppSettings(config(), { version: "2.0.1" }),
      /--ocpp-version: needs --ocpp URL or an ocpp block/,
    );
  });
  await t.step("the config's block is checked where it is", () => {
    const bad = v.safeParse(ConfigSchema, { ocpp: { url: "ws://x", identity: "cp/{stationId}" } });
    assert.equal(bad.success, false);
    const noId = v.safeParse(ConfigSchema, { ocpp: { url: "ws://x", identity: "cp" } });
    assert.equal(noId.success, false);
  });
});

Deno.test("checkOcppPlan() refuses a backfill, saying why", () => {
  const c = config();
  const now = Date.UTC(2026, 0, 5);
  assert.throws(
    () => checkOcppPlan(planRun(c, { duration: "1d" }, now)),
    /backfill has none: run in realtime \(--realtime\) or accelerated \(--speed N\) mode/,
  );
  checkOcppPlan(planRun(c, { speed: "60" }, now));
  checkOcppPlan(planRun(c, { realtime: true }, now));
});

Deno.test("startOcpp(): each station connects as the identity pattern says, with its ports as the simulation has them", async () => {
  const network = regionNetwork("Boulder, CO");
  const start = Date.UTC(2026, 0, 5, 20); // 1 pm in Boulder
  const sim = new Simulation({ ...defaults, network, seed: 3, start: start - 3 * 86_400_000 });
  sim.advance(start);
  const busy = sim.snapshot().chargers.filter((c) => c.session !== null).map((c) => c.id);
  assert.ok(busy.length > 0, "some port is in use after the warm-up");

  const passwords: (string | undefined)[] = [];
  await using csms = await startCsms({
    accept: (_, password) => (passwords.push(password), true),
  });
  const settings = ocppSettings(config({ ocpp: { url: csms.url, passwordEnv: "CP_PASS" } }), {
    version: "2.0.1",
  })!;
  const ocpp = await startOcpp({ ...settings, identity: "evsim-{stationId}" }, network, {
    sim,
    start,
    shutdownTimeoutMs: 5000,
    env: (name) => (name === "CP_PASS" ? "s3cret-password" : undefined),
  });
  const stations = stationsOf(network);
  await ocpp.fleet.idle();
  await ocpp[Symbol.asyncDispose]();

  assert.deepEqual(
    [...csms.stations.keys()].sort(),
    stations.map((s) => `evsim-${s.stationId}`).sort(),
  );
  assert.ok(passwords.every((p) => p === "s3cret-password"));
  // A port with a vehicle plugged in reports Occupied at boot; every other one Available.
  const statuses = new Map<string, string>();
  for (const call of csms.received) {
    if (call.action !== "StatusNotification") continue;
    const station = stations.find((s) => `evsim-${s.stationId}` === call.identity)!;
    const port = station.ports[(call.payload.evseId as number) - 1];
    statuses.set(port.chargerId, call.payload.connectorStatus as string);
  }
  for (const c of sim.snapshot().chargers) {
    const expected = c.status === "Faulted"
      ? "Faulted"
      : c.status === "Maintenance"
      ? "Unavailable"
      : c.session
      ? "Occupied"
      : "Available";
    assert.equal(statuses.get(c.id), expected, c.id);
  }
  const counts = ocpp.counts();
  assert.equal(counts.chargePoints, stations.length);
  assert.equal(counts.accepted, stations.length);
  assert.equal(ocppUndelivered(counts), 0);
  assert.deepEqual(csms.violations, []);
});

Deno.test("startOcpp(): a password variable that is not set is a config error", async () => {
  const network = regionNetwork("Boulder, CO");
  const sim = new Simulation({ ...defaults, network, seed: 1, start: 0 });
  const settings = ocppSettings(
    config({ ocpp: { url: "ws://127.0.0.1:1", passwordEnv: "NOPE" } }),
  )!;
  await assert.rejects(
    startOcpp(settings, network, { sim, start: 0, shutdownTimeoutMs: 0, env: () => undefined }),
    /ocpp.passwordEnv: NOPE is not set/,
  );
});

Deno.test("startOcpp(): with no central system, what could not be sent is counted once it stops", async () => {
  const all = regionNetwork("Boulder, CO");
  const network = { ...all, chargers: all.chargers.slice(0, 5) };
  const sim = new Simulation({ ...defaults, network, seed: 1, start: Date.UTC(2026, 0, 5) });
  // A port nothing listens on: taken, then let go.
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = listener.addr.port;
  listener.close();
  const settings = ocppSettings(config(), { url: `ws://127.0.0.1:${port}` })!;
  const ocpp = await startOcpp(settings, network, {
    sim,
    start: sim.now,
    shutdownTimeoutMs: 200,
    env: () => undefined,
  });
  const out: Parameters<typeof ocpp>[0][] = [];
  while (out.length < 20) sim.step(out);
  for (const e of out) ocpp(e);
  await ocpp[Symbol.asyncDispose]();
  const counts = ocpp.counts();
  assert.equal(counts.accepted, 0);
  assert.ok(counts.unsent > 0, `unsent ${counts.unsent}`);
  assert.equal(ocppUndelivered(counts), counts.unsent + counts.abandoned + counts.dropped);
});

Deno.test("startOcpp(): ocpp.caFile lets the charge points trust a central system's own certificate (wss://)", async () => {
  const dir = await Deno.makeTempDir({ prefix: "evsim-tls-" });
  const { cert, key } = await selfSigned(dir);
  await using csms = await startCsms({ tls: { cert, key } });
  const all = regionNetwork("Boulder, CO");
  const network = { ...all, chargers: all.chargers.slice(0, 8) };
  const sim = new Simulation({ ...defaults, network, seed: 1, start: Date.UTC(2026, 0, 5) });
  const settings = ocppSettings(config({ ocpp: { url: csms.url, caFile: "localhost_cert.pem" } }))!;
  const ocpp = await startOcpp(settings, network, {
    sim,
    start: sim.now,
    shutdownTimeoutMs: 5000,
    env: () => undefined,
    baseDir: dir,
  });
  await ocpp.fleet.idle();
  await ocpp[Symbol.asyncDispose]();
  assert.equal(ocpp.counts().accepted, stationsOf(network).length);
  const missing = ocppSettings(config({ ocpp: { url: csms.url, caFile: "nope.pem" } }))!;
  await assert.rejects(
    startOcpp(missing, network, {
      sim,
      start: sim.now,
      shutdownTimeoutMs: 0,
      env: () => undefined,
    }),
    /ocpp.caFile: cannot read .*nope\.pem/,
  );
  await Deno.remove(dir, { recursive: true });
});

Deno.test("csmsTls(): the certificate and key of evsim csms, or a config error naming the flag", async () => {
  await inTempDir(async (dir) => {
    const { certFile, keyFile, cert, key } = await selfSigned(dir);
    assert.equal(await csmsTls({}), undefined);
    assert.deepEqual(await csmsTls({ cert: certFile, key: keyFile }), { cert, key });
    await assert.rejects(
      csmsTls({ cert: `${dir}/nope.pem`, key: keyFile }),
      /^ConfigError: --cert .*nope\.pem: cannot read it/,
    );
    await assert.rejects(
      csmsTls({ cert: certFile, key: certFile }),
      /--key .*localhost_cert\.pem: not a PEM file \(-----BEGIN \[A-Z \]\*PRIVATE KEY-----\)/,
    );
  });
});

Deno.test("startOcpp(): a password per charge point, from the pattern or the passwords file; a wrong one gets no connection", async () => {
  await inTempDir(async (dir) => {
    const tried: [string, string | undefined][] = [];
    await using csms = await startCsms({
      accept: (identity, password) => {
        tried.push([identity, password]);
        return password === `pw-${identity}` || password === "from-the-file";
      },
    });
    const { ids, network } = firstStations(3);
    await Deno.writeTextFile(
      `${dir}/passwords.json`,
      JSON.stringify({ [ids[1]]: "from-the-file", [ids[2]]: "wrong" }),
    );
    const sim = new Simulation({ ...defaults, network, seed: 1, start: Date.UTC(2026, 0, 5) });
    const settings = ocppSettings(config({
      ocpp: { url: csms.url, password: "pw-{stationId}", passwordsFile: "passwords.json" },
    }))!;
    const ocpp = await startOcpp(settings, network, {
      sim,
      start: sim.now,
      shutdownTimeoutMs: 0,
      env: () => undefined,
      baseDir: dir,
    });
    await csms.waitFor(() => (csms.stations.get(ids[1])?.boots ?? 0) > 0, 5000);
    await ocpp[Symbol.asyncDispose]();
    assert.deepEqual(Object.fromEntries(tried), {
      [ids[0]]: `pw-${ids[0]}`,
      [ids[1]]: "from-the-file",
      [ids[2]]: "wrong",
    });
    assert.deepEqual([...csms.stations.keys()].sort(), [ids[0], ids[1]].sort());
    assert.equal(ocpp.counts().accepted, 2);
    const bad = ocppSettings(config({ ocpp: { url: csms.url, passwordsFile: "nope.json" } }))!;
    await assert.rejects(
      startOcpp(bad, network, {
        sim,
        start: sim.now,
        shutdownTimeoutMs: 0,
        env: () => undefined,
        baseDir: dir,
      }),
      /ocpp\.passwordsFile: cannot read .*nope\.json/,
    );
  });
});
