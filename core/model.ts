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

/** A log-normal duration: its median and the sigma of its logarithm. */
const LogNormalSchema = v.strictObject({ median: Positive, sigma: NonNegative });
export type LogNormal = v.InferOutput<typeof LogNormalSchema>;

/**
 * How long a vehicle stays plugged in: its connection time, in minutes, drawn
 * at plug-in (the driver's plan: work, shopping, the night), and, if set, how
 * soon after reaching the target the driver unplugs (a driver who came to
 * charge leaves soon after), whichever comes first.
 */
const DwellSchema = v.strictObject({
  connectionMinutes: LogNormalSchema,
  afterFullMinutes: v.optional(LogNormalSchema),
});
export type Dwell = v.InferOutput<typeof DwellSchema>;

/**
 * One kind of stay in a mixture: a driver intent (a short errand, a work day,
 * charging and leaving) with its share of the site's sessions.
 */
const DwellPartSchema = v.strictObject({
  /** What the stay is, for the reader: `errand`, `work day`, … */
  intent: v.optional(v.string()),
  share: v.pipe(v.number(), v.gtValue(0)),
  ...DwellSchema.entries,
});
export type DwellPart = v.InferOutput<typeof DwellPartSchema>;

/** A site type's stays: one kind, or a mixture of driver intents. */
const SiteDwellSchema = v.union([
  DwellSchema,
  v.pipe(v.array(DwellPartSchema), v.minLength(1, "expected at least one kind of stay")),
]);
export type SiteDwell = v.InferOutput<typeof SiteDwellSchema>;

/** One value per site type. */
function bySiteType<T extends v.GenericSchema>(schema: T) {
  return v.strictObject({
    workplace: schema,
    public: schema,
    dc_fast: schema,
    residential: schema,
  });
}

/** The model's parameters. */
export const ModelSchema = v.strictObject({
  $comment: v.optional(v.string()),
  /** Mean sessions a charger of each level starts per day in a city of the reference size. */
  sessionsPerChargerPerDay: v.strictObject({ L2: Positive, DCFC: Positive }),
  /** Demand scales with `(population / reference) ^ exponent`. */
  population: v.strictObject({ reference: Positive, exponent: NonNegative }),
  /** Arrival profile of each site type (charging-facts rows 7–10). */
  arrivalProfiles: bySiteType(ArrivalProfileSchema),
  /** How long vehicles stay plugged in, by site type (charging-facts rows 2, 4, 5). */
  dwell: bySiteType(SiteDwellSchema),
  /** Arrival and target state of charge, in percent, by site type (charging-facts rows 1–3, 6). */
  soc: bySiteType(SocSchema),
  /**
   * Level 2 only: the percent of the available power (the smaller of the
   * charger's rating and the vehicle's onboard charger) a session draws, for
   * the site's load management and vehicles that take less (charging-facts row 11).
   */
  acDrawPercent: bySiteType(Clipped),
  /**
   * The share of Level 2 plug-ins that take no energy: the battery is full or
   * the car waits for its own charge timer; the vehicle stays plugged in for
   * the drawn connection time (charging-facts row 5: about 12 % of Boulder's
   * public sessions deliver under 0.5 kWh). @default {0 for every site type}
   */
  noChargeShare: v.optional(bySiteType(Probability), {
    workplace: 0,
    public: 0,
    dc_fast: 0,
    residential: 0,
  }),
  /**
   * The share of Tesla drivers who carry a CCS1 adapter, and so can charge at
   * a DC fast charger without a Tesla connector. @default {0}
   */
  teslaCcsAdapterShare: v.optional(Probability, 0),
  /**
   * Seconds from plug-in to the first power, by site type: authorization and
   * the vehicle's handshake (a DC charger also tests its cable). Real records
   * show it as the few idle seconds of a session that charged throughout
   * (Boulder: a median of about 20 s). @default {none: power flows at once}
   */
  startDelaySeconds: v.optional(bySiteType(LogNormalSchema)),
  /** A session charges at least this many SoC points. */
  minimumChargePercent: v.pipe(v.number(), v.gtValue(0), v.maxValue(50)),
  /**
   * The chance that a start attempt at a working charger fails (payment,
   * connector, vehicle communication); attempts at a charger out of service
   * always fail (charging-facts row 21).
   */
  failedStartProbability: Probability,
  /** Interruptions: the chance a session has one, then checks until it resumes or fails. */
  interruption: v.strictObject({
    probability: Probability,
    checkMinutes: Positive,
    resolveProbability: Probability,
    maxChecks: v.pipe(v.number(), v.integer(), v.minValue(1)),
  }),
  /**
   * Unplanned outages: faults per charger per day by level; a share is fixed
   * remotely in minutes, the rest need a site visit taking hours
   * (charging-facts rows 22, 25).
   */
  faults: v.strictObject({
    perChargerPerDay: v.strictObject({ L2: NonNegative, DCFC: NonNegative }),
    remoteShare: Probability,
    remoteMinutes: LogNormalSchema,
    siteVisitHours: LogNormalSchema,
  }),
  /**
   * Planned maintenance: one window every `everyDays` per charger, starting at
   * `localHour` in the city's time, lasting `hours`. NEVI excludes up to 72 h
   * a year of it from downtime (charging-facts row 24).
   */
  plannedMaintenance: v.strictObject({
    everyDays: Positive,
    localHour: v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(23)),
    hours: Positive,
  }),
  /** Size of the user ID pool. */
  userCount: v.pipe(v.number(), v.integer(), v.minValue(1)),
});
export type Model = v.InferOutput<typeof ModelSchema>;
