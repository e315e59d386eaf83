import assert from "node:assert/strict";
import fc from "fast-check";
import {
  children,
  der,
  DerError,
  oid,
  oidOf,
  readDer,
  readOnly,
  seq,
  smallInteger,
  TAG,
  timeOf,
  unsignedInteger,
  utf8String,
} from "./der.ts";

const bytes = (...b: number[]) => new Uint8Array(b);

Deno.test("oid() encodes object identifiers as X.509 has them, and oidOf() reads them back", () => {
  // id-ecPublicKey and commonName, as every EC certificate carries them.
  assert.deepEqual(oid("1.2.840.10045.2.1"), bytes(6, 7, 0x2a, 0x86, 0x48, 0xce, 0x3d, 2, 1));
  assert.deepEqual(oid("2.5.4.3"), bytes(6, 3, 0x55, 4, 3));
  assert.equal(oidOf(oid("1.3.132.0.34").subarray(2)), "1.3.132.0.34");
  assert.equal(oidOf(oid("2.999.3").subarray(2)), "2.999.3");
  assert.throws(() => oid("1"), DerError);
  fc.assert(fc.property(
    fc.integer({ min: 0, max: 2 }),
    fc.integer({ min: 0, max: 39 }),
    fc.array(fc.nat({ max: 2 ** 32 }), { maxLength: 8 }),
    (a, b, rest) => {
      const dotted = [a, b, ...rest].join(".");
      assert.equal(oidOf(oid(dotted).subarray(2)), dotted);
    },
  ));
});

Deno.test("der() and readDer() agree on every length, short and long form", () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 70_000 }), (value) => {
      const encoded = der(TAG.OCTET_STRING, value);
      const read = readDer(encoded);
      assert.equal(read.tag, TAG.OCTET_STRING);
      assert.deepEqual(read.value, value);
      assert.equal(read.bytes.length, encoded.length);
    }),
    { numRuns: 50 },
  );
  assert.deepEqual(der(TAG.OCTET_STRING, new Uint8Array(200)).subarray(0, 3), bytes(4, 0x81, 200));
  assert.deepEqual(
    der(TAG.OCTET_STRING, new Uint8Array(300)).subarray(0, 4),
    bytes(4, 0x82, 1, 44),
  );
  const big = der(TAG.OCTET_STRING, new Uint8Array(70_000));
  assert.deepEqual(big.subarray(0, 5), bytes(4, 0x83, 1, 0x11, 0x70));
  assert.equal(readDer(big).value.length, 70_000);
});

Deno.test("children() reads a SEQUENCE's elements as views of the bytes given", () => {
  const encoded = seq(smallInteger(5), utf8String("CP-1"), seq());
  const [n, text, empty] = children(readDer(encoded));
  assert.deepEqual(n.value, bytes(5));
  assert.equal(new TextDecoder().decode(text.value), "CP-1");
  assert.equal(empty.tag, TAG.SEQUENCE);
  assert.equal(empty.value.length, 0);
  assert.equal(text.bytes.buffer, encoded.buffer, "no copy");
});

Deno.test("readDer() refuses DER that ends early, indefinite lengths and multi-byte tags", () => {
  assert.throws(() => readDer(bytes(0x30)), /the data ends/);
  assert.throws(() => readDer(bytes(0x30, 5, 1, 2)), /runs past the end/);
  assert.throws(() => readDer(bytes(0x30, 0x80, 0, 0)), /indefinite length/);
  assert.throws(() => readDer(bytes(0x1f, 0x81, 0)), /multi-byte tag/);
  assert.throws(() => readDer(bytes(0x04, 0x85, 1, 1, 1, 1, 1)), /bad length/);
  assert.throws(() => readOnly(bytes(0x02, 1, 1, 0), TAG.INTEGER, "n"), /n: bytes after its end/);
  assert.throws(() => readOnly(bytes(0x02, 1, 1), TAG.SEQUENCE, "n"), /expected tag 0x30/);
});

Deno.test("unsignedInteger() drops leading zeros and adds a sign byte where the top bit is set", () => {
  assert.deepEqual(unsignedInteger(bytes(0, 0, 0x7f)), bytes(2, 1, 0x7f));
  assert.deepEqual(unsignedInteger(bytes(0, 0x80, 1)), bytes(2, 3, 0, 0x80, 1));
  assert.deepEqual(unsignedInteger(bytes(0, 0)), bytes(2, 1, 0));
  assert.deepEqual(smallInteger(0), bytes(2, 1, 0));
  assert.deepEqual(smallInteger(256), bytes(2, 2, 1, 0));
});

Deno.test("timeOf() reads UTCTime (years 1950–2049) and GeneralizedTime", () => {
  const time = (tag: number, text: string) =>
    timeOf(readDer(der(tag, new TextEncoder().encode(text))));
  assert.equal(time(TAG.UTC_TIME, "260105120000Z"), Date.UTC(2026, 0, 5, 12));
  assert.equal(time(TAG.UTC_TIME, "500101000000Z"), Date.UTC(1950, 0, 1));
  assert.equal(time(TAG.UTC_TIME, "491231235959Z"), Date.UTC(2049, 11, 31, 23, 59, 59));
  assert.equal(time(TAG.GENERALIZED_TIME, "20500101000000Z"), Date.UTC(2050, 0, 1));
  assert.throws(() => time(TAG.UTC_TIME, "2601051200Z"), /not a time/);
  assert.throws(() => time(TAG.INTEGER, "260105120000Z"), /not a time/);
});
