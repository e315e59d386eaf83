import assert from "node:assert/strict";
import { ConfigError } from "../core/errors.ts";
import { simEvents } from "../tests/_events.ts";
import { checkHtmlOutput, collectStats } from "./stats.ts";

Deno.test("collectStats() reports a stream's statistics and its first bad line", async () => {
  const text = ["junk", ...simEvents(300).map((e) => JSON.stringify(e)), "{}"].join("\n");
  const input = { path: "-", name: "stdin", readable: new Blob([text]).stream() };
  const { report, firstBadLine } = await collectStats(input);
  assert.equal(report.events, 300);
  assert.equal(report.badLines, 2);
  assert.match(firstBadLine!, /^line 1: invalid JSON/);
  assert.equal(report.charts, undefined);
});

Deno.test("checkHtmlOutput() refuses a folder, creates a missing one, and leaves no file", async (t) => {
  const dir = await Deno.makeTempDir({ prefix: "evsim-html-" });
  try {
    await t.step("a folder is refused, naming --html and a file to give instead", async () => {
      await assert.rejects(() => checkHtmlOutput(dir), (error) => {
        assert.ok(error instanceof ConfigError);
        assert.equal(
          error.message,
          `--html ${dir}: is a folder; name a file in it, such as ${dir}/report.html`,
        );
        return true;
      });
    });
    await t.step("a file in a missing folder: the folder is made, the file is not", async () => {
      await checkHtmlOutput(`${dir}/out/deeper/report.html`);
      assert.ok((await Deno.stat(`${dir}/out/deeper`)).isDirectory);
      await assert.rejects(() => Deno.stat(`${dir}/out/deeper/report.html`), Deno.errors.NotFound);
    });
    await t.step("an existing file is kept as it was", async () => {
      await Deno.writeTextFile(`${dir}/old.html`, "before");
      await checkHtmlOutput(`${dir}/old.html`);
      assert.equal(await Deno.readTextFile(`${dir}/old.html`), "before");
    });
    await t.step("under a file, the path cannot be written", async () => {
      await assert.rejects(
        () => checkHtmlOutput(`${dir}/old.html/report.html`),
        (error) =>
          error instanceof ConfigError &&
          error.message.startsWith(`--html ${dir}/old.html/report.html: cannot`),
      );
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
