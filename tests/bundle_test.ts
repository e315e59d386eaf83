/**
 * The one-file build (`deno task bundle`): it writes the same bytes as the
 * sources run the way `deno task sim` runs them, and it needs no file beside
 * it, no `deno.json`, no data folder, no npm cache.
 */
import assert from "node:assert/strict";
import { shardOf } from "../core/shard.ts";
import { bundleEvsim } from "./_bundle.ts";
import { decode, evsimCommand, inTempDir } from "./_evsim.ts";

/** The permissions the compiled binary gets (the `compile:*` tasks in deno.json). */
const PERMISSIONS = ["--allow-read", "--allow-write", "--allow-env", "--allow-net"];

/**
 * `evsim ARGS` from the bundle, in `cwd`, with no config file (so no import
 * map), recording every permission check in `audit` (JSON lines).
 */
function bundleCommand(script: string, args: string[], cwd: string, audit: string): Deno.Command {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "--no-config", ...PERMISSIONS, script, ...args],
    cwd,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1", DENO_AUDIT_PERMISSIONS: audit },
  });
}

interface Output {
  code: number;
  stdout: Uint8Array;
  stderr: string;
}

/** The summary on stderr without its wall-clock duration. */
const untimed = (stderr: string) => stderr.replace(/ in \d+(\.\d+)? s\b/g, " in … s");

/** Paths read or written by a run, from its permission audit. */
async function accessed(audit: string, kind: "read" | "write"): Promise<Set<string>> {
  const text = await Deno.readTextFile(audit).catch(() => "");
  return new Set(
    text.split("\n").filter(Boolean).map((line) => JSON.parse(line))
      .filter((entry) => entry.permission === kind).map((entry) => String(entry.value)),
  );
}

Deno.test("deno bundle: the bundle runs alone and writes the same bytes as main.ts", async (t) => {
  await inTempDir(async (root) => {
    const sources = `${root}/sources`;
    const alone = `${root}/alone`;
    await Deno.mkdir(sources);
    await Deno.mkdir(alone);
    const script = await bundleEvsim(alone);
    const audit = `${root}/audit.jsonl`;

    /** The same arguments through main.ts and through the bundle. */
    async function both(args: string[]): Promise<[Output, Output]> {
      await Deno.remove(audit).catch(() => {});
      const [a, b] = await Promise.all([
        evsimCommand(args, sources).output(),
        bundleCommand(script, args, alone, audit).output(),
      ]);
      return [a, b].map(({ code, stdout, stderr }) => ({
        code,
        stdout,
        stderr: decode(stderr),
      })) as [Output, Output];
    }

    await t.step("a 6-hour backfill to stdout", async () => {
      const [fromSources, fromBundle] = await both(["--duration", "6h", "--seed", "3"]);
      assert.equal(fromSources.code, 0, fromSources.stderr);
      assert.equal(fromBundle.code, 0, fromBundle.stderr);
      const lines = decode(fromSources.stdout).trimEnd().split("\n");
      assert.ok(lines.length > 10_000, `only ${lines.length} events`);
      const types = new Set(lines.map((line) => JSON.parse(line).type));
      for (const type of ["session.started", "session.updated", "session.completed"]) {
        assert.ok(types.has(type), `no ${type}`);
      }
      assert.ok(bytesEqual(fromBundle.stdout, fromSources.stdout), "stdout differs");
      assert.equal(untimed(fromBundle.stderr), untimed(fromSources.stderr));
      assert.match(fromBundle.stderr, /finished backfill .* seed 3/);
    });

    await t.step("a shard of a backfill to a rotating file", async () => {
      const args = [
        "--from",
        "2026-07-04T06:00:00Z",
        "--duration",
        "4h",
        "--seed",
        "9",
        "--shard",
        "1/3",
        "--update-interval",
        "120",
        "--sink",
        "file:out/events.ndjson",
      ];
      const [fromSources, fromBundle] = await both(args);
      assert.equal(fromSources.code, 0, fromSources.stderr);
      assert.equal(fromBundle.code, 0, fromBundle.stderr);
      assert.equal(fromBundle.stdout.length, 0);
      const expected = await Deno.readFile(`${sources}/out/events.ndjson`);
      const actual = await Deno.readFile(`${alone}/out/events.ndjson`);
      assert.ok(expected.length > 100_000, `only ${expected.length} bytes`);
      assert.ok(bytesEqual(actual, expected), "the files differ");
      for (const line of decode(actual).trimEnd().split("\n")) {
        assert.equal(shardOf(JSON.parse(line).stationId, 3), 1, line);
      }
      assert.equal(untimed(fromBundle.stderr), untimed(fromSources.stderr));
    });

    await t.step("validate reports the embedded data", async () => {
      const [fromSources, fromBundle] = await both(["validate"]);
      assert.equal(fromBundle.code, 0, fromBundle.stderr);
      assert.equal(decode(fromBundle.stdout), decode(fromSources.stdout));
      assert.match(decode(fromBundle.stdout), /embedded config: ok \(50 cities, \d+ chargers/);
    });

    await t.step("the bundle read no file but its own output and log", async () => {
      // The last run's audit is validate's; run a backfill again to audit one.
      await Deno.remove(audit).catch(() => {});
      const { code, stderr } = await bundleCommand(
        script,
        ["--duration", "15m", "--sink", "file:out/audit.ndjson"],
        alone,
        audit,
      ).output();
      assert.equal(code, 0, decode(stderr));
      const reads = await accessed(audit, "read");
      assert.ok(reads.size > 0, "the permission audit recorded nothing");
      // Absolute paths too: the permission check resolves output paths through symbolic links.
      const allowed = new Set([".", "charging_sessions.log", "out", "out/audit.ndjson"]);
      for (const path of reads) {
        const relative = path === alone
          ? "."
          : path.startsWith(`${alone}/`)
          ? path.slice(alone.length + 1)
          : path;
        assert.ok(allowed.has(relative), `read ${path}`);
      }
      const files = [];
      for await (const entry of Deno.readDir(alone)) files.push(entry.name);
      assert.deepEqual(files.sort(), ["charging_sessions.log", "evsim.js", "out"]);
    });
  });
});

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
