/**
 * The config file: its schema (also published as JSON Schema by
 * `evsim schema config`) and the defaults of every field.
 *
 * @module
 */
import * as v from "valibot";
import { parseRegion } from "./region.ts";
import { parseDuration, parseInstant } from "./time.ts";

const Int = v.pipe(v.number(), v.integer());
const Path = v.pipe(v.string(), v.minLength(1, "expected a path"));
const Instant = v.pipe(
  v.string(),
  v.check(
    (s) => parseInstant(s) !== undefined,
    (i) =>
      `expected a date (2026-01-05) or an ISO date-time with a zone, got ${
        JSON.stringify(i.input)
      }`,
  ),
);
const Duration = v.pipe(
  v.string(),
  v.check(
    (s) => parseDuration(s) !== undefined,
    (i) => `expected a duration such as 7d, 12h or 1d12h, got ${JSON.stringify(i.input)}`,
  ),
);
const HttpUrl = v.pipe(
  v.string(),
  v.check(
    (s) => /^https?:\/\/[^/\s]+/.test(s) && URL.canParse(s),
    (i) => `expected an http(s) URL, got ${JSON.stringify(i.input)}`,
  ),
);

const WsUrl = v.pipe(
  v.string(),
  v.check(
    (s) => /^wss?:\/\/[^/\s]+/.test(s) && URL.canParse(s),
    (i) => `expected a ws:// or wss:// URL, got ${JSON.stringify(i.input)}`,
  ),
);

/**
 * `ocpp`: every station as an OCPP charge point of one central system (see
 * `ocpp/`). A charge point connects to `url/IDENTITY`.
 */
export const OcppConfigSchema = v.strictObject({
  /** The central system, `ws://` or `wss://`. */
  url: WsUrl,
  version: v.optional(v.picklist(["1.6", "2.0.1"]), "1.6"),
  /** Each charge point's identity: `{stationId}` is replaced by its station ID. */
  identity: v.optional(
    v.pipe(
      v.string(),
      v.regex(/\{stationId\}/, "expected a pattern holding {stationId}"),
      v.regex(
        /^[A-Za-z0-9._~:@!$&'()*+,;={}-]+$/,
        "expected URL path characters only (no / or spaces)",
      ),
    ),
    "{stationId}",
  ),
  /**
   * Basic auth password of every charge point (security profile 1, or 2 over
   * wss://); `{stationId}` is replaced, for a password per charge point.
   */
  password: v.optional(v.string()),
  /** The environment variable holding that password, instead of `password`. */
  passwordEnv: v.optional(v.string()),
  /**
   * A JSON file of passwords by identity (`{ "AFDC-1517": "…" }`), relative to
   * the config file; a charge point not in it takes `password`, if any.
   */
  passwordsFile: v.optional(Path),
  /**
   * Each charge point's client certificate and key (PEM files, security
   * profile 3: mutual TLS), `{stationId}` replaced, relative to the config
   * file: `"certs/{stationId}.pem"`.
   */
  clientCert: v.optional(
    v.pipe(v.string(), v.regex(/\{stationId\}/, "expected a pattern holding {stationId}")),
  ),
  clientKey: v.optional(
    v.pipe(v.string(), v.regex(/\{stationId\}/, "expected a pattern holding {stationId}")),
  ),
  /** Certificates (PEM) to trust for wss://, besides the system's, relative to the config file. */
  caFile: v.optional(Path),
  /** Seconds between Heartbeats until the central system sets its own in the boot answer. */
  heartbeatIntervalSeconds: v.optional(v.pipe(Int, v.minValue(1)), 300),
  /** Simulated seconds between a transaction's periodic meter values; 0 for none. */
  sampleIntervalSeconds: v.optional(v.pipe(Int, v.minValue(0)), 60),
  /** Seconds between clock-aligned meter values of a transaction (Sample.Clock); 0 for none. */
  alignedIntervalSeconds: v.optional(v.pipe(Int, v.minValue(0)), 0),
  /** Checks every message sent and received against the official schemas. */
  strict: v.optional(v.boolean(), true),
  /** Charge points connecting at once while the run starts. */
  connectConcurrency: v.optional(v.pipe(Int, v.minValue(1)), 100),
  /** Calls each charge point keeps while offline before giving the oldest up. */
  outboxLimit: v.optional(v.pipe(Int, v.minValue(1)), 10_000),
  /** How long a call waits for its answer. */
  callTimeoutSeconds: v.optional(v.pipe(v.number(), v.gtValue(0)), 30),
});
export type OcppConfig = v.InferOutput<typeof OcppConfigSchema>;

/**
 * One entry of `sinks`: its `type` names a sink type (built in, `sinks/`, or
 * added by a plugin), whose own schema validates the rest.
 */
export const SinkEntrySchema = v.looseObject({
  type: v.pipe(v.string(), v.regex(/^[a-z][a-z0-9_-]*$/, "expected a sink type name")),
});
export type SinkEntry = v.InferOutput<typeof SinkEntrySchema>;

/** Data files replacing the embedded data, each optional. */
export const DataFilesSchema = v.strictObject({
  cities: v.optional(Path),
  chargers: v.optional(Path),
  vehicles: v.optional(Path),
  model: v.optional(Path),
});

/** A plugin to load: an ES module path (relative to the config file) or `npm:` specifier. */
export const PluginConfigSchema = v.strictObject({
  module: v.pipe(v.string(), v.minLength(1)),
  options: v.optional(v.unknown()),
});

/** Local hours `[from, to)` that arrivals crowd into (see `peakMultiplier`). */
export const PeakHoursSchema = v.pipe(
  v.strictObject({
    from: v.pipe(Int, v.minValue(0), v.maxValue(23)),
    to: v.pipe(Int, v.minValue(1), v.maxValue(24)),
  }),
  v.check((p) => p.from < p.to, "expected from < to"),
);

/** The whole config file. Every field is optional. */
export const ConfigSchema = v.strictObject({
  $schema: v.optional(v.string()),
  /** Seed of every random draw: same seed, config and data ⇒ same events. */
  seed: v.optional(v.pipe(Int, v.minValue(0), v.maxValue(Number.MAX_SAFE_INTEGER)), 1),
  time: v.optional(
    v.strictObject({
      /** `realtime` (wall clock), `accelerated` (`speed`×) or `backfill` (as fast as possible). */
      mode: v.optional(v.picklist(["realtime", "accelerated", "backfill"])),
      /** Simulated start; backfill defaults to 2026-01-05T00:00:00Z, the others to now. */
      start: v.optional(Instant),
      /** Simulated end (exclusive). */
      end: v.optional(Instant),
      /** Simulated length, instead of `end`. */
      duration: v.optional(Duration),
      /** Simulated seconds per wall-clock second in accelerated mode. */
      speed: v.optional(v.pipe(v.number(), v.gtValue(0))),
      /**
       * Simulate this long before the start without emitting anything, so the
       * network is already busy when the first event goes out (default 7d;
       * "0" starts from an idle network).
       */
      warmUp: v.optional(
        v.union(
          [v.literal("0"), Duration],
          (i) =>
            `expected a duration such as 7d, 12h or 1d12h, or "0", got ${JSON.stringify(i.input)}`,
        ),
      ),
    }),
    {},
  ),
  /** Simulated seconds between `session.updated` events of a session. */
  updateIntervalSeconds: v.optional(v.pipe(v.number(), v.minValue(1)), 60),
  /**
   * Local hours, in each city's own time zone, that arrivals crowd into: each
   * site type's arrival profile is reshaped, its weekly total kept (none by
   * default: the profiles carry the published daily shape).
   */
  peakHours: v.optional(v.array(PeakHoursSchema), []),
  /**
   * How much denser arrivals are in `peakHours` than in the other hours: a
   * reshaping, not extra demand (the week's arrivals stay as many).
   */
  peakMultiplier: v.optional(v.pipe(v.number(), v.gtValue(0)), 1),
  /** Data files replacing the embedded ones, relative to the config file. */
  data: v.optional(DataFilesSchema, {}),
  /**
   * The real stations to simulate: `us`, state codes (`CO`), cities
   * (`"Boulder, CO"`), `bbox:W,S,E,N` or `top50`, one term or a list.
   * @default {the stations of the city list's cities: the 50 most populous US cities}
   */
  region: v.optional(
    v.pipe(
      v.union([
        v.pipe(v.string(), v.trim(), v.minLength(1, "expected a region")),
        v.pipe(v.array(v.string()), v.minLength(1, "expected at least one region term")),
      ]),
      v.transform((r) => Array.isArray(r) ? r.join("; ") : r),
      v.rawCheck(({ dataset, addIssue }) => {
        if (!dataset.typed) return;
        try {
          parseRegion(dataset.value, { where: "region" });
        } catch (error) {
          addIssue({ message: (error as Error).message.replace(/^region: /, "") });
        }
      }),
    ),
  ),
  /** The original tool's API endpoint: a shortcut for one `http` sink. */
  api: v.optional(
    v.strictObject({
      url: HttpUrl,
      token: v.optional(v.string()),
      tokenEnv: v.optional(v.string()),
    }),
  ),
  /** Every station as an OCPP charge point of a central system (`--ocpp URL`). */
  ocpp: v.optional(OcppConfigSchema),
  /** Where events go. */
  sinks: v.optional(v.array(SinkEntrySchema), [{ type: "stdout" }]),
  /** On shutdown, how long sinks may keep delivering before the rest is dead-lettered. */
  shutdownTimeoutMs: v.optional(v.pipe(Int, v.minValue(0)), 10_000),
  plugins: v.optional(v.array(PluginConfigSchema), []),
  log: v.optional(
    v.strictObject({
      /** Rotating log file; null for none. */
      file: v.optional(v.nullable(Path), "charging_sessions.log"),
      level: v.optional(v.picklist(["debug", "info", "warning", "error"]), "info"),
      maxBytes: v.optional(v.pipe(Int, v.minValue(1024)), 10 * 1024 * 1024),
      backups: v.optional(v.pipe(Int, v.minValue(0)), 5),
    }),
    {},
  ),
});
export type Config = v.InferOutput<typeof ConfigSchema>;
export type ConfigInput = v.InferInput<typeof ConfigSchema>;
