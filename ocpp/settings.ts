/**
 * What a charge point lets its central system read and change: its heartbeat
 * interval, what it samples and how often, how it retries transaction
 * messages. One table names each setting as OCPP 1.6 (a configuration key)
 * and 2.0.1 (a component's variable) call it; GetConfiguration,
 * ChangeConfiguration, GetVariables and SetVariables are answered from it, as
 * pure functions.
 *
 * @module
 */
import type { Payload } from "./transport.ts";

/** The measurands a charge point can sample. */
export const MEASURANDS = [
  "Energy.Active.Import.Register",
  "Power.Active.Import",
  "Current.Import",
  "Voltage",
  "SoC",
] as const;
export type Measurand = typeof MEASURANDS[number];

/** A charge point's settings. */
export interface Settings {
  /** Seconds between Heartbeats (set by the BootNotification's answer too). */
  heartbeatIntervalSec: number;
  /** Simulated seconds between periodic samples of a transaction; 0 for none. */
  sampleIntervalSec: number;
  /** Measurands of periodic samples. */
  periodic: readonly Measurand[];
  /**
   * Seconds between clock-aligned samples of a transaction (at each multiple
   * of it since midnight UTC, taken at the first event after it); 0 for none.
   */
  alignedIntervalSec: number;
  /** Measurands of clock-aligned samples. */
  aligned: readonly Measurand[];
  /** Measurands of the sample that begins a transaction (2.0.1; 1.6 uses `end`). */
  begin: readonly Measurand[];
  /** Measurands of the sample that ends a transaction (1.6: also its begin sample). */
  end: readonly Measurand[];
  /** Attempts at a transaction message the central system answers with a CALLERROR. */
  transactionAttempts: number;
  /** Seconds between those attempts (multiplied by the attempt number). */
  transactionRetrySec: number;
}

/** The settings of a charge point that was told nothing. */
export const DEFAULT_SETTINGS: Settings = {
  heartbeatIntervalSec: 300,
  sampleIntervalSec: 60,
  periodic: MEASURANDS,
  alignedIntervalSec: 0,
  aligned: ["Energy.Active.Import.Register"],
  begin: ["Energy.Active.Import.Register"],
  end: ["Energy.Active.Import.Register"],
  transactionAttempts: 3,
  transactionRetrySec: 60,
};

/** One setting, as each version names it. */
interface Entry {
  key: string;
  component: string;
  variable: string;
  instance?: string;
  get(s: Settings, connectors: number): string;
  /** The settings with this one set to `value`, or undefined if the value is not valid. */
  set?(s: Settings, value: string): Settings | undefined;
  /** Only in one version. */
  only?: "1.6" | "2.0.1";
}

function seconds(
  field:
    | "heartbeatIntervalSec"
    | "sampleIntervalSec"
    | "alignedIntervalSec"
    | "transactionRetrySec",
) {
  return {
    get: (s: Settings) => String(s[field]),
    set: (s: Settings, value: string) => {
      const n = Number(value);
      return /^\d+$/.test(value.trim()) && n <= 86_400 ? { ...s, [field]: n } : undefined;
    },
  };
}

function measurands(field: "periodic" | "aligned" | "begin" | "end") {
  return {
    get: (s: Settings) => s[field].join(","),
    set: (s: Settings, value: string) => {
      const list = value.split(",").map((m) => m.trim()).filter((m) => m !== "");
      if (!list.every((m) => (MEASURANDS as readonly string[]).includes(m))) return undefined;
      return { ...s, [field]: [...new Set(list)] as Measurand[] };
    },
  };
}

const fixed = (value: string) => ({ get: () => value });

/** A read-only 1.6 configuration key with no 2.0.1 variable. */
const only16 = (key: string, value: string): Entry => ({
  key,
  component: "",
  variable: "",
  ...fixed(value),
  only: "1.6",
});

const ENTRIES: readonly Entry[] = [
  {
    key: "HeartbeatInterval",
    component: "OCPPCommCtrlr",
    variable: "HeartbeatInterval",
    ...seconds("heartbeatIntervalSec"),
  },
  {
    key: "MeterValueSampleInterval",
    component: "SampledDataCtrlr",
    variable: "TxUpdatedInterval",
    ...seconds("sampleIntervalSec"),
  },
  {
    key: "MeterValuesSampledData",
    component: "SampledDataCtrlr",
    variable: "TxUpdatedMeasurands",
    ...measurands("periodic"),
  },
  {
    key: "",
    component: "SampledDataCtrlr",
    variable: "TxStartedMeasurands",
    ...measurands("begin"),
    only: "2.0.1",
  },
  {
    key: "StopTxnSampledData",
    component: "SampledDataCtrlr",
    variable: "TxEndedMeasurands",
    ...measurands("end"),
  },
  {
    key: "TransactionMessageAttempts",
    component: "OCPPCommCtrlr",
    variable: "MessageAttempts",
    instance: "TransactionEvent",
    get: (s) => String(s.transactionAttempts),
    set: (s, value) => {
      const n = Number(value);
      return /^\d+$/.test(value.trim()) && n >= 1 && n <= 100
        ? { ...s, transactionAttempts: n }
        : undefined;
    },
  },
  {
    key: "TransactionMessageRetryInterval",
    component: "OCPPCommCtrlr",
    variable: "MessageAttemptInterval",
    instance: "TransactionEvent",
    ...seconds("transactionRetrySec"),
  },
  only16("MeterValuesSampledDataMaxLength", String(MEASURANDS.length)),
  only16("StopTxnSampledDataMaxLength", String(MEASURANDS.length)),
  {
    key: "NumberOfConnectors",
    component: "",
    variable: "",
    get: (_, connectors) => String(connectors),
    only: "1.6",
  },
  only16("SupportedFeatureProfiles", "Core,RemoteTrigger,SmartCharging"),
  {
    key: "AuthorizationCacheEnabled",
    component: "AuthCacheCtrlr",
    variable: "Enabled",
    ...fixed("true"),
  },
  only16("LocalAuthorizeOffline", "true"),
  only16("LocalPreAuthorize", "false"),
  {
    key: "ClockAlignedDataInterval",
    component: "AlignedDataCtrlr",
    variable: "Interval",
    ...seconds("alignedIntervalSec"),
  },
  {
    key: "MeterValuesAlignedData",
    component: "AlignedDataCtrlr",
    variable: "Measurands",
    ...measurands("aligned"),
  },
  only16("ChargeProfileMaxStackLevel", "10"),
  only16("ChargingScheduleAllowedChargingRateUnit", "Current,Power"),
  only16("ChargingScheduleMaxPeriods", "24"),
  only16("MaxChargingProfilesInstalled", "10"),
  only16("StopTransactionOnEVSideDisconnect", "true"),
  only16("GetConfigurationMaxKeys", "50"),
  {
    key: "",
    component: "SampledDataCtrlr",
    variable: "Enabled",
    ...fixed("true"),
    only: "2.0.1",
  },
  {
    key: "",
    component: "TxCtrlr",
    variable: "TxStartPoint",
    ...fixed("Authorized"),
    only: "2.0.1",
  },
  {
    key: "",
    component: "TxCtrlr",
    variable: "TxStopPoint",
    ...fixed("EVConnected,Authorized"),
    only: "2.0.1",
  },
];

const KEYS_16 = ENTRIES.filter((e) => e.only !== "2.0.1" && e.key !== "");
const VARIABLES_201 = ENTRIES.filter((e) => e.only !== "1.6" && e.component !== "");

/** The answer to a 1.6 GetConfiguration for `keys` (all keys when none is given). */
export function getConfiguration(
  settings: Settings,
  connectors: number,
  keys?: readonly string[],
): Payload {
  const wanted = keys && keys.length > 0 ? keys : KEYS_16.map((e) => e.key);
  const configurationKey: Payload[] = [];
  const unknownKey: string[] = [];
  for (const key of wanted) {
    const e = KEYS_16.find((e) => e.key.toLowerCase() === key.toLowerCase());
    if (!e) unknownKey.push(key.slice(0, 50));
    else {configurationKey.push({
        key: e.key,
        readonly: !e.set,
        value: e.get(settings, connectors),
      });}
  }
  return unknownKey.length > 0 ? { configurationKey, unknownKey } : { configurationKey };
}

/** The settings after a 1.6 ChangeConfiguration, and its answer's status. */
export function changeConfiguration(
  settings: Settings,
  key: string,
  value: string,
): { settings: Settings; status: "Accepted" | "Rejected" | "NotSupported" } {
  const e = KEYS_16.find((e) => e.key.toLowerCase() === key.toLowerCase());
  if (!e) return { settings, status: "NotSupported" };
  const next = e.set?.(settings, value);
  return next ? { settings: next, status: "Accepted" } : { settings, status: "Rejected" };
}

interface VariableRef {
  component: { name: string; instance?: string; evse?: unknown };
  variable: { name: string; instance?: string };
  attributeType?: string;
}

function lookup(ref: VariableRef): Entry | "UnknownComponent" | "UnknownVariable" {
  const ofComponent = VARIABLES_201.filter((e) => e.component === ref.component.name);
  if (ofComponent.length === 0 || ref.component.instance !== undefined) return "UnknownComponent";
  return ofComponent.find((e) =>
    e.variable === ref.variable.name && e.instance === ref.variable.instance
  ) ?? "UnknownVariable";
}

/** The answer to a 2.0.1 GetVariables. */
export function getVariables(
  settings: Settings,
  connectors: number,
  data: readonly VariableRef[],
): Payload {
  return {
    getVariableResult: data.map((ref) => {
      const base = { component: ref.component, variable: ref.variable };
      const withType = ref.attributeType ? { ...base, attributeType: ref.attributeType } : base;
      if ((ref.attributeType ?? "Actual") !== "Actual") {
        return { ...withType, attributeStatus: "NotSupportedAttributeType" };
      }
      const e = lookup(ref);
      if (typeof e === "string") return { ...withType, attributeStatus: e };
      return {
        ...withType,
        attributeStatus: "Accepted",
        attributeValue: e.get(settings, connectors),
      };
    }),
  };
}

/** The settings after a 2.0.1 SetVariables, and its answer. */
export function setVariables(
  settings: Settings,
  data: readonly (VariableRef & { attributeValue: string })[],
): { settings: Settings; answer: Payload } {
  let next = settings;
  const setVariableResult = data.map((ref) => {
    const base = { component: ref.component, variable: ref.variable };
    const withType = ref.attributeType ? { ...base, attributeType: ref.attributeType } : base;
    if ((ref.attributeType ?? "Actual") !== "Actual") {
      return { ...withType, attributeStatus: "NotSupportedAttributeType" };
    }
    const e = lookup(ref);
    if (typeof e === "string") return { ...withType, attributeStatus: e };
    const changed = e.set?.(next, ref.attributeValue);
    if (!changed) return { ...withType, attributeStatus: "Rejected" };
    next = changed;
    return { ...withType, attributeStatus: "Accepted" };
  });
  return { settings: next, answer: { setVariableResult } };
}
