/**
 * The X.509 of the certificate messages, checked against OpenSSL: the CSRs
 * evsim makes verify there, the certificates OpenSSL makes read here as it
 * reads them, and the hash data of an installed certificate is OpenSSL's
 * own OCSP CertID. Certificates are made as the tests run, never committed.
 */
import assert from "node:assert/strict";
import { testCa } from "../tests/_certs.ts";
import { openssl, openSslCertId, signCsr } from "../tests/_openssl.ts";
import {
  CertificateError,
  hashDataOf,
  issuedBy,
  makeCsr,
  parseCertificate,
  parseCertificateChain,
  pemBlocks,
  publicKeyOf,
  sameBytes,
  sameHashData,
  serialHex,
  toPem,
  verifies,
} from "./certificates.ts";

const dir = await Deno.makeTempDir({ prefix: "evsim-x509-" });
await testCa(dir, ["CP-1"]);
const caPem = await Deno.readTextFile(`${dir}/ca.pem`);
const clientPem = await Deno.readTextFile(`${dir}/clients/CP-1.pem`);
/** A self-signed certificate of `key` (openssl `-newkey` form) in `dir/name.pem`. */
const selfSigned = async (name: string, key: string[]) => {
  await openssl(
    ["req", "-x509", ...key, "-nodes", "-keyout", `${name}.key`, "-out", `${name}.pem`]
      .concat(["-days", "1", "-subj", `/CN=${name}/O=evsim tests`]),
    dir,
  );
  return await Deno.readTextFile(`${dir}/${name}.pem`);
};
const rsaPem = await selfSigned("rsa", ["-newkey", "rsa:2048"]);
const p384Pem = await selfSigned("p384", ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-384"]);
globalThis.addEventListener("unload", () => Deno.removeSync(dir, { recursive: true }));

const one = (pem: string) => parseCertificateChain(pem)[0];
const normal = (hex: string) => hex.toLowerCase().replace(/^0+/, "");

Deno.test("makeCsr() makes a PKCS#10 request OpenSSL verifies, subject O and CN, under 5500 characters", async () => {
  const { csr, key } = await makeCsr({ commonName: "CP-1", organization: "Électrify America" });
  assert.ok(csr.length <= 5500, `${csr.length} characters`);
  assert.match(csr, /^-----BEGIN CERTIFICATE REQUEST-----\n/);
  const text = await openssl(
    ["req", "-verify", "-noout", "-subject", "-nameopt", "utf8,sep_comma_plus"],
    dir,
    csr,
  );
  assert.match(text, /verify OK/);
  assert.match(text, /subject=O=Électrify America,CN=CP-1/);
  // The private key is PKCS#8 that OpenSSL reads, and the key of the request.
  await Deno.writeTextFile(`${dir}/csr.key`, key.privateKey);
  const fromKey = await openssl(["pkey", "-in", "csr.key", "-pubout"], dir);
  const fromCsr = await openssl(["req", "-noout", "-pubkey"], dir, csr);
  assert.equal(fromKey.trim(), fromCsr.trim());
  assert.match(await openssl(["pkey", "-in", "csr.key", "-noout", "-text"], dir), /prime256v1/);
});

Deno.test("makeCsr() cuts a subject longer than X.520 allows to 64 characters", async () => {
  const { csr } = await makeCsr({ commonName: "C".repeat(80), organization: "O".repeat(70) });
  const text = await openssl(["req", "-verify", "-noout", "-subject"], dir, csr);
  assert.match(text, new RegExp(`O ?= ?${"O".repeat(64)}, ?CN ?= ?${"C".repeat(64)}\n`));
});

Deno.test("a certificate OpenSSL signs for a CSR has the CSR's public key", async () => {
  const { csr, key } = await makeCsr({ commonName: "CP-2", organization: "evsim" });
  const leaf = one(await signCsr(dir, csr, "cp2"));
  assert.ok(sameBytes(leaf.publicKey, publicKeyOf(key)));
  assert.equal(leaf.commonName, "CP-2");
  assert.ok(issuedBy(leaf, one(caPem)));
});

Deno.test("parseCertificate() reads serial, names and dates as OpenSSL prints them", async () => {
  for (const pem of [caPem, clientPem, rsaPem, p384Pem]) {
    const cert = one(pem);
    const text = await openssl(
      ["x509", "-noout", "-serial", "-dates", "-subject", "-nameopt", "RFC2253"],
      dir,
      pem,
    );
    assert.equal(serialHex(cert.serial), normal(/serial=([0-9A-F]+)/.exec(text)![1]));
    assert.equal(cert.notBefore, Date.parse(/notBefore=(.*)/.exec(text)![1]));
    assert.equal(cert.notAfter, Date.parse(/notAfter=(.*)/.exec(text)![1]));
    assert.equal(cert.commonName, /CN=([^,\n]+)/.exec(text)![1]);
    await Deno.writeTextFile(`${dir}/read.pem`, pem);
    await openssl(["x509", "-in", "read.pem", "-outform", "DER", "-out", "read.der"], dir);
    assert.deepEqual(cert.der, await Deno.readFile(`${dir}/read.der`));
  }
});

Deno.test("verifies() checks ECDSA (P-256, P-384) and RSA signatures, and fails another issuer's", async () => {
  const ca = one(caPem);
  const client = one(clientPem);
  assert.equal(await verifies(client, ca), true);
  assert.equal(await verifies(ca, ca), true);
  assert.equal(await verifies(one(rsaPem), one(rsaPem)), true);
  assert.equal(await verifies(one(p384Pem), one(p384Pem)), true);
  assert.equal(await verifies(client, one(p384Pem)), false, "another key");
  assert.equal(await verifies(client, one(rsaPem)), false, "another kind of key");
  // A flipped bit of what was signed.
  const tampered = new Uint8Array(client.der);
  tampered[client.tbs.byteOffset - client.der.byteOffset + 20] ^= 1;
  assert.equal(await verifies(parseCertificate(tampered), ca), false);
});

Deno.test("hashDataOf() is OpenSSL's OCSP CertID: issuer name hash, issuer key hash, serial", async () => {
  const ca = one(caPem);
  for (const [algorithm, digest] of [["SHA256", "sha256"], ["SHA512", "sha512"]] as const) {
    const ours = await hashDataOf(one(clientPem), { issuerKey: ca.publicKey, algorithm });
    const theirs = await openSslCertId(dir, "clients/CP-1.pem", "ca.pem", digest);
    assert.equal(ours.hashAlgorithm, algorithm);
    assert.equal(ours.issuerNameHash, theirs.issuerNameHash.toLowerCase());
    assert.equal(ours.issuerKeyHash, theirs.issuerKeyHash.toLowerCase());
    assert.equal(ours.serialNumber, normal(theirs.serialNumber));
    assert.match(ours.serialNumber, /^[1-9a-f][0-9a-f]*$/);
  }
  const self = await hashDataOf(ca, { issuerKey: ca.publicKey });
  const theirs = await openSslCertId(dir, "ca.pem", "ca.pem");
  assert.equal(self.issuerKeyHash, theirs.issuerKeyHash.toLowerCase());
  assert.ok(sameHashData(self, { ...theirs, hashAlgorithm: "SHA256" }), "upper case hex matches");
  assert.ok(!sameHashData(self, { ...self, hashAlgorithm: "SHA384" }));
  assert.ok(sameHashData(self, { ...self, serialNumber: `000${self.serialNumber}` }));
});

Deno.test("serialHex() drops the sign byte and leading zeros", () => {
  assert.equal(serialHex(new Uint8Array([0, 0x80, 1])), "8001");
  assert.equal(serialHex(new Uint8Array([0x0a, 0xbc])), "abc");
  assert.equal(serialHex(new Uint8Array([0])), "0");
});

Deno.test("parseCertificateChain() reads a chain leaf first, and says what is wrong with anything else", () => {
  const chain = parseCertificateChain(`${clientPem}\n${caPem}`);
  assert.deepEqual(chain.map((c) => c.commonName), ["CP-1", "evsim test CA"]);
  assert.throws(() => parseCertificateChain("not a certificate"), CertificateError);
  assert.throws(
    () => parseCertificateChain("-----BEGIN CERTIFICATE-----\n!!\n-----END CERTIFICATE-----"),
    /not base64/,
  );
  assert.throws(
    () => parseCertificateChain(toPem(new Uint8Array([0x30, 3, 2, 1, 1]), "CERTIFICATE")),
    /certificate 1: not an X.509 certificate/,
  );
  assert.throws(() => parseCertificateChain(caPem.replace("CERTIFICATE", "X")), /no PEM/);
});

Deno.test("toPem() and pemBlocks() round-trip, 64 characters a line", () => {
  const der = pemBlocks(caPem, "CERTIFICATE")[0];
  const pem = toPem(der, "CERTIFICATE");
  assert.equal(pem.replace(/\s+/g, ""), caPem.replace(/\s+/g, ""));
  assert.ok(pem.split("\n").every((line) => line.length <= 64));
  assert.deepEqual(pemBlocks(pem, "CERTIFICATE")[0], der);
});
