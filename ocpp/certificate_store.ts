/**
 * The certificates an OCPP 2.0.1 charge point keeps, and its answers to the
 * central system's certificate messages (functional blocks A and M):
 *
 * - A02 `SignChargingStationCertificate` (triggered): a new key pair and the
 *   `SignCertificate` CSR for it ({@link CertificateStore.signRequest}); the
 *   key waits for its certificate.
 * - `CertificateSigned`: the chain is read, its leaf must be for the waiting
 *   key, every certificate valid now and each signed by the next (and the
 *   last by an installed root that issued it, if any); then it is the charge
 *   point's client certificate (security profile 3) with that key.
 * - M05 `InstallCertificate`: a root certificate (self-signed, or issued by
 *   one installed), valid now, kept by type.
 * - M03 `GetInstalledCertificateIds` and M04 `DeleteCertificate`: the
 *   installed ones named by `CertificateHashDataType`.
 *
 * Answers are payloads as the official schemas have them. Certificates are
 * checked against the wall clock (`now`), not simulated time: TLS uses them.
 *
 * @module
 */
import {
  type Certificate,
  type CertificateHashData,
  type CsrKey,
  type CsrSubject,
  type HashAlgorithm,
  hashDataOf,
  issuedBy,
  makeCsr,
  parseCertificateChain,
  publicKeyOf,
  sameBytes,
  sameHashData,
  toPem,
  verifies,
} from "./certificates.ts";

/** The types of root certificate `InstallCertificate` installs. */
export const INSTALL_TYPES = [
  "V2GRootCertificate",
  "MORootCertificate",
  "CSMSRootCertificate",
  "ManufacturerRootCertificate",
] as const;

/** A type of root certificate (`InstallCertificateUseEnumType`). */
export type InstallType = typeof INSTALL_TYPES[number];

/** A client certificate (its chain, the leaf first) and its private key, PEM: what TLS is given. */
export interface ClientCertificate {
  cert: string;
  key: string;
}

/** What a charge point's certificates are, as JSON for the state file. */
export interface SavedCertificates {
  /** The key of the last certificate signing request, waiting for its certificate. */
  pending?: CsrKey;
  /** The client certificate the central system signed, and its key. */
  client?: ClientCertificate;
  /** The installed root certificates, in the order installed. */
  installed: SavedInstalled[];
}

/** One installed certificate, saved. */
export interface SavedInstalled {
  certificateType: InstallType;
  /** PEM. */
  certificate: string;
  /** Base64 of its issuer's public key bits (its own when self-signed): its `issuerKeyHash`. */
  issuerKey: string;
}

/** `StatusInfoType`: why an answer is what it is. */
export interface StatusInfo {
  /** At most 20 characters. */
  reasonCode: string;
  /** At most 512 characters. */
  additionalInfo?: string;
}

/** An answer with a status (and maybe why). */
export interface StatusAnswer {
  status: string;
  statusInfo?: StatusInfo;
}

/** The answer to `GetInstalledCertificateIds`. */
export interface InstalledIdsAnswer {
  status: "Accepted" | "NotFound";
  certificateHashDataChain?: {
    certificateType: InstallType;
    certificateHashData: CertificateHashData;
  }[];
}

/** Options of a {@link CertificateStore}. */
export interface CertificateStoreOptions {
  /** What an earlier run saved ({@link CertificateStore.save}). @default {nothing} */
  saved?: SavedCertificates;
  /** The time now, epoch ms, that certificates must be valid at. @default {Date.now} */
  now?: () => number;
  /** Root certificates kept at most; one more is answered `Failed`. @default {100} */
  limit?: number;
}

interface Installed {
  type: InstallType;
  cert: Certificate;
  issuerKey: Uint8Array;
}

const rejected = (reasonCode: string, additionalInfo: string): StatusAnswer => ({
  status: "Rejected",
  statusInfo: { reasonCode, additionalInfo: additionalInfo.slice(0, 512) },
});

const base64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes));
const unbase64 = (text: string) => Uint8Array.from(atob(text), (c) => c.charCodeAt(0));

/** A charge point's certificates: see the module's description. */
export class CertificateStore {
  #pending?: CsrKey;
  #client?: ClientCertificate;
  #installed: Installed[] = [];
  readonly #now: () => number;
  readonly #limit: number;

  constructor(options: CertificateStoreOptions = {}) {
    this.#now = options.now ?? Date.now;
    this.#limit = options.limit ?? 100;
    const saved = options.saved;
    if (!saved) return;
    this.#pending = saved.pending;
    this.#client = saved.client;
    this.#installed = saved.installed.map((s) => ({
      type: s.certificateType,
      cert: parseCertificateChain(s.certificate)[0],
      issuerKey: unbase64(s.issuerKey),
    }));
  }

  /** The client certificate the central system signed last, with its key, if any. */
  get clientCertificate(): ClientCertificate | undefined {
    return this.#client;
  }

  /** Whether a certificate signing request waits for its certificate. */
  get pending(): boolean {
    return this.#pending !== undefined;
  }

  /** The installed root certificates: their type and PEM. */
  get installed(): { certificateType: InstallType; certificate: string }[] {
    return this.#installed.map((i) => ({
      certificateType: i.type,
      certificate: toPem(i.cert.der, "CERTIFICATE"),
    }));
  }

  /**
   * A new key pair and the PEM CSR for it (`SignCertificate.csr`); the key
   * waits for its certificate, in place of any that waited before.
   */
  async signRequest(subject: CsrSubject): Promise<string> {
    const { csr, key } = await makeCsr(subject);
    this.#pending = key;
    return csr;
  }

  /** `CertificateSigned`: `Accepted` (the chain is now the client certificate), or `Rejected` and why. */
  async certificateSigned(chainPem: string, certificateType?: string): Promise<StatusAnswer> {
    if (certificateType === "V2GCertificate") {
      return rejected("NotSupported", "this charge point has no ISO 15118 certificate");
    }
    const pending = this.#pending;
    if (!pending) {
      return rejected("NoCSR", "no certificate signing request waits for a certificate");
    }
    let chain: Certificate[];
    try {
      chain = parseCertificateChain(chainPem);
    } catch (error) {
      return rejected("InvalidCertificate", (error as Error).message);
    }
    if (!sameBytes(chain[0].publicKey, publicKeyOf(pending))) {
      return rejected(
        "KeyMismatch",
        "the certificate is not for the key of the last certificate signing request",
      );
    }
    const invalid = this.#invalidNow(chain);
    if (invalid) return invalid;
    try {
      for (let i = 0; i + 1 < chain.length; i++) {
        if (!issuedBy(chain[i], chain[i + 1]) || !await verifies(chain[i], chain[i + 1])) {
          return rejected(
            "InvalidSignature",
            `certificate ${i + 1} of the chain is not signed by certificate ${i + 2}`,
          );
        }
      }
      const last = chain.at(-1)!;
      const root = this.#installed.find((r) =>
        !sameBytes(r.cert.der, last.der) &&
        issuedBy(last, r.cert)
      );
      if (root && !await verifies(last, root.cert)) {
        return rejected("InvalidSignature", "the chain is not signed by the root that issued it");
      }
    } catch (error) {
      return rejected("InvalidCertificate", (error as Error).message);
    }
    this.#client = {
      cert: chain.map((c) => toPem(c.der, "CERTIFICATE")).join(""),
      key: pending.privateKey,
    };
    this.#pending = undefined;
    return { status: "Accepted" };
  }

  /** `InstallCertificate`: `Accepted`, `Rejected` (not a usable root, and why) or `Failed` (no room). */
  async install(type: InstallType, pem: string): Promise<StatusAnswer> {
    let cert: Certificate;
    try {
      const chain = parseCertificateChain(pem);
      if (chain.length !== 1) {
        return rejected("InvalidCertificate", `expected one certificate, got ${chain.length}`);
      }
      cert = chain[0];
    } catch (error) {
      return rejected("InvalidCertificate", (error as Error).message);
    }
    const invalid = this.#invalidNow([cert]);
    if (invalid) return invalid;
    if (this.#installed.some((i) => i.type === type && sameBytes(i.cert.der, cert.der))) {
      return { status: "Accepted" };
    }
    const issuer = issuedBy(cert, cert)
      ? cert
      : this.#installed.find((i) => issuedBy(cert, i.cert))?.cert;
    if (!issuer) {
      return rejected("NoIssuer", "not self-signed, and its issuer is not installed");
    }
    try {
      if (!await verifies(cert, issuer)) {
        return rejected("InvalidSignature", "its signature is not its issuer's");
      }
    } catch (error) {
      return rejected("InvalidCertificate", (error as Error).message);
    }
    if (this.#installed.length >= this.#limit) {
      return {
        status: "Failed",
        statusInfo: {
          reasonCode: "OutOfStorage",
          additionalInfo: `${this.#limit} certificates installed already`,
        },
      };
    }
    this.#installed.push({ type, cert, issuerKey: issuer.publicKey });
    return { status: "Accepted" };
  }

  /** `GetInstalledCertificateIds`: the installed roots of `types` (all when none), SHA-256. */
  async installedIds(types?: readonly string[]): Promise<InstalledIdsAnswer> {
    const wanted = this.#installed.filter((i) => !types?.length || types.includes(i.type));
    if (wanted.length === 0) return { status: "NotFound" };
    return {
      status: "Accepted",
      certificateHashDataChain: await Promise.all(wanted.map(async (i) => ({
        certificateType: i.type,
        certificateHashData: await hashDataOf(i.cert, { issuerKey: i.issuerKey }),
      }))),
    };
  }

  /** `DeleteCertificate`: `Accepted` if an installed root has this hash data (it is gone), else `NotFound`. */
  async delete(hashData: CertificateHashData): Promise<StatusAnswer> {
    const algorithm: HashAlgorithm = hashData.hashAlgorithm;
    const before = this.#installed.length;
    const kept: Installed[] = [];
    for (const i of this.#installed) {
      const own = await hashDataOf(i.cert, { issuerKey: i.issuerKey, algorithm });
      if (!sameHashData(own, hashData)) kept.push(i);
    }
    this.#installed = kept;
    return { status: kept.length < before ? "Accepted" : "NotFound" };
  }

  /** What it holds, as JSON for the state file; undefined when it holds nothing. */
  save(): SavedCertificates | undefined {
    if (!this.#pending && !this.#client && this.#installed.length === 0) return undefined;
    return {
      ...(this.#pending && { pending: this.#pending }),
      ...(this.#client && { client: this.#client }),
      installed: this.#installed.map((i) => ({
        certificateType: i.type,
        certificate: toPem(i.cert.der, "CERTIFICATE"),
        issuerKey: base64(i.issuerKey),
      })),
    };
  }

  /** `Rejected` if a certificate of `chain` is not valid now. */
  #invalidNow(chain: readonly Certificate[]): StatusAnswer | undefined {
    const now = this.#now();
    for (const [i, c] of chain.entries()) {
      const which = chain.length > 1 ? `certificate ${i + 1} of the chain` : "the certificate";
      if (now < c.notBefore) {
        return rejected(
          "NotYetValid",
          `${which} is valid from ${new Date(c.notBefore).toISOString()}`,
        );
      }
      if (now > c.notAfter) {
        return rejected(
          "CertificateExpired",
          `${which} expired ${new Date(c.notAfter).toISOString()}`,
        );
      }
    }
    return undefined;
  }
}
