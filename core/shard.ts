/**
 * Sharding: a run can simulate one of `n` disjoint slices of the network, so
 * that `n` machines share one big run. A charger's slice follows from an ID
 * alone (its station's: see `app/shard.ts`), and every charger draws from
 * its own random stream (seed + ID), so
 * the union of all slices' events is the unsharded run's events (apart from
 * `seq`, which numbers each run's own events).
 *
 * @module
 */

/** Slice `index` (0-based) of `count`. */
export interface Shard {
  index: number;
  count: number;
}

/**
 * Parses `i/n` (0 ≤ i < n), as given to `--shard`: `0/3`, `1/3`, `2/3`.
 * Returns undefined for anything else.
 */
export function parseShard(text: string): Shard | undefined {
  const match = /^(\d+)\/(\d+)$/.exec(text.trim());
  if (!match) return undefined;
  const index = Number(match[1]);
  const count = Number(match[2]);
  if (!Number.isSafeInteger(count) || count < 1 || index >= count) return undefined;
  return { index, count };
}

/** The slice (0 … count − 1) of an ID: FNV-1a of it, modulo `count`. */
export function shardOf(id: string, count: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) {
    hash ^= id.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % count;
}

/** Whether an ID belongs to `shard`. */
export function inShard(id: string, shard: Shard): boolean {
  return shardOf(id, shard.count) === shard.index;
}
