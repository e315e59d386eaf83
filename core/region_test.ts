import assert from "node:assert/strict";
import fc from "fast-check";
import { ConfigError } from "./errors.ts";
import {
  formatRegion,
  parseRegion,
  type Region,
  regionMatcher,
  type RegionTerm,
  US_STATES,
} from "./region.ts";

/** Asserts that `fn` throws a ConfigError with exactly `message`. */
function throwsConfigError(fn: () => unknown, message: string): void {
  assert.throws(fn, (error) => {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${error}`);
    assert.equal(error.message, message);
    return true;
  });
}

const FORMS = '(expected us, a state code such as CO, "City, ST", bbox:W,S,E,N or top50)';

Deno.test("parseRegion() reads every form of term, case-insensitively", async (t) => {
  const cases: [string, RegionTerm[]][] = [
    ["us", [{ kind: "us" }]],
    ["US", [{ kind: "us" }]],
    ["top50", [{ kind: "top50" }]],
    ["TOP50", [{ kind: "top50" }]],
    ["co", [{ kind: "state", state: "CO" }]],
    ["DC", [{ kind: "state", state: "DC" }]],
    ["Boulder, CO", [{ kind: "city", name: "Boulder", state: "CO" }]],
    ["  salt   lake city ,ut ", [{ kind: "city", name: "salt lake city", state: "UT" }]],
    [
      "bbox:-105.3,39.9,-105.1,40.1",
      [{ kind: "bbox", west: -105.3, south: 39.9, east: -105.1, north: 40.1 }],
    ],
    [
      "BBOX: -80 , 25, -79.5 ,26",
      [{ kind: "bbox", west: -80, south: 25, east: -79.5, north: 26 }],
    ],
    [
      "Boulder, CO; WY;; top50;",
      [
        { kind: "city", name: "Boulder", state: "CO" },
        { kind: "state", state: "WY" },
        { kind: "top50" },
      ],
    ],
  ];
  for (const [text, terms] of cases) {
    await t.step(JSON.stringify(text), () => assert.deepEqual(parseRegion(text).terms, terms));
  }
});

Deno.test("parseRegion() knows the 50 states and DC, and no other code", () => {
  assert.equal(US_STATES.length, 51);
  assert.equal(new Set(US_STATES).size, 51);
  for (const state of US_STATES) {
    assert.deepEqual(parseRegion(state).terms, [{ kind: "state", state }]);
  }
  for (const code of ["PR", "GU", "ON", "XX"]) assert.throws(() => parseRegion(code), ConfigError);
});

Deno.test("formatRegion() writes a region back in a form parseRegion() reads", () => {
  const text = "Boulder, CO; wy; bbox:-105.3,39.9,-105.1,40.1; us; top50";
  const region = parseRegion(text);
  assert.equal(formatRegion(region), "Boulder, CO; WY; bbox:-105.3,39.9,-105.1,40.1; us; top50");
  assert.deepEqual(parseRegion(formatRegion(region)), region);
});

Deno.test("parseRegion() says what was wrong and shows the accepted forms", async (t) => {
  const cases: [string, string][] = [
    ["XX", `--region: unknown state "XX" ${FORMS}`],
    [
      "Boulder",
      `--region: unknown term "Boulder" (a city needs its state: "Boulder, ST") ${FORMS}`,
    ],
    ["Boulder, XX", `--region: "Boulder, XX": unknown state "XX" ${FORMS}`],
    [", CO", `--region: ", CO": expected a city name before the comma ${FORMS}`],
    [
      "bbox:1,2,3",
      `--region: bbox:1,2,3: expected four numbers, bbox:WEST,SOUTH,EAST,NORTH in decimal degrees ${FORMS}`,
    ],
    [
      "bbox:1,2,x,4",
      `--region: bbox:1,2,x,4: expected four numbers, bbox:WEST,SOUTH,EAST,NORTH in decimal degrees ${FORMS}`,
    ],
    ["bbox:5,0,1,1", `--region: bbox:5,0,1,1: expected WEST < EAST and SOUTH < NORTH ${FORMS}`],
    [
      "bbox:-200,0,1,1",
      `--region: bbox:-200,0,1,1: expected longitudes from -180 to 180 and latitudes from -90 to 90 ${FORMS}`,
    ],
    ["", `--region: expected at least one term ${FORMS}`],
    [" ; ", `--region: expected at least one term ${FORMS}`],
    [
      "CO; nowhere",
      `--region: unknown term "nowhere" (a city needs its state: "nowhere, ST") ${FORMS}`,
    ],
  ];
  for (const [text, message] of cases) {
    await t.step(JSON.stringify(text), () => {
      throwsConfigError(() => parseRegion(text), message);
    });
  }
  await t.step("names its input as told", () => {
    throwsConfigError(
      () => parseRegion("XX", { where: "config.json: region" }),
      `config.json: region: unknown state "XX" ${FORMS}`,
    );
  });
});

const CITIES = [
  { name: "Boulder", state: "CO" },
  { name: "Denver", state: "CO" },
  { name: "Portland", state: "OR" },
  { name: "Portland", state: "ME" },
  { name: "New York", state: "NY" },
];

function matcher(text: string, top50: number[] = []) {
  return regionMatcher(parseRegion(text), CITIES, { top50 });
}

Deno.test("regionMatcher() matches each kind of term", async (t) => {
  await t.step("us matches every city", () => {
    const m = matcher("us");
    assert.ok(CITIES.every((_, i) => m(i, 0, 0)));
  });
  await t.step("a state matches its cities only", () => {
    const m = matcher("co");
    assert.deepEqual(CITIES.map((_, i) => m(i, 0, 0)), [true, true, false, false, false]);
  });
  await t.step("a city matches by name, any case, and state", () => {
    const m = matcher("portland, or");
    assert.deepEqual(CITIES.map((_, i) => m(i, 0, 0)), [false, false, true, false, false]);
  });
  await t.step("top50 matches the cities given as top50", () => {
    const m = matcher("top50", [1, 4]);
    assert.deepEqual(CITIES.map((_, i) => m(i, 0, 0)), [false, true, false, false, true]);
  });
  await t.step("a bbox matches by coordinates, edges included", () => {
    const m = matcher("bbox:-106,39,-105,40");
    assert.ok(m(2, 39.5, -105.5));
    assert.ok(m(2, 39, -106) && m(2, 40, -105));
    assert.ok(!m(0, 40.01, -105.5) && !m(0, 39.5, -104.99));
  });
});

Deno.test("regionMatcher() says where a city it does not know has stations", async (t) => {
  await t.step("the same name in another state", () => {
    throwsConfigError(
      () => matcher("Portland, WA"),
      `--region: no station in "Portland, WA"; there are stations in "Portland, OR", "Portland, ME"`,
    );
  });
  await t.step("no such name anywhere", () => {
    throwsConfigError(() => matcher("Atlantis, CO"), `--region: no station in "Atlantis, CO"`);
  });
  await t.step("a borough of New York City", () => {
    throwsConfigError(
      () => matcher("brooklyn, NY"),
      `--region: no station in "brooklyn, NY"; its stations are listed under "New York, NY"`,
    );
  });
});

const termArb: fc.Arbitrary<RegionTerm> = fc.oneof(
  fc.constantFrom<RegionTerm>({ kind: "us" }, { kind: "top50" }),
  fc.constantFrom("CO", "OR", "ME", "NY", "TX").map((state): RegionTerm => ({
    kind: "state",
    state,
  })),
  fc.constantFrom(...CITIES).map((c): RegionTerm => ({ kind: "city", ...c })),
  fc.tuple(
    fc.integer({ min: -10, max: 9 }),
    fc.integer({ min: -10, max: 9 }),
    fc.integer({ min: 1, max: 10 }),
  )
    .map(([w, s, size]): RegionTerm => ({
      kind: "bbox",
      west: w,
      south: s,
      east: w + size,
      north: s + size,
    })),
);

Deno.test("regionMatcher() matches a station when any of the region's terms does", () => {
  fc.assert(
    fc.property(
      fc.array(termArb, { minLength: 1, maxLength: 4 }),
      fc.integer({ min: 0, max: CITIES.length - 1 }),
      fc.double({ min: -12, max: 12, noNaN: true }),
      fc.double({ min: -12, max: 12, noNaN: true }),
      (terms, city, lat, lon) => {
        const options = { top50: [0, 4] };
        const whole = regionMatcher({ terms }, CITIES, options)(city, lat, lon);
        const any = terms.some((term) =>
          regionMatcher({ terms: [term] } as Region, CITIES, options)(city, lat, lon)
        );
        assert.equal(whole, any);
      },
    ),
  );
});
