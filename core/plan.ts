/**
 * Turns the config and the command-line flags into one run plan: time mode,
 * start, end, speed, seed. Flags win over the config.
 *
 * @module
 */
import type { Config } from "./config.ts";
import { ConfigError } from "./errors.ts";
import { parseDuration, parseInstant } from "./time.ts";

/** Where a backfill starts when neither `--from` nor the config says: a Monday. */
export const DEFAULT_START = Date.UTC(2026, 0, 5);
/** How long a backfill runs when nothing says. */
export const DEFAULT_BACKFILL_MS = 86_400_000;
/** Speed of accelerated mode when nothing says. */
export const DEFAULT_SPEED = 60;
/**
 * How long a run is simulated silently before its start when nothing says:
 * a week, so that the first events come from the network as it would be at
 * that moment: sessions in progress, a week's pattern of use behind it, and
 * the faults of the last days still being repaired (a site visit takes 30 h
 * at the median, 4.7 days at p95: data/model.json `faults.siteVisitHours`).
 */
export const DEFAULT_WARM_UP_MS = 7 * 86_400_000;

export type TimeMode = "realtime" | "accelerated" | "backfill";

/** Command-line values that override the config, as typed. */
export interface Overrides {
  seed?: string;
  from?: string;
  to?: string;
  duration?: string;
  speed?: string;
  realtime?: boolean;
  updateInterval?: string;
  warmUp?: string;
}

/** What to run. */
export interface RunPlan {
  mode: TimeMode;
  seed: number;
  /** Simulated start, epoch ms. */
  start: number;
  /** Simulated end (exclusive), epoch ms; Infinity runs until stopped. */
  end: number;
  /** Simulated seconds per wall second; Infinity for backfill. */
  speed: number;
  updateIntervalSeconds: number;
  /** Simulated milliseconds run silently before `start` (0: the network starts idle). */
  warmUpMs: number;
}

function instant(text: string, where: string): number {
  const ms = parseInstant(text);
  if (ms === undefined) {
    throw new ConfigError(
      `${where}: expected a date (2026-01-05) or an ISO date-time with a zone, got ${
        JSON.stringify(text)
      }`,
    );
  }
  return ms;
}

function duration(text: string, where: string): number {
  const ms = parseDuration(text);
  if (ms === undefined) {
    throw new ConfigError(
      `${where}: expected a duration such as 7d, 12h or 1d12h, got ${JSON.stringify(text)}`,
    );
  }
  return ms;
}

function number(text: string, where: string, ok: (n: number) => boolean, what: string): number {
  const n = Number(text);
  if (text.trim() === "" || !Number.isFinite(n) || !ok(n)) {
    throw new ConfigError(`${where}: expected ${what}, got ${JSON.stringify(text)}`);
  }
  return n;
}

/**
 * The plan for `config` with `flags` on top. `now` (epoch ms) is where realtime
 * and accelerated runs start unless told otherwise; a backfill never uses it.
 */
export function planRun(config: Config, flags: Overrides, now: number): RunPlan {
  const time = config.time;
  if (flags.realtime && flags.speed !== undefined) {
    throw new ConfigError("--realtime and --speed exclude each other");
  }
  if (flags.to !== undefined && flags.duration !== undefined) {
    throw new ConfigError("--to and --duration exclude each other");
  }
  if (flags.realtime && flags.from !== undefined) {
    throw new ConfigError("--realtime starts now; --from is for backfill and accelerated runs");
  }
  const mode: TimeMode = flags.realtime
    ? "realtime"
    : flags.speed !== undefined
    ? "accelerated"
    : flags.from !== undefined || flags.to !== undefined || flags.duration !== undefined
    ? "backfill"
    : time.mode ??
      (time.speed !== undefined
        ? "accelerated"
        : time.start ?? time.end ?? time.duration
        ? "backfill"
        : "realtime");

  const seed = flags.seed === undefined
    ? config.seed
    : number(flags.seed, "--seed", (n) => Number.isSafeInteger(n) && n >= 0, "a whole number ≥ 0");
  const updateIntervalSeconds = flags.updateInterval === undefined
    ? config.updateIntervalSeconds
    : number(flags.updateInterval, "--update-interval", (n) => n >= 1, "seconds ≥ 1");
  const speed = mode === "backfill"
    ? Infinity
    : mode === "realtime"
    ? 1
    : flags.speed !== undefined
    ? number(flags.speed, "--speed", (n) => n > 0, "a number > 0")
    : time.speed ?? DEFAULT_SPEED;

  const start = flags.from !== undefined
    ? instant(flags.from, "--from")
    : mode === "realtime"
    ? now
    : time.start !== undefined
    ? instant(time.start, "config time.start")
    : mode === "backfill"
    ? DEFAULT_START
    : now;

  let end: number;
  if (flags.to !== undefined) end = instant(flags.to, "--to");
  else if (flags.duration !== undefined) end = start + duration(flags.duration, "--duration");
  else if (time.end !== undefined) end = instant(time.end, "config time.end");
  else if (time.duration !== undefined) {
    end = start + duration(time.duration, "config time.duration");
  } else end = mode === "backfill" ? start + DEFAULT_BACKFILL_MS : Infinity;

  if (end <= start) {
    throw new ConfigError(
      `the run ends (${new Date(end).toISOString()}) before it starts (${
        new Date(start).toISOString()
      })`,
    );
  }
  const warmUp = (text: string, where: string) => text.trim() === "0" ? 0 : duration(text, where);
  const warmUpMs = flags.warmUp !== undefined
    ? warmUp(flags.warmUp, "--warm-up")
    : time.warmUp !== undefined
    ? warmUp(time.warmUp, "config time.warmUp")
    : DEFAULT_WARM_UP_MS;
  return { mode, seed, start, end, speed, updateIntervalSeconds, warmUpMs };
}

/** A plan in words: `backfill from 2026-01-05T00:00:00.000Z to …, seed 1`. */
export function describePlan(plan: RunPlan): string {
  const iso = (ms: number) => new Date(ms).toISOString();
  const until = plan.end === Infinity ? "until stopped" : `to ${iso(plan.end)}`;
  const pace = plan.mode === "accelerated" ? ` at ${plan.speed}×` : "";
  return `${plan.mode}${pace} from ${iso(plan.start)} ${until}, seed ${plan.seed}`;
}
