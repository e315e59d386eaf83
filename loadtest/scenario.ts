/**
 * A load-test scenario (`evsim loadtest FILE`): the central system to test,
 * the network and simulated time to drive it with, and phases over wall
 * time. JSON or YAML, checked with valibot; `evsim schema loadtest` prints
 * its JSON Schema.
 *
 * ```json
 * { "ocpp": { "url": "ws://127.0.0.1:9000/ocpp", "version": "2.0.1" },
 *   "phases": [ { "ramp": { "from": 10, "to": 500, "over": "20s" } },
 *               { "steady": { "for": "20s", "speed": 600 } },
 *               { "reconnectStorm": { "share": 0.5, "within": "5s" } },
 *               { "steady": { "for": "10s" } } ] }
 * ```
 *
 * @module
 */
import * as v from "valibot";
import { OcppConfigSchema } from "../core/config.ts";
import { parseWith } from "../core/errors.ts";
import { parseRegion } from "../core/region.ts";
import { parseDuration, parseInstant } from "../core/time.ts";

/** A wall-clock duration such as `20s`, `500ms` or `2m`: milliseconds once parsed. */
const WallDuration = v.pipe(
  v.string(),
  v.transform((s) => ({ text: s, ms: parseDuration(s) })),
  v.check(
    (d) => d.ms !== undefined,
    (i) => `expected a duration such as 20s, 500ms or 2m, got ${JSON.stringify(i.input)}`,
  ),
  v.transform((d) => d.ms!),
);
const Count = v.pipe(v.number(), v.integer(), v.minValue(0));
const Share = v.pipe(v.number(), v.minValue(0), v.maxValue(1));
const Speed = v.pipe(v.number(), v.gtValue(0));

/** Charge points join, evenly over `over`, from `from` online to `to`. */
const RampSchema = v.strictObject({
  ramp: v.strictObject({ from: Count, to: v.pipe(Count, v.minValue(1)), over: WallDuration }),
});
/** Nothing but the simulation, for `for`, at `speed` (and later phases at it too). */
const SteadySchema = v.strictObject({
  steady: v.strictObject({ for: WallDuration, speed: v.optional(Speed) }),
});
/**
 * A share of the charge points online lose their connection at once and
 * each connects again at a moment within `within` (a power cut of the
 * network link): no reboot, and what they held meanwhile is sent on return.
 */
const ReconnectStormSchema = v.strictObject({
  reconnectStorm: v.strictObject({ share: v.optional(Share, 1), within: WallDuration }),
});
/**
 * A share of the charge points online are offline for `for`, then all
 * connect again at once: the transaction messages they queued flush together.
 */
const OfflineSchema = v.strictObject({
  offline: v.strictObject({ share: v.optional(Share, 1), for: WallDuration }),
});

/**
 * A power cut: a share of the charge points online (those of `region`, as
 * `--region` names one, when given) lose power for `for`. Their
 * transactions stop (reason `PowerLoss`), their ports are out of service,
 * and they go dark; when power returns they boot again and send what they
 * kept.
 */
const OutageSchema = v.strictObject({
  outage: v.strictObject({
    share: v.optional(Share, 1),
    for: WallDuration,
    region: v.optional(
      v.pipe(
        v.string(),
        v.rawCheck(({ dataset, addIssue }) => {
          if (!dataset.typed) return;
          try {
            parseRegion(dataset.value, { where: "region" });
          } catch (error) {
            addIssue({ message: (error as Error).message });
          }
        }),
      ),
    ),
  }),
});

/** A signed wall-clock offset such as `-5m` or `90s`: milliseconds once parsed. */
const Offset = v.pipe(
  v.string(),
  v.check(
    (s) => parseDuration(s.replace(/^[-+]/, "")) !== undefined,
    (i) =>
      `expected a duration with an optional sign, such as -5m or 90s, got ${
        JSON.stringify(i.input)
      }`,
  ),
  v.transform((s) => (s.startsWith("-") ? -1 : 1) * parseDuration(s.replace(/^[-+]/, ""))!),
);

/**
 * For `for`, a share of the charge points online misbehave on the link:
 * each call waits `latency` before it goes, the frames of a share
 * `duplicate` of the calls go twice with the same message ID, timestamps are
 * off by `clockSkew`, (`unresponsive`) the central system's calls are
 * answered only once the phase is over, and (`halfOpen`) the connection is
 * half open: the socket stays up but nothing passes (the charge point's calls
 * wait, the central system's calls and pings go unread), until at the end the
 * charge point finds the link dead and connects again.
 */
const ChaosSchema = v.strictObject({
  chaos: v.pipe(
    v.strictObject({
      share: v.optional(Share, 1),
      for: WallDuration,
      latency: v.optional(WallDuration),
      duplicate: v.optional(Share),
      clockSkew: v.optional(Offset),
      unresponsive: v.optional(v.boolean()),
      halfOpen: v.optional(v.boolean()),
    }),
    v.check(
      (c) =>
        c.latency !== undefined || c.duplicate !== undefined || c.clockSkew !== undefined ||
        c.unresponsive === true || c.halfOpen === true,
      "expected at least one of latency, duplicate, clockSkew, unresponsive, halfOpen",
    ),
  ),
});

/**
 * For `for`, every charge point online takes clock-aligned meter values at
 * each multiple of `every` (simulated time since midnight UTC): all of them
 * at once, the burst a central system sees at each quarter hour when a
 * network samples so.
 */
const AlignedBurstSchema = v.strictObject({
  alignedBurst: v.strictObject({
    every: v.pipe(
      v.string(),
      v.check((s) => (parseDuration(s) ?? 0) >= 1000, "expected a duration of a second or more"),
      v.transform((s) => Math.round(parseDuration(s)! / 1000)),
    ),
    for: WallDuration,
  }),
});

/** One phase: exactly one of the kinds. */
export const PhaseSchema = v.union([
  RampSchema,
  SteadySchema,
  ReconnectStormSchema,
  OfflineSchema,
  OutageSchema,
  ChaosSchema,
  AlignedBurstSchema,
]);
export type Phase = v.InferOutput<typeof PhaseSchema>;

/** A scenario file. */
export const ScenarioSchema = v.strictObject({
  /** The central system under test, as the config's `ocpp` block. */
  ocpp: OcppConfigSchema,
  /** The stations to simulate (as `--region`). @default {the config's region} */
  region: v.optional(v.pipe(v.string(), v.minLength(1))),
  /** Seeds the simulation and every choice of the scenario. @default {the config's seed} */
  seed: v.optional(v.pipe(v.number(), v.integer())),
  /** Simulated start, a date or an ISO date-time with a zone. @default {now} */
  from: v.optional(
    v.pipe(
      v.string(),
      v.check((s) => parseInstant(s) !== undefined, "expected a date or a date-time with a zone"),
    ),
  ),
  /** Simulated seconds per wall second until a phase sets another. @default {60} */
  speed: v.optional(Speed, 60),
  /**
   * Every frame sent and received, one JSON line each, in a rotating file
   * (`path` relative to the scenario file): for debugging a central system.
   */
  trace: v.optional(v.strictObject({
    path: v.pipe(v.string(), v.minLength(1)),
    /** Megabytes a file may grow to before it rotates. */
    maxMegabytes: v.optional(v.pipe(v.number(), v.gtValue(0)), 100),
    /** Rotated files kept (`path.1` newest). */
    backups: v.optional(v.pipe(Count), 5),
  })),
  /**
   * Charge points online when there is no ramp (all of them from the start).
   * @default {every station of the region}
   */
  chargePoints: v.optional(v.pipe(Count, v.minValue(1))),
  phases: v.pipe(v.array(PhaseSchema), v.minLength(1, "expected at least one phase")),
});
export type Scenario = v.InferOutput<typeof ScenarioSchema>;

/** The kind of a phase: `ramp`, `steady`, `reconnectStorm`, `offline`, `outage`, `chaos` or `alignedBurst`. */
export type PhaseKind = Phase extends infer P ? P extends P ? keyof P : never : never;

/** The kind of `phase`. */
export function kindOf(phase: Phase): PhaseKind {
  return Object.keys(phase)[0] as PhaseKind;
}

/** How long `phase` lasts, wall ms. */
export function durationOf(phase: Phase): number {
  if ("ramp" in phase) return phase.ramp.over;
  if ("steady" in phase) return phase.steady.for;
  if ("reconnectStorm" in phase) return phase.reconnectStorm.within;
  if ("chaos" in phase) return phase.chaos.for;
  if ("alignedBurst" in phase) return phase.alignedBurst.for;
  if ("outage" in phase) return phase.outage.for;
  return phase.offline.for;
}

/** `value` as a scenario, or a `ConfigError` naming `where` and the field. */
export function parseScenario(value: unknown, where: string): Scenario {
  return parseWith(ScenarioSchema, value, where);
}
