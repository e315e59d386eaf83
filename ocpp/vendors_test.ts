import assert from "node:assert/strict";
import { stationTable } from "../data/mod.ts";
import { HARDWARE, hardwareOf } from "./vendors.ts";

Deno.test("HARDWARE has a row for every network of the station table, each fitting OCPP 1.6", () => {
  const networks = (stationTable() as unknown as { networks: string[] }).networks;
  const missing = networks.filter((n) => !(n in HARDWARE));
  assert.deepEqual(missing, []);
  for (const [name, row] of Object.entries(HARDWARE)) {
    for (const [vendor, model, firmware] of [row.ac, row.dc]) {
      assert.ok(vendor.length <= 20 && model.length <= 20 && firmware.length <= 50, name);
    }
  }
});

Deno.test("hardwareOf() picks the DC model for a station with a DC port, the default for no network", () => {
  const ac = hardwareOf({ stationId: "AFDC-1", network: "ChargePoint Network", hasDc: false });
  const dc = hardwareOf({ stationId: "AFDC-1", network: "ChargePoint Network", hasDc: true });
  assert.deepEqual([ac.vendor, ac.model, dc.model], ["ChargePoint", "CT4000", "CPE250"]);
  assert.equal(
    hardwareOf({ stationId: "AFDC-2", network: null, hasDc: false }).model,
    HARDWARE.default.ac[1],
  );
  assert.equal(
    hardwareOf({ stationId: "AFDC-3", network: "Unheard Of", hasDc: true }).model,
    HARDWARE.default.dc[1],
  );
  assert.ok(ac.serialNumber.length <= 25);
});
