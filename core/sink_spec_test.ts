import assert from "node:assert/strict";
import { ConfigError } from "./errors.ts";
import { parseSinkSpec } from "./sink_spec.ts";

Deno.test("parseSinkSpec() reads each shorthand with its defaults", () => {
  assert.deepEqual(parseSinkSpec("stdout"), { type: "stdout" });
  const file = parseSinkSpec("file:out/sessions.ndjson");
  assert.equal(file.type === "file" && file.path, "out/sessions.ndjson");
  assert.equal(file.type === "file" && file.backups, 5);
  const http = parseSinkSpec("http://127.0.0.1:8080/events");
  assert.equal(http.type === "http" && http.batchSize, 1);
  assert.deepEqual(parseSinkSpec("server:8787"), { type: "server", port: 8787, host: "127.0.0.1" });
  assert.equal(parseSinkSpec("server").type, "server");
});

Deno.test("parseSinkSpec() names the value it cannot use", () => {
  for (const bad of ["ftp://x", "file:", "server:99999", "kafka"]) {
    assert.throws(
      () => parseSinkSpec(bad),
      (e) => e instanceof ConfigError && e.message.includes("--sink"),
      bad,
    );
  }
});
