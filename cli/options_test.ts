import assert from "node:assert/strict";
import { ConfigSchema } from "../core/config.ts";
import * as v from "valibot";
import { parseCommandLine, planFromFlags, UsageError } from "./options.ts";

const usageError = (args: string[], message: RegExp) =>
  assert.throws(
    () => parseCommandLine(args),
    (e) => e instanceof UsageError && message.test(e.message),
  );

Deno.test("parseCommandLine() runs by default, with the flags' defaults", () => {
  const line = parseCommandLine([]);
  assert.equal(line.command, "run");
  if (line.command !== "run") return;
  assert.equal(line.options.verbose, false);
  assert.deepEqual(line.options.run, {
    configFile: undefined,
    plugins: [],
    region: undefined,
    sinks: [],
    shard: undefined,
    workers: "auto",
    state: undefined,
    metrics: undefined,
    ocpp: undefined,
  });
});

Deno.test("parseCommandLine() types each command's flags", async (t) => {
  await t.step("run", () => {
    const line = parseCommandLine([
      "--shard",
      "1/3",
      "--state",
      "s.state",
      "--state-interval",
      "2.5",
      "--metrics-port",
      "9464",
      "--host",
      "0.0.0.0",
      "--sink",
      "+stdout",
      "-c",
      "c.json",
      "--seed",
      "7",
    ]);
    assert.ok(line.command === "run");
    assert.equal(line.options.config, "c.json");
    assert.equal(line.options.overrides.seed, "7");
    assert.deepEqual(line.options.run.shard, { index: 1, count: 3 });
    assert.deepEqual(line.options.run.state, { path: "s.state", everyMs: 2500 });
    assert.deepEqual(line.options.run.metrics, { port: 9464, hostname: "0.0.0.0" });
    assert.deepEqual(line.options.run.sinks, ["+stdout"]);
    assert.equal(line.options.run.configFile, "c.json");
  });
  await t.step("serve, stats, replay, init, schema", () => {
    assert.deepEqual(parseCommandLine(["serve"]), {
      command: "serve",
      options: { port: 8787, host: "127.0.0.1", verbose: false },
    });
    const stats = parseCommandLine(["stats", "--json", "--reference", "workplace=boulder"]);
    assert.ok(stats.command === "stats");
    assert.equal(stats.file, "-");
    assert.equal(stats.options.json, true);
    assert.equal(stats.options.reference.workplace?.name, "boulder");
    const replay = parseCommandLine(["replay", "dead.ndjson", "--sink", "stdout"]);
    assert.ok(replay.command === "replay");
    assert.equal(replay.file, "dead.ndjson");
    assert.deepEqual(replay.options.replay.sinks, ["stdout"]);
    assert.deepEqual(parseCommandLine(["init"]), { command: "init", dir: "." });
    assert.deepEqual(parseCommandLine(["schema", "event"]), { command: "schema", which: "event" });
  });
  await t.step("flags another command reads are accepted and ignored", () => {
    assert.equal(parseCommandLine(["serve", "--shard", "nonsense"]).command, "serve");
  });
});

Deno.test("parseCommandLine() reads --ocpp for run, and csms with its own port default", () => {
  const line = parseCommandLine([
    "--speed",
    "60",
    "--ocpp",
    "ws://127.0.0.1:9000",
    "--ocpp-version",
    "2.0.1",
  ]);
  assert.equal(line.command, "run");
  if (line.command === "run") {
    assert.deepEqual(line.options.run.ocpp, { url: "ws://127.0.0.1:9000", version: "2.0.1" });
  }
  assert.deepEqual(parseCommandLine(["csms"]), {
    command: "csms",
    options: { port: 9000, host: "127.0.0.1", json: false, verbose: false },
  });
  const json = parseCommandLine(["csms", "--port", "0", "--host", "::1", "--json"]);
  assert.ok(json.command === "csms" && json.options.port === 0 && json.options.json);
  usageError(["csms", "--port", "x"], /^--port: expected a port number/);
  usageError(["csms", "extra"], /^csms: unexpected argument "extra"/);
  const tls = parseCommandLine(["csms", "--cert", "c.pem", "--key", "k.pem"]);
  assert.ok(tls.command === "csms" && tls.options.cert === "c.pem" && tls.options.key === "k.pem");
  usageError(["csms", "--cert", "c.pem"], /--cert and --key go together/);
});

Deno.test("parseCommandLine() answers --help with the help of the command named", () => {
  assert.deepEqual(parseCommandLine(["--help"]), { command: "help", topic: undefined });
  assert.deepEqual(parseCommandLine(["stats", "x", "--help"]), { command: "help", topic: "stats" });
  assert.deepEqual(parseCommandLine(["-h", "serve"]), { command: "help", topic: "serve" });
  assert.deepEqual(parseCommandLine(["help"]), { command: "help", topic: undefined });
  assert.deepEqual(parseCommandLine(["help", "replay"]), { command: "help", topic: "replay" });
  assert.deepEqual(parseCommandLine(["fly", "--help"]), { command: "help", topic: undefined });
  assert.deepEqual(parseCommandLine(["-V"]), { command: "version" });
  usageError(["help", "fly"], /^help: unknown command "fly"$/);
});

Deno.test("parseCommandLine() takes a negative number as a flag's value", () => {
  const line = parseCommandLine(["--speed", "-1", "--seed", "-.5", "-c", "-2"]);
  assert.ok(line.command === "run");
  assert.equal(line.options.overrides.speed, "-1");
  assert.equal(line.options.overrides.seed, "-.5");
  assert.equal(line.options.config, "-2");
  usageError(["serve", "--port", "-1"], /^--port: expected a port number 0–65535, got "-1"$/);
  // Not a number: a flag missing its value, as parseArgs says.
  usageError(["--sink", "--duration", "1h"], /^Option '--sink' argument is ambiguous/);
  // After --, words are positional.
  usageError(["stats", "--", "-1", "-2"], /^stats: unexpected argument "-2"$/);
});

Deno.test("parseCommandLine() names the flag and the value of every mistake", () => {
  usageError(["--sped"], /^Unknown option '--sped'\. .* as in '-- --sped'\.$/);
  usageError(
    ["--shard", "3/3"],
    /^--shard: expected I\/N with 0 ≤ I < N, such as 0\/3, got "3\/3"$/,
  );
  usageError(["--state-interval", "0"], /^--state-interval: expected seconds > 0, got "0"$/);
  usageError(["--metrics-port", "x"], /^--metrics-port: expected a port number 0–65535, got "x"$/);
  usageError(["serve", "--port", "70000"], /^--port: expected a port number 0–65535/);
  usageError(["stats", "--reference", "nope"], /^stats: --reference: unknown reference "nope"/);
  usageError(["replay"], /^replay: expected a file \(or - for stdin\)$/);
  usageError(["schema", "x"], /^schema: expected "event", "config" or "loadtest", got "x"$/);
  usageError(["loadtest"], /^loadtest: expected a scenario file$/);
  usageError(["run", "x"], /^run: unexpected argument "x"$/);
  usageError(["fly"], /^unknown command "fly"$/);
});

Deno.test("planFromFlags() makes a mistake in a flag's value a usage error", () => {
  const config = v.parse(ConfigSchema, {});
  assert.throws(
    () => planFromFlags(config, { seed: "abc" }, 0),
    (e) =>
      e instanceof UsageError && e.message === '--seed: expected a whole number ≥ 0, got "abc"',
  );
  assert.equal(planFromFlags(config, { duration: "1h" }, 0).mode, "backfill");
});
