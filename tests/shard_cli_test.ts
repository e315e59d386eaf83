/**
 * `evsim --shard i/n` end to end: every shard as its own process, as on
 * separate machines.
 */
import assert from "node:assert/strict";
import { decode, evsimCommand, inTempDir } from "./_evsim.ts";

const ARGS = ["--duration", "12h", "--seed", "21", "--update-interval", "600"];

/** The event lines of one run, without `seq`. */
async function lines(dir: string, extra: string[]): Promise<string[]> {
  const { code, stdout, stderr } = await evsimCommand([...ARGS, ...extra], dir).output();
  assert.equal(code, 0, decode(stderr));
  return decode(stdout).trimEnd().split("\n").map((line) => {
    const { seq: _, ...rest } = JSON.parse(line);
    return JSON.stringify(rest);
  });
}

Deno.test("evsim --shard i/n: the union of all n shards is the unsharded run", async (t) => {
  await inTempDir(async (dir) => {
    const whole = (await lines(dir, [])).sort();
    assert.ok(whole.length > 5_000);
    for (const n of [1, 3, 7]) {
      await t.step(`n = ${n}`, async () => {
        const shards = await Promise.all(
          Array.from({ length: n }, (_, i) => lines(dir, ["--shard", `${i}/${n}`])),
        );
        for (const shard of shards) assert.ok(shard.length > 0);
        // Disjoint: no charger in two shards.
        const owners = new Map<string, number>();
        shards.forEach((shard, i) => {
          for (const line of shard) {
            const id = JSON.parse(line).chargerId;
            assert.equal(owners.get(id) ?? i, i, `${id} in two shards`);
            owners.set(id, i);
          }
        });
        assert.deepEqual(shards.flat().sort(), whole);
      });
    }
  });
});

Deno.test("evsim --shard refuses a malformed slice", async () => {
  await inTempDir(async (dir) => {
    for (const bad of ["3/3", "1", "a/b"]) {
      const { code, stderr } = await evsimCommand(["--duration", "1h", "--shard", bad], dir)
        .output();
      assert.equal(code, 2);
      assert.match(decode(stderr), /--shard: expected I\/N with 0 ≤ I < N/);
    }
  });
});
