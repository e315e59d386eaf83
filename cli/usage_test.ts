import assert from "node:assert/strict";
import { COMMANDS, OPTIONS } from "./options.ts";
import { commandUsage, usage } from "./usage.ts";

Deno.test("usage() lists every command and every flag", () => {
  const text = usage();
  for (const command of COMMANDS) {
    assert.match(text, new RegExp(`^  evsim (\\[)?${command}\\b`, "m"));
  }
  for (const name of Object.keys(OPTIONS)) assert.ok(text.includes(`--${name}`), name);
});

Deno.test("commandUsage() shows a command's synopsis, its flags and its examples only", async (t) => {
  for (const command of COMMANDS) {
    await t.step(command, () => {
      const text = commandUsage(command);
      assert.match(text, new RegExp(`^Usage:\n  evsim (\\[)?${command}\\b`));
      assert.match(text, /^ {2}-h, --help {19}show this help$/m);
      const examples = text.slice(text.indexOf("Examples:\n")).split("\n").slice(1, -1);
      assert.ok(examples.length > 0);
      for (const example of examples) {
        if (command !== "run") assert.match(example, new RegExp(`evsim ${command}\\b`), example);
      }
    });
  }
  assert.doesNotMatch(commandUsage("serve"), /--duration|--json/);
  assert.match(commandUsage("run"), /--metrics-port N/);
});
