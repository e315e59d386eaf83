import assert from "node:assert/strict";
import { reset } from "@logtape/logtape";
import { ConfigError } from "../core/errors.ts";
import { formatNotice, setUpLogging } from "./logging.ts";

const log = { file: "", level: "info", maxBytes: 1 << 20, backups: 1 } as const;

Deno.test("setUpLogging() names the config and log.file when the log file cannot be opened", async (t) => {
  const dir = await Deno.makeTempDir({ prefix: "evsim-log-" });
  try {
    await t.step("with the config's path", async () => {
      await assert.rejects(
        () => setUpLogging({ ...log, file: dir }, { where: "config.json" }),
        (error) => {
          assert.ok(error instanceof ConfigError);
          assert.equal(
            error.message,
            `config.json: log.file: ${dir} is a folder; name a file, such as ${dir}/charging_sessions.log`,
          );
          return true;
        },
      );
    });
    await t.step("the embedded config", async () => {
      await assert.rejects(
        () => setUpLogging({ ...log, file: `${dir}/` }),
        (error) =>
          error instanceof ConfigError &&
          error.message.startsWith(`embedded config: log.file: ${dir}/ is a folder;`),
      );
    });
    await t.step("under a file, its folder cannot be made", async () => {
      await Deno.writeTextFile(`${dir}/plain`, "");
      await assert.rejects(
        () => setUpLogging({ ...log, file: `${dir}/plain/evsim.log` }, { where: "c.json" }),
        (error) =>
          error instanceof ConfigError &&
          error.message.startsWith(
            `c.json: log.file: cannot create the folder of ${dir}/plain/evsim.log: `,
          ),
      );
    });
    await t.step("a file it can write is opened and written", async () => {
      await setUpLogging({ ...log, file: `${dir}/logs/evsim.log` });
      const { getLogger } = await import("@logtape/logtape");
      getLogger(["evsim"]).info("hello from the test");
      await reset();
      assert.match(await Deno.readTextFile(`${dir}/logs/evsim.log`), /hello from the test/);
    });
  } finally {
    await reset();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("formatNotice() prints a notice as an `evsim:` line, its values in place", () => {
  const record = {
    category: ["evsim", "notice"],
    level: "info",
    message: ["echo server listening on ", "http://127.0.0.1:8787", ", live page at ", "/", ""],
    rawMessage: "",
    timestamp: 0,
    properties: {},
  } as const;
  assert.equal(
    formatNotice(record as unknown as Parameters<typeof formatNotice>[0]),
    "evsim: echo server listening on http://127.0.0.1:8787, live page at /\n",
  );
});
