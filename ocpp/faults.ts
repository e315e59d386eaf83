/**
 * evsim's fault and interruption messages as OCPP error codes (1.6
 * `ChargePointErrorCode`, also the 2.0.1 NotifyEvent `techCode`) and as the
 * stop reason of a charge that a fault ended.
 *
 * @module
 */

/** The error code of an outage, by the message of its `charger.status` event. */
const FAULT_CODES: Readonly<Record<string, string>> = {
  "Fault: awaiting remote reset": "InternalError",
  "Firmware fault: remote restart": "InternalError",
  "Network communication lost": "OtherError",
  "Hardware fault: site visit required": "OtherError",
  "Connector damaged": "ConnectorLockFailure",
  "Power module failure": "PowerSwitchFailure",
  "Payment terminal failure": "ReaderFailure",
};

/** A fault pausing a session: its error code and the stop reasons if the charge fails. */
interface Interruption {
  code: string;
  stop16: string;
  stop201: string;
}

const INTERRUPTIONS: Readonly<Record<string, Interruption>> = {
  "Ground fault detected": { code: "GroundFailure", stop16: "Other", stop201: "GroundFault" },
  "Communication lost with vehicle": {
    code: "EVCommunicationError",
    stop16: "Other",
    stop201: "Other",
  },
  "Power supply fluctuation": {
    code: "UnderVoltage",
    stop16: "PowerLoss",
    stop201: "PowerQuality",
  },
  "Connector overheating": {
    code: "HighTemperature",
    stop16: "Other",
    stop201: "OvercurrentFault",
  },
  "Payment authorization lost": {
    code: "NoError",
    stop16: "DeAuthorized",
    stop201: "DeAuthorized",
  },
};

const OTHER: Interruption = { code: "OtherError", stop16: "Other", stop201: "Other" };

/** The error code of a `Faulted` charger's message (`OtherError` for one not listed). */
export function faultCode(message: string): string {
  return FAULT_CODES[message] ?? "OtherError";
}

/** What a fault that pauses a session means, by its message. */
export function interruptionOf(message: string | undefined): Interruption {
  return (message !== undefined && INTERRUPTIONS[message]) || OTHER;
}

/** The error code of a failed start (`session.rejected`), by its reason. */
export function rejectCode(reason: string): string {
  switch (reason) {
    case "connector_error":
      return "ConnectorLockFailure";
    case "vehicle_communication":
      return "EVCommunicationError";
    default:
      return "NoError";
  }
}
