/**
 * A run's slice of the network (`--shard I/N`): its chargers only, logged.
 * A station's ports stay together (its `stationId` picks the slice; a
 * charger without one goes by its own ID), so that each slice holds whole
 * stations, as OCPP charge points need. See `core/shard.ts`.
 *
 * @module
 */
import { getLogger } from "@logtape/logtape";
import type { Network } from "../core/network.ts";
import { inShard, type Shard } from "../core/shard.ts";

const logger = getLogger(["evsim"]);

/** `network` with only the chargers of `shard`; warns if there are none. */
export function shardNetwork(network: Network, shard: Shard): Network {
  const chargers = network.chargers.filter((c) => inShard(c.stationId ?? c.id, shard));
  logger.info("Shard {index}/{count}: {mine} of {all} chargers", {
    ...shard,
    mine: chargers.length,
    all: network.chargers.length,
  });
  if (chargers.length === 0) logger.warn("Shard {index}/{count} has no chargers", { ...shard });
  return { ...network, chargers };
}
