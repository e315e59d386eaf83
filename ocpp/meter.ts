/**
 * Meter values: what a port's meter reads at one moment, as a 1.6 or 2.0.1
 * `MeterValue`. The energy register is the port's own, in Wh; power, current
 * and voltage follow `electrical.ts`; SoC only at DC (an AC charger cannot
 * know it).
 *
 * @module
 */
import { electricalOf } from "./electrical.ts";
import type { Measurand } from "./settings.ts";
import type { PortSpec } from "./station.ts";
import type { OcppVersion, Payload } from "./transport.ts";

/** What a port's meter reads. */
export interface Reading {
  /** Simulated time, ISO-8601. */
  time: string;
  /** The port's energy register, Wh. */
  registerWh: number;
  /** Power drawn, W. */
  powerW: number;
  /** The vehicle's state of charge, %. */
  socPercent: number;
  /** The vehicle (it sets the battery voltage at DC). */
  vehicleType: string;
}

/** Where a sample was taken. */
export type ReadingContext =
  | "Transaction.Begin"
  | "Sample.Periodic"
  | "Sample.Clock"
  | "Transaction.End"
  | "Interruption.Begin"
  | "Interruption.End"
  | "Trigger";

interface Value {
  value: number;
  measurand: Measurand;
  unit: string;
  phase?: string;
  location?: string;
}

/** The values of `measurands` for `reading` at `port`, in the order given. */
export function valuesOf(
  port: PortSpec,
  reading: Reading,
  measurands: readonly Measurand[],
): Value[] {
  const out: Value[] = [];
  const e = electricalOf(port, reading.vehicleType, reading.socPercent, reading.powerW);
  for (const measurand of measurands) {
    switch (measurand) {
      case "Energy.Active.Import.Register":
        out.push({ value: reading.registerWh, measurand, unit: "Wh", location: "Outlet" });
        break;
      case "Power.Active.Import":
        out.push({ value: reading.powerW, measurand, unit: "W", location: "Outlet" });
        break;
      case "Current.Import":
        for (const phase of e.wiring.currentPhases) {
          out.push({ value: e.amps, measurand, unit: "A", location: "Outlet", phase });
        }
        break;
      case "Voltage":
        for (const phase of e.wiring.voltagePhases) {
          out.push({ value: e.volts, measurand, unit: "V", location: "Outlet", phase });
        }
        break;
      case "SoC":
        if (port.level === "DCFC") {
          out.push({ value: reading.socPercent, measurand, unit: "Percent", location: "EV" });
        }
        break;
    }
  }
  return out;
}

/** One `MeterValue` of `version`: the values of `measurands` at `reading`, taken in `context`. */
export function meterValue(
  version: OcppVersion,
  port: PortSpec,
  reading: Reading,
  measurands: readonly Measurand[],
  context: ReadingContext,
): Payload {
  const values = valuesOf(port, reading, measurands);
  const sampledValue = version === "1.6"
    ? values.map((v) => {
      const s: Payload = {
        value: String(v.value),
        context,
        format: "Raw",
        measurand: v.measurand,
        location: v.location,
        unit: v.unit,
      };
      if (v.phase) s.phase = v.phase;
      return s;
    })
    : values.map((v) => {
      const s: Payload = {
        value: v.value,
        context,
        measurand: v.measurand,
        location: v.location,
        unitOfMeasure: { unit: v.unit },
      };
      if (v.phase) s.phase = v.phase;
      return s;
    });
  return { timestamp: reading.time, sampledValue };
}
