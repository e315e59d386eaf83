import assert from "node:assert/strict";
import { StationRules } from "./csms_rules.ts";

const T = (s: number) => new Date(Date.UTC(2026, 0, 5, 8, 0, s)).toISOString();
const status = (connectorId: number, s: string, t: number) => ({
  connectorId,
  errorCode: "NoError",
  status: s,
  timestamp: T(t),
});
const sample = (t: number, wh: number, extra: Record<string, unknown>[] = []) => ({
  timestamp: T(t),
  sampledValue: [
    { value: String(wh), measurand: "Energy.Active.Import.Register", unit: "Wh" },
    ...extra,
  ],
});

function booted16(): StationRules {
  const r = new StationRules("1.6");
  assert.deepEqual(r.observe("BootNotification", {}), []);
  r.booted("Accepted");
  return r;
}

/** A 1.6 station with transaction 7 open on connector 1 from 1000 Wh. */
function charging16(): StationRules {
  const r = booted16();
  r.observe("StatusNotification", status(1, "Preparing", 1));
  r.observe(
    "StartTransaction",
    { connectorId: 1, idTag: "AB", meterStart: 1000, timestamp: T(2) },
    7,
  );
  r.observe("StatusNotification", status(1, "Charging", 3));
  return r;
}

Deno.test("StationRules: nothing but a BootNotification before the boot is accepted", () => {
  const r = new StationRules("1.6");
  r.observe("BootNotification", {});
  r.booted("Pending");
  assert.match(r.observe("Heartbeat", {})[0], /before the boot was accepted/);
  r.booted("Accepted");
  assert.deepEqual(r.observe("Heartbeat", {}), []);
});

Deno.test("StationRules 1.6: a clean session breaks nothing and records its energy", () => {
  const r = charging16();
  assert.deepEqual(
    r.observe("MeterValues", { connectorId: 1, transactionId: 7, meterValue: [sample(4, 1500)] }),
    [],
  );
  assert.deepEqual(
    r.observe("StopTransaction", {
      transactionId: 7,
      meterStop: 2000,
      timestamp: T(5),
      reason: "EVDisconnected",
    }),
    [],
  );
  assert.deepEqual(r.observe("StatusNotification", status(1, "Available", 5)), []);
  assert.equal(r.transactions[0].energyWh, 1000);
  assert.equal(r.transactions[0].stopReason, "EVDisconnected");
});

Deno.test("StationRules 1.6 finds each broken rule", async (t) => {
  await t.step("an unknown transaction ID", () => {
    const r = charging16();
    assert.match(
      r.observe("MeterValues", {
        connectorId: 1,
        transactionId: 8,
        meterValue: [sample(4, 1500)],
      })[0],
      /not open/,
    );
    assert.match(
      r.observe("StopTransaction", { transactionId: 9, meterStop: 2000, timestamp: T(5) })[0],
      /not open/,
    );
  });
  await t.step("a transaction on another connector", () => {
    const r = charging16();
    assert.match(
      r.observe("MeterValues", {
        connectorId: 2,
        transactionId: 7,
        meterValue: [sample(4, 1500)],
      })[0],
      /connector 1, not 2/,
    );
  });
  await t.step("a register that goes back, within and across transactions", () => {
    const r = charging16();
    r.observe("MeterValues", { connectorId: 1, transactionId: 7, meterValue: [sample(4, 1500)] });
    assert.match(
      r.observe("MeterValues", {
        connectorId: 1,
        transactionId: 7,
        meterValue: [sample(5, 1400)],
      })[0],
      /goes back/,
    );
    r.observe("StopTransaction", { transactionId: 7, meterStop: 1600, timestamp: T(6) });
    const next = r.observe("StartTransaction", {
      connectorId: 1,
      idTag: "AB",
      meterStart: 900,
      timestamp: T(7),
    }, 8);
    assert.ok(next.some((m) => /goes back/.test(m)), next.join());
  });
  await t.step("a second transaction on a busy connector", () => {
    const r = charging16();
    const p = r.observe("StartTransaction", {
      connectorId: 1,
      idTag: "AB",
      meterStart: 1000,
      timestamp: T(4),
    }, 8);
    assert.match(p[0], /transaction 7 is open/);
  });
  await t.step("a status transition the state machine does not allow", () => {
    const r = booted16();
    r.observe("StatusNotification", status(1, "Finishing", 1));
    assert.match(
      r.observe("StatusNotification", status(1, "Charging", 2))[0],
      /Finishing → Charging/,
    );
  });
  await t.step("Charging with no transaction, Available with one", () => {
    const r = booted16();
    assert.match(
      r.observe("StatusNotification", status(1, "Charging", 1))[0],
      /no transaction open/,
    );
    const c = charging16();
    assert.ok(
      c.observe("StatusNotification", status(1, "Available", 4)).some((m) =>
        /while transaction 7/.test(m)
      ),
    );
  });
  await t.step("a timestamp that goes back", () => {
    const r = charging16();
    assert.match(r.observe("StatusNotification", status(2, "Preparing", 1))[0], /goes back/);
  });
  await t.step("the same transaction message twice", () => {
    const r = charging16();
    const mv = { connectorId: 1, transactionId: 7, meterValue: [sample(4, 1500)] };
    assert.deepEqual(r.observe("MeterValues", mv), []);
    assert.match(r.observe("MeterValues", mv)[0], /sent twice/);
  });
  await t.step("power that voltage times current does not explain", () => {
    const r = charging16();
    const values = [
      { value: "7000", measurand: "Power.Active.Import", unit: "W" },
      { value: "208", measurand: "Voltage", unit: "V", phase: "L1-L2" },
      { value: "20", measurand: "Current.Import", unit: "A", phase: "L1" },
    ];
    assert.match(
      r.observe("MeterValues", {
        connectorId: 1,
        transactionId: 7,
        meterValue: [sample(4, 1500, values)],
      })[0],
      /≠/,
    );
    values[2].value = String(7000 / 208);
    assert.deepEqual(
      r.observe("MeterValues", {
        connectorId: 1,
        transactionId: 7,
        meterValue: [sample(5, 1600, values)],
      }),
      [],
    );
  });
  await t.step("begin and end samples that disagree with meterStart and meterStop", () => {
    const r = charging16();
    const begin = {
      timestamp: T(2),
      sampledValue: [{ value: "999", context: "Transaction.Begin" }],
    };
    const end = { timestamp: T(5), sampledValue: [{ value: "2000", context: "Transaction.End" }] };
    const p = r.observe("StopTransaction", {
      transactionId: 7,
      meterStop: 2001,
      timestamp: T(5),
      transactionData: [begin, end],
    });
    assert.equal(p.length, 2, p.join());
  });
});

Deno.test("StationRules 2.0.1: seqNo in order without gaps, known transaction IDs", () => {
  const r = new StationRules("2.0.1");
  r.observe("BootNotification", {});
  r.booted("Accepted");
  const ev = (eventType: string, seqNo: number, t: number, wh: number, id = "TX1") => ({
    eventType,
    timestamp: T(t),
    triggerReason: "MeterValuePeriodic",
    seqNo,
    transactionInfo: { transactionId: id },
    evse: eventType === "Started" ? { id: 1, connectorId: 1 } : undefined,
    meterValue: [{
      timestamp: T(t),
      sampledValue: [{ value: wh, measurand: "Energy.Active.Import.Register" }],
    }],
  });
  assert.deepEqual(r.observe("TransactionEvent", ev("Started", 0, 1, 100)), []);
  assert.deepEqual(r.observe("TransactionEvent", ev("Updated", 1, 2, 200)), []);
  assert.match(r.observe("TransactionEvent", ev("Updated", 3, 3, 300))[0], /seqNo gap/);
  assert.match(r.observe("TransactionEvent", ev("Updated", 2, 4, 400))[0], /out of order/);
  assert.match(r.observe("TransactionEvent", ev("Updated", 4, 5, 500, "TX2"))[0], /not open/);
  assert.deepEqual(r.observe("TransactionEvent", ev("Ended", 4, 6, 600)), []);
  assert.equal(r.transactions[0].energyWh, 500);
  assert.match(r.observe("TransactionEvent", ev("Updated", 5, 7, 600))[0], /not open/);
  assert.match(r.observe("TransactionEvent", ev("Started", 0, 8, 600))[0], /not new/);
});
