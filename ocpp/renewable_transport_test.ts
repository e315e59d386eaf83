import assert from "node:assert/strict";
import { canRenewCertificate, withCertificateRenewal } from "./renewable_transport.ts";
import type {
  OcppHandler,
  OcppTransport,
  Payload,
  TransportEvent,
  TransportOptions,
} from "./transport.ts";

/** A transport in memory: it records what it was made with and what was done to it. */
class FakeTransport implements OcppTransport {
  readonly options: TransportOptions;
  readonly handlers = new Map<string, OcppHandler>();
  readonly listeners = new Set<(e: TransportEvent) => void>();
  readonly frames = new Set<(text: string, outbound: boolean) => void>();
  connected = false;
  connects = 0;
  closed = 0;

  constructor(options: TransportOptions) {
    this.options = options;
  }
  get identity() {
    return this.options.identity;
  }
  get version() {
    return this.options.version;
  }
  emit(e: TransportEvent) {
    for (const l of this.listeners) l(e);
  }
  call(action: string): Promise<Payload> {
    return Promise.resolve({ action, cert: this.options.clientCert?.cert ?? null });
  }
  handle(action: string, handler: OcppHandler) {
    this.handlers.set(action, handler);
  }
  on(listener: (e: TransportEvent) => void) {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  onFrame(listener: (text: string, outbound: boolean) => void) {
    this.frames.add(listener);
    return () => this.frames.delete(listener);
  }
  sendRaw() {
    return this.connected;
  }
  stall() {}
  connect() {
    this.connects++;
    this.connected = true;
    this.emit({ type: "open", reconnect: this.connects > 1 });
    return Promise.resolve();
  }
  close() {
    this.closed++;
    if (this.connected) this.emit({ type: "disconnect", code: 1000, reason: "" });
    this.connected = false;
    return Promise.resolve();
  }
  [Symbol.asyncDispose]() {
    return this.close();
  }
}

const old = { cert: "OLD CERT", key: "OLD KEY" };
const renewed = { cert: "NEW CERT", key: "NEW KEY" };

function setup() {
  const made: FakeTransport[] = [];
  const make = withCertificateRenewal((options) => {
    const t = new FakeTransport(options);
    made.push(t);
    return t;
  });
  const transport = make({
    url: "wss://127.0.0.1:1",
    identity: "CP-1",
    version: "2.0.1",
    clientCert: old,
  });
  const events: TransportEvent[] = [];
  transport.on((e) => events.push(e));
  transport.handle("Reset", () => ({ status: "Accepted" }));
  return { made, transport, events };
}

Deno.test("withCertificateRenewal(): a new client certificate is used from the next connection the charge point opens", async () => {
  const { made, transport, events } = setup();
  assert.ok(canRenewCertificate(transport));
  await transport.connect();
  transport.useClientCertificate(renewed);
  assert.deepEqual(await transport.call("Heartbeat", {}), {
    action: "Heartbeat",
    cert: "OLD CERT",
  });
  assert.equal(made.length, 1, "the connection open keeps its certificate");
  assert.deepEqual(transport.clientCertificate, renewed);

  await transport.close();
  await transport.connect();
  assert.equal(made.length, 2);
  assert.deepEqual(made[1].options.clientCert, renewed);
  assert.equal(made[1].options.url, "wss://127.0.0.1:1");
  assert.equal(made[0].closed >= 1, true);
  assert.ok(made[1].handlers.has("Reset"), "its handlers go over");
  assert.deepEqual(await transport.call("Heartbeat", {}), {
    action: "Heartbeat",
    cert: "NEW CERT",
  });
  assert.deepEqual(events.filter((e) => e.type === "open"), [
    { type: "open", reconnect: false },
    { type: "open", reconnect: true },
  ]);
  // The old one says nothing any more.
  made[0].emit({ type: "bad_message", message: "x", error: "y" });
  assert.equal(events.filter((e) => e.type === "bad_message").length, 0);

  // No new certificate: the same one connects again.
  await transport.close();
  await transport.connect();
  assert.equal(made.length, 2);
  assert.equal(made[1].connects, 2);
});

Deno.test("withCertificateRenewal(): a link that drops by itself comes back with the new certificate", async () => {
  const { made, transport, events } = setup();
  await transport.connect();
  // Dropped with no new certificate: the one underneath reconnects by itself, as it is.
  made[0].connected = false;
  made[0].emit({ type: "disconnect", code: 1006, reason: "gone" });
  assert.equal(made.length, 1);

  transport.useClientCertificate(renewed);
  made[0].emit({ type: "disconnect", code: 1006, reason: "gone again" });
  for (let i = 0; i < 10 && !transport.connected; i++) {
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
  assert.equal(made.length, 2);
  assert.equal(made[0].closed, 1, "the old one stops reconnecting");
  assert.equal(made[1].connects, 1);
  assert.deepEqual(made[1].options.clientCert, renewed);
  assert.ok(transport.connected);
  assert.deepEqual(events.map((e) => e.type), ["open", "disconnect", "disconnect", "open"]);
  assert.deepEqual(events.at(-1), { type: "open", reconnect: true });
});

Deno.test("withCertificateRenewal(): closed on purpose, a drop does not reconnect", async () => {
  const { made, transport } = setup();
  await transport.connect();
  transport.useClientCertificate(renewed);
  await transport.close();
  assert.equal(made.length, 1, "nothing made until it connects again");
  await transport[Symbol.asyncDispose]();
});
