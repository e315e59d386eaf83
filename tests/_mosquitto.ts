/**
 * An MQTT broker for tests: the one at `EVSIM_MQTT_URL` when set (one you
 * run), otherwise a private Mosquitto on a free loopback port, started from a
 * throwaway config and stopped when disposed.
 *
 * @module
 */

/** A broker the tests can reach. */
export interface Broker extends AsyncDisposable {
  /** `mqtt://127.0.0.1:<port>`. */
  readonly url: string;
  /** Stops the broker if this helper started it (idempotent). */
  stop(): Promise<void>;
}

/** Options of {@link startMosquitto}. */
export interface MosquittoOptions {
  /**
   * Users and their passwords: when set, anonymous clients are refused.
   * @default {none: anonymous clients are allowed}
   */
  users?: Record<string, string>;
  /** How long to wait for the broker to accept connections. @default {5000} */
  startTimeoutMs?: number;
}

/** Whether a `mosquitto` executable is on the PATH. */
export async function hasMosquitto(): Promise<boolean> {
  try {
    // `mosquitto -h` prints its usage and exits with status 3.
    const { stdout } = await new Deno.Command("mosquitto", {
      args: ["-h"],
      stdout: "piped",
      stderr: "null",
    }).output();
    return new TextDecoder().decode(stdout).includes("mosquitto");
  } catch {
    return false;
  }
}

/** A loopback port nothing listens on right now. */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

async function run(command: string, args: string[]): Promise<void> {
  const { code, stderr } = await new Deno.Command(command, {
    args,
    stdout: "null",
    stderr: "piped",
  }).output();
  if (code !== 0) {
    throw new Error(
      `${command} ${args[0]} failed with status ${code}: ${new TextDecoder().decode(stderr)}`,
    );
  }
}

/** Resolves once `port` on 127.0.0.1 accepts a TCP connection, or throws after `timeoutMs`. */
async function waitForPort(port: number, timeoutMs: number, exited: () => boolean) {
  const until = performance.now() + timeoutMs;
  while (true) {
    try {
      const conn = await Deno.connect({ hostname: "127.0.0.1", port });
      conn.close();
      return;
    } catch (error) {
      if (exited()) throw new Error("mosquitto exited before it accepted connections");
      if (performance.now() > until) {
        throw new Error(`mosquitto did not accept connections on port ${port} in ${timeoutMs} ms`, {
          cause: error,
        });
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}

/** Starts a private Mosquitto on a free 127.0.0.1 port. */
export async function startMosquitto(options: MosquittoOptions = {}): Promise<Broker> {
  const { users, startTimeoutMs = 5000 } = options;
  const dir = await Deno.makeTempDir({ prefix: "evsim-mosquitto-" });
  // Mosquitto started as root drops to the `mosquitto` user before reading the password file.
  await Deno.chmod(dir, 0o755);
  const port = freePort();
  const lines = [`listener ${port} 127.0.0.1`, "persistence false", "log_dest stderr"];
  if (users) {
    const passwords = `${dir}/passwords`;
    await Deno.writeTextFile(passwords, "");
    for (const [user, password] of Object.entries(users)) {
      await run("mosquitto_passwd", ["-b", passwords, user, password]);
    }
    await Deno.chmod(passwords, 0o644);
    lines.push("allow_anonymous false", `password_file ${passwords}`);
  } else {
    lines.push("allow_anonymous true");
  }
  const config = `${dir}/mosquitto.conf`;
  await Deno.writeTextFile(config, lines.join("\n") + "\n");
  await Deno.chmod(config, 0o644);

  const child = new Deno.Command("mosquitto", {
    args: ["-c", config],
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const log = new Response(child.stderr).text();
  let exited = false;
  const status = child.status.then((s) => {
    exited = true;
    return s;
  });

  let stopped: Promise<void> | undefined;
  const stop = () =>
    stopped ??= (async () => {
      if (!exited) child.kill("SIGTERM");
      await status;
      await log;
      await Deno.remove(dir, { recursive: true });
    })();

  try {
    await waitForPort(port, startTimeoutMs, () => exited);
  } catch (error) {
    await stop();
    throw new Error(`${(error as Error).message}\n${await log}`, { cause: error });
  }
  return { url: `mqtt://127.0.0.1:${port}`, stop, [Symbol.asyncDispose]: stop };
}

/** The broker at `EVSIM_MQTT_URL` if set (never stopped), otherwise a private Mosquitto. */
export async function withBroker(): Promise<Broker> {
  const url = Deno.env.get("EVSIM_MQTT_URL");
  if (url) {
    const stop = () => Promise.resolve();
    return { url, stop, [Symbol.asyncDispose]: stop };
  }
  return await startMosquitto();
}
