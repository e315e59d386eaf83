/**
 * X.509 for the OCPP 2.0.1 certificate messages, on WebCrypto and the
 * minimal DER of `der.ts`: a charge point's key pair and its certificate
 * signing request (PKCS#10, RFC 2986), certificates read from PEM, a
 * certificate's signature checked against its issuer, and the
 * `CertificateHashDataType` that names an installed certificate (the fields
 * of an OCSP CertID, RFC 6960 §4.1.1).
 *
 * ```ts
 * const { csr, key } = await makeCsr({ commonName: "CP-1", organization: "evsim" });
 * const [leaf, ca] = parseCertificateChain(pem);
 * const ok = await verifies(leaf, ca);
 * const id = await hashDataOf(ca, { issuerKey: ca.publicKey });
 * ```
 *
 * @module
 */
import {
  bitString,
  children,
  type Der,
  der,
  DerError,
  oid,
  oidOf,
  readDer,
  readOnly,
  seq,
  set,
  smallInteger,
  TAG,
  timeOf,
  unsignedInteger,
  utf8String,
} from "./der.ts";

/** A certificate or request that cannot be read or used: what is wrong with it. */
export class CertificateError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "CertificateError";
  }
}

/** An X.509 certificate, read: views of its DER for the parts OCPP uses. */
export interface Certificate {
  /** The whole certificate. */
  der: Uint8Array;
  /** The TBSCertificate: what the issuer signed. */
  tbs: Uint8Array;
  /** The serial number INTEGER's contents (big-endian, maybe with a sign byte). */
  serial: Uint8Array;
  /** The issuer's Name, its whole DER. */
  issuer: Uint8Array;
  /** The subject's Name, its whole DER. */
  subject: Uint8Array;
  /** Valid from and until, epoch ms. */
  notBefore: number;
  notAfter: number;
  /** The SubjectPublicKeyInfo, its whole DER. */
  spki: Uint8Array;
  /** The subjectPublicKey BIT STRING's bits (without the unused-bits byte). */
  publicKey: Uint8Array;
  /** The OID of the signature algorithm. */
  signatureAlgorithm: string;
  /** The signature BIT STRING's bits. */
  signature: Uint8Array;
  /** The subject's common name, if it has one. */
  commonName?: string;
}

/** Hash algorithms of `CertificateHashDataType`. */
export type HashAlgorithm = "SHA256" | "SHA384" | "SHA512";

/** OCPP 2.0.1 `CertificateHashDataType`: a certificate named by its issuer and serial. */
export interface CertificateHashData {
  hashAlgorithm: HashAlgorithm;
  /** Hex of the hash of the DER of the certificate's issuer Name. */
  issuerNameHash: string;
  /** Hex of the hash of the issuer's public key (the subjectPublicKey bits of its certificate). */
  issuerKeyHash: string;
  /** The serial number in hex, no leading zeros. */
  serialNumber: string;
}

/** The subject of a charge point's certificate signing request. */
export interface CsrSubject {
  /** CN: the charge point's identity. */
  commonName: string;
  /** O: the operator (OCPP 2.0.1 A00.FR: the CPO's name). */
  organization: string;
}

/** The key pair of a certificate signing request, as text a state file can keep. */
export interface CsrKey {
  /** The private key, PKCS#8 PEM (`BEGIN PRIVATE KEY`): what TLS is given with the certificate. */
  privateKey: string;
  /** Base64 of the public key's bits: the certificate signed for it must have the same. */
  publicKey: string;
}

const OID = {
  commonName: "2.5.4.3",
  organization: "2.5.4.10",
  ecPublicKey: "1.2.840.10045.2.1",
  rsaEncryption: "1.2.840.113549.1.1.1",
  ecdsaSha256: "1.2.840.10045.4.3.2",
} as const;

const CURVES: Record<string, { name: string; bytes: number }> = {
  "1.2.840.10045.3.1.7": { name: "P-256", bytes: 32 },
  "1.3.132.0.34": { name: "P-384", bytes: 48 },
  "1.3.132.0.35": { name: "P-521", bytes: 66 },
};

/** The signature algorithms checked, by OID: WebCrypto's name and hash. */
const SIGNATURES: Record<string, { name: "ECDSA" | "RSASSA-PKCS1-v1_5"; hash: string }> = {
  "1.2.840.10045.4.3.2": { name: "ECDSA", hash: "SHA-256" },
  "1.2.840.10045.4.3.3": { name: "ECDSA", hash: "SHA-384" },
  "1.2.840.10045.4.3.4": { name: "ECDSA", hash: "SHA-512" },
  "1.2.840.113549.1.1.11": { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" },
  "1.2.840.113549.1.1.12": { name: "RSASSA-PKCS1-v1_5", hash: "SHA-384" },
  "1.2.840.113549.1.1.13": { name: "RSASSA-PKCS1-v1_5", hash: "SHA-512" },
};

const DIGESTS: Record<HashAlgorithm, string> = {
  SHA256: "SHA-256",
  SHA384: "SHA-384",
  SHA512: "SHA-512",
};

/** The DER of each `-----BEGIN label-----` block in `text`, in order. */
export function pemBlocks(text: string, label: string): Uint8Array[] {
  const re = new RegExp(`-----BEGIN ${label}-----([^-]*)-----END ${label}-----`, "g");
  return [...text.matchAll(re)].map((m, i) => {
    try {
      return Uint8Array.from(atob(m[1].replace(/\s+/g, "")), (c) => c.charCodeAt(0));
    } catch (error) {
      throw new CertificateError(`PEM block ${i + 1} (${label}) is not base64`, { cause: error });
    }
  });
}

/** `der` as a PEM block of `label`, 64 characters a line. */
export function toPem(der: Uint8Array, label: string): string {
  let binary = "";
  for (let i = 0; i < der.length; i += 0x8000) {
    binary += String.fromCharCode(...der.subarray(i, i + 0x8000));
  }
  const lines = btoa(binary).match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join("\n")}\n-----END ${label}-----\n`;
}

/** Reads one X.509 certificate from its DER. */
export function parseCertificate(bytes: Uint8Array): Certificate {
  try {
    const cert = readOnly(bytes, TAG.SEQUENCE, "certificate");
    const [tbs, algorithm, signature] = children(cert);
    if (!tbs || !algorithm || signature?.tag !== TAG.BIT_STRING) {
      throw new DerError("not a Certificate SEQUENCE");
    }
    const fields = children(tbs);
    // [0] EXPLICIT version, absent in a v1 certificate.
    const at = fields[0]?.tag === 0xa0 ? 1 : 0;
    const [serial, , issuer, validity, subject, spki] = fields.slice(at);
    if (serial?.tag !== TAG.INTEGER || spki?.tag !== TAG.SEQUENCE) {
      throw new DerError("not a TBSCertificate");
    }
    const [notBefore, notAfter] = children(validity);
    const key = children(spki)[1];
    if (key?.tag !== TAG.BIT_STRING) throw new DerError("no subjectPublicKey");
    return {
      der: cert.bytes,
      tbs: tbs.bytes,
      serial: serial.value,
      issuer: issuer.bytes,
      subject: subject.bytes,
      notBefore: timeOf(notBefore),
      notAfter: timeOf(notAfter),
      spki: spki.bytes,
      publicKey: key.value.subarray(1),
      signatureAlgorithm: oidOf(children(algorithm)[0].value),
      signature: signature.value.subarray(1),
      commonName: commonNameOf(subject),
    };
  } catch (error) {
    if (error instanceof CertificateError) throw error;
    throw new CertificateError(`not an X.509 certificate: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

/** The certificates of a PEM text, first to last (a chain: the leaf first). */
export function parseCertificateChain(pem: string): Certificate[] {
  const blocks = pemBlocks(pem, "CERTIFICATE");
  if (blocks.length === 0) throw new CertificateError("no PEM certificate (BEGIN CERTIFICATE)");
  return blocks.map((der, i) => {
    try {
      return parseCertificate(der);
    } catch (error) {
      throw new CertificateError(`certificate ${i + 1}: ${(error as Error).message}`, {
        cause: error,
      });
    }
  });
}

function commonNameOf(name: Der): string | undefined {
  for (const rdn of children(name)) {
    for (const attribute of children(rdn)) {
      const [type, value] = children(attribute);
      if (type?.tag === TAG.OID && oidOf(type.value) === OID.commonName && value) {
        return new TextDecoder().decode(value.value);
      }
    }
  }
  return undefined;
}

/** Whether `a` and `b` hold the same bytes. */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** Whether `cert` names `issuer` as its issuer (the Names' DER alike). */
export function issuedBy(cert: Certificate, issuer: Certificate): boolean {
  return sameBytes(cert.issuer, issuer.subject);
}

/** Whether `cert`'s signature is `issuer`'s (ECDSA or RSA PKCS#1 v1.5, SHA-2). */
export async function verifies(cert: Certificate, issuer: Certificate): Promise<boolean> {
  const algorithm = SIGNATURES[cert.signatureAlgorithm];
  if (!algorithm) {
    throw new CertificateError(`signature algorithm ${cert.signatureAlgorithm} is not supported`);
  }
  const [keyAlgorithm] = children(readDer(issuer.spki));
  const [type, parameters] = children(keyAlgorithm);
  const keyType = oidOf(type.value);
  if (algorithm.name === "ECDSA") {
    const curve = keyType === OID.ecPublicKey && parameters?.tag === TAG.OID
      ? CURVES[oidOf(parameters.value)]
      : undefined;
    if (!curve) return false;
    const key = await crypto.subtle.importKey(
      "spki",
      copy(issuer.spki),
      { name: "ECDSA", namedCurve: curve.name },
      false,
      ["verify"],
    );
    const raw = rawSignature(cert.signature, curve.bytes);
    return raw !== undefined &&
      crypto.subtle.verify({ name: "ECDSA", hash: algorithm.hash }, key, raw, copy(cert.tbs));
  }
  if (keyType !== OID.rsaEncryption) return false;
  const key = await crypto.subtle.importKey(
    "spki",
    copy(issuer.spki),
    { name: algorithm.name, hash: algorithm.hash },
    false,
    ["verify"],
  );
  return crypto.subtle.verify(algorithm.name, key, copy(cert.signature), copy(cert.tbs));
}

/** A copy of `bytes` on an ArrayBuffer of its own (what WebCrypto takes). */
function copy(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return new Uint8Array(bytes);
}

/** An ECDSA signature's DER (SEQUENCE of r and s) as WebCrypto's r ‖ s, or undefined. */
function rawSignature(signature: Uint8Array, size: number): Uint8Array<ArrayBuffer> | undefined {
  try {
    const [r, s] = children(readOnly(signature, TAG.SEQUENCE, "ECDSA signature"));
    const raw = new Uint8Array(size * 2);
    for (const [i, n] of [r, s].entries()) {
      let v = n.value;
      while (v.length > size && v[0] === 0) v = v.subarray(1);
      if (n.tag !== TAG.INTEGER || v.length > size) return undefined;
      raw.set(v, (i + 1) * size - v.length);
    }
    return raw;
  } catch {
    return undefined;
  }
}

/** WebCrypto's r ‖ s as the DER SEQUENCE of r and s that X.509 and PKCS#10 carry. */
function derSignature(raw: Uint8Array): Uint8Array {
  const half = raw.length / 2;
  return seq(unsignedInteger(raw.subarray(0, half)), unsignedInteger(raw.subarray(half)));
}

/** The hex of `bytes`, lower case. */
function hexOf(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** A serial number INTEGER's contents in hex, lower case, without leading zeros. */
export function serialHex(serial: Uint8Array): string {
  return hexOf(serial).replace(/^0+/, "") || "0";
}

/** Options of {@link hashDataOf}. */
export interface HashDataOptions {
  /** The public key bits of the certificate's issuer (its own, for a self-signed one). */
  issuerKey: Uint8Array;
  /** @default {"SHA256"} */
  algorithm?: HashAlgorithm;
}

/**
 * The `CertificateHashDataType` of `cert`: the hash of its issuer Name's
 * DER, the hash of its issuer's public key bits, and its serial number.
 */
export async function hashDataOf(
  cert: Certificate,
  options: HashDataOptions,
): Promise<CertificateHashData> {
  const algorithm = options.algorithm ?? "SHA256";
  const digest = async (bytes: Uint8Array) =>
    hexOf(new Uint8Array(await crypto.subtle.digest(DIGESTS[algorithm], copy(bytes))));
  return {
    hashAlgorithm: algorithm,
    issuerNameHash: await digest(cert.issuer),
    issuerKeyHash: await digest(options.issuerKey),
    serialNumber: serialHex(cert.serial),
  };
}

/** Whether two `CertificateHashDataType`s name the same certificate (hex in any case). */
export function sameHashData(a: CertificateHashData, b: CertificateHashData): boolean {
  const serial = (s: string) => s.toLowerCase().replace(/^0+/, "") || "0";
  return a.hashAlgorithm === b.hashAlgorithm &&
    a.issuerNameHash.toLowerCase() === b.issuerNameHash.toLowerCase() &&
    a.issuerKeyHash.toLowerCase() === b.issuerKeyHash.toLowerCase() &&
    serial(a.serialNumber) === serial(b.serialNumber);
}

/** The X.520 upper bound of a common name and of an organization name. */
const NAME_MAX = 64;

/**
 * A new ECDSA P-256 key pair and a certificate signing request for it
 * (PKCS#10, signed with ECDSA SHA-256, PEM): subject O = `organization`,
 * CN = `commonName`, each cut to 64 characters.
 */
export async function makeCsr(subject: CsrSubject): Promise<{ csr: string; key: CsrKey }> {
  const pair = await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, [
    "sign",
    "verify",
  ]);
  const spki = new Uint8Array(await crypto.subtle.exportKey("spki", pair.publicKey));
  const pkcs8 = new Uint8Array(await crypto.subtle.exportKey("pkcs8", pair.privateKey));
  const name = seq(
    set(seq(oid(OID.organization), utf8String(subject.organization.slice(0, NAME_MAX)))),
    set(seq(oid(OID.commonName), utf8String(subject.commonName.slice(0, NAME_MAX)))),
  );
  // CertificationRequestInfo: version 0, subject, key, no attributes ([0] IMPLICIT SET OF).
  const info = seq(smallInteger(0), name, spki, der(0xa0));
  const raw = new Uint8Array(
    await crypto.subtle.sign({ name: "ECDSA", hash: "SHA-256" }, pair.privateKey, info),
  );
  const request = seq(info, seq(oid(OID.ecdsaSha256)), bitString(derSignature(raw)));
  const publicKey = children(readDer(spki))[1].value.subarray(1);
  return {
    csr: toPem(request, "CERTIFICATE REQUEST"),
    key: {
      privateKey: toPem(pkcs8, "PRIVATE KEY"),
      publicKey: btoa(String.fromCharCode(...publicKey)),
    },
  };
}

/** The public key bits that {@link CsrKey.publicKey} holds. */
export function publicKeyOf(key: CsrKey): Uint8Array {
  return Uint8Array.from(atob(key.publicKey), (c) => c.charCodeAt(0));
}
