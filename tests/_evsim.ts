/**
 * The `evsim` command line as a child process, run with the permissions of
 * `deno task sim`, for end-to-end tests.
 */

/** The CLI entry point. */
export const MAIN = new URL("../main.ts", import.meta.url).pathname;
const PERMISSIONS = ["--allow-read", "--allow-write", "--allow-env", "--allow-net"];

/** `evsim ARGS` in folder `cwd`, with stdout and stderr piped. */
export function evsimCommand(
  args: string[],
  cwd: string,
  env: Record<string, string> = {},
): Deno.Command {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", ...PERMISSIONS, MAIN, ...args],
    cwd,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1", ...env },
  });
}

/** Decodes process output. */
export const decode = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);

/** Runs `fn` in a new temporary folder, removed afterwards. */
export async function inTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "evsim-test-" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}
