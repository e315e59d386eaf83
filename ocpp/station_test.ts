import assert from "node:assert/strict";
import { networkOf } from "../tests/_ocpp.ts";
import { stationsOf } from "./station.ts";

Deno.test("stationsOf() makes each station one charge point, its ports numbered 1..n in ID order", () => {
  const network = networkOf("Boulder, CO");
  const stations = stationsOf(network);
  const ports = stations.flatMap((s) => s.ports);
  assert.equal(ports.length, network.chargers.length, "every charger is a port of one station");
  assert.equal(new Set(stations.map((s) => s.stationId)).size, stations.length);
  for (const s of stations) {
    assert.deepEqual(s.ports.map((p) => p.number), s.ports.map((_, i) => i + 1));
    const ids = s.ports.map((p) => p.chargerId);
    assert.deepEqual(ids, [...ids].sort(new Intl.Collator("en", { numeric: true }).compare));
    for (const p of s.ports) {
      const c = network.chargers.find((c) => c.id === p.chargerId)!;
      assert.equal(c.stationId ?? c.id, s.stationId);
      assert.equal(p.ratedKw, c.powerKw);
      assert.equal(p.country, "US");
    }
  }
  assert.ok(stations.some((s) => s.ports.length > 2), "multi-port stations exist");
  const reversed = stationsOf(network, [...network.chargers].reverse());
  assert.deepEqual(reversed, stations, "the order of the charger list does not matter");
});
