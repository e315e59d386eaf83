/**
 * The `evsim` command line as a child process, run with the permissions of
 * `deno task sim`, for end-to-end tests.
 */
import denoJson from "../deno.json" with { type: "json" };

/** The CLI entry point. */
export const MAIN = new URL("../main.ts", import.meta.url).pathname;

/**
 * The words of a task's command line, with the task shell's quotes taken
 * away: `deno run '--allow-env=EVSIM_*' main.ts` → `deno`, `run`,
 * `--allow-env=EVSIM_*`, `main.ts`.
 */
export function taskWords(command: string): string[] {
  return [...command.matchAll(/'([^']*)'|"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2] ?? m[3]);
}

/**
 * The flags `deno task sim` gives `deno run` (permissions, `--no-prompt`), read
 * from deno.json so that the tests run evsim exactly as users do. Relative
 * paths in them (`--allow-write=.`) resolve against the child's working folder.
 */
export const SIM_FLAGS: readonly string[] = (() => {
  const words = taskWords(denoJson.tasks.sim);
  const main = words.indexOf("main.ts");
  if (words[0] !== "deno" || words[1] !== "run" || main < 0) {
    throw new Error(`deno.json: tasks.sim: expected "deno run FLAGS main.ts", got ${words}`);
  }
  return words.slice(2, main);
})();

/** `evsim` with the flags of `deno task sim`, as words for `sh -c`, each single-quoted. */
export const EVSIM_SHELL: string = [Deno.execPath(), "run", ...SIM_FLAGS, MAIN]
  .map((word) => `'${word.replaceAll("'", "'\\''")}'`)
  .join(" ");

/** `evsim ARGS` in folder `cwd`, with stderr piped and stdout piped (or to /dev/null). */
export function evsimCommand(
  args: string[],
  cwd: string,
  env: Record<string, string> = {},
  stdout: "piped" | "null" = "piped",
): Deno.Command {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", ...SIM_FLAGS, MAIN, ...args],
    cwd,
    stdin: "null",
    stdout,
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

/** The lines of an NDJSON file, parsed; none if it does not exist or is empty. */
export async function readNdjson<T = { eventId: string }>(path: string): Promise<T[]> {
  try {
    const text = await Deno.readTextFile(path);
    return text.trim() === "" ? [] : text.trimEnd().split("\n").map((l) => JSON.parse(l));
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return [];
    throw error;
  }
}
