/**
 * `evsim run --state FILE` end to end: runs killed at random moments and
 * started again continue where they stopped.
 */
import assert from "node:assert/strict";
import { readLines } from "../core/ndjson.ts";
import { decode, evsimCommand, inTempDir } from "./_evsim.ts";
import { startReceiver } from "./_receiver.ts";

const RUN = [
  "--region",
  "CO; AZ; OR",
  "--from",
  "2026-01-05",
  "--duration",
  "8h",
  "--update-interval",
  "300",
];
const STATE = ["--state", "run.state", "--state-interval", "0.2"];

interface Event {
  seq: number;
  eventId: string;
  [key: string]: unknown;
}

const parse = (text: string): Event[] =>
  text.split("\n").filter((l) => l.trim() !== "").map((l) => JSON.parse(l));

/** Starts evsim and sends it `signal` once it has written `lines` events, unless it ends first. */
async function killedAfter(
  dir: string,
  args: string[],
  lines: number,
  signal: Deno.Signal = "SIGKILL",
  /** Kill only once stderr shows this too (a line logged at start-up, written asynchronously). */
  logged?: RegExp,
) {
  const child = evsimCommand(args, dir).spawn();
  const events: Event[] = [];
  let stderr = "";
  const draining = child.stderr.pipeThrough(new TextDecoderStream()).pipeTo(
    new WritableStream({ write: (text) => void (stderr += text) }),
  );
  let killed = false;
  for await (const line of readLines(child.stdout)) {
    if (line.trim() === "") continue;
    try {
      events.push(JSON.parse(line));
    } catch (error) {
      // The kill may cut the last line short: that one was never written whole.
      if (!killed) throw error;
    }
    if (!killed && events.length >= lines && (!logged || logged.test(stderr))) {
      killed = true;
      child.kill(signal);
    }
  }
  await draining;
  const { code } = await child.status;
  return { code, events, stderr };
}

/** Checks that `runs` together hold exactly the events of `whole`, each once after deduplication. */
function assertSameRun(runs: Event[][], whole: Event[]) {
  const byId = new Map<string, Event>();
  for (const events of runs) {
    for (let i = 1; i < events.length; i++) assert.ok(events[i].seq > events[i - 1].seq);
    for (const e of events) {
      const seen = byId.get(e.eventId);
      // An event sent again after a kill is the same event, to the byte.
      if (seen) assert.deepEqual(e, seen);
      byId.set(e.eventId, e);
    }
  }
  assert.deepEqual([...byId.values()].sort((a, b) => a.seq - b.seq), whole);
}

Deno.test("evsim --state: killed at random moments, the run still gives every event", async () => {
  await inTempDir(async (dir) => {
    const whole = parse(decode((await evsimCommand(RUN, dir).output()).stdout));
    assert.ok(whole.length > 10_000);
    const args = [...RUN, "--speed", "4800", ...STATE];
    const runs: Event[][] = [];
    let kills = 0;
    for (let attempt = 0; attempt < 20; attempt++) {
      const run = await killedAfter(dir, args, 1000 + Math.floor(Math.random() * 4000));
      runs.push(run.events);
      if (run.code === 0) break;
      kills++;
    }
    assert.ok(kills >= 2, `killed ${kills} times`);
    assert.ok(runs.at(-1)!.length > 0);
    assertSameRun(runs, whole);
    // Started again, a finished run has nothing left to do.
    const { code, stdout, stderr } = await evsimCommand(args, dir).output();
    assert.equal(code, 0);
    assert.equal(decode(stdout), "");
    assert.match(decode(stderr), /already finished/);
  });
});

Deno.test("evsim --state: stopped by SIGTERM, the run continues without repeating an event", async () => {
  await inTempDir(async (dir) => {
    const uninterrupted = await evsimCommand(RUN, dir).output();
    const whole = parse(decode(uninterrupted.stdout));
    const args = [...RUN, "--speed", "4800", "--state", "run.state"];
    const first = await killedAfter(dir, args, 3000, "SIGTERM");
    assert.equal(first.code, 0);
    const second = await evsimCommand(args, dir).output();
    assert.equal(second.code, 0, decode(second.stderr));
    const runs = [first.events, parse(decode(second.stdout))];
    assert.ok(runs[0].length > 0 && runs[1].length > 0);
    assert.equal(runs[1][0].seq, runs[0].at(-1)!.seq + 1, "seq continues");
    assert.deepEqual(runs.flat(), whole);
    // The resumed run's summary: its own events, as its sink counts them, then the totals,
    // which are the uninterrupted run's to the digit (energy of sessions still plugged in too).
    const summary = decode(second.stderr);
    const count = (n: number) => n.toLocaleString("en-US");
    const run = new RegExp(`this run, from (\\S+): events ${count(runs[1].length)} · `).exec(
      summary,
    );
    assert.ok(run, summary);
    assert.ok(run[1] >= String(runs[0].at(-1)!.time) && run[1] <= String(runs[1][0].time));
    assert.match(summary, new RegExp(`stdout: received ${count(runs[1].length)} · `));
    const totals = (text: string) =>
      /(events [\d,]+ · .* kWh)\n/.exec(text.split("in all since the first start: ").at(-1)!)?.[1];
    const expected = /\n {2}(events [\d,]+ · .* kWh)\n/.exec(decode(uninterrupted.stderr))![1];
    assert.equal(totals(summary), expected);
    assert.match(expected, new RegExp(`^events ${count(whole.length)} · `));
  });
});

Deno.test("evsim --state refuses a corrupt or foreign state file and leaves it untouched", async (t) => {
  await inTempDir(async (dir) => {
    const path = `${dir}/run.state`;
    await t.step("not JSON", async () => {
      await Deno.writeTextFile(path, "{ half a file");
      const { code, stderr } = await evsimCommand([...RUN, ...STATE], dir).output();
      assert.equal(code, 2);
      assert.match(decode(stderr), /run\.state: not a state file evsim can resume \(invalid JSON/);
      assert.equal(await Deno.readTextFile(path), "{ half a file");
    });
    await t.step("another format version", async () => {
      const text = JSON.stringify({ format: "evsim-state", version: 99 });
      await Deno.writeTextFile(path, text);
      const { code, stderr } = await evsimCommand([...RUN, ...STATE], dir).output();
      assert.equal(code, 2);
      assert.match(decode(stderr), /format version 99; this evsim reads 1/);
      assert.equal(await Deno.readTextFile(path), text);
    });
    await t.step("another run's state", async () => {
      await Deno.remove(path);
      const made = await evsimCommand([...RUN, ...STATE], dir).output();
      assert.equal(made.code, 0);
      const text = await Deno.readTextFile(path);
      const { code, stderr } = await evsimCommand([...RUN, ...STATE, "--seed", "2"], dir)
        .output();
      assert.equal(code, 2);
      assert.match(decode(stderr), /this state belongs to another run \(seed 1/);
      assert.equal(await Deno.readTextFile(path), text);
    });
  });
});

Deno.test("evsim --state with a failing HTTP receiver: killed and started again, no event is lost", async () => {
  // Three requests in ten fail: the sink holds events waiting to retry when it is killed.
  await using receiver = startReceiver((n) => ({ status: n % 10 < 3 ? 503 : 200 }));
  await inTempDir(async (dir) => {
    const whole = parse(decode((await evsimCommand(RUN, dir).output()).stdout));
    await Deno.writeTextFile(
      `${dir}/c.json`,
      JSON.stringify({
        sinks: [{
          type: "http",
          url: receiver.url,
          retryBaseMs: 20,
          maxAttempts: 30,
          deadLetter: "dead.ndjson",
        }],
      }),
    );
    const args = ["-c", "c.json", ...RUN, "--speed", "4800", ...STATE];
    let kills = 0;
    for (let attempt = 0; attempt < 4; attempt++) {
      const child = evsimCommand(args, dir).spawn();
      // Killed three times, then left to finish.
      const target = attempt === 3
        ? Infinity
        : receiver.acknowledged.size + 500 + Math.floor(Math.random() * 1500);
      const status = child.output();
      let done = false;
      status.then(() => done = true);
      while (!done && receiver.acknowledged.size < target) {
        await new Promise((r) => setTimeout(r, 10));
      }
      if (done) {
        const { code, stderr } = await status;
        assert.equal(code, 0, decode(stderr));
        break;
      }
      child.kill("SIGKILL");
      await status;
      kills++;
    }
    assert.ok(kills >= 2, `killed ${kills} times`);
    let dead = new Set<string>();
    try {
      dead = new Set(
        parse(await Deno.readTextFile(`${dir}/dead.ndjson`)).map((d) => (d.event as Event).eventId),
      );
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
    const missing = whole.filter((e) =>
      !receiver.acknowledged.has(e.eventId) && !dead.has(e.eventId)
    );
    assert.deepEqual(missing.map((e) => e.eventId).slice(0, 5), [], `${missing.length} lost`);
  });
});

/** The files of `dir` whose names start with `prefix`, oldest backup first, each as a SHA-256 digest. */
async function fileSet(dir: string, prefix: string): Promise<[string, string][]> {
  const names = [];
  for await (const entry of Deno.readDir(dir)) {
    if (entry.name.startsWith(prefix)) names.push(entry.name);
  }
  const backup = (name: string) => Number(name.slice(prefix.length + 1) || 0);
  names.sort((a, b) => backup(b) - backup(a));
  return await Promise.all(names.map(async (name) => {
    const bytes = await Deno.readFile(`${dir}/${name}`);
    const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
    return [name, `${bytes.length} bytes, sha-256 ${btoa(String.fromCharCode(...digest))}`];
  }));
}

interface Restore {
  cut: number;
  undone: number;
}

/** The restores of file sinks that evsim's log (on stderr) reports: bytes cut, rotations undone. */
const restoresIn = (stderr: string): Restore[] =>
  [...stderr.matchAll(/cut (\d+) byte\(s\) written after the save, undid (\d+) rotation/g)]
    .map((m) => ({ cut: +m[1], undone: +m[2] }));

/**
 * A backfill with `--state` writing the file sink `file`, killed at random
 * moments and started again until it finishes, against one never killed: the
 * files must be the same to the byte. A stdout sink beside it times the kills.
 * It is killed three times, and up to six until the restores were `enough`;
 * the first time before any save but the one each run makes at its start.
 */
async function killedFileRun(
  file: Record<string, unknown>,
  enough: (restores: Restore[]) => boolean,
) {
  const run = ["--region", "CO", "--from", "2026-01-05", "--duration", "8h"];
  const args = ["-c", "c.json", ...run, "--update-interval", "300"];
  let whole: [string, string][] = [];
  await inTempDir(async (dir) => {
    await Deno.writeTextFile(`${dir}/c.json`, JSON.stringify({ sinks: [file] }));
    assert.equal((await evsimCommand(args, dir).output()).code, 0);
    whole = await fileSet(dir, "out.ndjson");
  });
  await inTempDir(async (dir) => {
    await Deno.writeTextFile(
      `${dir}/c.json`,
      JSON.stringify({ sinks: [file, { type: "stdout" }] }),
    );
    // -v: what the runs log goes to stderr at once (the log file's buffer dies with a kill).
    const killed = [...args, "--state", "run.state", "-v", "--state-interval"];
    let kills = 0;
    let stderr = "";
    for (let attempt = 0; attempt < 8; attempt++) {
      const more = kills < 3 || (!enough(restoresIn(stderr)) && kills < 6);
      // The first run is killed before its first periodic save: only the one at its start exists.
      const every = attempt === 0 ? "1000" : "0.01";
      const lines = more ? 1000 + Math.random() * 2500 : Infinity;
      // Each run after a kill logs its going back before it is killed in turn.
      const restored = attempt > 0 ? /back at the saved position/ : undefined;
      const run = await killedAfter(dir, [...killed, every], lines, "SIGKILL", restored);
      stderr += run.stderr;
      if (run.code === 0) break;
      assert.ok(more, run.stderr);
      kills++;
    }
    assert.ok(kills >= 3, `killed ${kills} times`);
    const restores = restoresIn(stderr);
    assert.equal(restores.length, kills, "each run after a kill went back to the saved position");
    assert.ok(restores[0].cut > 0, "the first run wrote after the save at its start");
    assert.ok(enough(restores), JSON.stringify(restores));
    assert.doesNotMatch(stderr, /cannot go back|\[WRN\]|\[ERR\]/);
    assert.deepEqual(await fileSet(dir, "out.ndjson"), whole);
  });
  return whole;
}

Deno.test("evsim --state: a file sink killed at random moments holds each event once", async () => {
  // Enough once some kill left bytes written after the save.
  const whole = await killedFileRun(
    { type: "file", path: "out.ndjson" },
    (restores) => restores.some((r) => r.cut > 0),
  );
  assert.equal(whole.length, 1);
});

Deno.test("evsim --state: a rotating file sink killed at random moments holds each event once", async () => {
  // Enough once some kill came after a rotation since the save.
  const whole = await killedFileRun(
    { type: "file", path: "out.ndjson", maxBytes: 300_000, backups: 100 },
    (restores) => restores.some((r) => r.undone > 0),
  );
  assert.ok(whole.length > 15, `${whole.length} files`);
});
