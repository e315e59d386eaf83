/**
 * Ctrl-C and SIGTERM as users give them. In a terminal, through `deno task sim`
 * and `npx -y deno@2.9.6 task sim`: the whole foreground job gets the signal,
 * and the task runners pass on what they get as well, so evsim gets it more
 * than once (the terminal is tests/_pty.py's). Then the rule that tells those
 * copies from a second Ctrl-C, with a shutdown kept waiting by a receiver that
 * never answers.
 */
import assert from "node:assert/strict";
import { decode, evsimCommand, inTempDir, readNdjson } from "./_evsim.ts";
import { startReceiver } from "./_receiver.ts";

/** The project folder, where `deno task` runs the task. */
const ROOT = new URL("..", import.meta.url).pathname;
const PTY = new URL("_pty.py", import.meta.url).pathname;
/** Python 3, for tests/_pty.py: `EVSIM_PYTHON3`, else `python3` on the PATH. */
const PYTHON = Deno.env.get("EVSIM_PYTHON3") || "python3";

/** What tests/_pty.py saw: the job's status, the transcript, seconds since it started. */
interface Terminal {
  status: { code: number } | { signal: string } | null;
  output: string;
  sentAfter: number | null;
  exitedAfter: number | null;
  closedAfter: number | null;
}

/** Runs `command` in a pseudo-terminal and sends it `send` half a second after its first event. */
async function inTerminal(command: string[], send: "ctrl-c" | "sigterm-group"): Promise<Terminal> {
  const { code, stdout, stderr } = await new Deno.Command(PYTHON, {
    args: [PTY, "--wait-for", '"eventId"', "--then", "0.5", "--send", send, "--timeout", "60", "--"]
      .concat(command),
    cwd: ROOT,
    stdin: "null",
    env: { NO_COLOR: "1" },
  }).output();
  assert.equal(code, 0, decode(stderr));
  return JSON.parse(decode(stdout));
}

/**
 * Runs `fn` in a new folder under out/ (ignored by git): `deno task sim` may
 * write only inside the project folder, not to the system's temporary folder.
 */
async function inProjectTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  await Deno.mkdir(`${ROOT}out`, { recursive: true });
  const dir = await Deno.makeTempDir({ dir: `${ROOT}out`, prefix: "ctrl-c-test-" });
  try {
    return await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/**
 * `RUNNER task sim` in a terminal, stopped by `send`, writing to stdout (the
 * terminal), a file, the log file and the state file. Asserts that the stop was
 * clean: the summary printed, every event in the file, the log written and the
 * state saved after the signal, with the file's place; returns the job's status.
 */
async function stoppedInTerminal(
  runner: string[],
  send: "ctrl-c" | "sigterm-group",
): Promise<Terminal["status"]> {
  return await inProjectTempDir(async (dir) => {
    await Deno.writeTextFile(
      `${dir}/config.json`,
      JSON.stringify({ log: { file: `${dir}/evsim.log` } }),
    );
    const started = Date.now();
    const terminal = await inTerminal(
      [...runner, "task", "sim", "-c", `${dir}/config.json`, "--region", "CO"].concat(
        ["--state", `${dir}/run.state`, "--sink", "stdout", "--sink", `file:${dir}/events.ndjson`],
      ),
      send,
    );
    const tail = terminal.output.slice(-3000);
    assert.notEqual(terminal.sentAfter, null, `no event seen:\n${tail}`);
    assert.doesNotMatch(terminal.output, /stopped at once/);
    const summary = /evsim: stopped realtime from .* until stopped.*\r\n +events ([\d,]+) ·/
      .exec(terminal.output);
    assert.ok(summary, `no summary:\n${tail}`);
    const events = Number(summary[1].replaceAll(",", ""));
    assert.ok(events > 0, tail);

    const file = `${dir}/events.ndjson`;
    assert.equal((await readNdjson(file)).length, events);
    const log = await Deno.readTextFile(`${dir}/evsim.log`);
    assert.match(log, /Simulating realtime from /);
    assert.match(log, /stopped realtime from .* events [\d,]+ ·/);

    const state = JSON.parse(await Deno.readTextFile(`${dir}/run.state`));
    const signalled = started + terminal.sentAfter! * 1000;
    assert.ok(Date.parse(state.savedAt) >= signalled, `saved ${state.savedAt}, before the signal`);
    assert.equal(state.simulation.stats.events, events);
    const [saved] = state.sinkPositions.filter((p: { path: string }) => p.path === file);
    assert.equal(saved?.position.size, (await Deno.stat(file)).size);
    return terminal.status;
  });
}

Deno.test("Ctrl-C in a terminal stops `deno task sim` cleanly, with exit code 0", async () => {
  assert.deepEqual(await stoppedInTerminal([Deno.execPath()], "ctrl-c"), { code: 0 });
});

Deno.test("SIGTERM to the whole job stops `deno task sim` cleanly, with exit code 0", async () => {
  assert.deepEqual(await stoppedInTerminal([Deno.execPath()], "sigterm-group"), { code: 0 });
});

/** npx, if there is one, and the name /bin/sh stands for. */
async function npxAndSh(): Promise<{ npx: boolean; sh: string }> {
  const npx = await new Deno.Command("sh", {
    args: ["-c", "command -v npx"],
    stdout: "null",
    stderr: "null",
  }).output().then(({ code }) => code === 0, () => false);
  const sh = await Deno.realPath("/bin/sh").catch(() => "/bin/sh");
  return { npx, sh: sh.slice(sh.lastIndexOf("/") + 1) };
}

const { npx, sh } = await npxAndSh();

Deno.test({
  name: "Ctrl-C in a terminal stops `npx -y deno@2.9.6 task sim` cleanly",
  ignore: !npx,
  async fn() {
    const status = await stoppedInTerminal(["npx", "-y", "deno@2.9.6"], "ctrl-c");
    // npm runs the task with `sh -c`; dash ends itself with SIGINT after its
    // child exits, whatever the child's code, and npm then does the same.
    // Other shells differ: bash, for one, passes on its child's code.
    const expected = sh === "dash" ? [{ signal: "SIGINT" }] : [{ code: 0 }, { signal: "SIGINT" }];
    assert.ok(
      expected.some((e) => JSON.stringify(e) === JSON.stringify(status)),
      `${JSON.stringify(status)}, /bin/sh is ${sh}`,
    );
  },
});

Deno.test("evsim takes signals within a second of the first for copies of it, and a later one for a stop at once", async (t) => {
  await using receiver = startReceiver(() => ({ status: 200, delayMs: 60_000 }));
  /** evsim with an HTTP sink that never hears back, so its shutdown lasts `shutdownTimeoutMs`. */
  async function run(dir: string, signals: [Deno.Signal, number][]) {
    await Deno.writeTextFile(
      `${dir}/c.json`,
      JSON.stringify({
        shutdownTimeoutMs: 3000,
        log: { file: "evsim.log" },
        sinks: [
          { type: "http", url: receiver.url, deadLetter: "dead.ndjson" },
          { type: "file", path: "all.ndjson" },
        ],
      }),
    );
    const child = evsimCommand(["-c", "c.json", "--region", "CO", "--speed", "600"], dir).spawn();
    const output = child.output();
    const started = performance.now();
    while ((await readNdjson(`${dir}/all.ndjson`)).length === 0) {
      if (performance.now() - started > 60_000) assert.fail("no event after 60 s");
      await new Promise((r) => setTimeout(r, 50));
    }
    for (const [signal, afterMs] of signals) {
      await new Promise((r) => setTimeout(r, afterMs));
      child.kill(signal);
    }
    const { code, stderr } = await output;
    return { code, stderr: decode(stderr), log: await Deno.readTextFile(`${dir}/evsim.log`) };
  }

  await t.step("three signals 50 ms apart: one clean stop", async () => {
    await inTempDir(async (dir) => {
      const { code, stderr } = await run(dir, [["SIGTERM", 0], ["SIGINT", 50], ["SIGTERM", 50]]);
      assert.doesNotMatch(stderr, /stopped at once/);
      assert.match(stderr, /stopped accelerated at 600× .*\n +events [\d,]+ ·/);
      const all = await readNdjson(`${dir}/all.ndjson`);
      assert.match(stderr, new RegExp(`dead-lettered ${all.length.toLocaleString("en-US")} to`));
      assert.equal(code, 3, stderr);
    });
  });

  await t.step(
    "a second signal 1.5 s after the first: a stop at once, with the log kept",
    async () => {
      await inTempDir(async (dir) => {
        const { code, stderr, log } = await run(dir, [["SIGTERM", 0], ["SIGINT", 1500]]);
        assert.match(stderr, /evsim: stopped at once; events the sinks still held are not/);
        assert.doesNotMatch(stderr, /stopped accelerated/);
        assert.equal(code, 130, stderr);
        assert.match(log, /Simulating accelerated at 600× from /);
      });
    },
  );
});
