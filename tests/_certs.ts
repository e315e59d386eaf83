/**
 * Certificates for the `wss://` tests, made when a test runs (with OpenSSL,
 * which `tests/setup.ts` installs when missing), never committed: a
 * self-signed certificate for `localhost` and `127.0.0.1`, valid a day.
 *
 * ```ts
 * const { cert, key, certFile } = await selfSigned(dir);
 * ```
 *
 * @module
 */
import { openssl, signWithTestCa } from "./_openssl.ts";

/** A certificate and its private key: PEM text and the files holding them. */
export interface TestCertificate {
  cert: string;
  key: string;
  certFile: string;
  keyFile: string;
}

/** Makes a self-signed certificate (ECDSA P-256) for `localhost` and `127.0.0.1` in `dir`. */
export async function selfSigned(dir: string): Promise<TestCertificate> {
  const certFile = `${dir}/localhost_cert.pem`;
  const keyFile = `${dir}/localhost_key.pem`;
  await openssl([
    "req",
    "-x509",
    ...EC,
    "-keyout",
    keyFile,
    "-out",
    certFile,
    "-days",
    "1",
    "-subj",
    "/CN=localhost",
    "-addext",
    "subjectAltName=DNS:localhost,IP:127.0.0.1",
  ], dir);
  return {
    cert: await Deno.readTextFile(certFile),
    key: await Deno.readTextFile(keyFile),
    certFile,
    keyFile,
  };
}

/** A test certificate authority, a server certificate it signed, and client certificates. */
export interface TestCa {
  /** The CA's certificate (PEM file). */
  caFile: string;
  /** The server's certificate and key, for 127.0.0.1 and localhost (PEM files). */
  serverCert: string;
  serverKey: string;
  /** `dir/IDENTITY.pem` and `dir/IDENTITY.key` of each client identity, signed by the CA. */
  clientDir: string;
}

const EC = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];

/**
 * Makes in `dir` a CA, a server certificate it signed, and a client
 * certificate it signed for each of `identities` (CN = the identity), in
 * `dir/clients/`; and `untrusted` ones signed by nobody, in the same place.
 */
export async function testCa(
  dir: string,
  identities: readonly string[],
  untrusted: readonly string[] = [],
): Promise<TestCa> {
  await Deno.mkdir(`${dir}/clients`, { recursive: true });
  await openssl(
    [
      "req",
      "-x509",
      ...EC,
      "-keyout",
      "ca.key",
      "-out",
      "ca.pem",
      "-days",
      "1",
      "-subj",
      "/CN=evsim test CA",
    ],
    dir,
  );
  const signed = async (name: string, subject: string, ext: string) => {
    await openssl(
      ["req", ...EC, "-keyout", `${name}.key`, "-out", `${name}.csr`, "-subj", subject],
      dir,
    );
    await signWithTestCa(dir, name, ext);
  };
  await signed("server", "/CN=localhost", "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
  for (const id of identities) {
    await signed(`clients/${id}`, `/CN=${id}`, "extendedKeyUsage=clientAuth\n");
  }
  for (const id of untrusted) {
    await openssl(
      [
        "req",
        "-x509",
        ...EC,
        "-keyout",
        `clients/${id}.key`,
        "-out",
        `clients/${id}.pem`,
        "-days",
        "1",
        "-subj",
        `/CN=${id}`,
      ],
      dir,
    );
  }
  return {
    caFile: `${dir}/ca.pem`,
    serverCert: `${dir}/server.pem`,
    serverKey: `${dir}/server.key`,
    clientDir: `${dir}/clients`,
  };
}
