/**
 * The command line end to end: real processes through `Deno.Command`, run with
 * the permissions of `deno task sim`, each in its own temporary folder.
 */
import assert from "node:assert/strict";
import * as v from "valibot";
import { EventSchema } from "../core/event.ts";
import { decode, EVSIM_SHELL, evsimCommand, MAIN, SIM_FLAGS } from "./_evsim.ts";

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

async function evsim(args: string[], files: Record<string, string> = {}): Promise<Result> {
  const cwd = await Deno.makeTempDir({ prefix: "evsim-cli-" });
  try {
    for (const [name, text] of Object.entries(files)) {
      await Deno.writeTextFile(`${cwd}/${name}`, text);
    }
    const { code, stdout, stderr } = await evsimCommand(args, cwd).output();
    return { code, stdout: decode(stdout), stderr: decode(stderr) };
  } finally {
    await Deno.remove(cwd, { recursive: true });
  }
}

Deno.test("evsim backfills NDJSON events that validate against the event schema", async () => {
  const { code, stdout, stderr } = await evsim(["--duration", "3h", "--seed", "11"]);
  assert.equal(code, 0, stderr);
  const lines = stdout.trimEnd().split("\n");
  assert.ok(lines.length > 1000);
  for (const line of lines) {
    const result = v.safeParse(EventSchema, JSON.parse(line));
    assert.ok(result.success, line);
  }
  assert.match(stderr, /finished backfill from 2026-01-05T00:00:00.000Z/);
  assert.match(stderr, /sessions started [\d,]+ · completed/);
});

Deno.test("evsim gives the same bytes for the same seed and other bytes for another", async () => {
  const args = ["--from", "2026-03-07", "--to", "2026-03-07T06:00:00Z", "--update-interval", "300"];
  const [a, b, c] = await Promise.all([
    evsim([...args, "--seed", "5"]),
    evsim([...args, "--seed", "5"]),
    evsim([...args, "--seed", "6"]),
  ]);
  assert.ok(a.stdout.length > 10_000);
  assert.equal(a.stdout, b.stdout);
  assert.notEqual(a.stdout, c.stdout);
});

Deno.test("evsim writes its log to charging_sessions.log", async () => {
  const cwd = await Deno.makeTempDir({ prefix: "evsim-cli-" });
  try {
    const { code } = await evsimCommand(["--duration", "1h"], cwd).output();
    assert.equal(code, 0);
    const log = await Deno.readTextFile(`${cwd}/charging_sessions.log`);
    assert.match(log, /Plugins default_model: 50 cities, \d+ chargers, \d+ vehicle models/);
    assert.match(log, /finished backfill from/);
  } finally {
    await Deno.remove(cwd, { recursive: true });
  }
});

Deno.test("evsim ends quietly with exit 0 when its reader goes away (| head -1)", async () => {
  const cwd = await Deno.makeTempDir({ prefix: "evsim-cli-" });
  try {
    const child = evsimCommand(["--duration", "30d"], cwd).spawn();
    const reader = child.stdout.getReader();
    const first = await reader.read();
    assert.ok(first.value && first.value.length > 0);
    await reader.cancel();
    const [status, stderr] = await Promise.all([child.status, new Response(child.stderr).text()]);
    assert.equal(status.code, 0, stderr);
    assert.equal(stderr, "");
  } finally {
    await Deno.remove(cwd, { recursive: true });
  }
});

Deno.test("evsim stops cleanly on SIGTERM and SIGINT with a summary", async (t) => {
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    await t.step(signal, async () => {
      const cwd = await Deno.makeTempDir({ prefix: "evsim-cli-" });
      try {
        const child = evsimCommand(["--speed", "3600"], cwd).spawn();
        const reader = child.stdout.getReader();
        let seen = 0;
        while (seen < 2000) {
          const { value, done } = await reader.read();
          assert.ok(!done, "evsim stopped before it was signalled");
          seen += value.length;
        }
        child.kill(signal);
        while (!(await reader.read()).done);
        const [status, stderr] = await Promise.all([
          child.status,
          new Response(child.stderr).text(),
        ]);
        assert.equal(status.code, 0, stderr);
        assert.match(stderr, /stopped accelerated at 3600× from .* until stopped/);
        assert.match(stderr, /events [\d,]+ · sessions started/);
      } finally {
        await Deno.remove(cwd, { recursive: true });
      }
    });
  }
});

Deno.test("evsim explains bad input without a stack trace", async (t) => {
  const cases: [string, string[], Record<string, string>, number, RegExp][] = [
    ["missing config", ["--config", "nope.json"], {}, 2, /nope\.json: config file not found/],
    [
      "invalid JSON",
      ["-c", "c.json"],
      { "c.json": '{\n  "seed": 1\n  "x": 2\n}' },
      2,
      /c\.json:3:3: invalid JSON/,
    ],
    [
      "schema error",
      ["-c", "c.json"],
      { "c.json": '{"time": {"speed": "fast"}}' },
      2,
      /c\.json: time\.speed: expected number, got "fast"/,
    ],
    [
      "missing data file",
      ["-c", "c.json"],
      { "c.json": '{"data": {"cities": "cities.json"}}' },
      2,
      /cities\.json: cities file not found/,
    ],
    [
      "log file a folder",
      ["-c", "c.json", "--duration", "1h"],
      { "c.json": '{"log": {"file": "."}}' },
      2,
      /^evsim: c\.json: log\.file: \. is a folder; name a file, such as \.\/charging_sessions\.log\n$/,
    ],
    ["unknown flag", ["--sped", "2"], {}, 2, /Unknown option '--sped'[\s\S]*Usage:/],
    [
      "bad flag value",
      ["--seed", "abc"],
      {},
      2,
      /--seed: expected a whole number ≥ 0, got "abc"[\s\S]*Usage:/,
    ],
    ["bad command", ["fly"], {}, 2, /unknown command "fly"/],
  ];
  for (const [name, args, files, exit, message] of cases) {
    await t.step(name, async () => {
      const { code, stdout, stderr } = await evsim(args, files);
      assert.equal(code, exit);
      assert.equal(stdout, "");
      assert.match(stderr, message);
      assert.doesNotMatch(stderr, /\n\s+at /, "no stack trace");
    });
  }
});

Deno.test("evsim validate lists every problem and exits 1, or says ok", async () => {
  const bad = await evsim(["validate", "-c", "c.json"], {
    "c.json": JSON.stringify({ seed: -1, updateIntervalSeconds: 0, data: { chargers: "ch.json" } }),
  });
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /c\.json: seed/);
  assert.match(bad.stderr, /c\.json: updateIntervalSeconds/);
  const good = await evsim(["validate"]);
  assert.equal(good.code, 0);
  assert.match(good.stdout, /embedded config: ok \(50 cities, \d+ chargers, \d+ vehicle models\)/);
});

Deno.test("evsim schema prints the JSON Schema of an event and of the config", async () => {
  const event = JSON.parse((await evsim(["schema", "event"])).stdout);
  const text = JSON.stringify(event);
  for (const type of ["session.started", "session.completed", "charger.status"]) {
    assert.ok(text.includes(type), type);
  }
  assert.ok(text.includes("percentComplete"));
  const config = JSON.parse((await evsim(["schema", "config"])).stdout);
  assert.equal(config.type, "object");
  assert.ok("sinks" in config.properties && "seed" in config.properties);
  assert.equal((await evsim(["schema", "nope"])).code, 2);
});

Deno.test("evsim --help and --version answer and exit 0", async () => {
  const help = await evsim(["--help"]);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /Usage:/);
  const version = await evsim(["--version"]);
  assert.match(version.stdout, /^evsim \d+\.\d+\.\d+/);
});

Deno.test("config.schema.json is the JSON Schema that evsim schema config prints", async () => {
  const shipped = await Deno.readTextFile(new URL("../config.schema.json", import.meta.url));
  const printed = (await evsim(["schema", "config"])).stdout;
  assert.deepEqual(JSON.parse(printed), JSON.parse(shipped));
});

Deno.test("config.example.json is valid", async () => {
  const example = await Deno.readTextFile(new URL("../config.example.json", import.meta.url));
  const { code, stdout } = await evsim(["validate", "-c", "config.example.json"], {
    "config.example.json": example,
  });
  assert.equal(code, 0);
  assert.match(stdout, /ok/);
});

Deno.test("evsim shows backfill progress on stderr only when it is a terminal", async (t) => {
  const script = await new Deno.Command("sh", { args: ["-c", "command -v script"], stdout: "null" })
    .output();
  await t.step({
    name: "with a terminal (util-linux script gives it one)",
    ignore: !script.success,
    fn: async () => {
      const cwd = await Deno.makeTempDir({ prefix: "evsim-cli-" });
      try {
        const run = `${EVSIM_SHELL} --region CO --duration 4d > /dev/null`;
        const { stdout } = await new Deno.Command("script", {
          args: ["-qec", run, "/dev/null"],
          cwd,
          env: { NO_COLOR: "1" },
        }).output();
        assert.match(
          decode(stdout),
          /simulated 2026-01-0\dT\d\d:\d\dZ · \d+\.\d % · about \d+ (s|min \d\d s) left · [\d,]+ events · [\d,]+ events\/s/,
        );
      } finally {
        await Deno.remove(cwd, { recursive: true });
      }
    },
  });
  await t.step("without one", async () => {
    const cwd = await Deno.makeTempDir({ prefix: "evsim-cli-" });
    try {
      const { code, stderr } = await new Deno.Command(Deno.execPath(), {
        args: ["run", ...SIM_FLAGS, MAIN, "--region", "CO", "--duration", "4d"],
        cwd,
        stdout: "null",
        stderr: "piped",
      }).output();
      assert.equal(code, 0);
      assert.doesNotMatch(decode(stderr), /simulated 2026-01-0\dT/);
      assert.match(decode(stderr), /^evsim: finished backfill/);
    } finally {
      await Deno.remove(cwd, { recursive: true });
    }
  });
});

Deno.test("evsim starts the output from a busy network, unless --warm-up 0", async () => {
  const args = ["--duration", "1h", "--update-interval", "300"];
  const [cold, warm] = await Promise.all([evsim([...args, "--warm-up", "0"]), evsim(args)]);
  assert.equal(warm.code, 0, warm.stderr);
  const events = (text: string) => text.trimEnd().split("\n").map((l) => JSON.parse(l));
  const start = "2026-01-05T00:00:00.000Z";
  const warmEvents = events(warm.stdout);
  assert.ok(warmEvents.every((e) => e.time >= start), "nothing from the warm-up goes out");
  // Sessions that began during the warm-up report from the first minutes on.
  const early = warmEvents.filter((e) => e.type === "session.updated" && e.startTime < start);
  assert.ok(early.length > 100, `${early.length} updates of warm sessions`);
  assert.ok(events(cold.stdout).every((e) => !e.startTime || e.startTime >= start));
  assert.ok(warmEvents.length > events(cold.stdout).length);
});

Deno.test("evsim creates the folder of its log file", async () => {
  const config = JSON.stringify({ log: { file: "logs/evsim/run.log" } });
  const cwd = await Deno.makeTempDir({ prefix: "evsim-cli-" });
  try {
    await Deno.writeTextFile(`${cwd}/config.json`, config);
    const { code, stderr } = await evsimCommand(["-c", "config.json", "--duration", "1h"], cwd)
      .output();
    assert.equal(code, 0, decode(stderr));
    assert.match(await Deno.readTextFile(`${cwd}/logs/evsim/run.log`), /Simulating backfill/);
  } finally {
    await Deno.remove(cwd, { recursive: true });
  }
});

Deno.test("evsim --region simulates the real stations of a region", async (t) => {
  await t.step("a city, with the station fields on every event", async () => {
    const { code, stdout, stderr } = await evsim(["--region", "Boulder, CO", "--duration", "12h"]);
    assert.equal(code, 0, stderr);
    const events = stdout.trimEnd().split("\n").map((l) => JSON.parse(l));
    assert.ok(events.length > 100);
    for (const e of events) {
      assert.equal(`${e.city}, ${e.state}`, "Boulder, CO");
      assert.match(e.stationId, /^AFDC-\d+$/);
      assert.ok(e.chargerId.startsWith(`${e.stationId}-`), e.chargerId);
      assert.match(e.postalCode, /^80\d{3}$/);
      assert.ok(Array.isArray(e.connectors) && e.connectors.length > 0);
    }
    assert.ok(events.some((e) => e.network === "ChargePoint Network"));
  });
  await t.step("the config's region, and a list of terms", async () => {
    const { code, stdout, stderr } = await evsim(["-c", "c.json", "--duration", "2h"], {
      "c.json": JSON.stringify({ region: ["WY", "Boulder, CO"] }),
    });
    assert.equal(code, 0, stderr);
    const states = new Set(stdout.trimEnd().split("\n").map((l) => JSON.parse(l).state));
    assert.deepEqual([...states].sort(), ["CO", "WY"]);
  });
  await t.step("a bad region is a usage error naming the flag or the field", async () => {
    const flag = await evsim(["--region", "XX", "--duration", "1h"]);
    assert.equal(flag.code, 2);
    assert.match(flag.stderr, /^evsim: --region: unknown state "XX" \(expected us, a state code/);
    const field = await evsim(["-c", "c.json", "--duration", "1h"], {
      "c.json": JSON.stringify({ region: "Boulder, CA" }),
    });
    assert.equal(field.code, 2);
    assert.match(
      field.stderr,
      /c\.json: region: no station in "Boulder, CA"; there are stations in "Boulder, CO"/,
    );
  });
});

Deno.test("evsim COMMAND --help and evsim help COMMAND print that command's own help", async (t) => {
  await t.step("stats --help: its flags, not the others", async () => {
    const { code, stdout, stderr } = await evsim(["stats", "--help"]);
    assert.equal(code, 0, stderr);
    assert.match(stdout, /^Usage:\n {2}evsim stats \[FILE\|-\] \[options\]/);
    assert.match(stdout, /--reference REF/);
    assert.match(stdout, /evsim stats week\.ndjson --reference workplace=boulder/);
    assert.doesNotMatch(stdout, /--shard|--port|evsim serve/);
  });
  await t.step("serve --help, replay FILE --help, run --help", async () => {
    const [serve, replay, run] = await Promise.all([
      evsim(["serve", "--help"]),
      evsim(["replay", "x.ndjson", "--help"]),
      evsim(["run", "-h"]),
    ]);
    assert.match(serve.stdout, /^ {2}evsim serve \[options\]/m);
    assert.match(serve.stdout, /--port N/);
    assert.doesNotMatch(serve.stdout, /--json|--duration/);
    assert.match(replay.stdout, /^ {2}evsim replay FILE\|- \[options\]/m);
    assert.doesNotMatch(replay.stdout, /--state/);
    assert.match(run.stdout, /--state FILE/);
    assert.match(run.stdout, /Time modes:/);
    assert.doesNotMatch(run.stdout, /--reference|evsim stats/);
  });
  await t.step("evsim help is evsim --help; evsim help COMMAND is COMMAND --help", async () => {
    const [help, global, topic, flag] = await Promise.all([
      evsim(["help"]),
      evsim(["--help"]),
      evsim(["help", "validate"]),
      evsim(["validate", "--help"]),
    ]);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /^evsim \d+\.\d+\.\d+: simulates/);
    assert.match(help.stdout, /evsim help \[COMMAND\]/);
    assert.equal(help.stdout, global.stdout);
    assert.equal(topic.code, 0);
    assert.equal(topic.stdout, flag.stdout);
    assert.match(topic.stdout, /^ {2}evsim validate \[options\]/m);
  });
  await t.step("evsim help NOPE is a usage error", async () => {
    const { code, stdout, stderr } = await evsim(["help", "nope"]);
    assert.equal(code, 2);
    assert.equal(stdout, "");
    assert.match(stderr, /^evsim: help: unknown command "nope"\n/);
  });
});

Deno.test("evsim says what is wrong with a negative flag value, and quotes an unknown flag evenly", async (t) => {
  const cases: [string[], RegExp][] = [
    [["--speed", "-1"], /^evsim: --speed: expected a number > 0, got "-1"\n/],
    [["--seed", "-3"], /^evsim: --seed: expected a whole number ≥ 0, got "-3"\n/],
    [["--update-interval", "-.5"], /^evsim: --update-interval: expected seconds ≥ 1, got "-\.5"\n/],
    [["serve", "--port", "-1"], /^evsim: --port: expected a port number 0–65535, got "-1"\n/],
  ];
  for (const [args, message] of cases) {
    await t.step(args.join(" "), async () => {
      const { code, stdout, stderr } = await evsim(args);
      assert.equal(code, 2);
      assert.equal(stdout, "");
      assert.match(stderr, message);
      assert.doesNotMatch(stderr, /ambiguous/);
      assert.match(stderr, /Usage:/);
    });
  }
  await t.step("an unknown flag", async () => {
    const { code, stderr } = await evsim(["--sped", "2"]);
    assert.equal(code, 2);
    const first = stderr.split("\n")[0];
    assert.match(first, /^evsim: Unknown option '--sped'/);
    assert.equal(first.split("'").length % 2, 1, `unbalanced ' in: ${first}`);
    assert.equal(first.split('"').length % 2, 1, `unbalanced " in: ${first}`);
  });
});

/** Starts `evsim serve --port 0 ARGS`, stops it once it listens, and returns its stderr. */
async function serveOnce(args: string[]): Promise<string> {
  const cwd = await Deno.makeTempDir({ prefix: "evsim-cli-" });
  try {
    const child = evsimCommand(["serve", "--port", "0", ...args], cwd).spawn();
    const reader = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
    let text = "";
    while (!text.includes("(Ctrl-C to stop)\n")) {
      const { value, done } = await reader.read();
      if (done) break;
      text += value;
    }
    child.kill("SIGTERM");
    for (let r = await reader.read(); !r.done; r = await reader.read()) text += r.value;
    assert.equal((await child.status).code, 0, text);
    await child.stdout.cancel();
    return text;
  } finally {
    await Deno.remove(cwd, { recursive: true });
  }
}

Deno.test("evsim serve prints its address always, and info lines only with --verbose", async () => {
  const [quiet, verbose] = await Promise.all([serveOnce([]), serveOnce(["--verbose"])]);
  for (const text of [quiet, verbose]) {
    assert.match(text, /^evsim: echo server listening on http:\/\/127\.0\.0\.1:\d+ \(Ctrl-C/m);
    assert.match(text, /^evsim: echo server stopped$/m);
  }
  assert.doesNotMatch(quiet, /\[INF\]/);
  assert.match(verbose, /\[INF\] evsim·server: Echo server listening on http:\/\//);
});

Deno.test("evsim serve --port and evsim --metrics-port on a busy port say so in one line, exit 2", async (t) => {
  using busy = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = busy.addr.port;
  await t.step("serve --port", async () => {
    const { code, stdout, stderr } = await evsim(["serve", "--port", String(port)]);
    assert.equal(code, 2);
    assert.equal(stdout, "");
    assert.equal(stderr, `evsim: --port ${port}: address already in use\n`);
  });
  await t.step("--metrics-port", async () => {
    const { code, stdout, stderr } = await evsim([
      "--region",
      "Boulder, CO",
      "--duration",
      "1h",
      "--metrics-port",
      String(port),
    ]);
    assert.equal(code, 2);
    assert.equal(stdout, "");
    assert.equal(stderr, `evsim: --metrics-port ${port}: address already in use\n`);
  });
});

Deno.test("evsim replay and evsim stats say the same of a missing input file: exit 2", async () => {
  for (const command of ["replay", "stats"]) {
    const { code, stdout, stderr } = await evsim([command, "nope.ndjson"]);
    assert.equal(code, 2, command);
    assert.equal(stdout, "");
    assert.equal(stderr, "evsim: nope.ndjson: file not found\n", command);
  }
});
