/**
 * The charge points of a network: each station (`stationId`) is one charge
 * point, and its ports (evsim's chargers) are its connectors (1.6) or EVSEs
 * (2.0.1), numbered from 1 in the order of their charger IDs (numbers in them
 * compared as numbers: `…-L2-2` before `…-L2-10`).
 *
 * @module
 */
import { type Charger, cityOf, connectorsOf, type Network, siteTypeOf } from "../core/network.ts";
import type { PortWiring } from "./electrical.ts";

/** A port of a station: connector `n` (1.6) or EVSE `n` with connector 1 (2.0.1). */
export interface PortSpec extends PortWiring {
  /** The charger ID in evsim's events. */
  chargerId: string;
  /** 1, 2, …: its connector or EVSE number. */
  number: number;
  /** The connector types of its cables. */
  connectors: readonly string[];
}

/** A station as a charge point. */
export interface StationSpec {
  /** The station ID in evsim's events; also the charge point's identity. */
  stationId: string;
  network: string | null;
  country: string;
  ports: readonly PortSpec[];
}

const collator = new Intl.Collator("en", { numeric: true });

/** The charge points of `network`'s chargers, in the order of their station IDs. */
export function stationsOf(network: Network, chargers: readonly Charger[] = network.chargers) {
  const city = cityOf(network);
  const byStation = new Map<string, Charger[]>();
  for (const c of chargers) {
    const id = c.stationId ?? c.id;
    let list = byStation.get(id);
    if (!list) byStation.set(id, list = []);
    list.push(c);
  }
  const stations: StationSpec[] = [];
  for (const [stationId, list] of byStation) {
    list.sort((a, b) => collator.compare(a.id, b.id));
    const country = city(list[0]).country;
    stations.push({
      stationId,
      network: list[0].network ?? null,
      country,
      ports: list.map((c, i) => ({
        chargerId: c.id,
        number: i + 1,
        level: c.level,
        ratedKw: c.powerKw,
        siteType: siteTypeOf(c),
        country,
        connectors: connectorsOf(c),
      })),
    });
  }
  return stations.sort((a, b) => collator.compare(a.stationId, b.stationId));
}
