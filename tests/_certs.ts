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
  const { code, stderr } = await new Deno.Command(Deno.env.get("EVSIM_OPENSSL") ?? "openssl", {
    args: [
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:prime256v1",
      "-nodes",
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
    ],
    stdout: "null",
    stderr: "piped",
  }).output();
  if (code !== 0) {
    throw new Error(`openssl req failed (${code}): ${new TextDecoder().decode(stderr)}`);
  }
  return {
    cert: await Deno.readTextFile(certFile),
    key: await Deno.readTextFile(keyFile),
    certFile,
    keyFile,
  };
}
