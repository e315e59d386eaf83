import assert from "node:assert/strict";
import * as v from "valibot";
import { ConfigError, parseJson, parseWith } from "./errors.ts";

Deno.test("parseJson() names the file, line and column of a syntax error", () => {
  assert.throws(
    () => parseJson('{\n  "seed": 1,\n  oops\n}', "config.json"),
    (error) =>
      error instanceof ConfigError && /^config\.json:3:3: invalid JSON/.test(error.message),
  );
});

Deno.test("parseWith() lists every problem with its path, expectation and value", () => {
  const schema = v.object({
    seed: v.number(),
    sinks: v.array(v.object({ url: v.string() })),
  });
  try {
    parseWith(schema, { seed: "x", sinks: [{ url: "a" }, { url: 3 }] }, "config.json");
    assert.fail("no error");
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    assert.deepEqual(error.problems, [
      'config.json: seed: expected number, got "x"',
      "config.json: sinks[1].url: expected string, got 3",
    ]);
  }
});
