import assert from "node:assert/strict";
import { ChargingProfiles, periodAt, type Profile, profileOf } from "./smart_charging.ts";

const T0 = Date.UTC(2026, 0, 5, 12);
const MIN = 60_000;

const profile = (patch: Partial<Profile> = {}): Profile => ({
  id: 1,
  stackLevel: 0,
  purpose: "txDefault",
  kind: "Absolute",
  startMs: T0,
  unit: "W",
  periods: [{ startSec: 0, limit: 7000 }, { startSec: 1800, limit: 3000 }],
  ...patch,
});

Deno.test("profileOf() reads both versions' profiles, and says why it refuses one", () => {
  const p16 = profileOf({
    chargingProfileId: 3,
    stackLevel: 2,
    chargingProfilePurpose: "TxProfile",
    chargingProfileKind: "Relative",
    transactionId: 42,
    chargingSchedule: {
      chargingRateUnit: "A",
      duration: 3600,
      chargingSchedulePeriod: [{ startPeriod: 600, limit: 10 }, { startPeriod: 0, limit: 16 }],
    },
  });
  assert.deepEqual(p16, {
    id: 3,
    stackLevel: 2,
    purpose: "tx",
    kind: "Relative",
    transactionId: "42",
    durationSec: 3600,
    unit: "A",
    periods: [{ startSec: 0, limit: 16 }, { startSec: 600, limit: 10 }],
  });
  const p201 = profileOf({
    id: 9,
    stackLevel: 0,
    chargingProfilePurpose: "ChargingStationMaxProfile",
    chargingProfileKind: "Recurring",
    recurrencyKind: "Daily",
    chargingSchedule: [{
      id: 1,
      startSchedule: new Date(T0).toISOString(),
      chargingRateUnit: "W",
      chargingSchedulePeriod: [{ startPeriod: 0, limit: 50_000, numberPhases: 3 }],
    }],
  });
  assert.equal(typeof p201 === "object" && p201.purpose, "max");
  assert.equal(typeof p201 === "object" && p201.startMs, T0);
  assert.match(
    profileOf({
      chargingProfilePurpose: "ChargingStationExternalConstraints",
      chargingSchedule: [],
    }) as string,
    /not supported/,
  );
  assert.match(
    profileOf({
      chargingProfilePurpose: "TxDefaultProfile",
      chargingProfileKind: "Absolute",
      chargingSchedule: {
        chargingRateUnit: "W",
        chargingSchedulePeriod: [{ startPeriod: 0, limit: 1 }],
      },
    }) as string,
    /needs startSchedule/,
  );
  assert.match(
    profileOf({
      chargingProfilePurpose: "TxDefaultProfile",
      chargingProfileKind: "Relative",
      chargingSchedule: {
        chargingRateUnit: "W",
        chargingSchedulePeriod: [{ startPeriod: 60, limit: 1 }],
      },
    }) as string,
    /first period must start at 0/,
  );
});

Deno.test("periodAt() follows the schedule's periods, its duration and the profile's validity", () => {
  const p = profile({ durationSec: 3600, validTo: T0 + 50 * MIN });
  assert.equal(periodAt(p, T0 - 1), undefined);
  assert.equal(periodAt(p, T0)?.limit, 7000);
  assert.equal(periodAt(p, T0 + 29 * MIN)?.limit, 7000);
  assert.equal(periodAt(p, T0 + 30 * MIN)?.limit, 3000);
  assert.equal(periodAt(p, T0 + 50 * MIN), undefined); // validTo
  assert.equal(periodAt(profile({ durationSec: 1200 }), T0 + 20 * MIN), undefined);
  // Relative: from the transaction's start.
  const rel = profile({ kind: "Relative", startMs: undefined });
  assert.equal(periodAt(rel, T0), undefined);
  assert.equal(periodAt(rel, T0 + 40 * MIN, { id: "1", startMs: T0 + 5 * MIN })?.limit, 3000);
  // Recurring daily: the same periods every day.
  const daily = profile({ kind: "Recurring", recurrency: "Daily" });
  assert.equal(periodAt(daily, T0 + 86_400_000 + 31 * MIN)?.limit, 3000);
  assert.equal(periodAt(daily, T0 + 2 * 86_400_000 + MIN)?.limit, 7000);
});

Deno.test("ChargingProfiles: the highest stack level wins, a TxProfile takes the default's place, the maximum caps", () => {
  const profiles = new ChargingProfiles();
  const tx = { id: "5", startMs: T0 };
  profiles.set(0, profile({ id: 1, stackLevel: 0 }));
  profiles.set(1, profile({ id: 2, stackLevel: 3, periods: [{ startSec: 0, limit: 4000 }] }));
  assert.equal(profiles.limitsAt(1, T0 + MIN, tx).tx?.limit, 4000);
  assert.equal(profiles.limitsAt(2, T0 + MIN, tx).tx?.limit, 7000); // station-wide default
  profiles.set(
    1,
    profile({ id: 3, purpose: "tx", transactionId: "5", periods: [{ startSec: 0, limit: 11000 }] }),
  );
  assert.equal(profiles.limitsAt(1, T0 + MIN, tx).tx?.limit, 11000);
  assert.equal(profiles.limitsAt(1, T0 + MIN, { id: "6", startMs: T0 }).tx?.limit, 4000);
  profiles.set(0, profile({ id: 4, purpose: "max", periods: [{ startSec: 0, limit: 20000 }] }));
  assert.equal(profiles.limitsAt(1, T0 + MIN, tx).max?.limit, 20000);
  // Same connector, purpose and stack level: replaced.
  profiles.set(1, profile({ id: 8, stackLevel: 3, periods: [{ startSec: 0, limit: 2500 }] }));
  assert.ok(!profiles.all.some((x) => x.profile.id === 2));
  profiles.endTransaction("5");
  assert.equal(profiles.limitsAt(1, T0 + MIN, tx).tx?.limit, 2500);
  assert.equal(profiles.clear({ purpose: "txDefault" }), 2);
  assert.equal(profiles.clear({ id: 99 }), 0);
  assert.deepEqual(profiles.limitsAt(1, T0 + MIN, tx).tx, undefined);
});

Deno.test("ChargingProfiles.changesIn() lists where a limit may change", () => {
  const profiles = new ChargingProfiles();
  profiles.set(
    1,
    profile({ kind: "Recurring", recurrency: "Daily", validTo: T0 + 3 * 86_400_000 }),
  );
  const times = profiles.changesIn(1, T0 + MIN, T0 + 2 * 86_400_000);
  assert.deepEqual(times.map((t) => (t - T0) / MIN), [1, 30, 1440, 1470]);
});
