/**
 * The little of ASN.1 DER that X.509 certificates and PKCS#10 requests need:
 * reading an element (its tag, its whole encoding and its contents, as
 * views of the bytes given, so a signed part can be hashed exactly as it
 * came), and writing one. Only single-byte tags and definite lengths: DER
 * has no others in these structures.
 *
 * ```ts
 * const [tbs, algorithm, signature] = children(readDer(der));
 * const name = seq(set(seq(oid("2.5.4.3"), utf8String("CP-1"))));
 * ```
 *
 * @module
 */

/** ASN.1 tags used here (universal class; constructed where the type is). */
export const TAG = {
  BOOLEAN: 0x01,
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  UTF8_STRING: 0x0c,
  PRINTABLE_STRING: 0x13,
  IA5_STRING: 0x16,
  UTC_TIME: 0x17,
  GENERALIZED_TIME: 0x18,
  SEQUENCE: 0x30,
  SET: 0x31,
} as const;

/** An element read from DER bytes. */
export interface Der {
  /** Its tag byte (class, constructed bit and number). */
  tag: number;
  /** Its whole encoding: tag, length and contents. */
  bytes: Uint8Array;
  /** Its contents. */
  value: Uint8Array;
}

/** DER that cannot be read: the bytes end early, or use a form DER does not allow. */
export class DerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DerError";
  }
}

/** The element at `at` in `bytes` (the rest after it is left alone). */
export function readDer(bytes: Uint8Array, at = 0): Der {
  if (at + 2 > bytes.length) throw new DerError(`no element at byte ${at}: the data ends`);
  const tag = bytes[at];
  if ((tag & 0x1f) === 0x1f) throw new DerError(`multi-byte tag at byte ${at}`);
  let length = bytes[at + 1];
  let start = at + 2;
  if (length === 0x80) throw new DerError(`indefinite length at byte ${at}`);
  if (length > 0x80) {
    const n = length & 0x7f;
    if (n > 4 || start + n > bytes.length) throw new DerError(`bad length at byte ${at}`);
    length = 0;
    for (let i = 0; i < n; i++) length = length * 256 + bytes[start + i];
    start += n;
  }
  const end = start + length;
  if (end > bytes.length) {
    throw new DerError(`element at byte ${at} runs past the end (${end} > ${bytes.length})`);
  }
  return { tag, bytes: bytes.subarray(at, end), value: bytes.subarray(start, end) };
}

/** The elements one after the other in `value` (a SEQUENCE's or SET's contents). */
export function children(element: Der | Uint8Array): Der[] {
  const value = element instanceof Uint8Array ? element : element.value;
  const out: Der[] = [];
  for (let at = 0; at < value.length;) {
    const child = readDer(value, at);
    out.push(child);
    at = child.value.byteOffset - value.byteOffset + child.value.length;
  }
  return out;
}

/** Reads `bytes` as one element of tag `tag`, with nothing after it. */
export function readOnly(bytes: Uint8Array, tag: number, what: string): Der {
  const element = readDer(bytes);
  if (element.tag !== tag) {
    throw new DerError(`${what}: expected tag 0x${hex(tag)}, got 0x${hex(element.tag)}`);
  }
  if (element.bytes.length !== bytes.length) throw new DerError(`${what}: bytes after its end`);
  return element;
}

const hex = (n: number) => n.toString(16).padStart(2, "0");

/** An element of tag `tag` whose contents are `contents`, one after the other. */
export function der(tag: number, ...contents: Uint8Array[]): Uint8Array<ArrayBuffer> {
  const length = contents.reduce((n, c) => n + c.length, 0);
  const head = length < 0x80 ? [tag, length] : [tag, ...lengthBytes(length)];
  const out = new Uint8Array(head.length + length);
  out.set(head);
  let at = head.length;
  for (const c of contents) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

function lengthBytes(length: number): number[] {
  const bytes: number[] = [];
  for (let n = length; n > 0; n = Math.floor(n / 256)) bytes.unshift(n % 256);
  return [0x80 | bytes.length, ...bytes];
}

/** A SEQUENCE of `items`. */
export const seq = (...items: Uint8Array[]): Uint8Array<ArrayBuffer> => der(TAG.SEQUENCE, ...items);
/** A SET of `items` (in the order given: DER's sorting is the caller's, where it matters). */
export const set = (...items: Uint8Array[]): Uint8Array<ArrayBuffer> => der(TAG.SET, ...items);
/** A UTF8String. */
export const utf8String = (text: string): Uint8Array<ArrayBuffer> =>
  der(TAG.UTF8_STRING, new TextEncoder().encode(text));
/** A BIT STRING of whole bytes (no unused bits). */
export const bitString = (bytes: Uint8Array): Uint8Array<ArrayBuffer> =>
  der(TAG.BIT_STRING, new Uint8Array([0]), bytes);

/** An INTEGER of the unsigned big-endian `bytes` (leading zeros dropped, a sign byte added). */
export function unsignedInteger(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  let i = 0;
  while (i < bytes.length - 1 && bytes[i] === 0) i++;
  const trimmed = bytes.subarray(i);
  return trimmed[0] & 0x80
    ? der(TAG.INTEGER, new Uint8Array([0]), trimmed)
    : der(TAG.INTEGER, trimmed.length ? trimmed : new Uint8Array([0]));
}

/** The INTEGER `n` (small, non-negative). */
export function smallInteger(n: number): Uint8Array<ArrayBuffer> {
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v % 256);
  return unsignedInteger(new Uint8Array(bytes.length ? bytes : [0]));
}

/** The OBJECT IDENTIFIER `dotted` ("1.2.840.10045.2.1"). */
export function oid(dotted: string): Uint8Array<ArrayBuffer> {
  const arcs = dotted.split(".").map(Number);
  if (arcs.length < 2 || arcs.some((a) => !Number.isSafeInteger(a) || a < 0)) {
    throw new DerError(`not an object identifier: ${dotted}`);
  }
  const bytes: number[] = [];
  for (const arc of [arcs[0] * 40 + arcs[1], ...arcs.slice(2)]) {
    const base128: number[] = [];
    for (let v = arc;; v = Math.floor(v / 128)) {
      base128.unshift((v % 128) | (base128.length ? 0x80 : 0));
      if (v < 128) break;
    }
    bytes.push(...base128);
  }
  return der(TAG.OID, new Uint8Array(bytes));
}

/** The dotted form of an OBJECT IDENTIFIER's contents. */
export function oidOf(value: Uint8Array): string {
  const arcs: number[] = [];
  let v = 0;
  for (const b of value) {
    v = v * 128 + (b & 0x7f);
    if (b & 0x80) continue;
    if (arcs.length === 0) arcs.push(v < 80 ? Math.floor(v / 40) : 2, v < 80 ? v % 40 : v - 80);
    else arcs.push(v);
    v = 0;
  }
  return arcs.join(".");
}

/** The epoch ms of a UTCTime or GeneralizedTime element (`Z` times, as RFC 5280 requires). */
export function timeOf(element: Der): number {
  const text = new TextDecoder().decode(element.value);
  const m = element.tag === TAG.UTC_TIME
    ? /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(text)
    : element.tag === TAG.GENERALIZED_TIME
    ? /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(text)
    : null;
  if (!m) throw new DerError(`not a time: ${text}`);
  let year = Number(m[1]);
  // RFC 5280 §4.1.2.5.1: a UTCTime's two-digit year is 1950–2049.
  if (element.tag === TAG.UTC_TIME) year += year < 50 ? 2000 : 1900;
  const [month, day, hour, minute, second] = m.slice(2).map(Number);
  return Date.UTC(year, month - 1, day, hour, minute, second);
}
