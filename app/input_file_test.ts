import assert from "node:assert/strict";
import { ConfigError } from "../core/errors.ts";
import { inTempDir } from "../tests/_evsim.ts";
import { inputLines, openInputFile } from "./input_file.ts";

const collect = async (lines: AsyncIterable<string>) => {
  const out = [];
  for await (const line of lines) out.push(line);
  return out;
};

Deno.test("openInputFile() reads a file, or stdin for -, named the same way in messages", async () => {
  await inTempDir(async (dir) => {
    await Deno.writeTextFile(`${dir}/a.ndjson`, "one\ntwo\n");
    const file = await openInputFile(`${dir}/a.ndjson`);
    assert.equal(file.name, `${dir}/a.ndjson`);
    assert.deepEqual(await collect(inputLines(file)), ["one", "two"]);
    const stdin = await openInputFile("-", { stdin: new Blob(["three"]).stream() });
    assert.equal(stdin.name, "stdin");
    assert.deepEqual(await collect(inputLines(stdin)), ["three"]);
  });
});

Deno.test("openInputFile() refuses a missing file with a ConfigError: FILE: file not found", async () => {
  await assert.rejects(
    () => openInputFile("nope.ndjson"),
    (e) => e instanceof ConfigError && e.message === "nope.ndjson: file not found",
  );
});

Deno.test("inputLines() names the input when it cannot be read", async () => {
  await inTempDir(async (dir) => {
    const folder = await openInputFile(dir);
    await assert.rejects(
      () => collect(inputLines(folder)),
      (e) =>
        !(e instanceof ConfigError) && (e as Error).message.startsWith(`${dir}: cannot read: `),
    );
  });
});
