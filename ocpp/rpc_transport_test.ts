import assert from "node:assert/strict";
import { getRpcTransport, listenRpcServer, schemaCheck } from "./rpc_transport.ts";
import {
  OcppCallError,
  type OcppPeer,
  OcppTransportError,
  type OcppVersion,
  type TransportEvent,
} from "./transport.ts";

const BOOT: Record<OcppVersion, Record<string, unknown>> = {
  "1.6": { chargePointVendor: "ABB", chargePointModel: "Terra HP" },
  "2.0.1": { reason: "PowerUp", chargingStation: { vendorName: "ABB", model: "Terra HP" } },
};

/** A server on 127.0.0.1 that accepts every boot and records the peers and what breaks a schema. */
async function server() {
  const peers: OcppPeer[] = [];
  const violations: TransportEvent[] = [];
  const srv = await listenRpcServer((peer) => {
    peers.push(peer);
    peer.on((e) => e.type === "schema_violation" && violations.push(e));
    peer.handle("BootNotification", () => ({
      status: "Accepted",
      interval: 300,
      currentTime: new Date().toISOString(),
    }));
    peer.handle("Heartbeat", () => {
      throw new OcppCallError("InternalError", "busy");
    });
  });
  return { srv, peers, violations, url: `ws://127.0.0.1:${srv.port}` };
}

for (const version of ["1.6", "2.0.1"] as const) {
  Deno.test(`getRpcTransport() and listenRpcServer() carry a strict ${version} BootNotification round trip`, async () => {
    const { srv, peers, url } = await server();
    await using _srv = srv;
    await using t = getRpcTransport({ url, identity: "CP-1", version, pingIntervalMs: 0 });
    await t.connect();
    assert.equal(t.connected, true);
    const answer = await t.call("BootNotification", BOOT[version]);
    assert.equal(answer.status, "Accepted");
    assert.equal(answer.interval, 300);
    assert.equal(peers.length, 1);
    assert.equal(peers[0].identity, "CP-1");
    assert.equal(peers[0].version, version);
  });

  Deno.test(`a ${version} call that breaks the schema is refused before it is sent`, async () => {
    const { srv, violations, url } = await server();
    await using _srv = srv;
    await using t = getRpcTransport({ url, identity: "CP-2", version, pingIntervalMs: 0 });
    await t.connect();
    const error = await t.call("BootNotification", { bogus: 1 }).catch((e) => e);
    assert.ok(error instanceof OcppCallError);
    assert.equal(error.local, true);
    assert.match(error.message, /breaks the schema/);
    assert.equal(violations.length, 0, "the server never saw it");
  });

  Deno.test(`a ${version} server in strict mode answers a call that breaks the schema with a CALLERROR`, async () => {
    const { srv, violations, url } = await server();
    await using _srv = srv;
    await using t = getRpcTransport({
      url,
      identity: "CP-3",
      version,
      strict: false,
      pingIntervalMs: 0,
    });
    await t.connect();
    const error = await t.call("BootNotification", { bogus: 1 }).catch((e) => e);
    assert.ok(error instanceof OcppCallError);
    assert.equal(error.local, false);
    assert.match(
      error.code,
      /Occur+enceConstraintViolation|FormatViolation|PropertyConstraintViolation/,
    );
    assert.equal(violations.length, 1);
  });
}

Deno.test("a handler's OcppCallError reaches the caller with its code", async () => {
  const { srv, url } = await server();
  await using _srv = srv;
  await using t = getRpcTransport({ url, identity: "CP-4", version: "1.6", pingIntervalMs: 0 });
  await t.connect();
  const error = await t.call("Heartbeat", {}).catch((e) => e);
  assert.ok(error instanceof OcppCallError);
  assert.equal(error.code, "InternalError");
  assert.equal(error.message, "busy");
});

Deno.test("a call while not connected fails at once with not_connected", async () => {
  await using t = getRpcTransport({
    url: "ws://127.0.0.1:9",
    identity: "CP-5",
    version: "2.0.1",
    pingIntervalMs: 0,
  });
  const error = await t.call("Heartbeat", {}).catch((e) => e);
  assert.ok(error instanceof OcppTransportError);
  assert.equal(error.failure, "not_connected");
});

Deno.test("listenRpcServer() refuses a client that offers no version it speaks", async () => {
  const { srv, peers } = await server();
  await using _srv = srv;
  const ws = new WebSocket(`ws://127.0.0.1:${srv.port}/CP-6`, ["ocpp1.5"]);
  const outcome = await new Promise<string>((resolve) => {
    ws.onopen = () => resolve("open");
    ws.onerror = () => resolve("error");
  });
  if (ws.readyState !== WebSocket.CLOSED) ws.close();
  await new Promise((r) => setTimeout(r, 10));
  assert.equal(outcome, "error");
  assert.equal(peers.length, 0);
});

Deno.test("schemaCheck() finds what breaks a schema and knows the version's actions", () => {
  const check16 = schemaCheck("1.6");
  assert.equal(check16("BootNotification", "req", BOOT["1.6"]), undefined);
  assert.match(check16("BootNotification", "req", {})!, /chargePointVendor/);
  assert.equal(check16.actions.has("RemoteStartTransaction"), true);
  assert.equal(check16.actions.has("TransactionEvent"), false);
  const check201 = schemaCheck("2.0.1");
  assert.equal(check201.actions.has("TransactionEvent"), true);
  assert.match(check201("Heartbeat", "conf", {})!, /currentTime/);
});
