/**
 * `evsim --ocpp URL` against `evsim csms`, each its own process, over real
 * WebSockets on loopback: both versions, zero violations, and the energy the
 * central system counts equals the event stream's.
 */
import assert from "node:assert/strict";
import type { SimEvent } from "../core/event.ts";
import { selfSigned } from "./_certs.ts";
import { startCsmsProcess } from "./_csms_process.ts";
import { decode, evsimCommand, inTempDir, readNdjson } from "./_evsim.ts";

const RUN = ["--region", "Boulder, CO", "--from", "2026-01-05T15:00:00Z", "--duration", "4h"];

for (const version of ["1.6", "2.0.1"]) {
  Deno.test(`evsim --ocpp-version ${version}: a central system gets every session, breaking no rule`, async () => {
    await inTempDir(async (cwd) => {
      const csms = await startCsmsProcess(cwd);
      const run = await evsimCommand([
        ...RUN,
        "--speed",
        "3600",
        "--ocpp",
        csms.url,
        "--ocpp-version",
        version,
        "--sink",
        "file:events.ndjson",
      ], cwd).output();
      const { code, stderr, summary } = await csms.stop();
      const runErr = decode(run.stderr);
      assert.equal(run.code, 0, runErr);
      assert.match(
        runErr,
        /ocpp: 152 of 152 charge points booted, [\d,]+ calls answered, 0 CALLERRORs, 0 timeouts, 0 given up, 0 unsent/,
      );
      assert.equal(code, 0, stderr);
      assert.deepEqual(summary.violations, []);
      assert.equal(summary.chargePoints.length, 152);
      assert.ok(summary.chargePoints.every((c) => c.version === version && c.boots === 1));

      // Sessions that started in view and ended: their energy is what the central system counts.
      const events = await readNdjson<SimEvent>(`${cwd}/events.ndjson`);
      const started = new Set(
        events.flatMap((e) => e.type === "session.started" ? [e.sessionId] : []),
      );
      const ended = events.flatMap((e) =>
        e.type === "session.ended" && started.has(e.sessionId) ? [e] : []
      );
      assert.ok(ended.length > 10, `${ended.length} sessions ended`);
      assert.equal(summary.transactions.started, started.size);
      assert.equal(summary.transactions.ended, ended.length);
      const wh = ended.reduce(
        (sum, e) => sum + Math.round(e.totalEnergyKwh * 1000),
        0,
      );
      assert.ok(
        Math.abs(summary.transactions.energyWh - wh) <= ended.length,
        `${summary.transactions.energyWh} Wh vs ${wh} Wh`,
      );
    });
  });
}

Deno.test("evsim --ocpp refuses a backfill, and a bad URL or version, with exit 2", async () => {
  await inTempDir(async (cwd) => {
    const cases: [string[], RegExp][] = [
      [
        ["--duration", "1h", "--ocpp", "ws://127.0.0.1:9"],
        /--ocpp: a central system lives on a clock, and a backfill has none/,
      ],
      [
        ["--speed", "60", "--ocpp", "http://127.0.0.1:9"],
        /--ocpp: expected a ws:\/\/ or wss:\/\/ URL, got "http:\/\/127.0.0.1:9"/,
      ],
      [
        ["--speed", "60", "--ocpp", "ws://127.0.0.1:9", "--ocpp-version", "1.5"],
        /--ocpp-version: /,
      ],
    ];
    for (const [args, message] of cases) {
      const { code, stderr } = await evsimCommand(args, cwd).output();
      assert.equal(code, 2, args.join(" "));
      assert.match(decode(stderr), message, args.join(" "));
    }
  });
});

Deno.test("evsim --ocpp with no central system there: exit 3, what was not sent counted", async () => {
  await inTempDir(async (cwd) => {
    const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const port = listener.addr.port;
    listener.close();
    await Deno.writeTextFile(
      `${cwd}/config.json`,
      JSON.stringify({ shutdownTimeoutMs: 300, log: { file: null } }),
    );
    const { code, stderr } = await evsimCommand([
      "-c",
      "config.json",
      ...RUN,
      "--speed",
      "7200",
      "--ocpp",
      `ws://127.0.0.1:${port}`,
      "--sink",
      "file:events.ndjson",
    ], cwd).output();
    const text = decode(stderr);
    assert.equal(code, 3, text);
    const unsent = Number(
      /ocpp: 0 of 152 charge points booted, .* ([\d,]+) unsent/.exec(text)?.[1].replaceAll(",", ""),
    );
    assert.ok(unsent > 100, text);
    // The event sinks are not held back by it.
    assert.ok((await readNdjson(`${cwd}/events.ndjson`)).length > 1000);
  });
});

Deno.test("evsim csms --control-port over wss://: a script reads what it received and sends calls that change the run", async () => {
  await inTempDir(async (cwd) => {
    const { certFile, keyFile } = await selfSigned(cwd);
    const csms = await startCsmsProcess(cwd, [
      "--control-port",
      "0",
      "--cert",
      certFile,
      "--key",
      keyFile,
    ]);
    assert.ok(csms.control);
    assert.match(csms.url, /^wss:\/\/127\.0\.0\.1:\d+$/);
    // The charge points trust the central system's own certificate.
    await Deno.writeTextFile(
      `${cwd}/config.json`,
      JSON.stringify({ ocpp: { url: csms.url, caFile: "localhost_cert.pem" } }),
    );
    const run = evsimCommand([
      ...RUN,
      "--config",
      "config.json",
      "--speed",
      "1200",
      "--sink",
      "file:events.ndjson",
    ], cwd).output();
    // Once the stations are there: the first one is taken out of service.
    let stations: { identity: string; connected: boolean; boots: number }[] = [];
    while (stations.filter((s) => s.boots > 0).length < 152) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      stations = await (await fetch(`${csms.control}/stations`)).json();
    }
    const id = stations[0].identity;
    const post = (path: string, body: unknown) =>
      fetch(`${csms.control}${path}`, { method: "POST", body: JSON.stringify(body) });
    const config = await post(`/call/${id}/GetConfiguration`, { key: ["HeartbeatInterval"] });
    assert.equal(config.status, 200);
    assert.deepEqual((await config.json()).answer.configurationKey[0].key, "HeartbeatInterval");
    const change = await post(`/call/${id}/ChangeAvailability`, {
      connectorId: 0,
      type: "Inoperative",
    });
    assert.equal(change.status, 200);
    assert.match((await change.json()).answer.status, /^(Accepted|Scheduled)$/);
    const unknown = await post("/call/NOPE/Reset", { type: "Soft" });
    assert.equal(unknown.status, 404);
    await unknown.body?.cancel();
    const bad = await post(`/call/${id}/Reset`, { type: "Sideways" });
    assert.equal(bad.status, 502); // the charge point refuses what breaks the schema
    assert.ok((await bad.json()).code);
    const summary = await (await fetch(`${csms.control}/`)).json();
    assert.equal(summary.chargePoints.length, 152);
    const { code, stderr } = await run;
    assert.equal(code, 0, decode(stderr));
    const stopped = await csms.stop();
    assert.equal(stopped.code, 0, stopped.stderr);
    const events = await readNdjson<SimEvent>(`${cwd}/events.ndjson`);
    assert.ok(
      events.some((e) =>
        e.stationId === id && e.type === "charger.status" &&
        e.statusMessage.includes("central system")
      ),
    );
  });
});
