/**
 * OpenSSL for the tests of the OCPP 2.0.1 certificate messages (which
 * `tests/setup.ts` installs when missing): run it, sign a CSR with a test CA
 * of `tests/_certs.ts`, and its own view of a certificate (serial,
 * fingerprint, the CertID of an OCSP request) to check evsim's against.
 * Nothing it makes is committed.
 *
 * @module
 */

/** Runs `openssl args` in `cwd` (with `stdin`); resolves with what it printed, rejects if it failed. */
export async function openssl(
  args: string[],
  cwd: string,
  stdin?: string,
): Promise<string> {
  const child = new Deno.Command(Deno.env.get("EVSIM_OPENSSL") ?? "openssl", {
    args,
    cwd,
    stdin: stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (stdin !== undefined) {
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(stdin));
    await writer.close();
  }
  const { code, stdout, stderr } = await child.output();
  const out = new TextDecoder().decode(stdout) + new TextDecoder().decode(stderr);
  if (code !== 0) throw new Error(`openssl ${args.join(" ")} failed (${code}): ${out}`);
  return out;
}

/**
 * Signs `dir/name.csr` with the CA in `dir` (`ca.pem`, `ca.key`: see
 * `testCa`) for a day, with the extensions `ext` (`dir/name.ext`), into
 * `dir/name.pem`.
 */
export async function signWithTestCa(dir: string, name: string, ext: string): Promise<void> {
  await Deno.writeTextFile(`${dir}/${name}.ext`, ext);
  await openssl([
    "x509",
    "-req",
    "-in",
    `${name}.csr`,
    "-CA",
    "ca.pem",
    "-CAkey",
    "ca.key",
    "-CAcreateserial",
    "-out",
    `${name}.pem`,
    "-days",
    "1",
    "-extfile",
    `${name}.ext`,
  ], dir);
}

/**
 * Signs `csr` (PEM) with the CA in `dir` as a client certificate valid a
 * day, `dir/name.pem`; resolves with its PEM.
 */
export async function signCsr(dir: string, csr: string, name: string): Promise<string> {
  await Deno.writeTextFile(`${dir}/${name}.csr`, csr);
  await signWithTestCa(dir, name, "extendedKeyUsage=clientAuth\n");
  return await Deno.readTextFile(`${dir}/${name}.pem`);
}

/** OpenSSL's CertID of `certFile` issued by `issuerFile` (an OCSP request's), hex in upper case. */
export async function openSslCertId(
  dir: string,
  certFile: string,
  issuerFile: string,
  digest: "sha256" | "sha384" | "sha512" = "sha256",
): Promise<{ issuerNameHash: string; issuerKeyHash: string; serialNumber: string }> {
  const req = `${certFile}.ocsp.der`;
  await openssl(
    [
      "ocsp",
      `-${digest}`,
      "-issuer",
      issuerFile,
      "-cert",
      certFile,
      "-no_nonce",
      "-reqout",
      req,
    ],
    dir,
  );
  // A long hash goes on over lines that end in a backslash.
  const text = (await openssl(["ocsp", "-reqin", req, "-req_text"], dir)).replace(/\\\n/g, "");
  const field = (name: string) => new RegExp(`${name}: ([0-9A-F]+)`).exec(text)?.[1] ?? "";
  return {
    issuerNameHash: field("Issuer Name Hash"),
    issuerKeyHash: field("Issuer Key Hash"),
    serialNumber: field("Serial Number"),
  };
}

/** OpenSSL's SHA-256 fingerprint of a PEM certificate: `AB:CD:…`, as Node's `fingerprint256`. */
export async function fingerprint(dir: string, pem: string): Promise<string> {
  const text = await openssl(["x509", "-noout", "-fingerprint", "-sha256"], dir, pem);
  return /Fingerprint=([0-9A-F:]+)/.exec(text)![1];
}
