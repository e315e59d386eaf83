/**
 * `deno task install`: the `evsim` command the README's examples call, put in
 * a temporary DENO_INSTALL_ROOT and run from a folder of its own.
 */
import assert from "node:assert/strict";
import denoJson from "../deno.json" with { type: "json" };
import { decode, inTempDir, SIM_FLAGS, taskWords } from "./_evsim.ts";

const PROJECT = new URL("..", import.meta.url).pathname;

Deno.test("deno task install gives an evsim command with the sim task's permissions", async () => {
  await inTempDir(async (root) => {
    const install = await new Deno.Command(Deno.execPath(), {
      args: ["task", "install"],
      cwd: PROJECT,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
      env: { NO_COLOR: "1", DENO_INSTALL_ROOT: root },
    }).output();
    assert.equal(install.code, 0, decode(install.stderr));
    const evsim = `${root}/bin/evsim`;
    const work = `${root}/work`;
    await Deno.mkdir(work);
    // The shim runs the `deno` on PATH: this one.
    const dir = Deno.execPath().replace(/\/[^/]*$/, "");
    const env = { NO_COLOR: "1", PATH: `${dir}:${Deno.env.get("PATH") ?? ""}` };
    const run = (args: string[]) =>
      new Deno.Command(evsim, {
        args,
        cwd: work,
        stdin: "null",
        stdout: "piped",
        stderr: "piped",
        env,
      })
        .output();

    const version = await run(["--version"]);
    assert.equal(decode(version.stdout), `evsim ${denoJson.version}\n`, decode(version.stderr));

    const backfill = await run(["--duration", "10m"]);
    assert.equal(backfill.code, 0, decode(backfill.stderr));
    const events = decode(backfill.stdout).trimEnd().split("\n").map((l) => JSON.parse(l));
    assert.ok(events.length > 100);
    assert.equal(events[0].time.slice(0, 10), "2026-01-05");
    await Deno.stat(`${work}/charging_sessions.log`); // written where it runs

    // Its permissions are the sim task's, apart from the denials of this project's own files.
    const shim = await Deno.readTextFile(evsim);
    const granted = taskWords(shim.split("\n").find((l) => l.startsWith("exec "))!)
      .filter((w) => w.startsWith("--allow-") || w === "--no-prompt");
    const sim = SIM_FLAGS.filter((w) => !w.startsWith("--deny-write="));
    assert.deepEqual(granted.toSorted(), sim.toSorted());

    // Writes outside its working folder are refused as with the sim task.
    const outside = await run(["--duration", "1m", "--sink", `file:${root}/out.ndjson`]);
    assert.equal(outside.code, 2);
    assert.match(decode(outside.stderr), /missing permission: --allow-write=/);
  });
});
