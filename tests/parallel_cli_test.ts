/**
 * `evsim --workers N` end to end: a backfill on several threads writes the
 * bytes and the summary of the same run on one.
 */
import assert from "node:assert/strict";
import { decode, evsimCommand, inTempDir } from "./_evsim.ts";

// Faults, maintenance, rejections and interruptions all happen in a day of Colorado.
const ARGS = ["--region", "CO", "--from", "2026-03-02", "--duration", "1d", "--warm-up", "2d"];

/** stdout and the summary (without its wall time) of `evsim ARGS`. */
async function run(dir: string, args: string[]): Promise<{ stdout: Uint8Array; summary: string }> {
  const { code, stdout, stderr } = await evsimCommand(args, dir).output();
  assert.equal(code, 0, decode(stderr));
  return { stdout, summary: decode(stderr).replace(/ in \d+(\.\d+)? s\b/, " in … s") };
}

Deno.test("evsim --workers N writes the bytes and the summary of the run on one thread", async (t) => {
  await inTempDir(async (dir) => {
    for (const extra of [["--seed", "3"], ["--seed", "5", "--shard", "1/2"]]) {
      const one = await run(dir, [...ARGS, ...extra, "--workers", "1"]);
      const events = decode(one.stdout).trimEnd().split("\n").map((l) => JSON.parse(l));
      assert.ok(events.length > 50_000, `${events.length} events`);
      const types = new Set(events.map((e) => e.type));
      for (
        const type of [
          "session.started",
          "session.interrupted",
          "session.rejected",
          "charger.status",
        ]
      ) {
        assert.ok(types.has(type), `no ${type} in ${[...types]}`);
      }
      for (const workers of ["2", "3"]) {
        await t.step(`${extra.join(" ")} --workers ${workers}`, async () => {
          const many = await run(dir, [...ARGS, ...extra, "--workers", workers]);
          assert.ok(many.stdout.length === one.stdout.length, "as many bytes");
          assert.deepEqual(many.stdout, one.stdout);
          assert.equal(many.summary, one.summary);
        });
      }
    }
  });
});

Deno.test("evsim --workers N writes rotating files and stdout together as the run on one thread does", async () => {
  await inTempDir(async (dir) => {
    const config = {
      sinks: [
        { type: "file", path: "out/events.ndjson", maxBytes: 4 << 20, backups: 100 },
        { type: "stdout" },
      ],
      log: { file: null },
    };
    await Deno.writeTextFile(`${dir}/config.json`, JSON.stringify(config));
    /** Every file the run wrote, by name, and its stdout. */
    const outputs = async (workers: string) => {
      await Deno.remove(`${dir}/out`, { recursive: true }).catch(() => {});
      const { stdout, summary } = await run(dir, [
        "-c",
        "config.json",
        ...ARGS,
        "--workers",
        workers,
      ]);
      const files = new Map<string, Uint8Array>();
      for await (const entry of Deno.readDir(`${dir}/out`)) {
        files.set(entry.name, await Deno.readFile(`${dir}/out/${entry.name}`));
      }
      return { stdout, summary, files };
    };
    const one = await outputs("1");
    assert.ok(one.files.size > 10, `${one.files.size} files: the run rotates`);
    const joined = [...one.files.keys()].sort((a, b) => b.localeCompare(a, "en", { numeric: true }))
      .map((name) => new TextDecoder().decode(one.files.get(name)!)).join("");
    assert.equal(joined, new TextDecoder().decode(one.stdout), "the files hold stdout's lines");
    const many = await outputs("2");
    assert.deepEqual([...many.files.keys()].sort(), [...one.files.keys()].sort());
    for (const [name, bytes] of one.files) assert.deepEqual(many.files.get(name), bytes, name);
    assert.deepEqual(many.stdout, one.stdout);
    assert.equal(many.summary, one.summary);
  });
});

Deno.test("evsim --workers N: a run that needs more than its lines runs on one thread, and says so", async () => {
  await inTempDir(async (dir) => {
    const args = ["--region", "Boulder, CO", "--duration", "2h", "--warm-up", "0"];
    for (
      const [extra, obstacle] of [
        [["--state", "run.state"], "a state file"],
        [["--metrics-port", "0"], "a metrics server"],
        // Port 9 is one fetch refuses to reach: nothing is sent.
        [["--sink", "http://127.0.0.1:9/events"], "the http sink"],
      ] as const
    ) {
      const { stderr } = await evsimCommand([...args, "--workers", "2", ...extra], dir).output();
      assert.match(
        decode(stderr),
        new RegExp(`--workers 2: running on one thread for ${obstacle}`),
      );
    }
    // The default, auto, says nothing.
    const auto = await evsimCommand([...args, "--state", "auto.state"], dir).output();
    assert.equal(auto.code, 0, decode(auto.stderr));
    assert.doesNotMatch(decode(auto.stderr), /one thread/);
  });
});

Deno.test("evsim --workers refuses what is not a thread count", async () => {
  await inTempDir(async (dir) => {
    for (const bad of ["0", "two", "1.5", "65"]) {
      const { code, stderr } = await evsimCommand(["--duration", "1h", "--workers", bad], dir)
        .output();
      assert.equal(code, 2, bad);
      assert.match(decode(stderr), /--workers: expected auto or a number of threads 1–64/);
    }
  });
});

Deno.test("evsim --workers 2 ends quietly with exit 0 when its reader goes away", async () => {
  await inTempDir(async (dir) => {
    const child = evsimCommand(["--duration", "30d", "--workers", "2"], dir).spawn();
    const reader = child.stdout.getReader();
    let bytes = 0;
    while (bytes < 4 << 20) {
      const { value, done } = await reader.read();
      assert.ok(!done, "ended before its reader went away");
      bytes += value.length;
    }
    await reader.cancel();
    const [status, stderr] = await Promise.all([child.status, new Response(child.stderr).text()]);
    assert.equal(status.code, 0, stderr);
    assert.equal(stderr, "");
  });
});

Deno.test("evsim --workers 2 stops on SIGINT with a summary of what it wrote", async () => {
  await inTempDir(async (dir) => {
    const child = evsimCommand(["--duration", "30d", "--workers", "2"], dir).spawn();
    const reader = child.stdout.getReader();
    const decoder = new TextDecoder();
    let text = "";
    while (text.length < 2 << 20) {
      const { value, done } = await reader.read();
      assert.ok(!done, "ended before it was signalled");
      text += decoder.decode(value, { stream: true });
    }
    child.kill("SIGINT");
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
    const [status, stderr] = await Promise.all([child.status, new Response(child.stderr).text()]);
    assert.equal(status.code, 0, stderr);
    const lines = text.trimEnd().split("\n");
    const seqs = lines.map((line) => JSON.parse(line).seq);
    assert.ok(seqs.every((seq, i) => i === 0 || seq === seqs[i - 1] + 1), "seq runs on by one");
    const events = Number(/events ([\d,]+)/.exec(stderr)?.[1].replaceAll(",", ""));
    assert.match(stderr, /stopped backfill/);
    assert.equal(events, lines.length);
  });
});
