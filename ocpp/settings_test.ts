import assert from "node:assert/strict";
import {
  changeConfiguration,
  DEFAULT_SETTINGS,
  getConfiguration,
  getVariables,
  setVariables,
} from "./settings.ts";
import { schemaCheck } from "./rpc_transport.ts";

Deno.test("getConfiguration() lists the keys, read-only ones marked, unknown ones apart", () => {
  const all = getConfiguration(DEFAULT_SETTINGS, 4);
  assert.equal(schemaCheck("1.6")("GetConfiguration", "conf", all), undefined);
  const keys = all.configurationKey as { key: string; readonly: boolean; value: string }[];
  assert.deepEqual(keys.find((k) => k.key === "HeartbeatInterval"), {
    key: "HeartbeatInterval",
    readonly: false,
    value: "300",
  });
  assert.equal(keys.find((k) => k.key === "NumberOfConnectors")?.value, "4");
  assert.equal(keys.find((k) => k.key === "NumberOfConnectors")?.readonly, true);
  const some = getConfiguration(DEFAULT_SETTINGS, 4, ["MeterValueSampleInterval", "Nope"]);
  assert.deepEqual(some, {
    configurationKey: [{ key: "MeterValueSampleInterval", readonly: false, value: "60" }],
    unknownKey: ["Nope"],
  });
});

Deno.test("changeConfiguration() accepts valid values, rejects bad ones and read-only keys", () => {
  let r = changeConfiguration(DEFAULT_SETTINGS, "MeterValueSampleInterval", "300");
  assert.equal(r.status, "Accepted");
  assert.equal(r.settings.sampleIntervalSec, 300);
  r = changeConfiguration(
    DEFAULT_SETTINGS,
    "MeterValuesSampledData",
    "Energy.Active.Import.Register,SoC",
  );
  assert.deepEqual(r.settings.periodic, ["Energy.Active.Import.Register", "SoC"]);
  assert.equal(
    changeConfiguration(DEFAULT_SETTINGS, "MeterValuesSampledData", "Temperature").status,
    "Rejected",
  );
  assert.equal(changeConfiguration(DEFAULT_SETTINGS, "HeartbeatInterval", "-5").status, "Rejected");
  assert.equal(changeConfiguration(DEFAULT_SETTINGS, "NumberOfConnectors", "9").status, "Rejected");
  assert.equal(changeConfiguration(DEFAULT_SETTINGS, "Nope", "1").status, "NotSupported");
  assert.equal(DEFAULT_SETTINGS.sampleIntervalSec, 60, "the settings given stay as they were");
});

Deno.test("getVariables() and setVariables() answer per variable, schema-valid", () => {
  const check = schemaCheck("2.0.1");
  const got = getVariables(DEFAULT_SETTINGS, 2, [
    { component: { name: "OCPPCommCtrlr" }, variable: { name: "HeartbeatInterval" } },
    { component: { name: "OCPPCommCtrlr" }, variable: { name: "Nope" } },
    { component: { name: "Nope" }, variable: { name: "HeartbeatInterval" } },
    {
      component: { name: "SampledDataCtrlr" },
      variable: { name: "TxUpdatedInterval" },
      attributeType: "Target",
    },
  ]);
  assert.equal(check("GetVariables", "conf", got), undefined);
  const statuses = got.getVariableResult as { attributeStatus: string; attributeValue?: string }[];
  assert.deepEqual(statuses.map((s) => s.attributeStatus), [
    "Accepted",
    "UnknownVariable",
    "UnknownComponent",
    "NotSupportedAttributeType",
  ]);
  assert.equal(statuses[0].attributeValue, "300");
  const set = setVariables(DEFAULT_SETTINGS, [
    {
      component: { name: "SampledDataCtrlr" },
      variable: { name: "TxUpdatedInterval" },
      attributeValue: "120",
    },
    {
      component: { name: "TxCtrlr" },
      variable: { name: "TxStartPoint" },
      attributeValue: "EVConnected",
    },
    {
      component: { name: "OCPPCommCtrlr" },
      variable: { name: "MessageAttempts", instance: "TransactionEvent" },
      attributeValue: "5",
    },
  ]);
  assert.equal(check("SetVariables", "conf", set.answer), undefined);
  assert.deepEqual(
    (set.answer.setVariableResult as { attributeStatus: string }[]).map((r) => r.attributeStatus),
    ["Accepted", "Rejected", "Accepted"],
  );
  assert.equal(set.settings.sampleIntervalSec, 120);
  assert.equal(set.settings.transactionAttempts, 5);
});
