/**
 * `wss://` (OCPP security profile 2: TLS, with Basic auth): charge points
 * connect to a central system serving TLS with a certificate they trust, and
 * refuse one they do not.
 */
import assert from "node:assert/strict";
import { selfSigned } from "../tests/_certs.ts";
import { simulate } from "../tests/_ocpp.ts";
import { startCsms } from "./csms.ts";
import { getOcppFleet } from "./fleet.ts";

const tmp = await Deno.makeTempDir({ prefix: "evsim-tls-" });
const { cert, key } = await selfSigned(tmp);
await Deno.remove(tmp, { recursive: true });
const { stations, events, start } = simulate({ stations: 5, hours: 6 });

for (const version of ["1.6", "2.0.1"] as const) {
  Deno.test(`OCPP ${version} over wss:// with Basic auth: booted, every call answered, no violation`, async () => {
    const passwords: (string | undefined)[] = [];
    await using csms = await startCsms({
      tls: { cert, key },
      accept: (_, password) => (passwords.push(password), password === "over-tls-0123456"),
    });
    assert.match(csms.url, /^wss:\/\/127\.0\.0\.1:\d+$/);
    await using fleet = getOcppFleet(stations, {
      url: csms.url,
      version,
      start,
      ca: cert,
      password: () => "over-tls-0123456",
      pingIntervalMs: 0,
    });
    await fleet.start();
    for (const e of events) fleet(e);
    await fleet.idle();
    const totals = fleet.totals();
    assert.equal(totals.accepted, stations.length);
    assert.equal(totals.callErrors + totals.timeouts + totals.abandoned + totals.dropped, 0);
    assert.ok(
      passwords.length >= stations.length && passwords.every((p) => p === "over-tls-0123456"),
    );
    assert.deepEqual(csms.violations, []);
    assert.ok(csms.transactions().length > 0);
  });
}

Deno.test("OCPP over wss:// refuses a certificate it does not trust: no connection, nothing sent", async () => {
  await using csms = await startCsms({ tls: { cert, key } });
  await using fleet = getOcppFleet(stations.slice(0, 1), {
    url: csms.url,
    version: "1.6",
    start,
    pingIntervalMs: 0,
    backoff: { initialMs: 50, maxMs: 100 },
  });
  await fleet.start();
  await new Promise((resolve) => setTimeout(resolve, 300));
  assert.equal(fleet.totals().accepted, 0);
  assert.equal(csms.stations.size, 0);
});
