/**
 * The hardware a charge point says it is in its BootNotification: a plausible
 * vendor and model for the station's network, a Level 2 model for a station
 * of Level 2 ports only, a DC model for one with any DC port. The networks
 * are those of the AFDC list (`data/stations.json`). These are
 * typical models of each network's fleet around 2023, not the hardware the
 * AFDC list records (it records none).
 *
 * @module
 */
import { serialOf } from "./identity.ts";

/** A model: its vendor, its name and a firmware version (names at most 20 characters, as 1.6 allows). */
export type Model = readonly [vendor: string, model: string, firmware: string];

/** One row: the model of a station of Level 2 ports only, and of a station with a DC port. */
export interface Hardware {
  ac: Model;
  dc: Model;
}

const AUTEL: Hardware = {
  ac: ["Autel", "MaxiCharger AC", "1.31.0"],
  dc: ["Autel", "MaxiCharger DC", "1.31.0"],
};

/** The hardware by AFDC network name; `default` for a network not listed or none. */
export const HARDWARE: Readonly<Record<string, Hardware>> = {
  "ChargePoint Network": {
    ac: ["ChargePoint", "CT4000", "5.6.2"],
    dc: ["ChargePoint", "CPE250", "2.4.1"],
  },
  "Tesla": {
    ac: ["Tesla", "Wall Connector Gen3", "23.8.1"],
    dc: ["Tesla", "Supercharger V3", "2023.20"],
  },
  "Tesla Destination": {
    ac: ["Tesla", "Wall Connector Gen3", "23.8.1"],
    dc: ["Tesla", "Supercharger V2", "2023.20"],
  },
  "Electrify America": { ac: ["ABB", "Terra AC W7", "1.8.4"], dc: ["ABB", "Terra HP", "1.7.3"] },
  "eVgo Network": {
    ac: ["BTC Power", "EVP-2001", "3.2.0"],
    dc: ["BTC Power", "L3P-350", "3.4.2"],
  },
  "Blink Network": { ac: ["Blink", "IQ 200", "2.1.7"], dc: ["Blink", "DCFC 50", "1.3.0"] },
  "SemaCharge Network": {
    ac: ["ECOtality", "Blink Pedestal", "1.4"],
    dc: ["ECOtality", "Blink DC Fast", "1.4"],
  },
  "EV Connect": { ac: ["BTC Power", "EVP-2001", "3.2.0"], dc: ["Tritium", "RTM75", "1.6.3"] },
  "FLO": { ac: ["FLO", "CoRe+", "4.3.1"], dc: ["FLO", "SmartDC", "2.0.4"] },
  "SHELL_RECHARGE": {
    ac: ["EVBox", "BusinessLine", "4.7.0"],
    dc: ["EVBox", "Troniq 100", "1.9.2"],
  },
  "Volta": { ac: ["Volta", "Media Kiosk", "2.9.0"], dc: ["Volta", "Media Kiosk DC", "2.9.0"] },
  "Webasto": { ac: ["Webasto", "TurboDX", "1.2.5"], dc: ["Webasto", "Pulse DC", "1.0.8"] },
  "AMPUP": AUTEL,
  "SWTCH": AUTEL,
  "CHARGELAB": AUTEL,
  "OpConnect": { ac: ["OpConnect", "OC-L2-2", "2.2.3"], dc: ["OpConnect", "OC-DC-50", "2.2.3"] },
  "EVGATEWAY": { ac: ["EVoCharge", "EVoReel", "3.0.1"], dc: ["Tritium", "RTM75", "1.6.3"] },
  "POWERFLEX": { ac: ["PowerFlex", "AMS L2", "6.1.0"], dc: ["PowerFlex", "AMS DC", "6.1.0"] },
  "RIVIAN_ADVENTURE": {
    ac: ["Rivian", "Waypoints L2", "2023.12"],
    dc: ["Rivian", "RAN DCFC", "2023.12"],
  },
  "RIVIAN_WAYPOINTS": {
    ac: ["Rivian", "Waypoints L2", "2023.12"],
    dc: ["Rivian", "RAN DCFC", "2023.12"],
  },
  "FPLEV": { ac: ["ChargePoint", "CT4000", "5.6.2"], dc: ["Tritium", "PKM150", "1.6.3"] },
  "EVCS": { ac: ["Enel X", "JuiceBox Pro 40", "1.9.2"], dc: ["BTC Power", "L3P-100", "3.4.2"] },
  "EVRANGE": { ac: ["ChargePoint", "CT4000", "5.6.2"], dc: ["Signet", "FC50K-CC", "2.1.0"] },
  "FCN": { ac: AUTEL.ac, dc: ["Tritium", "RTM75", "1.6.3"] },
  "FLASH": { ac: ["Wallbox", "Commander 2", "5.17.0"], dc: ["Wallbox", "Supernova 60", "1.4.2"] },
  "LIVINGSTON": { ac: ["EVoCharge", "EVoReel", "3.0.1"], dc: ["Tritium", "RTM50", "1.6.3"] },
  "RED_E": { ac: ["RED E", "RED E L2", "2.3.0"], dc: ["RED E", "RED E DC", "2.3.0"] },
  "UNIVERSAL": AUTEL,
  "ZEFNET": { ac: ["ZEF Energy", "ZEF L2", "1.2.0"], dc: ["Tritium", "RTM50", "1.6.3"] },
  "Non-Networked": { ac: ["ClipperCreek", "HCS-40", "1.0"], dc: ["ABB", "Terra 54", "1.5.2"] },
  "default": { ac: ["Enel X", "JuiceBox Pro 40", "1.9.2"], dc: ["Tritium", "RTM50", "1.6.3"] },
};

/** What a BootNotification says about the hardware (field names as OCPP 1.6 spells them). */
export interface Identity {
  vendor: string;
  model: string;
  serialNumber: string;
  firmwareVersion: string;
}

/** The hardware of a station: its network's row, its model by whether it has a DC port. */
export function hardwareOf(
  station: { stationId: string; network: string | null; hasDc: boolean },
): Identity {
  const row = HARDWARE[station.network ?? "default"] ?? HARDWARE.default;
  const [vendor, model, firmwareVersion] = station.hasDc ? row.dc : row.ac;
  const prefix = vendor.replace(/[^A-Za-z0-9]/g, "").slice(0, 4).toUpperCase();
  return {
    vendor,
    model,
    serialNumber: serialOf(station.stationId, `${prefix}-`),
    firmwareVersion,
  };
}
