/**
 * What the test suite needs outside Deno: the Mosquitto broker (the MQTT
 * sink's tests start their own on a free loopback port), Chromium (the
 * HTML report's browser test), Python 3 (the pseudo-terminal of
 * tests/ctrl_c_test.ts) and OpenSSL (the certificates of the wss://
 * tests, made as they run). `deno task test` runs this first: a missing
 * one is installed with apt-get where that is possible (as root, or with
 * sudo without a password), and otherwise the script says exactly what is
 * missing and how to get it, and fails.
 *
 *     deno run --allow-run --allow-env tests/setup.ts
 *
 * @module
 */
// deno-lint-ignore-file no-console

/** The programs, each with the Debian package that has it and the names it goes by. */
const NEEDED = [
  { pkg: "mosquitto", names: ["mosquitto"], env: "EVSIM_MQTT_URL", why: "the MQTT sink's tests" },
  {
    pkg: "chromium",
    names: ["chromium", "chromium-browser"],
    env: "EVSIM_CHROMIUM",
    why: "the HTML report's browser test",
  },
  {
    pkg: "python3",
    names: ["python3"],
    env: "EVSIM_PYTHON3",
    why: "the pseudo-terminal of the Ctrl-C tests",
  },
  {
    pkg: "openssl",
    names: ["openssl"],
    env: "EVSIM_OPENSSL",
    why: "the certificates of the wss:// tests (tests/_certs.ts)",
  },
];

async function succeeds(cmd: string, args: string[]): Promise<boolean> {
  try {
    const { code } = await new Deno.Command(cmd, { args, stdout: "null", stderr: "null" })
      .output();
    return code === 0;
  } catch {
    return false;
  }
}

const onPath = (name: string) => succeeds("sh", ["-c", `command -v ${name}`]);

const missing = [];
for (const need of NEEDED) {
  if (Deno.env.get(need.env)) continue;
  let found = false;
  for (const name of need.names) found ||= await onPath(name);
  if (!found) missing.push(need);
}
if (missing.length > 0) {
  const pkgs = missing.map((m) => m.pkg);
  const root = await succeeds("sh", ["-c", 'test "$(id -u)" = 0']);
  const sudo = !root && await succeeds("sudo", ["-n", "true"]);
  const apt = await onPath("apt-get");
  if (apt && (root || sudo)) {
    console.error(`evsim tests: installing ${pkgs.join(", ")} with apt-get`);
    const prefix = root ? [] : ["sudo", "-n"];
    const run = async (args: string[]) => {
      const [cmd, ...rest] = [...prefix, ...args];
      const { code } = await new Deno.Command(cmd, {
        args: rest,
        env: { DEBIAN_FRONTEND: "noninteractive" },
        stdout: "null",
      }).output();
      if (code !== 0) throw new Error(`${[cmd, ...rest].join(" ")} exited with ${code}`);
    };
    await run(["apt-get", "update", "-qq"]);
    await run(["apt-get", "install", "-y", "-qq", ...pkgs]);
  } else {
    for (const m of missing) {
      console.error(
        `evsim tests: ${m.pkg} is missing (${m.why}): install it (\`sudo apt-get install ${m.pkg}\` ` +
          `on Debian and Ubuntu, \`brew install ${m.pkg}\` on macOS) or set ${m.env}`,
      );
    }
    Deno.exit(1);
  }
}
