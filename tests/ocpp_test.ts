/**
 * A small simulated network through OCPP charge points, against the test
 * central system in strict mode, over real WebSockets on loopback.
 */
import assert from "node:assert/strict";
import type { SessionEndedEvent, SimEvent } from "../core/event.ts";
import { buildAll, simulate } from "./_ocpp.ts";
import { startCsms } from "../ocpp/csms.ts";
import { getOcppFleet } from "../ocpp/fleet.ts";
import { step16 } from "../ocpp/messages_16.ts";
import { step201 } from "../ocpp/messages_201.ts";
import type { OcppVersion } from "../ocpp/transport.ts";

const { stations, events, start } = simulate({ stations: 60, hours: 24 });

/** Each station's ended sessions' energy, Wh, by port number, in order. */
function energyByPort(list: readonly SimEvent[]): Map<string, number[]> {
  const number = new Map(
    stations.flatMap((s) => s.ports.map((p) => [p.chargerId, `${s.stationId}/${p.number}`])),
  );
  const out = new Map<string, number[]>();
  for (const e of list) {
    if (e.type !== "session.ended") continue;
    const key = number.get(e.chargerId)!;
    out.set(key, [
      ...out.get(key) ?? [],
      Math.round((e as SessionEndedEvent).totalEnergyKwh * 1000),
    ]);
  }
  return out;
}

async function network(version: OcppVersion, dropHalfway: boolean) {
  await using csms = await startCsms();
  await using fleet = getOcppFleet(stations, {
    url: csms.url,
    version,
    start,
    pingIntervalMs: 0,
    backoff: { initialMs: 20, maxMs: 200 },
  });
  await fleet.start();
  await fleet.idle();
  const half = Math.floor(events.length / 2);
  events.slice(0, half).forEach((e) => fleet(e));
  if (dropHalfway) {
    await fleet.idle();
    await Promise.all(stations.map((s) => csms.drop(s.stationId)));
  }
  events.slice(half).forEach((e) => fleet(e));
  if (dropHalfway) {
    await csms.waitFor(() => [...csms.stations.values()].every((s) => s.connections === 2), 20_000);
  }
  await fleet.idle();
  return { csms, fleet, totals: fleet.totals() };
}

for (const version of ["1.6", "2.0.1"] as const) {
  Deno.test(`OCPP ${version}: a simulated day of ${stations.length} stations breaks no schema and no rule; the meter values carry the events' energy`, async () => {
    const { csms, totals } = await network(version, false);
    assert.deepEqual(csms.violations, []);
    assert.equal(totals.accepted, stations.length);
    assert.equal(totals.callErrors + totals.timeouts + totals.abandoned + totals.dropped, 0);
    const seen = new Map<string, number[]>();
    for (const t of csms.transactions()) {
      if (t.energyWh === undefined) continue;
      const key = `${t.identity}/${t.connector}`;
      seen.set(key, [...seen.get(key) ?? [], t.energyWh]);
    }
    const expected = energyByPort(events);
    assert.ok(expected.size > 10);
    assert.deepEqual(seen, expected);
    // What the central system received is exactly what the builders make of the events.
    const built = buildAll(stations, events, version === "1.6" ? step16 : step201);
    for (const s of stations) {
      const sent = built.get(s.stationId)!.calls.map((c) => c.action);
      const got = csms.received.filter((c) =>
        c.identity === s.stationId && c.action !== "BootNotification" && c.action !== "Heartbeat"
      ).map((c) => c.action);
      // The boot's status reports come first.
      assert.deepEqual(got.slice(got.length - sent.length), sent, s.stationId);
    }
  });

  Deno.test(`OCPP ${version}: every connection dropped halfway: nothing lost, nothing sent twice, no second boot`, async () => {
    const { csms, totals } = await network(version, true);
    assert.deepEqual(csms.violations, []);
    assert.equal(totals.reconnects, stations.length);
    assert.equal(totals.boots, stations.length);
    assert.equal(totals.dropped + totals.abandoned, 0);
    const seen = new Map<string, number[]>();
    for (const t of csms.transactions()) {
      if (t.energyWh === undefined) continue;
      const key = `${t.identity}/${t.connector}`;
      seen.set(key, [...seen.get(key) ?? [], t.energyWh]);
    }
    assert.deepEqual(seen, energyByPort(events));
    const transactional = version === "1.6"
      ? ["StartTransaction", "StopTransaction", "MeterValues"]
      : ["TransactionEvent"];
    const built = [...buildAll(stations, events, version === "1.6" ? step16 : step201).values()]
      .flatMap((b) => b.calls).filter((c) => transactional.includes(c.action)).length;
    const got = csms.received.filter((c) => transactional.includes(c.action)).length;
    assert.equal(got, built);
  });
}
