/**
 * Voltage and current behind a power reading, so that meter values are
 * physically coherent (P = V·I on every phase).
 *
 * - AC in North America (US, CA, MX): single phase between two legs, 240 V at
 *   residential sites (split-phase service), 208 V elsewhere (commercial
 *   208Y/120 V service); voltage phase `L1-L2`, the current on `L1`.
 * - AC elsewhere: 230 V to neutral; single phase (`L1-N`, `L1`) up to a 7.4 kW
 *   rating (32 A), three phases (`L1-N`…`L3-N`, `L1`…`L3`) above, the power
 *   split evenly between them.
 * - DC: the vehicle's battery voltage, which rises with its state of charge:
 *   400 V class packs 320 V at 0 % to 400 V at 100 %, 800 V class packs
 *   (the vehicles of {@link EIGHT_HUNDRED_VOLT}) twice that. No phase.
 *
 * Voltages are given to 0.1 V and currents to 0.01 A (I = P / V, rounded), so
 * V·I matches P to within half a hundredth of an ampere times the voltage.
 *
 * @module
 */

/** Vehicles on an 800 V platform, by the start of their name; every other one is 400 V class. */
export const EIGHT_HUNDRED_VOLT: readonly string[] = [
  "Hyundai Ioniq 5",
  "Hyundai Ioniq 6",
  "Kia EV6",
  "Kia EV9",
  "Genesis",
  "Porsche Taycan",
  "Audi e-tron GT",
  "Lucid",
  "GMC Hummer",
  "Tesla Cybertruck",
];

const NORTH_AMERICA = new Set(["US", "CA", "MX"]);

/** How a port is wired. */
export interface Wiring {
  kind: "AC" | "DC";
  /** Phases carrying current: 1 or 3 (DC: 1). */
  phases: 1 | 3;
  /** The `phase` of each voltage reading (DC: none). */
  voltagePhases: readonly (string | undefined)[];
  /** The `phase` of each current reading (DC: none). */
  currentPhases: readonly (string | undefined)[];
}

const SPLIT: Wiring = {
  kind: "AC",
  phases: 1,
  voltagePhases: ["L1-L2"],
  currentPhases: ["L1"],
};
const SINGLE: Wiring = { kind: "AC", phases: 1, voltagePhases: ["L1-N"], currentPhases: ["L1"] };
const THREE: Wiring = {
  kind: "AC",
  phases: 3,
  voltagePhases: ["L1-N", "L2-N", "L3-N"],
  currentPhases: ["L1", "L2", "L3"],
};
const DC: Wiring = {
  kind: "DC",
  phases: 1,
  voltagePhases: [undefined],
  currentPhases: [undefined],
};

/** What an electrical rule needs to know of a port. */
export interface PortWiring {
  level: "L2" | "DCFC";
  /** The port's rating, kW. */
  ratedKw: number;
  siteType: string;
  /** ISO 3166-1 alpha-2. */
  country: string;
}

/** How `port` is wired (see the rule above). */
export function wiringOf(port: PortWiring): Wiring {
  if (port.level === "DCFC") return DC;
  if (NORTH_AMERICA.has(port.country)) return SPLIT;
  return port.ratedKw > 7.4 ? THREE : SINGLE;
}

/** Whether `vehicleType` is on an 800 V platform. */
export function isEightHundredVolt(vehicleType: string): boolean {
  return EIGHT_HUNDRED_VOLT.some((name) => vehicleType.startsWith(name));
}

/** The voltage of each phase of `port`, with the vehicle at `socPercent` (DC). */
export function voltageOf(port: PortWiring, vehicleType: string, socPercent: number): number {
  if (port.level === "DCFC") {
    const v = 320 + 0.8 * Math.min(100, Math.max(0, socPercent));
    return round(isEightHundredVolt(vehicleType) ? 2 * v : v, 1);
  }
  if (NORTH_AMERICA.has(port.country)) return port.siteType === "residential" ? 240 : 208;
  return 230;
}

/** A reading of voltage and current per phase. */
export interface Electrical {
  wiring: Wiring;
  /** Volts on each phase. */
  volts: number;
  /** Amperes on each phase. */
  amps: number;
}

/** The voltage and current per phase behind `powerW` at `port`. */
export function electricalOf(
  port: PortWiring,
  vehicleType: string,
  socPercent: number,
  powerW: number,
): Electrical {
  const wiring = wiringOf(port);
  const volts = voltageOf(port, vehicleType, socPercent);
  return { wiring, volts, amps: round(powerW / (wiring.phases * volts), 2) };
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
