/**
 * OCPP security profile 3 (mutual TLS): each charge point shows its own
 * client certificate (`ocpp.clientCert` / `clientKey` patterns) to a central
 * system that asks for one. The central system runs under Node
 * (`tests/_mtls_csms.mjs`): Deno's TLS server cannot yet ask for a client
 * certificate. One signed by the central system's CA is accepted; one signed
 * by nobody, or none at all, gets no connection.
 */
import assert from "node:assert/strict";
import * as v from "valibot";
import { ocppSettings, startOcpp } from "../app/ocpp.ts";
import { ConfigSchema } from "../core/config.ts";
import { Simulation } from "../core/simulation.ts";
import { defaults } from "../data/mod.ts";
import { stationsOf } from "../ocpp/station.ts";
import { testCa } from "./_certs.ts";
import { startNodeScript } from "./_node_script.ts";
import { firstStations } from "./_ocpp.ts";
import { inTempDir } from "./_evsim.ts";

const { ids, network } = firstStations(3);
const [trusted, alsoTrusted, untrusted] = ids;

/** The central system under Node, once it listens: its port, what it printed, a way to stop it. */
function startNodeCsms(cert: string, key: string, ca: string) {
  return startNodeScript("./_mtls_csms.mjs", [cert, key, ca]);
}

Deno.test("OCPP over mutual TLS: a client certificate the CA signed boots; one it did not, or none, gets no connection", async () => {
  await inTempDir(async (dir) => {
    const ca = await testCa(dir, [trusted, alsoTrusted], [untrusted]);
    await using csms = await startNodeCsms(ca.serverCert, ca.serverKey, ca.caFile);
    const sim = new Simulation({ ...defaults, network, seed: 1, start: Date.UTC(2026, 0, 5) });
    const run = async (ocpp: Record<string, unknown>) => {
      const settings = ocppSettings(v.parse(ConfigSchema, {
        ocpp: { url: `wss://127.0.0.1:${csms.port}`, caFile: ca.caFile, ...ocpp },
      }))!;
      const started = await startOcpp(settings, network, {
        sim,
        start: sim.now,
        shutdownTimeoutMs: 0,
        env: () => undefined,
        baseDir: dir,
      });
      await Promise.race([
        started.fleet.idle(),
        new Promise((resolve) => setTimeout(resolve, 1500)),
      ]);
      await started[Symbol.asyncDispose]();
      return started.counts();
    };
    const withCerts = await run({
      clientCert: "clients/{stationId}.pem",
      clientKey: "clients/{stationId}.key",
    });
    // Each charge point showed its own certificate: the identity in its URL is the certificate's CN.
    const boots = csms.lines.filter((l) => l.type === "call" && l.action === "BootNotification");
    assert.deepEqual(new Set(boots.map((b) => b.identity)), new Set([trusted, alsoTrusted]));
    assert.ok(boots.every((b) => b.cn === b.identity), JSON.stringify(boots));
    assert.equal(withCerts.accepted, 2);
    assert.ok(
      csms.lines.some((l) => l.type === "tlsError"),
      "the untrusted certificate is refused",
    );

    const refusedBefore = csms.lines.filter((l) => l.type === "tlsError").length;
    const withoutCerts = await run({});
    assert.equal(withoutCerts.accepted, 0);
    assert.ok(csms.lines.filter((l) => l.type === "tlsError").length > refusedBefore);
    assert.equal(stationsOf(network).length, 3);
  });
});
