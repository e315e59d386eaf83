/**
 * Where the charge points of a central system stand: an identity made by the
 * run's `ocpp.identity` pattern (`{stationId}` by default, so `AFDC-222187`)
 * is looked up in evsim's embedded table of real US stations (`data/`), and
 * its ports come back in connector (1.6) or EVSE (2.0.1) order, as
 * `ocpp/station.ts` numbers them for the charge points of a run: connector
 * `n` is the station's `n`th charger, in charger-ID order.
 *
 * The table is parsed at the first look-up, not before (about 20 ms, then a
 * few MB held), and each station's chargers are made when asked for (once
 * per charge point: the caller keeps them), the same chargers `--region`
 * makes of it.
 *
 * @module
 */
import { ratings, stationTable } from "../data/mod.ts";
import { ConfigError } from "../core/errors.ts";
import type { Charger } from "../core/network.ts";
import { parseRegion } from "../core/region.ts";
import { stationChargers, type StationRow, type StationTable } from "../core/stations.ts";
import { stationsOf } from "../ocpp/station.ts";
import type { StationPorts } from "../web/csms_live.ts";

/** Options of {@link embeddedStationPorts}. */
export interface EmbeddedStationPortsOptions {
  /**
   * How the run names its charge points: `{stationId}` is the station ID
   * (the `identity` of the run's `ocpp` block). An identity it does not fit
   * is no known station.
   * @default {"{stationId}"}
   */
  identity?: string;
  /** The station table. @default {the embedded one, `data/stations.json`} */
  table?: () => StationTable;
}

/** A regular expression of an identity pattern: its station ID in group 1. */
export function identityPattern(pattern: string): RegExp {
  if (!pattern.includes("{stationId}")) {
    throw new ConfigError(
      `ocpp.identity: expected a pattern holding {stationId}, got ${JSON.stringify(pattern)}`,
    );
  }
  const parts = pattern.split("{stationId}").map((part) =>
    part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")
  );
  return new RegExp(`^${parts[0]}(.+?)${parts.slice(1).join("\\1")}$`);
}

/**
 * The ports of the embedded stations by charge point identity, a
 * {@link StationPorts}; see the module documentation. Throws a
 * {@link ConfigError} for a pattern without `{stationId}`.
 */
export function embeddedStationPorts(options: EmbeddedStationPortsOptions = {}): StationPorts {
  const pattern = identityPattern(options.identity ?? "{stationId}");
  const load = options.table ?? stationTable;
  let index: { table: StationTable; rows: Map<number, StationRow> } | undefined;
  const us = parseRegion("us");
  const portsOf = (stationId: string): readonly Charger[] | undefined => {
    const afdc = /^AFDC-([1-9]\d{0,14})$/.exec(stationId);
    if (!afdc) return undefined;
    if (!index) {
      const table = load();
      index = { table, rows: new Map(table.stations.map((row) => [row[0], row])) };
    }
    const row = index.rows.get(Number(afdc[1]));
    if (!row) return undefined;
    const { table } = index;
    // The station alone, its city the table's only one: the chargers `--region` makes of it.
    const alone: StationRow = [...row];
    alone[2] = 0;
    const network = stationChargers(
      { ...table, cities: [table.cities[row[2]]], top50: [], stations: [alone] },
      ratings,
      { region: us },
    );
    const [spec] = stationsOf({ ...network, vehicles: [] });
    const byId = new Map(network.chargers.map((c) => [c.id, c]));
    return spec.ports.map((port) => byId.get(port.chargerId)!);
  };
  return (identity) => {
    const stationId = pattern.exec(identity)?.[1];
    return stationId === undefined ? undefined : portsOf(stationId);
  };
}
