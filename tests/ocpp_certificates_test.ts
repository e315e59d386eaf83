/**
 * The OCPP 2.0.1 certificate messages end to end, over mutual TLS (security
 * profile 3): a charge point connects with the client certificate it came
 * with, through a Node TLS front (`tests/_mtls_proxy.mjs`) that asks for one,
 * to evsim's strict test central system. The central system triggers a
 * SignChargingStationCertificate; the CSR that comes verifies with OpenSSL
 * and names the charge point; the test CA signs it and CertificateSigned is
 * Accepted (one for another key Rejected); the next connection, after the
 * link drops by itself or the charge point drops it, shows the new
 * certificate. Then a root is installed, listed with OpenSSL's own hashes and
 * deleted; and a charge point resumed from the saved state connects with the
 * new certificate. Keys and certificates are made as the test runs, never
 * committed.
 */
import assert from "node:assert/strict";
import * as v from "valibot";
import { ChargePoint } from "../ocpp/charge_point.ts";
import { startCsms } from "../ocpp/csms.ts";
import { withCertificateRenewal } from "../ocpp/renewable_transport.ts";
import { getRpcTransport } from "../ocpp/rpc_transport.ts";
import { type SavedChargePoint, SavedOcppSchema } from "../ocpp/saved.ts";
import { stationsOf } from "../ocpp/station.ts";
import type { TransportOptions } from "../ocpp/transport.ts";
import { testCa } from "./_certs.ts";
import { startNodeScript } from "./_node_script.ts";
import { inTempDir } from "./_evsim.ts";
import { firstStations } from "./_ocpp.ts";
import { fingerprint, openssl, openSslCertId, signCsr } from "./_openssl.ts";

/** The TLS front under Node, once it listens; `connections()` lists the client certificates it saw. */
async function startProxy(args: string[]) {
  const proxy = await startNodeScript("./_mtls_proxy.mjs", args);
  return Object.assign(proxy, {
    connections: () => proxy.lines.filter((l) => l.type === "connection"),
  });
}

/** Resolves once `test` holds (checked every 20 ms), or rejects after 5 s. */
async function until(test: () => boolean): Promise<void> {
  for (let waited = 0; !test(); waited += 20) {
    if (waited > 5000) throw new Error("not so after 5 s");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const spec = stationsOf(firstStations(1).network)[0];
const identity = spec.stationId;

Deno.test("OCPP 2.0.1 certificates over mutual TLS: SignCertificate, CertificateSigned used from the next connection and after a resume, InstallCertificate, GetInstalledCertificateIds, DeleteCertificate", async () => {
  await inTempDir(async (dir) => {
    const ca = await testCa(dir, [identity]);
    const caPem = await Deno.readTextFile(ca.caFile);
    const first = {
      cert: await Deno.readTextFile(`${ca.clientDir}/${identity}.pem`),
      key: await Deno.readTextFile(`${ca.clientDir}/${identity}.key`),
    };
    await using csms = await startCsms({
      answer: (call) => call.action === "SignCertificate" ? { status: "Accepted" } : undefined,
    });
    await using proxy = await startProxy([
      ca.serverCert,
      ca.serverKey,
      ca.caFile,
      String(csms.port),
    ]);
    const options: TransportOptions = {
      url: `wss://127.0.0.1:${proxy.port}`,
      identity,
      version: "2.0.1",
      ca: caPem,
      clientCert: first,
      pingIntervalMs: 0,
      backoff: { initialMs: 50, maxMs: 200 },
    };
    const transport = withCertificateRenewal(getRpcTransport)(options);
    await using cp = new ChargePoint(spec, { version: "2.0.1", transport, start: Date.now() });
    await cp.start();
    await cp.idle();
    assert.equal(proxy.connections().length, 1);
    assert.equal(proxy.connections()[0].fingerprint256, await fingerprint(dir, first.cert));

    // A02: the central system asks for a new certificate.
    const trigger = { requestedMessage: "SignChargingStationCertificate" };
    assert.deepEqual(await csms.call(identity, "TriggerMessage", trigger), { status: "Accepted" });
    await csms.waitFor(() => csms.received.some((c) => c.action === "SignCertificate"));
    const sign = csms.received.find((c) => c.action === "SignCertificate")!;
    assert.equal(sign.payload.certificateType, "ChargingStationCertificate");
    const csr = sign.payload.csr as string;
    const text = await openssl(
      ["req", "-verify", "-noout", "-subject", "-nameopt", "utf8,sep_comma_plus"],
      dir,
      csr,
    );
    assert.match(text, /verify OK/);
    assert.ok(
      text.includes(`subject=O=${spec.network || "evsim"},CN=${identity}\n`),
      `the CSR names the charge point and its network: ${text}`,
    );

    // A certificate for another key is refused; the one the CA signed for the CSR is taken.
    const wrong = await csms.call(identity, "CertificateSigned", { certificateChain: first.cert });
    assert.equal(wrong.status, "Rejected");
    assert.equal((wrong.statusInfo as { reasonCode: string }).reasonCode, "KeyMismatch");
    const signed = await signCsr(dir, csr, "renewed");
    const accepted = await csms.call(identity, "CertificateSigned", {
      certificateChain: `${signed}${caPem}`,
      certificateType: "ChargingStationCertificate",
    });
    assert.deepEqual(accepted, { status: "Accepted" });
    assert.equal(proxy.connections().length, 1, "the connection open keeps its certificate");

    // The link drops by itself: the next connection shows the new certificate.
    await csms.drop(identity);
    await until(() => proxy.connections().length === 2 && transport.connected);
    const renewed = await fingerprint(dir, signed);
    assert.equal(proxy.connections()[1].cn, identity);
    assert.equal(proxy.connections()[1].fingerprint256, renewed);
    // And so does the one after the charge point drops it.
    await cp.dropConnection(50);
    await cp.idle();
    assert.deepEqual(proxy.connections().map((c) => c.fingerprint256), [
      await fingerprint(dir, first.cert),
      renewed,
      renewed,
    ]);
    assert.equal(csms.stations.get(identity)!.connections, 3);
    assert.deepEqual(
      await csms.call(identity, "TriggerMessage", { requestedMessage: "Heartbeat" }),
      {
        status: "Accepted",
      },
    );
    await csms.waitFor(() => csms.received.some((c) => c.action === "Heartbeat"));

    // M05, M03, M04: a root installed, listed by OpenSSL's hashes, deleted.
    const install = (certificate: string) =>
      csms.call(identity, "InstallCertificate", {
        certificateType: "CSMSRootCertificate",
        certificate,
      });
    const junk = await install("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n");
    assert.equal(junk.status, "Rejected");
    assert.equal((junk.statusInfo as { reasonCode: string }).reasonCode, "InvalidCertificate");
    assert.deepEqual(await install(caPem), { status: "Accepted" });
    const types = { certificateType: ["CSMSRootCertificate"] };
    const ids = await csms.call(identity, "GetInstalledCertificateIds", types);
    const id = await openSslCertId(dir, "ca.pem", "ca.pem");
    const certificateHashData = {
      hashAlgorithm: "SHA256",
      issuerNameHash: id.issuerNameHash.toLowerCase(),
      issuerKeyHash: id.issuerKeyHash.toLowerCase(),
      serialNumber: id.serialNumber.toLowerCase().replace(/^0+/, ""),
    };
    assert.deepEqual(ids, {
      status: "Accepted",
      certificateHashDataChain: [{ certificateType: "CSMSRootCertificate", certificateHashData }],
    });
    const del = () => csms.call(identity, "DeleteCertificate", { certificateHashData });
    assert.deepEqual(await del(), { status: "Accepted" });
    assert.deepEqual(await csms.call(identity, "GetInstalledCertificateIds", types), {
      status: "NotFound",
    });
    assert.deepEqual(await del(), { status: "NotFound" });

    assert.deepEqual(csms.violations, []);
    assert.deepEqual(cp.stats.commands, {
      TriggerMessage: 2,
      CertificateSigned: 2,
      InstallCertificate: 2,
      GetInstalledCertificateIds: 2,
      DeleteCertificate: 2,
    });

    // The state file keeps the new certificate and its key: a resumed charge point connects with it.
    const state = v.parse(SavedOcppSchema, {
      version: "2.0.1",
      chargePoints: [JSON.parse(JSON.stringify(cp.save()))],
    });
    assert.deepEqual(state.chargePoints[0].certificates?.client, cp.certificates.clientCertificate);
    await cp.close();
    await using resumed = new ChargePoint(spec, {
      version: "2.0.1",
      transport: withCertificateRenewal(getRpcTransport)({ ...options, clientCert: first }),
      saved: state.chargePoints[0] as unknown as SavedChargePoint,
    });
    await resumed.start();
    await resumed.idle();
    assert.equal(proxy.connections().length, 4);
    assert.equal(proxy.connections()[3].fingerprint256, renewed);
    assert.deepEqual(csms.violations, []);
  });
});
