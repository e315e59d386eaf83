import assert from "node:assert/strict";
import * as v from "valibot";
import { type ConfigInput, ConfigSchema } from "./config.ts";
import { ConfigError } from "./errors.ts";
import { DEFAULT_START, DEFAULT_WARM_UP_MS, planRun } from "./plan.ts";

const NOW = Date.UTC(2030, 5, 1, 12);
const config = (input: ConfigInput = {}) => v.parse(ConfigSchema, input);

Deno.test("planRun() runs in realtime from now by default, like the original tool", () => {
  const plan = planRun(config(), {}, NOW);
  assert.deepEqual(plan, {
    mode: "realtime",
    seed: 1,
    start: NOW,
    end: Infinity,
    speed: 1,
    updateIntervalSeconds: 60,
    warmUpMs: DEFAULT_WARM_UP_MS,
  });
});

Deno.test("planRun() backfills from a fixed date when given only a duration", () => {
  const plan = planRun(config(), { duration: "7d" }, NOW);
  assert.equal(plan.mode, "backfill");
  assert.equal(plan.start, DEFAULT_START);
  assert.equal(plan.end, DEFAULT_START + 7 * 86_400_000);
  assert.equal(plan.speed, Infinity);
});

Deno.test("planRun() backfills between --from and --to", () => {
  const plan = planRun(config(), { from: "2026-01-05", to: "2026-01-12" }, NOW);
  assert.equal(plan.mode, "backfill");
  assert.equal(plan.end - plan.start, 7 * 86_400_000);
});

Deno.test("planRun() runs accelerated with --speed, from now unless --from", () => {
  assert.deepEqual(
    [planRun(config(), { speed: "60" }, NOW)].map((p) => [p.mode, p.speed, p.start]),
    [["accelerated", 60, NOW]],
  );
  assert.equal(
    planRun(config(), { speed: "10", from: "2026-02-01" }, NOW).start,
    Date.UTC(2026, 1, 1),
  );
});

Deno.test("planRun() takes the config's time section when no flag says", () => {
  const plan = planRun(
    config({ seed: 9, time: { start: "2026-03-01", duration: "2d" }, updateIntervalSeconds: 30 }),
    {},
    NOW,
  );
  assert.deepEqual([
    plan.mode,
    plan.seed,
    plan.start,
    plan.end - plan.start,
    plan.updateIntervalSeconds,
  ], [
    "backfill",
    9,
    Date.UTC(2026, 2, 1),
    2 * 86_400_000,
    30,
  ]);
  assert.equal(planRun(config({ time: { mode: "accelerated" } }), {}, NOW).speed, 60);
});

Deno.test("planRun() lets flags override the config", () => {
  const plan = planRun(config({ seed: 9, time: { mode: "realtime" } }), {
    seed: "4",
    duration: "1h",
    updateInterval: "15",
  }, NOW);
  assert.deepEqual([plan.mode, plan.seed, plan.updateIntervalSeconds], ["backfill", 4, 15]);
});

Deno.test("planRun() takes a warm-up from the flag or the config, a week by default, 0 for none", () => {
  assert.equal(planRun(config(), {}, NOW).warmUpMs, DEFAULT_WARM_UP_MS);
  assert.equal(planRun(config(), { warmUp: "0" }, NOW).warmUpMs, 0);
  assert.equal(planRun(config({ time: { warmUp: "0" } }), {}, NOW).warmUpMs, 0);
  assert.equal(planRun(config({ time: { warmUp: "2h" } }), {}, NOW).warmUpMs, 7_200_000);
  const plan = planRun(config({ time: { warmUp: "2h" } }), { realtime: true, warmUp: "1d" }, NOW);
  assert.deepEqual([plan.mode, plan.start, plan.warmUpMs], ["realtime", NOW, 86_400_000]);
});

Deno.test("planRun() names the flag and value it cannot use", async (t) => {
  const cases: [Record<string, string | boolean>, RegExp][] = [
    [{ seed: "abc" }, /^--seed: expected a whole number ≥ 0, got "abc"$/],
    [{ seed: "-1" }, /^--seed/],
    [{ speed: "0" }, /^--speed: expected a number > 0/],
    [{ from: "yesterday" }, /^--from: expected a date/],
    [{ duration: "7 days" }, /^--duration: expected a duration/],
    [{ updateInterval: "0.5" }, /^--update-interval/],
    [{ warmUp: "soon" }, /^--warm-up: expected a duration/],
    [{ realtime: true, speed: "2" }, /exclude each other/],
    [{ to: "2026-01-06", duration: "1d" }, /exclude each other/],
    [{ from: "2026-01-06", to: "2026-01-05" }, /ends .* before it starts/],
  ];
  for (const [flags, message] of cases) {
    await t.step(JSON.stringify(flags), () => {
      assert.throws(
        () => planRun(config(), flags, NOW),
        (e) => e instanceof ConfigError && message.test(e.message),
      );
    });
  }
});
