import assert from "node:assert/strict";
import fc from "fast-check";
import * as v from "valibot";
import { pickWeighted, portPowerKw, type Ratings, RatingsSchema, unitHash } from "./ratings.ts";

const file = JSON.parse(
  await Deno.readTextFile(new URL("../data/networks.json", import.meta.url)),
);

const RATINGS: Ratings = {
  networks: {
    default: { l2Kw: 7.2, dcKw: [[50, 1]], source: "test", assumption: true },
    Fast: { dcKw: [[150, 0.7], [350, 0.3]], source: "test", assumption: false },
    Slow: { l2Kw: 11.5, source: "test", assumption: false },
  },
};

Deno.test("data/networks.json matches its schema, each entry with a source", () => {
  const ratings = v.parse(RatingsSchema, file);
  for (const [name, entry] of Object.entries(ratings.networks)) {
    assert.ok(entry.source.length > 20, `${name}: expected a source`);
  }
  assert.deepEqual(ratings.networks["Electrify America"].dcKw, [[150, 0.7], [350, 0.3]]);
});

Deno.test("RatingsSchema requires a complete default entry", () => {
  const { default: _, ...rest } = RATINGS.networks;
  assert.equal(v.safeParse(RatingsSchema, { networks: rest }).success, false);
  const partial = { ...RATINGS.networks, default: { l2Kw: 7.2, source: "x", assumption: true } };
  assert.equal(v.safeParse(RatingsSchema, { networks: partial }).success, false);
  assert.equal(v.safeParse(RatingsSchema, RATINGS).success, true);
});

Deno.test("unitHash() gives the same number in [0, 1) for the same text", () => {
  fc.assert(fc.property(fc.string(), (text) => {
    const u = unitHash(text);
    assert.ok(u >= 0 && u < 1);
    assert.equal(unitHash(text), u);
  }));
  assert.notEqual(unitHash("AFDC-1-DC-1"), unitHash("AFDC-1-DC-2"));
});

Deno.test("pickWeighted() gives each option its share of [0, 1)", () => {
  const options: [number, number][] = [[50, 1], [150, 3]];
  assert.equal(pickWeighted(options, 0), 50);
  assert.equal(pickWeighted(options, 0.2499), 50);
  assert.equal(pickWeighted(options, 0.25), 150);
  assert.equal(pickWeighted(options, 0.9999), 150);
});

Deno.test("portPowerKw() takes the network's rating, else the default's", () => {
  const kw = (network: string, level: "L2" | "DCFC", id = "x") =>
    portPowerKw(RATINGS, { network, level, id });
  assert.equal(kw("Slow", "L2"), 11.5);
  assert.equal(kw("Fast", "L2"), 7.2);
  assert.equal(kw("Slow", "DCFC"), 50);
  assert.equal(kw("Unknown", "DCFC"), 50);
  assert.equal(kw("constructor", "L2"), 7.2);
});

Deno.test("portPowerKw() draws a DC rating per port, in the options' proportions", () => {
  const ids = Array.from({ length: 20_000 }, (_, i) => `AFDC-${100_000 + i}-DC-${1 + i % 4}`);
  const kws = ids.map((id) => portPowerKw(RATINGS, { network: "Fast", level: "DCFC", id }));
  assert.deepEqual(new Set(kws), new Set([150, 350]));
  const share = kws.filter((k) => k === 150).length / kws.length;
  assert.ok(Math.abs(share - 0.7) < 0.02, `150 kW share ${share}`);
  ids.forEach((id, i) => {
    assert.equal(portPowerKw(RATINGS, { network: "Fast", level: "DCFC", id }), kws[i]);
  });
});
