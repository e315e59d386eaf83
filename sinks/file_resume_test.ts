import assert from "node:assert/strict";
import fc from "fast-check";
import type { SimEvent } from "../core/event.ts";
import { ConfigError } from "../core/errors.ts";
import type { SinkPositions } from "../core/sink_type.ts";
import { restoreRotatingFile, resumeFileSink } from "./file_resume.ts";
import {
  getRotatingFileSink,
  type RotatingFilePosition,
  type RotatingFileSinkOptions,
} from "./rotating_file.ts";
import { MemoryDriver } from "./_memory_file_driver.ts";

const event = (seq: number, pad = "x".repeat(20)) => ({ seq, pad }) as unknown as SimEvent;
const byteLength = (s: string) => new TextEncoder().encode(s).length;
const events = (from: number, to: number) =>
  Array.from({ length: to - from }, (_, i) => event(from + i));

/**
 * Writes `before` to a sink over `driver`, takes a checkpoint, writes `after`
 * and is killed: what it buffered is lost, its handles die. Returns the
 * position of the checkpoint and how often the sink rotated after it.
 */
async function killedAfterCheckpoint(
  driver: MemoryDriver,
  options: RotatingFileSinkOptions,
  before: readonly SimEvent[],
  after: readonly SimEvent[],
): Promise<RotatingFilePosition & { rotatedSince: number }> {
  let position: RotatingFilePosition | undefined;
  const sink = getRotatingFileSink("out", { ...options, driver, onPosition: (p) => position = p });
  for (const e of before) await sink(e);
  await sink.checkpoint();
  const saved = position!;
  const mark = driver.changes.length;
  for (const e of after) await sink(e);
  driver.kill();
  const rotatedSince = driver.changes.slice(mark)
    .filter((c) => c === "rename out out.1" || c === "remove out").length;
  return { ...saved, rotatedSince };
}

/** The files a sink over `driver` leaves after writing `all`. */
async function written(
  driver: MemoryDriver,
  options: RotatingFileSinkOptions,
  all: readonly SimEvent[],
): Promise<Map<string, string>> {
  const sink = getRotatingFileSink("out", { ...options, driver });
  for (const e of all) await sink(e);
  await sink[Symbol.asyncDispose]();
  return driver.contents();
}

Deno.test("restoreRotatingFile() cuts what was written after the save, a cut line included", async () => {
  const driver = new MemoryDriver({ out: '{"old":true}\n' });
  const options = { bufferSize: 0 };
  const position = await killedAfterCheckpoint(driver, options, events(1, 5), events(5, 9));
  const atSave = '{"old":true}\n' + events(1, 5).map((e) => JSON.stringify(e) + "\n").join("");
  driver.append("out", '{"seq":9,"pa');
  const cutBytes = byteLength(driver.text("out")) - byteLength(atSave);
  assert.ok(cutBytes > 4 * 30);
  assert.deepEqual(await restoreRotatingFile("out", position, { driver }), {
    restored: true,
    cutBytes,
    rotations: 0,
  });
  assert.deepEqual(driver.contents(), new Map([["out", atSave]]));
});

Deno.test("restoreRotatingFile() undoes the rotations made after the save", async (t) => {
  const options = { maxBytes: 200, backups: 6, bufferSize: 100 };
  await t.step("the backups come back to their places", async () => {
    const driver = new MemoryDriver();
    const position = await killedAfterCheckpoint(driver, options, events(1, 12), []);
    const atSave = driver.contents();
    assert.ok(atSave.size >= 3);
    const again = new MemoryDriver();
    await killedAfterCheckpoint(again, options, events(1, 12), events(12, 30));
    assert.ok(again.names().length > atSave.size + 2, "rotated more than twice since");
    const result = await restoreRotatingFile("out", position, { driver: again, backups: 6 });
    assert.equal(result.restored, true);
    assert.ok(result.restored && result.rotations > 2);
    assert.deepEqual(again.contents(), atSave);
  });

  await t.step(
    "backups rotated away stay gone, and the resumed run ends as if never killed",
    async () => {
      const driver = new MemoryDriver();
      const few = { ...options, backups: 2 };
      const position = await killedAfterCheckpoint(driver, few, events(1, 12), events(12, 20));
      const result = await restoreRotatingFile("out", position, { driver, backups: 2 });
      assert.ok(result.restored && result.rotations > 0);
      const resumed = await written(driver, few, events(12, 40));
      assert.deepEqual(resumed, await written(new MemoryDriver(), few, events(1, 40)));
    },
  );

  await t.step("nothing written before the save: every file made since goes", async () => {
    const driver = new MemoryDriver();
    const position = await killedAfterCheckpoint(driver, options, [], events(1, 20));
    assert.equal(position.size, 0);
    assert.ok(driver.names().length > 2);
    const made = driver.names().length - 1;
    const bytes = driver.names().reduce((n, name) => n + byteLength(driver.text(name)), 0);
    const result = await restoreRotatingFile("out", position, { driver, backups: 6 });
    assert.deepEqual(result, { restored: true, cutBytes: bytes, rotations: made });
    assert.deepEqual(driver.contents(), new Map([["out", ""]]));
  });
});

Deno.test("restoreRotatingFile() touches nothing when the saved file cannot be found", async (t) => {
  const options = { maxBytes: 200, backups: 1, bufferSize: 0 };
  await t.step("rotated away beyond backups", async () => {
    const driver = new MemoryDriver();
    const position = await killedAfterCheckpoint(driver, options, events(1, 5), events(5, 30));
    const before = driver.contents();
    const result = await restoreRotatingFile("out", position, { driver, backups: 1 });
    assert.deepEqual(result, {
      restored: false,
      problem: `none of out, out.1 holds the ${position.size} bytes saved in out ` +
        "(moved, changed, or rotated away beyond backups: 1)",
    });
    assert.deepEqual(driver.contents(), before);
  });

  await t.step("changed, or cut shorter", async () => {
    const driver = new MemoryDriver();
    const position = await killedAfterCheckpoint(driver, options, events(1, 3), []);
    const text = driver.text("out");
    for (const other of [text.replace('"seq":2', '"seq":7'), text.slice(0, -1)]) {
      const changed = new MemoryDriver({ out: other });
      const result = await restoreRotatingFile("out", position, { driver: changed, backups: 1 });
      assert.equal(result.restored, false);
      assert.deepEqual(changed.contents(), new Map([["out", other]]));
    }
  });
});

Deno.test("restoreRotatingFile() after any kill gives the files of a run never killed", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.record({
        // Files an earlier run left: `out` (perhaps empty), then backups (never empty).
        existing: fc.array(fc.array(fc.string({ maxLength: 10 }), { minLength: 1, maxLength: 3 }), {
          maxLength: 3,
        }),
        emptyOut: fc.boolean(),
        pads: fc.array(fc.string({ unit: "binary", maxLength: 60 }), { maxLength: 50 }),
        saveAt: fc.nat(),
        killAt: fc.nat(),
        cutLine: fc.option(fc.string({ minLength: 1, maxLength: 30 })),
        maxBytes: fc.integer({ min: 1, max: 300 }),
        backups: fc.integer({ min: 0, max: 6 }),
        bufferSize: fc.integer({ min: 0, max: 300 }),
        // A restore killed after this many changes, then run again.
        changes: fc.option(fc.nat({ max: 12 })),
      }),
      async (c) => {
        const all = c.pads.map((pad, i) => event(i + 1, pad));
        const saveAt = c.saveAt % (all.length + 1);
        const killAt = saveAt + c.killAt % (all.length - saveAt + 1);
        const existing: Record<string, string> = {};
        c.existing.forEach((lines, n) => {
          existing[n === 0 ? "out" : `out.${n}`] = n === 0 && c.emptyOut
            ? ""
            : lines.map((old) => JSON.stringify({ old, n }) + "\n").join("");
        });
        const options = { maxBytes: c.maxBytes, backups: c.backups, bufferSize: c.bufferSize };

        const driver = new MemoryDriver(existing);
        const position = await killedAfterCheckpoint(
          driver,
          options,
          all.slice(0, saveAt),
          all.slice(saveAt, killAt),
        );
        if (c.cutLine !== null && driver.files.has("out")) driver.append("out", c.cutLine);
        if (c.changes !== null) {
          driver.changesLeft = c.changes;
          await restoreRotatingFile("out", position, { driver, backups: c.backups }).catch(
            () => {},
          );
          driver.changesLeft = undefined;
        }
        const result = await restoreRotatingFile("out", position, { driver, backups: c.backups });
        const whole = await written(new MemoryDriver(existing), options, all);
        if (!result.restored) {
          // Only when the file that held the last saved byte was rotated away.
          assert.ok(position.rotatedSince > c.backups - position.file, result.problem);
          assert.ok(position.size > 0);
          return;
        }
        assert.deepEqual(await written(driver, options, all.slice(saveAt)), whole);
      },
    ),
    { numRuns: 400 },
  );
});

Deno.test("resumeFileSink() restores only the position saved for the same place and path", async (t) => {
  const options = { maxBytes: 200, backups: 3, bufferSize: 0 };
  const sink = { path: "out", backups: 3 };
  const killed = async () => {
    const driver = new MemoryDriver();
    const { rotatedSince: _, ...position } = await killedAfterCheckpoint(
      driver,
      options,
      events(1, 8),
      events(8, 20),
    );
    return { driver, position, before: driver.contents() };
  };

  await t.step("the same place and path: back at the position, then recording", async () => {
    const { driver, position } = await killed();
    const positions: SinkPositions = {
      saved: [{ sink: "sinks[1]", type: "file", path: "out", position }],
      current: new Map(),
    };
    const onPosition = await resumeFileSink("sinks[1]", sink, positions, driver);
    assert.equal(driver.allText("out").split("\n").length - 1, 7);
    assert.equal(positions.current.size, 0);
    onPosition(position);
    assert.deepEqual([...positions.current.values()], [
      { sink: "sinks[1]", type: "file", path: "out", position },
    ]);
    onPosition(undefined);
    assert.equal(positions.current.size, 0);
  });

  await t.step("another path or place: ignored, nothing touched", async () => {
    const { driver, position, before } = await killed();
    const positions: SinkPositions = {
      saved: [
        { sink: "sinks[0]", type: "file", path: "other", position },
        { sink: "sinks[1]", type: "file", path: "out", position },
      ],
      current: new Map(),
    };
    await resumeFileSink("sinks[0]", sink, positions, driver);
    await resumeFileSink("--sink[1]", sink, positions, driver);
    await resumeFileSink("sinks[2]", sink, { current: new Map() }, driver);
    assert.deepEqual(driver.contents(), before);
  });

  await t.step("a file sink's saved position that is not whole is refused, naming it", async () => {
    const { driver, position, before } = await killed();
    const positions: SinkPositions = {
      saved: [{
        sink: "sinks[1]",
        type: "file",
        path: "out",
        position: { ...position, tail: "x" },
      }],
      current: new Map(),
    };
    await assert.rejects(
      () => resumeFileSink("sinks[1]", sink, positions, driver),
      (e: unknown) =>
        e instanceof ConfigError &&
        /^the state file's position for sinks\[1\]: position\.tail: expected a SHA-256/.test(
          e.message,
        ),
    );
    assert.deepEqual(driver.contents(), before);
  });

  await t.step(
    "a file operation that fails is a ConfigError naming the place and path",
    async () => {
      const { driver, position } = await killed();
      driver.changesLeft = 0;
      await assert.rejects(
        () =>
          resumeFileSink("sinks[0]", sink, {
            saved: [{ sink: "sinks[0]", type: "file", path: "out", position }],
            current: new Map(),
          }, driver),
        (e) => {
          assert.ok(e instanceof ConfigError);
          assert.match(
            e.message,
            /^sinks\[0\]\.path: cannot go back to the position saved for out: /,
          );
          return true;
        },
      );
    },
  );
});

Deno.test("restoreRotatingFile() with the Deno driver cuts and renames files on disk", async () => {
  const dir = await Deno.makeTempDir({ prefix: "evsim_file_resume_test_" });
  try {
    const path = `${dir}/events.ndjson`;
    const options = { maxBytes: 1000, backups: 10, bufferSize: 300 };
    let position: RotatingFilePosition | undefined;
    const first = getRotatingFileSink(path, { ...options, onPosition: (p) => position = p });
    for (const e of events(1, 40)) await first(e);
    await first[Symbol.asyncDispose]();
    const saved = position!;
    const atSave = await readAll(dir);
    const second = getRotatingFileSink(path, options);
    for (const e of events(40, 90)) await second(e);
    await second[Symbol.asyncDispose]();
    await Deno.writeTextFile(path, '{"seq":90,', { append: true });
    assert.ok((await readAll(dir)).size >= atSave.size + 2);
    const result = await restoreRotatingFile(path, saved, { backups: 10 });
    assert.ok(result.restored && result.rotations >= 2);
    assert.deepEqual(await readAll(dir), atSave);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/** The files of `dir` by name. */
async function readAll(dir: string): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  for await (const entry of Deno.readDir(dir)) {
    files.set(entry.name, await Deno.readTextFile(`${dir}/${entry.name}`));
  }
  return new Map([...files].sort(([a], [b]) => a.localeCompare(b)));
}
