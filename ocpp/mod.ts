/**
 * OCPP: every station of the simulated network as a charge point speaking
 * OCPP 1.6J or 2.0.1 to a central system, driven by evsim's events; and a
 * small central system that checks what it receives.
 *
 * ```ts
 * import { getOcppFleet, startCsms, stationsOf } from "./mod.ts";
 *
 * await using csms = await startCsms();
 * await using fleet = getOcppFleet(stationsOf(network), { url: csms.url, version: "2.0.1" });
 * await fleet.start();
 * for (const event of events) fleet(event);
 * await fleet.idle();
 * console.log(csms.violations);
 * ```
 *
 * The message builders (`step16`, `step201`) are pure functions of a
 * station's state and an event; the transport (`OcppTransport`, on ocpp-rpc
 * in `rpc_transport.ts`) is the only part that touches a socket.
 *
 * @module
 */
export { ChargePoint } from "./charge_point.ts";
export type { ChargePointOptions, ChargePointStats } from "./charge_point.ts";
export { startCsms } from "./csms.ts";
export type {
  AnswerHook,
  CallListener,
  Csms,
  CsmsOptions,
  CsmsStation,
  ReceivedCall,
  Violation,
} from "./csms.ts";
export { StationRules } from "./csms_rules.ts";
export type { TransactionRecord } from "./csms_rules.ts";
export { EIGHT_HUNDRED_VOLT, electricalOf, voltageOf, wiringOf } from "./electrical.ts";
export type { Electrical, PortWiring, Wiring } from "./electrical.ts";
export { getOcppFleet } from "./fleet.ts";
export type { OcppFleet, OcppFleetOptions } from "./fleet.ts";
export { emaidOf, idTokenOf, rfidOf, transactionIdOf } from "./identity.ts";
export type { IdToken } from "./identity.ts";
export { meterValue } from "./meter.ts";
export type { Reading, ReadingContext } from "./meter.ts";
export { meterCalls16, status16, statusCalls16, step16 } from "./messages_16.ts";
export {
  chargingState,
  meterCalls201,
  status201,
  statusCalls201,
  step201,
} from "./messages_201.ts";
export { Outbox } from "./outbox.ts";
export { getRpcTransport, listenRpcServer, schemaCheck } from "./rpc_transport.ts";
export { SavedOcppSchema } from "./saved.ts";
export type { SavedChargePoint, SavedOcpp } from "./saved.ts";
export type { OcppServer, SchemaCheck, ServerOptions } from "./rpc_transport.ts";
export {
  changeConfiguration,
  DEFAULT_SETTINGS,
  getConfiguration,
  getVariables,
  MEASURANDS,
  setVariables,
} from "./settings.ts";
export type { Measurand, Settings } from "./settings.ts";
export { ChargingProfiles, periodAt, profileOf } from "./smart_charging.ts";
export type { Limit, Placed, Profile, Purpose, TransactionRef } from "./smart_charging.ts";
export { stationsOf } from "./station.ts";
export type { PortSpec, StationSpec } from "./station.ts";
export { initialState } from "./station_state.ts";
export type {
  OutCall,
  PortStart,
  PortState,
  StationState,
  Step,
  Transaction,
} from "./station_state.ts";
export { OcppCallError, OcppTransportError, SUBPROTOCOLS, versionOf } from "./transport.ts";
export type {
  OcppHandler,
  OcppPeer,
  OcppTransport,
  OcppVersion,
  Payload,
  TransportEvent,
  TransportFactory,
  TransportOptions,
} from "./transport.ts";
export { HARDWARE, hardwareOf } from "./vendors.ts";
export type { Hardware, Identity } from "./vendors.ts";
export { canRenewCertificate, withCertificateRenewal } from "./renewable_transport.ts";
export type { CertificateRenewal } from "./renewable_transport.ts";
export { CertificateStore, INSTALL_TYPES } from "./certificate_store.ts";
export type { InstallType, SavedCertificates } from "./certificate_store.ts";
export { CertificateError, hashDataOf, makeCsr, parseCertificateChain } from "./certificates.ts";
export type { Certificate, CertificateHashData } from "./certificates.ts";
