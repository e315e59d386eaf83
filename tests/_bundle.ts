/**
 * The one-file build of evsim (`deno task bundle`), made afresh for tests that
 * run it the way a user of `dist/evsim.js` or of the container image would.
 */
import assert from "node:assert/strict";
import { decode, MAIN } from "./_evsim.ts";

/** `deno bundle` of main.ts into `dir/evsim.js`, run from the project folder; returns the path. */
export async function bundleEvsim(dir: string): Promise<string> {
  const output = `${dir}/evsim.js`;
  const { code, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["bundle", "--output", output, MAIN],
    cwd: new URL("..", import.meta.url).pathname,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  assert.equal(code, 0, decode(stderr));
  return output;
}
