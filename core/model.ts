/**
 * The model's parameters: how often sessions arrive, what state of charge cars
 * come with, how often things go wrong. The defaults live in `data/model.json`;
 * a config or a plugin can replace any of them.
 *
 * @module
 */
import * as v from "valibot";

const Positive = v.pipe(v.number(), v.gtValue(0));
const NonNegative = v.pipe(v.number(), v.minValue(0));
const Probability = v.pipe(v.number(), v.minValue(0), v.maxValue(1));
const Percent = v.pipe(v.number(), v.minValue(0), v.maxValue(100));

/** A normal distribution clipped to [min, max]. */
const Clipped = v.strictObject({ mean: Percent, sd: NonNegative, min: Percent, max: Percent });
export type Clipped = v.InferOutput<typeof Clipped>;

const SocSchema = v.strictObject({ arrival: Clipped, target: Clipped });

/**
 * When drivers arrive at one site type, in local time: the share of arrivals
 * on weekdays (Monday to Friday) and the share of each hour of a weekday and of
 * a weekend day (each list is normalized, so any positive scale works).
 */
const ArrivalProfileSchema = v.strictObject({
  weekdayShare: Probability,
  weekday: v.pipe(v.array(NonNegative), v.length(24, "expected 24 hourly shares")),
  weekend: v.pipe(v.array(NonNegative), v.length(24, "expected 24 hourly shares")),
});
export type ArrivalProfile = v.InferOutput<typeof ArrivalProfileSchema>;

/**
 * How long a vehicle stays plugged in at one site type: a log-normal time,
 * either of the whole connection from plug-in (`connection`: Level 2 drivers
 * stay for work, shopping or the night, charged or not) or after reaching the
 * target (`afterFull`: DC fast drivers leave soon after).
 */
const DwellSchema = v.strictObject({
  mode: v.picklist(["connection", "afterFull"]),
  medianMinutes: Positive,
  sigma: NonNegative,
});
export type Dwell = v.InferOutput<typeof DwellSchema>;

/** The model's parameters. */
export const ModelSchema = v.strictObject({
  $comment: v.optional(v.string()),
  /** Mean sessions a charger of each level starts per day in a city of the reference size. */
  sessionsPerChargerPerDay: v.strictObject({ L2: Positive, DCFC: Positive }),
  /** Demand scales with `(population / reference) ^ exponent`. */
  population: v.strictObject({ reference: Positive, exponent: NonNegative }),
  /** Arrival profile of each site type (charging-facts rows 7–10). */
  arrivalProfiles: v.strictObject({
    workplace: ArrivalProfileSchema,
    public: ArrivalProfileSchema,
    dc_fast: ArrivalProfileSchema,
    residential: ArrivalProfileSchema,
  }),
  /** How long vehicles stay plugged in, by site type (charging-facts rows 2, 4, 5). */
  dwell: v.strictObject({
    workplace: DwellSchema,
    public: DwellSchema,
    dc_fast: DwellSchema,
    residential: DwellSchema,
  }),
  /** Arrival and target state of charge, in percent, per level. */
  soc: v.strictObject({ L2: SocSchema, DCFC: SocSchema }),
  /** A session charges at least this many SoC points. */
  minimumChargePercent: v.pipe(v.number(), v.gtValue(0), v.maxValue(50)),
  /** Interruptions: the chance a session has one, then checks until it resumes or fails. */
  interruption: v.strictObject({
    probability: Probability,
    checkMinutes: Positive,
    resolveProbability: Probability,
    maxChecks: v.pipe(v.number(), v.integer(), v.minValue(1)),
  }),
  /** Maintenance: outages per charger per day (scaled like demand) and their log-normal length. */
  maintenance: v.strictObject({
    perChargerPerDay: NonNegative,
    medianHours: Positive,
    sigma: NonNegative,
  }),
  /** Size of the user ID pool. */
  userCount: v.pipe(v.number(), v.integer(), v.minValue(1)),
});
export type Model = v.InferOutput<typeof ModelSchema>;
