/**
 * Least privilege end to end: evsim run with exactly the flags of `deno task
 * sim` (read from deno.json), in a working folder with a sibling folder it may
 * not write, and receivers only on loopback.
 */
import assert from "node:assert/strict";
import denoJson from "../deno.json" with { type: "json" };
import { decode, evsimCommand, inTempDir, SIM_FLAGS, taskWords } from "./_evsim.ts";

/** `evsim ARGS` in `root/work`, with `root/outside` beside it. */
async function inWorkFolder(
  fn: (paths: { root: string; work: string; outside: string }) => Promise<void>,
): Promise<void> {
  await inTempDir(async (root) => {
    const work = `${root}/work`;
    const outside = `${root}/outside`;
    await Deno.mkdir(work);
    await Deno.mkdir(outside);
    await fn({ root, work, outside });
  });
}

async function evsim(args: string[], cwd: string, env: Record<string, string> = {}) {
  const { code, stdout, stderr } = await evsimCommand(args, cwd, env).output();
  return { code, stdout: decode(stdout), stderr: decode(stderr) };
}

async function entries(dir: string): Promise<string[]> {
  return (await Array.fromAsync(Deno.readDir(dir))).map((e) => e.name).sort();
}

Deno.test("deno task sim grants scoped permissions and never prompts", () => {
  assert.ok(SIM_FLAGS.includes("--no-prompt"));
  assert.ok(SIM_FLAGS.includes("--allow-write=."), SIM_FLAGS.join(" "));
  assert.ok(SIM_FLAGS.includes("--allow-net=127.0.0.1,localhost"), SIM_FLAGS.join(" "));
  assert.ok(SIM_FLAGS.some((f) => /^--allow-env=./.test(f)), SIM_FLAGS.join(" "));
  for (const flag of ["--allow-run", "--allow-sys", "--allow-ffi", "--allow-all", "-A"]) {
    assert.ok(!SIM_FLAGS.some((f) => f.startsWith(flag)), `deno task sim grants ${flag}`);
  }
});

Deno.test("no task and no command in README.md grants every permission", async () => {
  const allowAll = /^(-A|--allow-all)$/;
  for (const [name, task] of Object.entries(denoJson.tasks)) {
    const command = typeof task === "string" ? task : (task as { command?: string }).command ?? "";
    const words = command.split("&&").flatMap((part) => taskWords(part));
    assert.ok(!words.some((w) => allowAll.test(w)), `deno.json: tasks.${name}: ${command}`);
  }
  const readme = await Deno.readTextFile(new URL("../README.md", import.meta.url));
  for (const line of readme.split("\n")) {
    assert.ok(!taskWords(line).some((w) => allowAll.test(w)), `README.md: ${line}`);
  }
});

Deno.test("with the permissions of deno task sim, a run writes in its working folder", async () => {
  await inWorkFolder(async ({ work }) => {
    const { code, stdout, stderr } = await evsim(
      ["--duration", "15m", "--sink", "file:out/sessions.ndjson", "--sink", "stdout"],
      work,
    );
    assert.equal(code, 0, stderr);
    assert.ok(stdout.split("\n").length > 1000);
    const file = await Deno.readTextFile(`${work}/out/sessions.ndjson`);
    assert.equal(file, stdout);
    assert.match(await Deno.readTextFile(`${work}/charging_sessions.log`), /finished backfill/);
  });
});

Deno.test("a write outside the working folder is refused, naming the flag to add", async (t) => {
  await inWorkFolder(async ({ work, outside }) => {
    await t.step("a file sink", async () => {
      const { code, stdout, stderr } = await evsim(
        ["--duration", "1h", "--sink", `file:${outside}/out/x.ndjson`],
        work,
      );
      assert.equal(code, 2);
      assert.equal(stdout, "");
      assert.equal(
        stderr,
        `evsim: missing permission: --allow-write=${outside}/out (--sink[0].path)\n`,
      );
    });
    await t.step("evsim's own source files, which the task keeps read-only", async () => {
      const { code, stderr } = await evsim(
        ["--duration", "1h", "--sink", "file:core/run.ts"],
        work,
      );
      assert.equal(code, 2);
      assert.match(stderr, /refused: core is denied by --deny-write .*\(--sink\[0\]\.path\)/);
      assert.deepEqual(await entries(work), []);
    });
    await t.step("a symbolic link in the working folder that leads outside", async () => {
      await Deno.symlink(outside, `${work}/link`);
      await Deno.writeTextFile(
        `${work}/c.json`,
        JSON.stringify({
          log: { file: "link/evsim.log" },
          sinks: [{ type: "file", path: "link/x.ndjson" }],
        }),
      );
      const { code, stdout, stderr } = await evsim(
        ["-c", "c.json", "--duration", "1h", "--state", "link/run.state"],
        work,
      );
      assert.equal(code, 2);
      assert.equal(stdout, "");
      for (const why of ["log.file", "sinks[0].path", "--state"]) {
        assert.match(
          stderr,
          new RegExp(
            `--allow-write=${outside}\\S* \\(.*${
              why.replace(/[[\]]/g, "\\$&")
            }, through a symbolic link`,
          ),
        );
      }
      assert.deepEqual(await entries(outside), [], "nothing written through the link");
      await Deno.remove(`${work}/link`);
      await Deno.remove(`${work}/c.json`);
    });
    await t.step("the log file, a dead-letter file and a state file", async () => {
      await Deno.writeTextFile(
        `${work}/c.json`,
        JSON.stringify({
          log: { file: `${outside}/evsim.log` },
          sinks: [{ type: "http", url: "http://127.0.0.1:9/x", deadLetter: `${outside}/dead` }],
        }),
      );
      const { code, stderr } = await evsim(
        ["-c", "c.json", "--duration", "1h", "--state", `${outside}/run.state`],
        work,
      );
      assert.equal(code, 2);
      assert.equal(
        stderr,
        [
          `--allow-write=${outside} (log.file)`,
          `--allow-write=${outside}/dead (sinks[0].deadLetter)`,
          `--allow-write=${outside}/run.state (--state)`,
          `--allow-write=${outside}/run.state.tmp (--state: its temporary file)`,
        ].map((line) => `evsim: missing permission: ${line}\n`).join(""),
      );
    });
    await t.step("the HTML report of evsim stats", async () => {
      await Deno.writeTextFile(`${work}/events.ndjson`, "");
      const { code, stderr } = await evsim(
        ["stats", "events.ndjson", "--html", `${outside}/report.html`],
        work,
      );
      assert.equal(code, 2);
      assert.equal(
        stderr,
        `evsim: missing permission: --allow-write=${outside}/report.html (--html)\n`,
      );
    });
    await t.step("a plugin's own write, which Deno refuses", async () => {
      await Deno.writeTextFile(
        `${work}/sneaky.ts`,
        `export default {
          name: "sneaky",
          async cities({ cities }) {
            await Deno.writeTextFile(${JSON.stringify(`${outside}/loot`)}, "x");
            return cities;
          },
        };\n`,
      );
      await Deno.writeTextFile(
        `${work}/p.json`,
        JSON.stringify({ plugins: [{ module: "./sneaky.ts" }] }),
      );
      const { code, stderr } = await evsim(["-c", "p.json", "--duration", "1h"], work);
      assert.equal(code, 2);
      assert.equal(
        stderr,
        `evsim: missing permission: --allow-write=${outside}/loot ` +
          "(plugin sneaky (plugins[0]): cities() failed)\n",
      );
    });
    assert.deepEqual(await entries(outside), [], "nothing was written outside");
  });
});

Deno.test("an endpoint or variable the task does not grant is refused before the run", async (t) => {
  await inWorkFolder(async ({ work }) => {
    await t.step("an HTTP sink to another host", async () => {
      const { code, stdout, stderr } = await evsim(
        ["--duration", "1h", "--sink", "https://api.example.com/events"],
        work,
      );
      assert.equal(code, 2);
      assert.equal(stdout, "");
      assert.equal(
        stderr,
        "evsim: missing permission: --allow-net=api.example.com:443 (--sink[0].url)\n",
      );
    });
    await t.step("a token variable outside EVSIM_*", async () => {
      await Deno.writeTextFile(
        `${work}/c.json`,
        JSON.stringify({
          sinks: [{ type: "http", url: "http://127.0.0.1:9/x", tokenEnv: "API_TOKEN" }],
        }),
      );
      const { code, stderr } = await evsim(["-c", "c.json", "--duration", "1h"], work, {
        API_TOKEN: "t",
      });
      assert.equal(code, 2);
      assert.equal(
        stderr,
        "evsim: missing permission: --allow-env=API_TOKEN (sinks[0].tokenEnv)\n",
      );
    });
    await t.step("an MQTT sink, whose client library reads the whole environment", async () => {
      const { code, stderr } = await evsim(
        ["--duration", "1h", "--sink", "mqtt://127.0.0.1:9"],
        work,
      );
      assert.equal(code, 2);
      assert.equal(
        stderr,
        "evsim: missing permission: --allow-env " +
          "(--sink[0]: the mqtt client library reads the whole environment)\n",
      );
    });
    await t.step("the echo server on every interface", async () => {
      const { code, stderr } = await evsim(["serve", "--port", "0", "--host", "0.0.0.0"], work);
      assert.equal(code, 2);
      assert.equal(stderr, "evsim: missing permission: --allow-net=0.0.0.0:0 (--port)\n");
    });
  });
});
