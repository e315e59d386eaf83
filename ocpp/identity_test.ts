import assert from "node:assert/strict";
import { emaidOf, idTokenOf, rfidOf, serialOf, transactionIdOf } from "./identity.ts";

Deno.test("rfidOf() gives each driver one card: 8 or 14 hex digits, stable, mostly 7-byte", () => {
  const users = Array.from({ length: 2000 }, (_, i) => `U${String(i).padStart(6, "0")}`);
  const cards = users.map(rfidOf);
  assert.deepEqual(users.map(rfidOf), cards, "stable per userId");
  for (const c of cards) assert.match(c, /^([0-9A-F]{8}|04[0-9A-F]{12})$/);
  const short = cards.filter((c) => c.length === 8).length / cards.length;
  assert.ok(short > 0.18 && short < 0.32, `share of 4-byte cards ${short}`);
  assert.ok(new Set(cards).size > 1995, "distinct drivers, distinct cards");
});

Deno.test("idTokenOf() uses a Plug & Charge contract only where it fits", async (t) => {
  const ford = { userId: "U000042", vehicleType: "Ford Mustang Mach-E Extended Range" };
  const ea = { dc: true, network: "Electrify America", country: "US" };
  await t.step("a Ford at an Electrify America DC charger in 2.0.1: eMAID", () => {
    const token = idTokenOf(ford, ea, "2.0.1");
    assert.equal(token.type, "eMAID");
    assert.match(token.idToken, /^USFORC[0-9A-F]{8}$/);
    assert.equal(token.idToken, emaidOf(ford.userId, ford.vehicleType));
  });
  await t.step("the same in 1.6, at Level 2, elsewhere or another make: the RFID card", () => {
    const card = { idToken: rfidOf(ford.userId), type: "ISO14443" };
    assert.deepEqual(idTokenOf(ford, ea, "1.6"), card);
    assert.deepEqual(idTokenOf(ford, { ...ea, dc: false }, "2.0.1"), card);
    assert.deepEqual(idTokenOf(ford, { ...ea, network: "Tesla" }, "2.0.1"), card);
    const tesla = { userId: ford.userId, vehicleType: "Tesla Model 3 RWD" };
    assert.deepEqual(idTokenOf(tesla, ea, "2.0.1"), card);
  });
});

Deno.test("transactionIdOf() keeps a short session ID and hashes a long one to 32 digits", () => {
  assert.equal(transactionIdOf("AFDC-1-L2-1-S3"), "AFDC-1-L2-1-S3");
  const long = "AFDC-123456789-L2-12345678901234567-S99";
  assert.match(transactionIdOf(long), /^[0-9A-F]{32}$/);
  assert.notEqual(transactionIdOf(long), transactionIdOf(long + "0"));
});

Deno.test("serialOf() fits OCPP's 25 characters and differs between stations", () => {
  const a = serialOf("AFDC-1", "CHAR-");
  assert.ok(a.length <= 25);
  assert.notEqual(a, serialOf("AFDC-2", "CHAR-"));
});
