/**
 * `evsim stats` end to end: real processes reading hand-made streams from a
 * file or stdin, and a stream the simulator wrote.
 */
import assert from "node:assert/strict";
import type { StatsReport } from "../stats/report.ts";
import { decode, EVSIM_SHELL, evsimCommand, inTempDir, MAIN, SIM_FLAGS } from "./_evsim.ts";

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

/** `evsim ARGS` in `cwd`, with `stdin` as its standard input. */
async function evsim(args: string[], cwd: string, stdin?: string): Promise<Result> {
  if (stdin === undefined) {
    const { code, stdout, stderr } = await evsimCommand(args, cwd).output();
    return { code, stdout: decode(stdout), stderr: decode(stderr) };
  }
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", ...SIM_FLAGS, MAIN, ...args],
    cwd,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(stdin));
  await writer.close();
  const { code, stdout, stderr } = await child.output();
  return { code, stdout: decode(stdout), stderr: decode(stderr) };
}

const DAY0 = Date.UTC(2026, 0, 5);

/** One event line at `hours` after 2026-01-05T00:00Z on charger `id`. */
function line(type: string, hours: number, id: string, fields: Record<string, unknown>): string {
  return JSON.stringify({
    type,
    time: new Date(DAY0 + hours * 3_600_000).toISOString(),
    chargerId: id,
    status: "In Use",
    city: "Chicago",
    state: "IL",
    timeZone: "America/Chicago",
    siteType: "dc_fast",
    ...fields,
  });
}

/** A DC fast session: plugged in at `hours` for `minutes`, delivering `kwh`. */
function session(id: string, hours: number, minutes: number, kwh: number): string[] {
  return [
    line("session.started", hours, id, { energyKwh: 0, socPercent: 30 }),
    line("session.ended", hours + minutes / 60, id, {
      energyKwh: kwh,
      socPercent: 85,
      endReason: "target_reached",
      connectedMinutes: minutes,
      chargingMinutes: minutes - 3,
      idleMinutes: 3,
      totalEnergyKwh: kwh,
    }),
  ];
}

/** Three DC fast sessions of 4, 6 and 20 kWh over one day on two chargers, and one bad line. */
const STREAM = [
  ...session("A", 14, 30, 4),
  ...session("A", 20, 40, 6),
  ...session("B", 15, 35, 20),
  "this is not an event",
  line("charger.status", 24, "B", { status: "Idle" }),
].join("\n") + "\n";

Deno.test("evsim stats says so when the input holds no events", async () => {
  await inTempDir(async (dir) => {
    await Deno.writeTextFile(`${dir}/empty.ndjson`, "");
    await Deno.writeTextFile(`${dir}/junk.ndjson`, "junk\n");
    const empty = await evsim(["stats", "empty.ndjson"], dir);
    assert.equal(empty.code, 1);
    assert.equal(empty.stdout, "");
    assert.match(empty.stderr, /empty\.ndjson: no events: the input is empty/);
    const junk = await evsim(["stats", "junk.ndjson"], dir);
    assert.equal(junk.code, 1);
    assert.match(
      junk.stderr,
      /junk\.ndjson: no events, only 1 bad line\(s\) \(first, line 1: invalid JSON/,
    );
  });
});

Deno.test("evsim stats prints figures and calibration for a file, and warns of bad lines", async () => {
  await inTempDir(async (dir) => {
    await Deno.writeTextFile(`${dir}/day.ndjson`, STREAM);
    const { code, stdout, stderr } = await evsim(["stats", "day.ndjson"], dir);
    assert.equal(code, 0, stderr);
    assert.match(
      stdout,
      /^evsim stats: 7 events from 2026-01-05T14:00:00.000Z to 2026-01-06T00:00:00.000Z/,
    );
    assert.match(stdout, /^ +dc_fast +all$/m);
    assert.match(stdout, /^sessions +3 +3$/m);
    assert.match(stdout, /^energy median \(kWh\) +6\.0 +6\.0$/m);
    assert.match(stdout, /^stay median \(min\) +35 +35$/m);
    // Calibration fails are a report, not an error: exit 0.
    assert.match(stdout, /^ +3 +DC fast session energy median \(kWh\) +6 +20–35 +FAIL$/m);
    assert.match(stdout, /^ +4 +DC fast stay median \(min\) +35 +25–45 +PASS$/m);
    assert.equal(
      stderr,
      "evsim: warning: skipped 1 line(s) that are not events (first, line 7: invalid JSON: " +
        "Unexpected token 'h', \"this is not an event\" is not valid JSON)\n" +
        "evsim: warning: the stream spans 10.0 hours, less than a day: arrivals by hour, " +
        "sessions per charger per day, utilization and uptime reflect only those hours, stays " +
        "and energy lean short (longer sessions do not end in it), and weekday shares need a week\n",
    );
  });
});

Deno.test("evsim stats reads stdin, by default and as -", async () => {
  await inTempDir(async (dir) => {
    for (const args of [["stats"], ["stats", "-"]]) {
      const { code, stdout, stderr } = await evsim([...args, "--json"], dir, STREAM);
      assert.equal(code, 0, stderr);
      const report: StatsReport = JSON.parse(stdout);
      assert.equal(report.lines, 8);
      assert.equal(report.events, 7);
      assert.equal(report.badLines, 1);
      assert.equal(report.overall.sessions, 3);
      assert.ok(Math.abs(report.overall.energyKwh.median! - 6) <= 0.006);
      assert.equal(report.overall.energyKwh.mean, 10);
      assert.deepEqual(Object.keys(report.bySiteType), ["dc_fast"]);
      assert.equal(report.byCity[0].city, "Chicago");
      assert.equal(report.charts, undefined);
      assert.equal(report.warnings?.length, 1);
      assert.match(report.warnings![0], /^the stream spans 10\.0 hours, less than a day: /);
      const facts = report.calibration.filter((c) => c.reference === undefined);
      assert.deepEqual(facts.map((c) => c.row), [3, 4, 6, 6, 6, 10, 10, 18, 20, 21, 22, 23]);
      // Then the distances of the DC fast sessions to the EPFL set.
      const distances = report.calibration.filter((c) => c.reference === "epfl");
      assert.equal(distances.length, 6);
      assert.equal(report.bySiteType.dc_fast?.realism?.sessions, 3);
    }
  });
});

Deno.test("evsim stats --html writes the HTML report and still prints the tables", async () => {
  await inTempDir(async (dir) => {
    await Deno.writeTextFile(`${dir}/day.ndjson`, STREAM);
    const { code, stdout, stderr } = await evsim(
      ["stats", "day.ndjson", "--html", "report.html"],
      dir,
    );
    assert.equal(code, 0, stderr);
    assert.match(stdout, /^sessions +3 +3$/m);
    const html = await Deno.readTextFile(`${dir}/report.html`);
    assert.match(html, /^<!doctype html>/i);
    assert.match(html, /id="calibration-table"/);
    assert.match(html, /<figure class="chart" id="chart-realism-dc_fast">\n<svg /);
    assert.match(html, /evsim stats: day\.ndjson/);
  });
});

Deno.test("evsim stats exits 2 for a missing file or a usage error, and 1 when the file cannot be read", async (t) => {
  await inTempDir(async (dir) => {
    await t.step("a missing file", async () => {
      const { code, stdout, stderr } = await evsim(["stats", "nope.ndjson"], dir);
      assert.equal(code, 2);
      assert.equal(stdout, "");
      assert.equal(stderr, "evsim: nope.ndjson: file not found\n");
    });
    await t.step("a folder", async () => {
      const { code, stderr } = await evsim(["stats", "."], dir);
      assert.equal(code, 1);
      assert.match(stderr, /^evsim: \.: cannot read: /);
    });
    await t.step("two files", async () => {
      const { code, stderr } = await evsim(["stats", "a", "b"], dir);
      assert.equal(code, 2);
      assert.match(stderr, /^evsim: stats: unexpected argument "b"/);
      assert.match(stderr, /evsim stats \[FILE\|-\]/);
    });
    await t.step("--html without a file", async () => {
      const { code, stderr } = await evsim(["stats", "--html"], dir);
      assert.equal(code, 2);
      assert.match(stderr, /--html/);
    });
  });
});

Deno.test("evsim stats --reference picks the real sessions each site type is compared with", async (t) => {
  await inTempDir(async (dir) => {
    await Deno.writeTextFile(`${dir}/day.ndjson`, STREAM);
    await t.step("by default, DC fast against EPFL", async () => {
      const { code, stdout, stderr } = await evsim(["stats", "day.ndjson"], dir);
      assert.equal(code, 0, stderr);
      assert.match(stdout, /^dc_fast against epfl \(dc_fast\): 3 sessions after cleaning, /m);
      assert.match(stdout, /^stay \(min\) +35\.0 \[32\.5–37\.5\] +30\.3 \[20\.5–41\.9\] +KS /m);
    });
    await t.step("NAME applies a set to its own site type only", async () => {
      const { code, stdout, stderr } = await evsim([
        "stats",
        "day.ndjson",
        "--reference",
        "boulder",
      ], dir);
      assert.equal(code, 0, stderr);
      assert.match(stdout, /^dc_fast against epfl \(dc_fast\)/m);
      assert.doesNotMatch(stdout, /against boulder/);
    });
    await t.step("SITE=NAME compares a site type with another's set, in --json too", async () => {
      const { code, stdout, stderr } = await evsim(
        ["stats", "day.ndjson", "--json", "--reference", "dc_fast=boulder", "--reference", "acn"],
        dir,
      );
      assert.equal(code, 0, stderr);
      const report: StatsReport = JSON.parse(stdout);
      const realism = report.bySiteType.dc_fast!.realism!;
      assert.equal(realism.reference, "boulder");
      assert.equal(realism.referenceSiteType, "public");
      assert.deepEqual(realism.metrics.map((m) => m.metric), [
        "connectionMinutes",
        "energyKwh",
        "chargingMinutes",
        "idleShare",
        "kwCharging",
      ]);
      const rows = report.calibration.filter((c) => c.reference !== undefined);
      assert.ok(rows.length === 6 && rows.every((c) => c.reference === "boulder"));
      assert.equal(rows[0].statistic, "DC fast KS distance of connection (min) to boulder");
    });
    await t.step(
      "an unknown name or site type is a usage error naming the known sets",
      async () => {
        for (const ref of ["nope", "garage=acn", "workplace="]) {
          const { code, stdout, stderr } = await evsim(
            ["stats", "day.ndjson", "--reference", ref],
            dir,
          );
          assert.equal(code, 2, ref);
          assert.equal(stdout, "");
          assert.match(stderr, /^evsim: stats: --reference: unknown (reference|site type) "/);
          assert.match(stderr, /--reference REF/, "with the usage");
        }
        const { stderr } = await evsim(["stats", "day.ndjson", "--reference", "nope"], dir);
        assert.match(
          stderr,
          /^evsim: stats: --reference: unknown reference "nope": expected NAME or SITE=NAME, NAME one of boulder \(public\), acn \(workplace\), epfl \(dc_fast\)\n/,
        );
      },
    );
  });
});

Deno.test("evsim stats reads what the simulator writes, with no bad lines", async () => {
  await inTempDir(async (dir) => {
    const sim = await evsimCommand(["--region", "CO", "--duration", "6h", "--seed", "3"], dir)
      .output();
    assert.equal(sim.code, 0, decode(sim.stderr));
    await Deno.writeFile(`${dir}/run.ndjson`, sim.stdout);
    const { code, stdout, stderr } = await evsim(["stats", "run.ndjson", "--json"], dir);
    assert.equal(code, 0, stderr);
    const report: StatsReport = JSON.parse(stdout);
    const lines = decode(sim.stdout).trimEnd().split("\n").length;
    assert.equal(report.lines, lines);
    assert.equal(report.events, lines);
    assert.equal(report.badLines, 0);
    assert.ok(report.overall.sessions > 100);
    assert.ok(report.overall.chargers > 100 && report.overall.chargers <= 3_946); // Colorado's ports
    assert.ok(report.days > 0.24 && report.days <= 0.25);
    assert.ok(report.calibration.length > 10);
  });
});

Deno.test("evsim stats shows its progress on stderr only when it is a terminal", async (t) => {
  const script = await new Deno.Command("sh", { args: ["-c", "command -v script"], stdout: "null" })
    .output();
  // 70,000 lines over a week (no warning of a short span): one progress line at 65,536.
  const big = Array.from(
    { length: 70_000 },
    (_, i) => line("charger.status", i / 400, `C${i % 100}`, { status: "Idle" }),
  ).join("\n");
  await inTempDir(async (dir) => {
    await Deno.writeTextFile(`${dir}/big.ndjson`, big);
    await t.step({
      name: "with a terminal (util-linux script gives it one)",
      ignore: !script.success,
      fn: async () => {
        const run = `${EVSIM_SHELL} stats big.ndjson > /dev/null`;
        const { stdout } = await new Deno.Command("script", {
          args: ["-qec", run, "/dev/null"],
          cwd: dir,
          env: { NO_COLOR: "1" },
        }).output();
        assert.match(decode(stdout), /read 65,536 lines · [\d,]+ lines\/s/);
      },
    });
    await t.step("without one", async () => {
      const { code, stderr } = await evsim(["stats", "big.ndjson"], dir);
      assert.equal(code, 0);
      assert.equal(stderr, "");
    });
  });
});

Deno.test("evsim stats --html checks where the report goes before it reads its input", async (t) => {
  await inTempDir(async (dir) => {
    await Deno.mkdir(`${dir}/out`);
    await t.step("a folder: exit 2 at once, though stdin is still open", async () => {
      // stdin stays open for a while: a check made only after the input ends would then see an
      // empty input (exit 1) instead.
      const child = new Deno.Command(Deno.execPath(), {
        args: ["run", ...SIM_FLAGS, MAIN, "stats", "--html", "out"],
        cwd: dir,
        stdin: "piped",
        stdout: "piped",
        stderr: "piped",
        env: { NO_COLOR: "1" },
      }).spawn();
      const close = () => child.stdin.close().catch(() => {});
      const timer = setTimeout(close, 5_000);
      const { code, stdout, stderr } = await child.output();
      clearTimeout(timer);
      await close();
      assert.equal(
        decode(stderr),
        "evsim: --html out: is a folder; name a file in it, such as out/report.html\n",
      );
      assert.equal(code, 2);
      assert.equal(decode(stdout), "");
    });
    await t.step("a file in a folder that does not exist yet: made", async () => {
      await Deno.writeTextFile(`${dir}/day.ndjson`, STREAM);
      const { code, stderr } = await evsim(
        ["stats", "day.ndjson", "--html", "reports/day/report.html"],
        dir,
      );
      assert.equal(code, 0, stderr);
      assert.match(await Deno.readTextFile(`${dir}/reports/day/report.html`), /^<!doctype html>/i);
    });
  });
});
