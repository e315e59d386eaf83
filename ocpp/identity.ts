/**
 * Stable identities of what a charge point reports: a driver's RFID card (or
 * Plug & Charge contract), a 2.0.1 transaction ID, serial numbers. Each is a
 * hash of evsim's own IDs, so the same run gives the same identities.
 *
 * @module
 */

/** 32-bit FNV-1a of `text`, from `seed`. */
export function fnv1a(text: string, seed = 0x811c9dc5): number {
  let h = seed >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** `n` upper-case hex digits of hashes of `text`. */
export function hexOf(text: string, n: number): string {
  let out = "";
  for (let i = 0; out.length < n; i++) {
    out += fnv1a(text, 0x811c9dc5 ^ Math.imul(i + 1, 0x9e3779b9)).toString(16).padStart(8, "0");
  }
  return out.slice(0, n).toUpperCase();
}

/**
 * The UID of a driver's RFID card, stable per `userId`: a quarter of drivers
 * carry a 4-byte (8 hex digits) MIFARE Classic card, the rest a 7-byte (14
 * hex digits) card whose first byte is NXP's manufacturer code `04`.
 */
export function rfidOf(userId: string): string {
  return fnv1a(userId) % 4 === 0 ? hexOf(userId, 8) : `04${hexOf(`uid:${userId}`, 12)}`;
}

/**
 * Vehicles whose makers offered ISO 15118 Plug & Charge contracts in the US
 * (2023), matched by the start of the vehicle's name.
 */
const PLUG_AND_CHARGE = ["Ford ", "Volkswagen ", "Porsche ", "Audi ", "Lucid ", "Mercedes"];

/**
 * Networks whose DC chargers took Plug & Charge (ISO 15118) contracts in 2023.
 */
const PLUG_AND_CHARGE_NETWORKS = new Set(["Electrify America"]);

/**
 * An eMAID (ISO 15118 contract ID, 14 characters without a check digit):
 * country, a three-letter provider from the vehicle's make, `C`, and eight
 * characters stable per driver: `USFORC3A9F01B2`.
 */
export function emaidOf(userId: string, vehicleType: string, country = "US"): string {
  const make = vehicleType.split(" ")[0].toUpperCase().replace(/[^A-Z]/g, "").padEnd(3, "X");
  return `${country.slice(0, 2).toUpperCase()}${make.slice(0, 3)}C${hexOf(`emaid:${userId}`, 8)}`;
}

/** An idToken and its type (2.0.1 `IdTokenType`). */
export interface IdToken {
  idToken: string;
  type: "ISO14443" | "eMAID";
}

/**
 * The token a session is authorized with: the driver's RFID card, or, for a
 * Plug & Charge vehicle at the DC charger of a Plug & Charge network, its
 * contract (eMAID; 2.0.1 only, as 1.6 has no Plug & Charge).
 */
export function idTokenOf(
  session: { userId: string; vehicleType: string },
  port: { dc: boolean; network: string | null; country: string },
  version: "1.6" | "2.0.1",
): IdToken {
  const pnc = version === "2.0.1" && port.dc && port.network !== null &&
    PLUG_AND_CHARGE_NETWORKS.has(port.network) &&
    PLUG_AND_CHARGE.some((make) => session.vehicleType.startsWith(make));
  return pnc
    ? { idToken: emaidOf(session.userId, session.vehicleType, port.country), type: "eMAID" }
    : { idToken: rfidOf(session.userId), type: "ISO14443" };
}

/**
 * A 2.0.1 transaction ID (at most 36 characters), made by the charge point:
 * the session ID when it fits, else a 32-digit hash of it.
 */
export function transactionIdOf(sessionId: string): string {
  return sessionId.length <= 36 ? sessionId : hexOf(`tx:${sessionId}`, 32);
}

/** A serial number (at most 25 characters) for a station: a prefix and ten hex digits. */
export function serialOf(stationId: string, prefix: string): string {
  return `${prefix.slice(0, 14)}${hexOf(`serial:${stationId}`, 10)}`;
}
