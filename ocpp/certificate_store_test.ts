/**
 * A charge point's certificates and its answers to the 2.0.1 certificate
 * messages, with a test CA OpenSSL makes as the tests run (never
 * committed); every answer is checked against the official schema.
 */
import assert from "node:assert/strict";
import { testCa } from "../tests/_certs.ts";
import { openssl, openSslCertId, signCsr } from "../tests/_openssl.ts";
import { CertificateStore, type StatusAnswer } from "./certificate_store.ts";
import type { CertificateHashData } from "./certificates.ts";
import { schemaCheck } from "./rpc_transport.ts";

const dir = await Deno.makeTempDir({ prefix: "evsim-certstore-" });
await testCa(dir, ["CP-1"]);
const caPem = await Deno.readTextFile(`${dir}/ca.pem`);
const otherKeyPem = await Deno.readTextFile(`${dir}/clients/CP-1.pem`);
// An intermediate CA signed by the test CA, and another root.
await Deno.writeTextFile(`${dir}/sub.ext`, "basicConstraints=critical,CA:TRUE\n");
await openssl(
  ["req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    .concat(["-keyout", "sub.key", "-out", "sub.csr", "-subj", "/CN=evsim sub CA"]),
  dir,
);
await openssl(
  ["x509", "-req", "-in", "sub.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial"]
    .concat(["-out", "sub.pem", "-days", "1", "-extfile", "sub.ext"]),
  dir,
);
const subPem = await Deno.readTextFile(`${dir}/sub.pem`);
await openssl(
  ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "other.key", "-out", "other.pem"]
    .concat(["-days", "1", "-subj", "/CN=another root"]),
  dir,
);
const otherRootPem = await Deno.readTextFile(`${dir}/other.pem`);
globalThis.addEventListener("unload", () => Deno.removeSync(dir, { recursive: true }));

const check = schemaCheck("2.0.1");
/** `answer`, after checking it is a valid `action` answer. */
function valid<T>(action: string, answer: T): T {
  assert.equal(check(action, "conf", answer), undefined, `${action}: ${JSON.stringify(answer)}`);
  return answer;
}
const subject = { commonName: "CP-1", organization: "evsim" };
const reason = (a: StatusAnswer) => a.statusInfo?.reasonCode;

Deno.test("CertificateSigned before any CSR, or for another key, is Rejected and why; the waiting key's is Accepted", async () => {
  const store = new CertificateStore();
  const none = valid("CertificateSigned", await store.certificateSigned(otherKeyPem));
  assert.deepEqual([none.status, reason(none)], ["Rejected", "NoCSR"]);

  const csr = await store.signRequest(subject);
  const request = { csr, certificateType: "ChargingStationCertificate" };
  assert.equal(check("SignCertificate", "req", request), undefined);
  const wrong = valid("CertificateSigned", await store.certificateSigned(otherKeyPem));
  assert.deepEqual([wrong.status, reason(wrong)], ["Rejected", "KeyMismatch"]);
  const junk = valid("CertificateSigned", await store.certificateSigned("hello"));
  assert.deepEqual([junk.status, reason(junk)], ["Rejected", "InvalidCertificate"]);
  assert.ok(store.pending, "the key still waits");
  assert.equal(store.clientCertificate, undefined);

  const leaf = await signCsr(dir, csr, "cp1");
  const v2g = await store.certificateSigned(leaf, "V2GCertificate");
  assert.deepEqual([v2g.status, reason(v2g)], ["Rejected", "NotSupported"]);
  const ok = valid("CertificateSigned", await store.certificateSigned(`${leaf}${caPem}`));
  assert.deepEqual(ok, { status: "Accepted" });
  assert.equal(store.pending, false);
  const client = store.clientCertificate!;
  assert.equal((client.cert.match(/BEGIN CERTIFICATE/g) ?? []).length, 2, "leaf and CA");
  // Its key is the certificate's: OpenSSL agrees.
  await Deno.writeTextFile(`${dir}/client.key`, client.key);
  await Deno.writeTextFile(`${dir}/client.pem`, client.cert);
  assert.equal(
    (await openssl(["pkey", "-in", "client.key", "-pubout"], dir)).trim(),
    (await openssl(["x509", "-in", "client.pem", "-noout", "-pubkey"], dir)).trim(),
  );
  const again = await store.certificateSigned(leaf);
  assert.equal(reason(again), "NoCSR", "a key is used once");
});

Deno.test("CertificateSigned: a certificate not valid now, or a chain not signed in order, is Rejected", async (t) => {
  const made = new CertificateStore();
  const csr = await made.signRequest(subject);
  const leaf = await signCsr(dir, csr, "dates");
  const saved = made.save()!;
  const at = async (now: number, chain = leaf) =>
    await new CertificateStore({ saved, now: () => now }).certificateSigned(chain);
  await t.step("expired", async () => {
    assert.equal(reason(await at(Date.now() + 3 * 86_400_000)), "CertificateExpired");
  });
  await t.step("not yet valid", async () => {
    assert.equal(reason(await at(Date.now() - 86_400_000)), "NotYetValid");
  });
  await t.step("the next certificate of the chain did not sign the one before", async () => {
    const answer = valid("CertificateSigned", await at(Date.now(), `${leaf}${subPem}`));
    assert.deepEqual([answer.status, reason(answer)], ["Rejected", "InvalidSignature"]);
  });
  await t.step("signed by another than the installed root that issued it", async () => {
    const store = new CertificateStore({ saved });
    assert.equal((await store.install("CSMSRootCertificate", caPem)).status, "Accepted");
    // A root of the same name with another key: the chain's issuer by name, not by key.
    await openssl(
      ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        .concat(["-keyout", "fake.key", "-out", "fake.pem", "-days", "1"])
        .concat(["-subj", "/CN=evsim test CA"]),
      dir,
    );
    const fake = new CertificateStore({ saved });
    assert.equal(
      (await fake.install("CSMSRootCertificate", await Deno.readTextFile(`${dir}/fake.pem`)))
        .status,
      "Accepted",
    );
    assert.equal(reason(await fake.certificateSigned(leaf)), "InvalidSignature");
    assert.equal((await store.certificateSigned(leaf)).status, "Accepted");
  });
});

Deno.test("InstallCertificate takes a root, or one its installed issuer signed; Rejected otherwise and why", async () => {
  const store = new CertificateStore();
  const junk = valid("InstallCertificate", await store.install("CSMSRootCertificate", "junk"));
  assert.deepEqual([junk.status, reason(junk)], ["Rejected", "InvalidCertificate"]);
  const orphan = valid("InstallCertificate", await store.install("MORootCertificate", subPem));
  assert.deepEqual([orphan.status, reason(orphan)], ["Rejected", "NoIssuer"]);
  const two = await store.install("CSMSRootCertificate", `${caPem}${subPem}`);
  assert.equal(reason(two), "InvalidCertificate");
  assert.deepEqual(valid("InstallCertificate", await store.install("CSMSRootCertificate", caPem)), {
    status: "Accepted",
  });
  assert.equal((await store.install("CSMSRootCertificate", caPem)).status, "Accepted");
  assert.equal(store.installed.length, 1, "installed once");
  assert.equal((await store.install("MORootCertificate", subPem)).status, "Accepted");
  assert.equal((await store.install("V2GRootCertificate", otherRootPem)).status, "Accepted");
  assert.deepEqual(store.installed.map((i) => i.certificateType), [
    "CSMSRootCertificate",
    "MORootCertificate",
    "V2GRootCertificate",
  ]);
  const expired = new CertificateStore({ now: () => Date.now() + 3 * 86_400_000 });
  assert.equal(reason(await expired.install("CSMSRootCertificate", caPem)), "CertificateExpired");
  const full = new CertificateStore({ limit: 1 });
  await full.install("CSMSRootCertificate", caPem);
  const failed = valid(
    "InstallCertificate",
    await full.install("V2GRootCertificate", otherRootPem),
  );
  assert.deepEqual([failed.status, reason(failed)], ["Failed", "OutOfStorage"]);
});

Deno.test("GetInstalledCertificateIds names each root by OpenSSL's CertID; DeleteCertificate removes it", async () => {
  const store = new CertificateStore();
  assert.deepEqual(valid("GetInstalledCertificateIds", await store.installedIds()), {
    status: "NotFound",
  });
  await store.install("CSMSRootCertificate", caPem);
  await store.install("MORootCertificate", subPem);
  await store.install("V2GRootCertificate", otherRootPem);
  const all = valid("GetInstalledCertificateIds", await store.installedIds());
  assert.equal(all.status, "Accepted");
  assert.equal(all.certificateHashDataChain!.length, 3);
  const expect = async (cert: string, issuer: string): Promise<CertificateHashData> => {
    const id = await openSslCertId(dir, cert, issuer);
    return {
      hashAlgorithm: "SHA256",
      issuerNameHash: id.issuerNameHash.toLowerCase(),
      issuerKeyHash: id.issuerKeyHash.toLowerCase(),
      serialNumber: id.serialNumber.toLowerCase().replace(/^0+/, ""),
    };
  };
  assert.deepEqual(all.certificateHashDataChain, [
    {
      certificateType: "CSMSRootCertificate",
      certificateHashData: await expect("ca.pem", "ca.pem"),
    },
    {
      certificateType: "MORootCertificate",
      certificateHashData: await expect("sub.pem", "ca.pem"),
    },
    {
      certificateType: "V2GRootCertificate",
      certificateHashData: await expect("other.pem", "other.pem"),
    },
  ]);
  const mo = await store.installedIds(["MORootCertificate", "V2GCertificateChain"]);
  assert.deepEqual(mo.certificateHashDataChain!.map((c) => c.certificateType), [
    "MORootCertificate",
  ]);
  assert.equal((await store.installedIds(["ManufacturerRootCertificate"])).status, "NotFound");

  // The central system may name it in upper case, with another hash algorithm.
  const id = await openSslCertId(dir, "ca.pem", "ca.pem", "sha384");
  const deleted = await store.delete({ hashAlgorithm: "SHA384", ...id });
  assert.deepEqual(valid("DeleteCertificate", deleted), { status: "Accepted" });
  assert.deepEqual(
    valid("DeleteCertificate", await store.delete({ hashAlgorithm: "SHA384", ...id })),
    { status: "NotFound" },
  );
  assert.deepEqual((await store.installedIds(["CSMSRootCertificate"])).status, "NotFound");
  // The sub CA stays, named by the key of its issuer that is gone.
  assert.deepEqual(
    (await store.installedIds(["MORootCertificate"])).certificateHashDataChain![0]
      .certificateHashData,
    await expect("sub.pem", "ca.pem"),
  );
});

Deno.test("save() keeps the key waiting, the client certificate and the roots; a store made from it goes on", async () => {
  assert.equal(new CertificateStore().save(), undefined, "nothing to keep");
  const store = new CertificateStore();
  const leaf = await signCsr(dir, await store.signRequest(subject), "saved");
  await store.install("CSMSRootCertificate", caPem);
  await store.install("MORootCertificate", subPem);
  const waiting = JSON.parse(JSON.stringify(store.save()));
  const resumed = new CertificateStore({ saved: waiting });
  assert.equal(resumed.pending, true);
  assert.deepEqual(await resumed.installedIds(), await store.installedIds());
  assert.equal((await resumed.certificateSigned(leaf)).status, "Accepted");
  const signed = new CertificateStore({ saved: JSON.parse(JSON.stringify(resumed.save())) });
  assert.deepEqual(signed.clientCertificate, resumed.clientCertificate);
  assert.equal(signed.save()!.pending, undefined);
});
