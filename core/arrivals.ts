/**
 * When sessions arrive: a time-varying Poisson process per charger, sampled by
 * thinning (Lewis–Shedler). The rate is the charger's daily mean, shaped by an
 * hour-of-day profile evaluated in the city's local time.
 *
 * @module
 */
import type { LocalTime } from "./local_time.ts";
import type { ArrivalProfile, Model } from "./model.ts";
import { type Charger, type City, type SiteType, siteTypeOf } from "./network.ts";
import type { Random } from "./random.ts";

/**
 * How busy one charger is: its mean sessions per day and the shape of its
 * arrivals over local time, as weights with mean 1: 24 values (by hour) or
 * 168 (by weekday, Sunday first, then hour).
 */
export interface DemandProfile {
  perDay: number;
  weights: readonly number[] | Float64Array;
}

/**
 * Gives each charger its demand profile. Return the same `weights` object for
 * chargers that share a profile: the engine shares their arrival process.
 */
export type DemandModel = (charger: Charger, city: City) => DemandProfile;

/** Local hours `[from, to)` that arrivals crowd into; `to` may be 24. */
export interface PeakHours {
  from: number;
  to: number;
}

/**
 * Weights for the 24 local hours, with mean 1: `multiplier` times as high
 * inside the peak hours as outside. A daily mean rate times these weights
 * keeps its daily mean: the peak hours take arrivals from the others.
 */
export function hourWeights(peaks: readonly PeakHours[], multiplier: number): Float64Array {
  const w = new Float64Array(24).fill(1);
  for (const { from, to } of peaks) {
    for (let h = from; h < to; h++) w[h] = multiplier;
  }
  const mean = w.reduce((a, b) => a + b, 0) / 24;
  return w.map((x) => x / mean);
}

/**
 * Weights for the 168 hours of a local week (Sunday first), with mean 1, from
 * a site type's profile reshaped by the peak hours (the profile's hours times
 * {@link hourWeights}, scaled back to mean 1).
 */
export function weekWeights(
  profile: ArrivalProfile,
  peaks: readonly PeakHours[] = [],
  multiplier = 1,
): Float64Array {
  const hours = hourWeights(peaks, multiplier);
  const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);
  const weekday = sum(profile.weekday);
  const weekend = sum(profile.weekend);
  const w = new Float64Array(168);
  for (let day = 0; day < 7; day++) {
    const isWeekend = day === 0 || day === 6;
    const dayShare = isWeekend ? (1 - profile.weekdayShare) / 2 : profile.weekdayShare / 5;
    const shares = isWeekend ? profile.weekend : profile.weekday;
    const total = isWeekend ? weekend : weekday;
    for (let h = 0; h < 24; h++) {
      w[day * 24 + h] = total > 0 ? dayShare * shares[h] / total * hours[h] : 0;
    }
  }
  const mean = w.reduce((a, b) => a + b, 0) / 168;
  return w.map((x) => x / mean);
}

/** How a city's population scales demand: `(population / reference) ^ exponent`. */
export function populationFactor(population: number, reference: number, exponent: number): number {
  return Math.pow(Math.max(population, 1) / reference, exponent);
}

/** Options of {@link defaultDemand}. */
export interface DefaultDemandOptions {
  /** Local hours that arrivals crowd into. @default {[]} */
  peakHours?: readonly PeakHours[];
  /** How much denser arrivals are in the peak hours than in the others (not more of them). @default {1} */
  peakMultiplier?: number;
}

/**
 * The built-in demand model: `sessionsPerChargerPerDay` of the charger's level,
 * scaled by its city's population, shaped over the local week by its site
 * type's arrival profile, reshaped by the peak hours (see {@link weekWeights}).
 */
export function defaultDemand(model: Model, options: DefaultDemandOptions = {}): DemandModel {
  const { reference, exponent } = model.population;
  const bySite = new Map<SiteType, Float64Array>();
  return (charger, city) => {
    const site = siteTypeOf(charger);
    let weights = bySite.get(site);
    if (!weights) {
      weights = weekWeights(
        model.arrivalProfiles[site],
        options.peakHours,
        options.peakMultiplier,
      );
      bySite.set(site, weights);
    }
    return {
      perDay: model.sessionsPerChargerPerDay[charger.level] *
        populationFactor(city.population, reference, exponent),
      weights,
    };
  };
}

/** A time-varying Poisson arrival process for one charger. */
export class ArrivalProcess {
  readonly #perMs: number;
  readonly #weights: readonly number[] | Float64Array;
  readonly #weekly: boolean;
  readonly #max: number;
  readonly #local: (ms: number) => LocalTime;

  /**
   * @param perDay mean arrivals per day
   * @param weights local-time weights with mean 1: 24 by hour, or 168 by weekday
   *   (Sunday first) then hour (see {@link hourWeights})
   * @param local the charger's local clock
   */
  constructor(
    perDay: number,
    weights: readonly number[] | Float64Array,
    local: (ms: number) => LocalTime,
  ) {
    if (weights.length !== 24 && weights.length !== 168) {
      throw new RangeError(`demand weights: expected 24 or 168 values, got ${weights.length}`);
    }
    this.#perMs = perDay / 86_400_000;
    this.#weights = weights;
    this.#weekly = weights.length === 168;
    this.#max = Math.max(...weights);
    this.#local = local;
  }

  #weight(ms: number): number {
    const { hour, weekday } = this.#local(ms);
    return this.#weights[this.#weekly ? weekday * 24 + hour : hour];
  }

  /** Arrivals per millisecond at `ms`. */
  rateAt(ms: number): number {
    return this.#perMs * this.#weight(ms);
  }

  /** The next candidate time after `ms` at the peak rate (whole milliseconds). */
  nextCandidate(ms: number, random: Random): number {
    return ms + Math.max(1, Math.ceil(random.exponential(this.#perMs * this.#max)));
  }

  /** Whether a candidate at `ms` is a real arrival (accepted with rate / peak rate). */
  accept(ms: number, random: Random): boolean {
    return random.next() * this.#max < this.#weight(ms);
  }
}
