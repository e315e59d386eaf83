/**
 * OCPP charge points against the test central system, both in this process,
 * on loopback: a simulated day of 60 stations (about 6,000 events) from
 * connection to the last answer, and 1,000 charge points connecting and
 * booting.
 */
import { simulate } from "./_ocpp.ts";
import { startCsms } from "../ocpp/csms.ts";
import { getOcppFleet } from "../ocpp/fleet.ts";
import type { StationSpec } from "../ocpp/station.ts";

const day = simulate({ stations: 60, hours: 24 });
const ports = day.stations[0].ports;
const many: StationSpec[] = Array.from({ length: 1000 }, (_, i) => ({
  ...day.stations[0],
  stationId: `BENCH-${i}`,
  ports,
}));

for (const version of ["1.6", "2.0.1"] as const) {
  Deno.bench(`OCPP ${version}: a simulated day of 60 stations (${day.events.length} events)`, {
    group: "day",
    baseline: version === "1.6",
    n: 5,
  }, async () => {
    await using csms = await startCsms({ record: false });
    await using fleet = getOcppFleet(day.stations, {
      url: csms.url,
      version,
      start: day.start,
      pingIntervalMs: 0,
    });
    await fleet.start();
    for (const e of day.events) fleet(e);
    await fleet.idle();
  });

  Deno.bench(`OCPP ${version}: 1,000 charge points connect and boot`, {
    group: "boot",
    baseline: version === "1.6",
    n: 3,
  }, async () => {
    await using csms = await startCsms({ record: false });
    await using fleet = getOcppFleet(many, {
      url: csms.url,
      version,
      start: day.start,
      pingIntervalMs: 0,
    });
    await fleet.start();
    await fleet.idle();
  });
}
