import assert from "node:assert/strict";
import { ConfigError } from "../core/errors.ts";
import { regionNetwork, stationTable } from "../data/mod.ts";
import { stationsOf } from "../ocpp/station.ts";
import { embeddedStationPorts, identityPattern } from "./csms_stations.ts";

const boulder = regionNetwork("Boulder, CO");

Deno.test("embeddedStationPorts() gives each Boulder station's chargers in the charge point's connector order", () => {
  const ports = embeddedStationPorts();
  const byId = new Map(boulder.chargers.map((c) => [c.id, c]));
  const specs = stationsOf(boulder);
  assert.equal(specs.length, 152);
  for (const spec of specs) {
    assert.deepEqual(
      ports(spec.stationId),
      spec.ports.map((p) => byId.get(p.chargerId)),
      spec.stationId,
    );
  }
});

Deno.test("embeddedStationPorts() reads identities by the run's pattern; others are no station", () => {
  const [spec] = stationsOf(boulder);
  const ports = embeddedStationPorts({ identity: "evsim-{stationId}.cp" });
  assert.equal(ports(`evsim-${spec.stationId}.cp`)?.length, spec.ports.length);
  for (const identity of [spec.stationId, `evsim-${spec.stationId}`, "evsim-AFDC-0.cp"]) {
    assert.equal(ports(identity), undefined, identity);
  }
  const plain = embeddedStationPorts();
  for (const identity of ["AFDC-999999999", "CP-1", "AFDC-", "AFDC-01", ""]) {
    assert.equal(plain(identity), undefined, identity);
  }
  assert.match(identityPattern("{stationId}/{stationId}").source, /\\1/);
  assert.throws(() => embeddedStationPorts({ identity: "cp-1" }), ConfigError);
});

Deno.test("embeddedStationPorts() loads the station table at its first look-up, once", () => {
  let loads = 0;
  const ports = embeddedStationPorts({
    table: () => {
      loads++;
      return stationTable();
    },
  });
  assert.equal(loads, 0, "not when made");
  assert.equal(ports("CP-1"), undefined);
  assert.equal(loads, 0, "not for an identity that is no AFDC station ID");
  const [a, b] = stationsOf(boulder);
  assert.ok(ports(a.stationId));
  assert.ok(ports(b.stationId));
  assert.equal(loads, 1);
});
