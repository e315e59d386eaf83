/**
 * Power ratings of charging ports by network. The AFDC station list gives no
 * rating, so `data/networks.json` gives one per network: a Level 2 rating and
 * the DC fast ratings as weighted options. A DC port's rating is drawn from
 * the options by a hash of its ID, not from a random stream: the same port
 * gets the same rating whichever stations are simulated with it.
 *
 * @module
 */
import * as v from "valibot";
import type { Level } from "./network.ts";

const Kw = v.pipe(v.number(), v.gtValue(0), v.maxValue(1000));

/** DC ratings as `[[kW, weight], …]`: a port gets each rating with its weight's share. */
export const PowerOptionsSchema = v.pipe(
  v.array(v.tuple([Kw, v.pipe(v.number(), v.gtValue(0))])),
  v.minLength(1, "expected at least one [kW, weight] option"),
);
export type PowerOptions = v.InferOutput<typeof PowerOptionsSchema>;

/** The ratings of one network; a field left out is the `default` entry's. */
export const NetworkRatingSchema = v.strictObject({
  /** Rating of each Level 2 port, kW. @default {the `default` entry's} */
  l2Kw: v.optional(Kw),
  /** Ratings of the DC fast ports. @default {the `default` entry's} */
  dcKw: v.optional(PowerOptionsSchema),
  /** Where the figures come from. */
  source: v.pipe(v.string(), v.trim(), v.minLength(1, "expected a source")),
  /** True when the figures are an estimate rather than a published fleet figure. */
  assumption: v.boolean(),
});
export type NetworkRating = v.InferOutput<typeof NetworkRatingSchema>;

/** The file shape of `data/networks.json`: ratings by AFDC network name, with a `default`. */
export const RatingsSchema = v.strictObject({
  $comment: v.optional(v.string()),
  networks: v.pipe(
    v.record(v.string(), NetworkRatingSchema),
    v.check(
      (networks) => networks.default?.l2Kw !== undefined && networks.default?.dcKw !== undefined,
      'expected a "default" entry with both l2Kw and dcKw',
    ),
  ),
});
export type Ratings = v.InferOutput<typeof RatingsSchema>;

/** Mixes a 32-bit word (the finaliser of MurmurHash3). */
function mix32(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** A number in [0, 1) fixed by `text` (FNV-1a, then mixed): the same text, the same number. */
export function unitHash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return mix32(h) / 0x1_0000_0000;
}

/** The option whose share of the total weight covers `u` (in [0, 1)). */
export function pickWeighted(options: PowerOptions, u: number): number {
  let total = 0;
  for (const [, weight] of options) total += weight;
  let at = u * total;
  for (const [kw, weight] of options) {
    if (at < weight) return kw;
    at -= weight;
  }
  return options[options.length - 1][0];
}

/**
 * The rating in kW of the port `portId` of a station of `network` (an AFDC
 * network name; unknown names take the `default` entry): the network's Level 2
 * rating, or a DC rating picked by {@link unitHash} of `portId`.
 */
export function portPowerKw(
  ratings: Ratings,
  port: { network: string; level: Level; id: string },
): number {
  const entry = Object.hasOwn(ratings.networks, port.network)
    ? ratings.networks[port.network]
    : undefined;
  const fallback = ratings.networks.default;
  if (port.level === "L2") return entry?.l2Kw ?? fallback.l2Kw!;
  const options = entry?.dcKw ?? fallback.dcKw!;
  return options.length === 1 ? options[0][0] : pickWeighted(options, unitHash(port.id));
}
