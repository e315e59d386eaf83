/**
 * Sinks end to end: the real `evsim` process delivering to files, to the echo
 * server and to receivers that fail, on loopback.
 */
import assert from "node:assert/strict";
import { serveEcho } from "../sinks/server.ts";
import { closedPort, startReceiver } from "./_receiver.ts";
import { simEvents } from "./_events.ts";
import { decode, evsimCommand, inTempDir, readNdjson } from "./_evsim.ts";

Deno.test("evsim writes the same events to rotating files as to stdout", async () => {
  await inTempDir(async (dir) => {
    await Deno.writeTextFile(
      `${dir}/c.json`,
      JSON.stringify({
        region: "CO",
        sinks: [{ type: "file", path: "out.ndjson", maxBytes: 200_000, backups: 1000 }, {
          type: "stdout",
        }],
      }),
    );
    const { code, stdout, stderr } = await evsimCommand(["-c", "c.json", "--duration", "2h"], dir)
      .output();
    assert.equal(code, 0, decode(stderr));
    const names = [...Deno.readDirSync(dir)].map((e) => e.name).filter((n) =>
      n.startsWith("out.ndjson")
    );
    const rotated = names.filter((n) => n !== "out.ndjson").map((n) => Number(n.split(".").pop()));
    assert.ok(rotated.length >= 3, `only ${names.length} files`);
    let joined = "";
    for (const n of rotated.sort((a, b) => b - a)) {
      const text = await Deno.readTextFile(`${dir}/out.ndjson.${n}`);
      assert.ok(new TextEncoder().encode(text).length <= 200_000);
      joined += text;
    }
    joined += await Deno.readTextFile(`${dir}/out.ndjson`);
    assert.equal(joined, decode(stdout));
    assert.match(decode(stderr), /file out\.ndjson: received [\d,]+ · sent/);
  });
});

Deno.test("evsim delivers every event to the echo server, one by one and in batches", async (t) => {
  for (const batchSize of [1, 100]) {
    await t.step(`batchSize ${batchSize}`, async () => {
      await using server = await serveEcho({ port: 0 });
      await inTempDir(async (dir) => {
        await Deno.writeTextFile(
          `${dir}/c.json`,
          JSON.stringify({
            sinks: [{ type: "http", url: `${server.url}/events`, batchSize }, {
              type: "file",
              path: "all.ndjson",
            }],
          }),
        );
        const { code, stderr } = await evsimCommand(
          [
            "-c",
            "c.json",
            "--region",
            "Boulder, CO",
            "--from",
            "2026-01-05T15:00:00Z",
            "--duration",
            "2h",
          ],
          dir,
        ).output();
        assert.equal(code, 0, decode(stderr));
        const all = await readNdjson(`${dir}/all.ndjson`);
        assert.ok(all.length > 500, `${all.length} events`);
        const stats = server.store.stats();
        assert.equal(stats.accepted, all.length);
        assert.equal(stats.rejected, 0);
        assert.match(
          decode(stderr),
          new RegExp(`acknowledged ${all.length.toLocaleString("en-US")}`),
        );
      });
    });
  }
});

Deno.test("evsim run waits at its end for a slow receiver past shutdownTimeoutMs: the end is not a shutdown", async () => {
  // Each batch takes 100 ms: delivering what the run leaves in the buffer takes about 1 s.
  await using receiver = startReceiver(() => ({ status: 200, delayMs: 100 }));
  await inTempDir(async (dir) => {
    await Deno.writeTextFile(
      `${dir}/c.json`,
      JSON.stringify({
        shutdownTimeoutMs: 50,
        sinks: [{ type: "http", url: receiver.url, batchSize: 100 }, {
          type: "file",
          path: "all.ndjson",
        }],
      }),
    );
    const { code, stderr } = await evsimCommand(
      ["-c", "c.json", "--region", "CO", "--duration", "1h"],
      dir,
    ).output();
    assert.equal(code, 0, decode(stderr));
    const all = await readNdjson(`${dir}/all.ndjson`);
    assert.ok(all.length > 2000, `${all.length} events`);
    assert.equal(receiver.acknowledged.size, all.length);
  });
});

Deno.test("evsim never logs the token, and dead-letters what a failing receiver refuses", async () => {
  await using receiver = startReceiver(() => ({ status: 500 }));
  await inTempDir(async (dir) => {
    const token = "tok-4f9a-very-secret";
    await Deno.writeTextFile(
      `${dir}/c.json`,
      JSON.stringify({
        log: { level: "debug" },
        sinks: [{
          type: "http",
          url: receiver.url,
          tokenEnv: "EVSIM_TEST_TOKEN",
          maxAttempts: 2,
          retryBaseMs: 1,
          deadLetter: "dead.ndjson",
        }, { type: "file", path: "all.ndjson" }],
      }),
    );
    const { code, stderr } = await evsimCommand(
      ["-c", "c.json", "--region", "Boulder, CO", "--duration", "10m", "-v"],
      dir,
      { EVSIM_TEST_TOKEN: token },
    ).output();
    assert.equal(code, 3, "events were dead-lettered");
    assert.match(decode(stderr), /dead-lettered [\d,]+ to dead\.ndjson/);
    assert.equal(receiver.requests[0].headers.get("authorization"), `Bearer ${token}`);
    const log = await Deno.readTextFile(`${dir}/charging_sessions.log`);
    assert.match(log, /Retrying/);
    assert.match(log, /Dead-lettered/);
    assert.ok(!log.includes(token), "token in the log file");
    assert.ok(!decode(stderr).includes(token), "token on stderr");
    const dead = await Deno.readTextFile(`${dir}/dead.ndjson`);
    assert.ok(!dead.includes(token), "token in the dead-letter file");
    const all = await readNdjson(`${dir}/all.ndjson`);
    assert.equal(dead.trimEnd().split("\n").length, all.length);
  });
});

Deno.test("evsim asks for the token's environment variable when it is missing", async () => {
  await inTempDir(async (dir) => {
    await Deno.writeTextFile(
      `${dir}/c.json`,
      JSON.stringify({
        sinks: [{ type: "http", url: "http://127.0.0.1:9/x", tokenEnv: "EVSIM_NOPE_TOKEN" }],
      }),
    );
    const { code, stderr } = await evsimCommand(["-c", "c.json", "--duration", "1h"], dir).output();
    assert.equal(code, 2);
    assert.match(
      decode(stderr),
      /sinks\[0\]\.tokenEnv: environment variable EVSIM_NOPE_TOKEN is not set/,
    );
  });
});

Deno.test("evsim accounts for every event when stopped by SIGTERM mid-delivery", async () => {
  await using receiver = startReceiver(() => ({ status: 200, delayMs: 5 }));
  await inTempDir(async (dir) => {
    await Deno.writeTextFile(
      `${dir}/c.json`,
      JSON.stringify({
        shutdownTimeoutMs: 300,
        sinks: [{ type: "http", url: receiver.url, deadLetter: "dead.ndjson" }, {
          type: "file",
          path: "all.ndjson",
        }],
      }),
    );
    const child = evsimCommand(["-c", "c.json", "--speed", "20000"], dir).spawn();
    while (receiver.acknowledged.size < 50) await new Promise((r) => setTimeout(r, 20));
    child.kill("SIGTERM");
    const { code, stderr } = await child.output();
    assert.match(decode(stderr), /stopped accelerated/);
    const all = await readNdjson(`${dir}/all.ndjson`);
    const dead = new Set(
      (await readNdjson(`${dir}/dead.ndjson`)).map((d) =>
        (d as unknown as { event: { eventId: string } }).event.eventId
      ),
    );
    assert.ok(all.length > 50);
    for (const e of all) {
      assert.ok(receiver.acknowledged.has(e.eventId) || dead.has(e.eventId), `${e.eventId} lost`);
    }
    assert.equal(code, dead.size > 0 ? 3 : 0, decode(stderr));
  });
});

Deno.test("evsim replay sends a dead-letter file again", async () => {
  await using server = await serveEcho({ port: 0 });
  await inTempDir(async (dir) => {
    const down = `http://127.0.0.1:9/events`;
    await Deno.writeTextFile(
      `${dir}/c.json`,
      JSON.stringify({
        sinks: [{ type: "http", url: down, maxAttempts: 1, deadLetter: "dead.ndjson" }],
      }),
    );
    // One city: each event is a refused connection, and a few hundred are enough.
    const first = await evsimCommand(
      ["-c", "c.json", "--region", "Boulder, CO", "--duration", "20m"],
      dir,
    ).output();
    assert.equal(first.code, 3, decode(first.stderr));
    const dead = await readNdjson(`${dir}/dead.ndjson`);
    assert.ok(dead.length > 50);
    await Deno.writeTextFile(`${dir}/dead.ndjson`, "not json\n", { append: true });
    const again = await evsimCommand(
      ["replay", "dead.ndjson", "--sink", `${server.url}/events`],
      dir,
    )
      .output();
    assert.equal(again.code, 1, "a bad line makes replay exit 1");
    assert.match(
      decode(again.stderr),
      new RegExp(`replayed ${dead.length} event\\(s\\) from dead\\.ndjson, skipped 1 bad line`),
    );
    assert.equal(server.store.stats().accepted, dead.length);
  });
});

Deno.test("evsim creates a file sink's folder, and stops before the run if it cannot write", async () => {
  await inTempDir(async (dir) => {
    const ok = await evsimCommand(["--duration", "10m", "--sink", "file:out/sub/s.ndjson"], dir)
      .output();
    assert.equal(ok.code, 0, decode(ok.stderr));
    assert.ok((await readNdjson(`${dir}/out/sub/s.ndjson`)).length > 100);
    await Deno.writeTextFile(`${dir}/blocker`, "a file, not a folder");
    const bad = await evsimCommand(["--duration", "10m", "--sink", "file:blocker/s.ndjson"], dir)
      .output();
    assert.equal(bad.code, 2);
    assert.equal(decode(bad.stdout), "");
    assert.match(decode(bad.stderr), /--sink\[0\]\.path: cannot write blocker\/s\.ndjson/);
  });
});

Deno.test("evsim --sink replaces the config's sinks, and --sink +SINK adds to them", async () => {
  await inTempDir(async (dir) => {
    await Deno.writeTextFile(
      `${dir}/c.json`,
      JSON.stringify({ sinks: [{ type: "file", path: "config.ndjson" }] }),
    );
    const added = await evsimCommand(
      ["-c", "c.json", "--duration", "20m", "--sink", "+file:extra.ndjson"],
      dir,
    ).output();
    assert.equal(added.code, 0, decode(added.stderr));
    const inConfig = await readNdjson(`${dir}/config.ndjson`);
    assert.ok(inConfig.length > 100);
    assert.deepEqual(await readNdjson(`${dir}/extra.ndjson`), inConfig);
    await Deno.remove(`${dir}/config.ndjson`);
    const replaced = await evsimCommand(
      ["-c", "c.json", "--duration", "20m", "--sink", "file:only.ndjson"],
      dir,
    ).output();
    assert.equal(replaced.code, 0, decode(replaced.stderr));
    assert.deepEqual(await readNdjson(`${dir}/config.ndjson`), []);
    assert.deepEqual(await readNdjson(`${dir}/only.ndjson`), inConfig);
  });
});

Deno.test("evsim serve runs the echo server until SIGTERM, with its token from --token or the environment", async (t) => {
  for (
    const [how, args, env] of [
      ["--token", ["--token", "t0k3n"], {}],
      ["EVSIM_SERVE_TOKEN", [], { EVSIM_SERVE_TOKEN: "t0k3n" }],
    ] as const
  ) await t.step(how, () => serveWithToken([...args], env));
});

async function serveWithToken(args: string[], env: Record<string, string>) {
  await inTempDir(async (dir) => {
    const child = evsimCommand(["serve", "--port", "0", ...args], dir, env).spawn();
    const reader = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
    let text = "";
    while (!/listening on (http:\/\/127\.0\.0\.1:\d+)/.test(text)) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`no address in: ${text}`);
      text += value;
    }
    const url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(text)![1];
    const [event] = simEvents(1);
    const post = (headers: Record<string, string>) =>
      fetch(`${url}/events`, {
        method: "POST",
        headers: { "content-type": "application/json", ...headers },
        body: JSON.stringify(event),
      });
    const refused = await post({});
    assert.equal(refused.status, 401);
    await refused.body?.cancel();
    const accepted = await post({ authorization: "Bearer t0k3n" });
    assert.equal(accepted.status, 200);
    assert.deepEqual((await accepted.json()).accepted, 1);
    child.kill("SIGTERM");
    while (true) {
      const { value, done } = await reader.read();
      if (done) break;
      text += value;
    }
    assert.equal((await child.status).code, 0);
    assert.match(text, /echo server stopped/);
    assert.match(text, /"accepted":1/);
    await child.stdout.cancel();
  });
}

Deno.test("evsim replay is a recovery tool: it retries past the shutdown deadline and never appends to what it reads", async () => {
  await inTempDir(async (dir) => {
    const list = simEvents(200, { seed: 5, city: "Denver" });
    const input = list.map((event) =>
      JSON.stringify({ reason: "HTTP 503", attempts: 8, sink: "http", event })
    ).join("\n") + "\n";
    // The config's own dead-letter file is the file being replayed.
    await Deno.writeTextFile(`${dir}/evsim-dead-letter.ndjson`, input);
    await Deno.writeTextFile(
      `${dir}/c.json`,
      JSON.stringify({ shutdownTimeoutMs: 50 }),
    );
    const started = performance.now();
    await using receiver = startReceiver(() => ({
      status: performance.now() - started < 1_500 ? 503 : 200,
    }));
    const healthy = await evsimCommand(
      ["replay", "evsim-dead-letter.ndjson", "-c", "c.json", "--sink", receiver.url],
      dir,
    ).output();
    assert.equal(healthy.code, 0, decode(healthy.stderr));
    assert.equal(receiver.acknowledged.size, list.length);
    for (const e of list) assert.ok(receiver.acknowledged.has(e.eventId), e.eventId);

    const failing = await evsimCommand(
      ["replay", "evsim-dead-letter.ndjson", "-c", "c.json", "--sink", "http://127.0.0.1:9/x"],
      dir,
    ).output();
    assert.equal(failing.code, 3, decode(failing.stderr));
    assert.equal(await Deno.readTextFile(`${dir}/evsim-dead-letter.ndjson`), input);
    const written = [...Deno.readDirSync(dir)].map((f) => f.name)
      .filter((name) => /^evsim-dead-letter\.replay-\d{8}T\d{6}Z\.ndjson$/.test(name));
    assert.equal(written.length, 1);
    const again = await readNdjson(`${dir}/${written[0]}`) as unknown as {
      event: { eventId: string };
    }[];
    assert.deepEqual(again.map((d) => d.event.eventId), list.map((e) => e.eventId));
    assert.match(decode(failing.stderr), new RegExp(`dead-lettered 200 to ${written[0]}`));
  });
});

/** The size of `path` in bytes, 0 while it does not exist. */
async function fileSize(path: string): Promise<number> {
  try {
    return (await Deno.stat(path)).size;
  } catch {
    return 0;
  }
}

/** A child process that keeps one core busy until disposed: shutdown under a loaded machine. */
function busyLoop(): AsyncDisposable {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["eval", "while (true) {}"],
    stdout: "null",
    stderr: "null",
  }).spawn();
  return {
    async [Symbol.asyncDispose]() {
      child.kill("SIGKILL");
      await child.status;
    },
  };
}

Deno.test("evsim stopped by SIGTERM with nothing listening, on a loaded machine, dead-letters every event it made", async (t) => {
  for (const load of [0, 2]) {
    await t.step(`${load} busy core(s)`, async () => {
      const busy = Array.from({ length: load }, busyLoop);
      try {
        await inTempDir(async (dir) => {
          await Deno.writeTextFile(
            `${dir}/c.json`,
            JSON.stringify({
              shutdownTimeoutMs: 300,
              sinks: [
                {
                  type: "http",
                  url: `http://127.0.0.1:${closedPort()}/events`,
                  deadLetter: "dead.ndjson",
                },
                { type: "file", path: "all.ndjson" },
              ],
            }),
          );
          const child = evsimCommand(["-c", "c.json", "--region", "CO", "--speed", "20000"], dir)
            .spawn();
          // Stopped once it is well under way, however slow the loaded machine starts.
          const started = performance.now();
          while (await fileSize(`${dir}/all.ndjson`) < 200_000) {
            if (performance.now() - started > 60_000) assert.fail("no events after 60 s");
            await new Promise((r) => setTimeout(r, 100));
          }
          child.kill("SIGTERM");
          const { code, stderr } = await child.output();
          const all = await readNdjson(`${dir}/all.ndjson`);
          const dead = (await readNdjson(`${dir}/dead.ndjson`)) as unknown as {
            reason: string;
            event: { eventId: string };
          }[];
          assert.ok(all.length > 100, `${all.length} events`);
          const ids = new Set(dead.map((d) => d.event.eventId));
          const missing = all.filter((e) => !ids.has(e.eventId));
          assert.equal(
            missing.length,
            0,
            `${missing.length} of ${all.length} neither delivered nor dead-lettered`,
          );
          assert.equal(code, 3, decode(stderr));
          assert.match(
            decode(stderr),
            new RegExp(`dead-lettered ${all.length.toLocaleString("en-US")} to dead\\.ndjson`),
          );
        });
      } finally {
        for (const b of busy) await b[Symbol.asyncDispose]();
      }
    });
  }
});
