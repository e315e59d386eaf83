import assert from "node:assert/strict";
import type { LogRecord } from "@logtape/logtape";
import { withLogs } from "../tests/_logs.ts";
import type { SimEvent } from "../core/event.ts";
import { simulate } from "../tests/_ocpp.ts";
import { ChargePoint, type ChargePointOptions } from "./charge_point.ts";
import { type CsmsOptions, startCsms } from "./csms.ts";
import { getRpcTransport } from "./rpc_transport.ts";
import type { StationSpec } from "./station.ts";
import { OcppCallError, type OcppVersion } from "./transport.ts";

// Two stations with sessions in the first hours of a simulated day.
const day = simulate({ hours: 12 });
const busy = day.stations.filter((s) =>
  day.events.some((e) => e.stationId === s.stationId && e.type === "session.ended")
);
const station: StationSpec = busy[0];
const eventsOf = (s: StationSpec) => day.events.filter((e) => e.stationId === s.stationId);

const text = (records: LogRecord[]) =>
  records.map((r) => r.message.map((m) => typeof m === "string" ? m : JSON.stringify(m)).join(""))
    .join("\n");

/** A central system and one charge point of `spec` connected to it, both closed after `fn`. */
async function run(
  version: OcppVersion,
  csmsOptions: CsmsOptions,
  fn: (
    cp: ChargePoint,
    csms: Awaited<ReturnType<typeof startCsms>>,
  ) => Promise<void>,
  cpOptions: Partial<ChargePointOptions> = {},
  spec = station,
): Promise<void> {
  await using csms = await startCsms(csmsOptions);
  const transport = getRpcTransport({
    url: csms.url,
    identity: spec.stationId,
    version,
    pingIntervalMs: 0,
    backoff: { initialMs: 20, maxMs: 100 },
  });
  await using cp = new ChargePoint(spec, { version, transport, start: day.start, ...cpOptions });
  await cp.start();
  await fn(cp, csms);
}

const feed = (cp: ChargePoint, events: SimEvent[]) => events.forEach((e) => cp.handle(e));

for (const version of ["1.6", "2.0.1"] as const) {
  Deno.test(`${version}: a boot Rejected, then Pending, is tried again after the interval; nothing else is sent before it is accepted`, async () => {
    await withLogs(async (records) => {
      const answers = ["Rejected", "Pending", "Accepted"];
      await run(version, {
        boot: (_, attempt) => ({ status: answers[attempt - 1], interval: 1 }),
      }, async (cp, csms) => {
        feed(cp, eventsOf(station));
        await cp.idle();
        const s = csms.stations.get(station.stationId)!;
        assert.equal(s.boots, 3);
        assert.deepEqual(csms.violations, []);
        const first = csms.received.findIndex((c) => c.action !== "BootNotification");
        assert.equal(csms.received.slice(0, first).length, 3);
        assert.ok(
          csms.received[first].at - csms.received[0].at >= 1900,
          "waited the interval twice",
        );
        assert.ok(s.rules.transactions.length > 0, "the events queued meanwhile went through");
        // Heartbeats at the interval the central system set (1 s).
        await csms.waitFor(() => (s.calls.Heartbeat ?? 0) >= 1, 3000);
      });
      assert.match(text(records), /boot Rejected; BootNotification again in 1 s/);
      assert.match(text(records), /boot Pending; BootNotification again in 1 s/);
    });
  });

  Deno.test(`${version}: a transaction message answered with a CALLERROR is sent again; nothing is lost or doubled`, async () => {
    await withLogs(async (records) => {
      let refused = 0;
      const transactional = version === "1.6"
        ? ["MeterValues", "StopTransaction"]
        : ["TransactionEvent"];
      const seen = new Set<string>();
      await run(version, {
        answer: (call) => {
          const key = JSON.stringify(call.payload);
          if (!transactional.includes(call.action) || seen.has(key)) return undefined;
          seen.add(key);
          if (seen.size % 3 !== 0) return undefined;
          refused++;
          return new OcppCallError("InternalError", "database timeout");
        },
      }, async (cp, csms) => {
        feed(cp, eventsOf(station));
        await cp.idle();
        assert.ok(refused > 2);
        assert.deepEqual(csms.violations, []);
        assert.equal(cp.stats.callErrors, refused);
        assert.equal(cp.stats.abandoned, 0);
        const ended = eventsOf(station).filter((e) => e.type === "session.ended");
        const closed = csms.stations.get(station.stationId)!.rules.transactions.filter((t) =>
          t.stopTime
        );
        assert.equal(closed.length, ended.length);
      }, { settings: { transactionRetrySec: 0 } });
      assert.match(text(records), /CALLERROR InternalError: database timeout/);
    });
  });

  Deno.test(`${version}: a central system that refuses one action for good: the charge point gives up on it, says so, and goes on`, async () => {
    await withLogs(async (records) => {
      const refusedAction = version === "1.6" ? "StartTransaction" : "NotifyEvent";
      const spec = version === "1.6"
        ? station
        : busy.find((s) =>
          eventsOf(s).some((e) => e.type === "charger.status" && e.status === "Faulted")
        ) ?? station;
      await run(
        version,
        {
          answer: (call) =>
            call.action === refusedAction ? new OcppCallError("NotSupported", "no") : undefined,
        },
        async (cp, csms) => {
          feed(cp, eventsOf(spec));
          await cp.idle();
          assert.ok(cp.stats.abandoned > 0);
          assert.ok((csms.stations.get(spec.stationId)!.calls.StatusNotification ?? 0) > 0);
          assert.equal(cp.queued, 0);
        },
        { settings: { transactionRetrySec: 0 } },
        spec,
      );
      assert.match(text(records), new RegExp(`${refusedAction} failed: CALLERROR NotSupported`));
    });
  });

  Deno.test(`${version}: the central system dropping the connection: the charge point reconnects without booting again, loses and doubles nothing`, async () => {
    await withLogs(async (records) => {
      await run(version, {}, async (cp, csms) => {
        await cp.idle();
        const events = eventsOf(station);
        const half = Math.floor(events.length / 2);
        feed(cp, events.slice(0, half));
        await cp.idle();
        await csms.drop(station.stationId);
        // Once the charge point knows it is offline, the rest of the events come.
        while (!text(records).includes("connection lost")) {
          await new Promise((r) => setTimeout(r, 1));
        }
        feed(cp, events.slice(half));
        assert.ok(cp.queued > 0, "kept while offline");
        await csms.waitFor(() => csms.stations.get(station.stationId)!.connections === 2);
        await cp.idle();
        const s = csms.stations.get(station.stationId)!;
        assert.equal(s.boots, 1);
        assert.deepEqual(csms.violations, []);
        assert.equal(cp.stats.reconnects, 1);
        if (version === "2.0.1") {
          const offline = csms.received.filter((c) => c.payload.offline === true);
          assert.ok(offline.length > 0, "TransactionEvents made offline say so");
          assert.ok(offline.every((c) => c.action === "TransactionEvent"));
        }
        const ended = events.filter((e) => e.type === "session.ended");
        const closed = s.rules.transactions.filter((t) => t.stopTime);
        assert.deepEqual(
          closed.map((t) => t.energyWh),
          ended.map((e) => Math.round((e as { totalEnergyKwh: number }).totalEnergyKwh * 1000)),
        );
      });
      assert.match(text(records), /connection lost/);
      assert.match(text(records), /connected again/);
    });
  });

  Deno.test(`${version}: the charge point answers the central system's configuration calls`, async () => {
    // Not strict, so that the central system may send an action no version defines.
    await run(version, { strict: false }, async (cp, csms) => {
      await cp.idle();
      const id = station.stationId;
      if (version === "1.6") {
        const got = await csms.call(id, "GetConfiguration", { key: ["HeartbeatInterval"] });
        assert.deepEqual(got.configurationKey, [{
          key: "HeartbeatInterval",
          readonly: false,
          value: "300",
        }]);
        const changed = await csms.call(id, "ChangeConfiguration", {
          key: "MeterValueSampleInterval",
          value: "900",
        });
        assert.equal(changed.status, "Accepted");
      } else {
        const set = await csms.call(id, "SetVariables", {
          setVariableData: [{
            component: { name: "SampledDataCtrlr" },
            variable: { name: "TxUpdatedInterval" },
            attributeValue: "900",
          }],
        });
        assert.equal(
          (set.setVariableResult as { attributeStatus: string }[])[0].attributeStatus,
          "Accepted",
        );
        const got = await csms.call(id, "GetVariables", {
          getVariableData: [{
            component: { name: "SampledDataCtrlr" },
            variable: { name: "TxUpdatedInterval" },
          }],
        });
        assert.equal(
          (got.getVariableResult as { attributeValue: string }[])[0].attributeValue,
          "900",
        );
      }
      assert.equal(cp.settings.sampleIntervalSec, 900);
      assert.deepEqual(await csms.call(id, "ClearCache", {}), { status: "Accepted" });
      const unsupported = "ReserveNow";
      const expiry = "2026-01-05T12:00:00.000Z";
      const payload = version === "1.6"
        ? { connectorId: 1, expiryDate: expiry, idTag: "AB", reservationId: 1 }
        : { id: 1, expiryDateTime: expiry, idToken: { idToken: "AB", type: "ISO14443" } };
      const e1 = await csms.call(id, unsupported, payload).catch((e) => e);
      assert.equal(e1.code, "NotSupported");
      const e2 = await csms.call(id, "MakeCoffee", {}).catch((e) => e);
      assert.equal(e2.code, "NotImplemented");
    });
  });

  Deno.test(`${version}: TriggerMessage and Reset`, async () => {
    await run(version, {}, async (cp, csms) => {
      await cp.idle();
      const id = station.stationId;
      const s = csms.stations.get(id)!;
      const statuses = s.calls.StatusNotification;
      const trigger = await csms.call(id, "TriggerMessage", {
        requestedMessage: "StatusNotification",
      });
      assert.equal(trigger.status, "Accepted");
      const ports = station.ports.length + (version === "1.6" ? 1 : 0);
      await csms.waitFor(() => s.calls.StatusNotification === statuses + ports);
      const beat = await csms.call(id, "TriggerMessage", { requestedMessage: "Heartbeat" });
      assert.equal(beat.status, "Accepted");
      await csms.waitFor(() => s.calls.Heartbeat === 1);
      const firmware = await csms.call(id, "TriggerMessage", {
        requestedMessage: "FirmwareStatusNotification",
      });
      assert.equal(firmware.status, "NotImplemented");
      const reset = await csms.call(id, "Reset", {
        type: version === "1.6" ? "Soft" : "Immediate",
      });
      assert.equal(reset.status, "Accepted");
      await csms.waitFor(() => s.boots === 2 && s.connections === 2);
      await cp.idle();
      const boots = csms.received.filter((c) => c.action === "BootNotification");
      if (version === "2.0.1") assert.equal(boots[1].payload.reason, "RemoteReset");
      assert.deepEqual(csms.violations, []);
    });
  });
}

Deno.test("a central system that sends malformed frames, answers late, or is not there yet: logged, nothing crashes", async () => {
  await withLogs(async (records) => {
    // A raw WebSocket server: it sends garbage, lets a Heartbeat time out, then behaves.
    const frames: unknown[] = [];
    let sockets = 0;
    const ac = new AbortController();
    const listening = Promise.withResolvers<number>();
    const server = Deno.serve({
      hostname: "127.0.0.1",
      port: 0,
      signal: ac.signal,
      onListen: ({ port }) => listening.resolve(port),
    }, (req) => {
      const { socket, response } = Deno.upgradeWebSocket(req, { protocol: "ocpp1.6" });
      sockets++;
      socket.onmessage = (m) => {
        const [type, id, action] = JSON.parse(m.data);
        frames.push([type, action ?? id]);
        if (type !== 2) return;
        if (action === "BootNotification") {
          socket.send("this is not JSON");
          socket.send(JSON.stringify([7, "x"]));
          socket.send(JSON.stringify([3, "no-such-call", {}]));
          socket.send(JSON.stringify([2, "c1", "Reset", { type: "Sideways" }]));
          socket.send(JSON.stringify([
            3,
            id,
            { status: "Accepted", interval: 300, currentTime: new Date().toISOString() },
          ]));
        } else if (action === "StatusNotification" && frames.length < 8) {
          // No answer: the call times out.
        } else {
          socket.send(JSON.stringify([3, id, {}]));
        }
      };
      return response;
    });
    const port = await listening.promise;
    const transport = getRpcTransport({
      url: `ws://127.0.0.1:${port}`,
      identity: station.stationId,
      version: "1.6",
      pingIntervalMs: 0,
      callTimeoutMs: 200,
      backoff: { initialMs: 20, maxMs: 100 },
    });
    await using cp = new ChargePoint(station, { version: "1.6", transport, start: day.start });
    await cp.start();
    await cp.idle();
    assert.equal(cp.accepted, true);
    assert.ok(cp.stats.timeouts >= 1);
    assert.ok(frames.some((f) => (f as unknown[])[0] === 4), "the bad CALL got a CALLERROR");
    assert.equal(sockets, 1);
    await cp.close();
    ac.abort();
    await server.finished;
    const log = text(records);
    assert.match(log, /bad frame/);
    assert.match(log, /StatusNotification failed: StatusNotification: no answer in time/);
  });

  // Nobody listens yet: the charge point keeps trying and says so.
  await withLogs(async (records) => {
    const probe = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const port = (probe.addr as Deno.NetAddr).port;
    probe.close();
    const transport = getRpcTransport({
      url: `ws://127.0.0.1:${port}`,
      identity: station.stationId,
      version: "2.0.1",
      pingIntervalMs: 0,
      backoff: { initialMs: 20, maxMs: 50 },
    });
    await using cp = new ChargePoint(station, { version: "2.0.1", transport, start: day.start });
    await cp.start();
    feed(cp, eventsOf(station).slice(0, 20));
    assert.equal(cp.accepted, false);
    assert.ok(cp.queued > 0);
    // The central system comes up on that port: the charge point gets through, boots and sends.
    await using csms = await startCsms({ port });
    await cp.idle();
    assert.equal(cp.accepted, true);
    assert.equal(cp.queued, 0);
    assert.ok((csms.stations.get(station.stationId)?.boots ?? 0) === 1);
    await cp.close();
    assert.match(text(records), /cannot connect yet/);
  });
});
