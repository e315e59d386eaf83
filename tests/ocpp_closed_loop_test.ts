/**
 * The closed loop: a central system's commands change the simulation. A
 * charging profile lowers a session's power and lengthens it; ChangeAvailability
 * takes a station out of service and back. Real WebSockets on loopback, the
 * run paced at 3,600×, the run loop applying each command as it comes.
 */
import assert from "node:assert/strict";
import * as v from "valibot";
import { ocppSettings, startOcpp } from "../app/ocpp.ts";
import { ConfigSchema } from "../core/config.ts";
import type { SimEvent } from "../core/event.ts";
import { runSimulation } from "../core/run.ts";
import { Simulation } from "../core/simulation.ts";
import { fanOut } from "../core/sink.ts";
import { defaults, regionNetwork } from "../data/mod.ts";
import { type Csms, startCsms } from "../ocpp/csms.ts";
import type { OcppVersion } from "../ocpp/transport.ts";

const network = regionNetwork("Boulder, CO");
const START = Date.UTC(2026, 0, 5, 15); // 8 am in Boulder
const HOURS = 4;
const newSim = () => new Simulation({ ...defaults, network, seed: 5, start: START });

/** Every event of the run without a central system: what the sessions do untouched. */
function untouched(): SimEvent[] {
  const sim = newSim();
  const out: SimEvent[] = [];
  while (sim.peek() < START + HOURS * 3_600_000) sim.step(out);
  return out;
}

/** A run at 3,600× against `csms`, while `act` drives the central system; every event. */
async function run(
  version: OcppVersion,
  csms: Csms,
  act: (events: SimEvent[]) => Promise<void>,
): Promise<SimEvent[]> {
  const sim = newSim();
  const settings = ocppSettings(v.parse(ConfigSchema, {}), { url: csms.url, version })!;
  await using ocpp = await startOcpp(settings, network, {
    sim,
    start: START,
    shutdownTimeoutMs: 5000,
    env: () => undefined,
  });
  const events: SimEvent[] = [];
  const done = runSimulation(sim, fanOut([ocpp, (e) => void events.push(e)]), {
    end: START + HOURS * 3_600_000,
    speed: 3600,
    commands: ocpp.commands,
  });
  await act(events);
  await done;
  await ocpp.fleet.idle();
  return events;
}

const profile = (version: OcppVersion, port: number, watts: number) =>
  version === "1.6"
    ? {
      connectorId: port,
      csChargingProfiles: {
        chargingProfileId: 7,
        stackLevel: 1,
        chargingProfilePurpose: "TxDefaultProfile",
        chargingProfileKind: "Relative",
        chargingSchedule: {
          chargingRateUnit: "W",
          chargingSchedulePeriod: [{ startPeriod: 0, limit: watts }],
        },
      },
    }
    : {
      evseId: port,
      chargingProfile: {
        id: 7,
        stackLevel: 1,
        chargingProfilePurpose: "TxDefaultProfile",
        chargingProfileKind: "Relative",
        chargingSchedule: [{
          id: 1,
          chargingRateUnit: "W",
          chargingSchedulePeriod: [{ startPeriod: 0, limit: watts }],
        }],
      },
    };

for (const version of ["1.6", "2.0.1"] as const) {
  Deno.test(`OCPP ${version} closed loop: a charging profile lowers a session's power and lengthens it`, async () => {
    await using csms = await startCsms();
    let target: { identity: string; port: number; sessionId: string; after: string } | undefined;
    const events = await run(version, csms, async (events) => {
      // The first session started in view and charging at more than 3 kW gets a 2 kW default profile.
      const charging = () => {
        const started = new Set(
          events.flatMap((e) => e.type === "session.started" ? [e.sessionId] : []),
        );
        return events.find((e) =>
          e.type === "session.updated" && e.powerKw > 3 && started.has(e.sessionId)
        );
      };
      await csms.waitFor(() => charging() !== undefined, 20_000);
      const started = charging()!;
      const station = started.stationId;
      const ports = network.chargers.filter((c) => (c.stationId ?? c.id) === station)
        .map((c) => c.id).sort(new Intl.Collator("en", { numeric: true }).compare);
      const port = ports.indexOf(started.chargerId) + 1;
      const answer = await csms.call(station, "SetChargingProfile", profile(version, port, 2000));
      assert.equal(answer.status, "Accepted");
      target = {
        identity: station,
        port,
        sessionId: (started as { sessionId: string }).sessionId,
        after: events.at(-1)!.time,
      };
      const composite = await csms.call(
        station,
        "GetCompositeSchedule",
        version === "1.6"
          ? { connectorId: port, duration: 3600, chargingRateUnit: "W" }
          : { evseId: port, duration: 3600, chargingRateUnit: "W" },
      );
      assert.equal(composite.status, "Accepted");
      const schedule = (version === "1.6" ? composite.chargingSchedule : composite.schedule) as {
        chargingSchedulePeriod: { limit: number }[];
      };
      assert.deepEqual(schedule.chargingSchedulePeriod.map((p) => p.limit), [2000]);
    });
    assert.ok(target);
    assert.deepEqual(csms.violations, []);
    const mine = events.filter((e) => "sessionId" in e && e.sessionId === target!.sessionId);
    const later = mine.filter((e) => e.time > target!.after && e.type === "session.updated");
    assert.ok(later.length > 3, `${later.length} updates after the profile`);
    for (const e of later.slice(1)) {
      assert.ok(
        "powerKw" in e && e.powerKw <= 2.001,
        `${e.time}: ${"powerKw" in e && e.powerKw} kW`,
      );
    }
    // The untouched run's same session charged faster: more energy by the same time, or done sooner.
    const free = untouched().filter((e) => "sessionId" in e && e.sessionId === target!.sessionId);
    const at = (list: SimEvent[], time: string) =>
      list.filter((e) => e.time <= time && "energyKwh" in e).at(-1) as
        | { energyKwh: number }
        | undefined;
    const when = later.at(-1)!.time;
    assert.ok(
      at(free, when)!.energyKwh > at(mine, when)!.energyKwh,
      "the capped session took less",
    );
    // And the central system saw it: meter values at no more than 2 kW once capped.
    const powers = csms.received.filter((c) => c.identity === target!.identity).flatMap((c) => {
      const values = (c.payload.meterValue ?? []) as {
        timestamp: string;
        sampledValue: { measurand?: string; value: string }[];
      }[];
      return values.filter((m) => m.timestamp > later[0].time).flatMap((m) =>
        m.sampledValue.filter((s) => s.measurand === "Power.Active.Import").map((s) =>
          Number(s.value)
        )
      );
    });
    assert.ok(powers.length > 0);
    assert.ok(powers.every((w) => w <= 2000.5), `${Math.max(...powers)} W`);
  });

  Deno.test(`OCPP ${version} closed loop: ChangeAvailability takes a station out of service and back`, async () => {
    await using csms = await startCsms();
    const idle = network.chargers.find((c) => c.level === "L2")!;
    const station = idle.stationId ?? idle.id;
    let outAt = "";
    let backAt = "";
    const events = await run(version, csms, async (events) => {
      await csms.waitFor(
        () => (csms.stations.get(station)?.boots ?? 0) > 0 && events.length > 10,
        20_000,
      );
      const inoperative = version === "1.6"
        ? { connectorId: 0, type: "Inoperative" }
        : { operationalStatus: "Inoperative" };
      const answer = await csms.call(station, "ChangeAvailability", inoperative);
      assert.ok(["Accepted", "Scheduled"].includes(answer.status as string), String(answer.status));
      outAt = events.at(-1)!.time;
      await new Promise((resolve) => setTimeout(resolve, 1500)); // 90 simulated minutes
      const operative = version === "1.6"
        ? { connectorId: 0, type: "Operative" }
        : { operationalStatus: "Operative" };
      assert.equal((await csms.call(station, "ChangeAvailability", operative)).status, "Accepted");
      backAt = events.at(-1)!.time;
    });
    assert.deepEqual(csms.violations, []);
    const mine = events.filter((e) => e.stationId === station);
    const held = mine.filter((e) =>
      e.type === "charger.status" && e.statusMessage.includes("central system")
    );
    assert.ok(held.length > 0, "the station went out of service");
    // Between the two commands, nothing started there.
    assert.ok(
      !mine.some((e) =>
        e.type === "session.started" && e.time > held.at(-1)!.time && e.time < backAt
      ),
    );
    assert.ok(
      mine.some((e) =>
        e.type === "charger.status" && e.statusMessage === "Back in service" && e.time >= outAt
      ),
    );
    const statuses = csms.received.filter((c) =>
      c.identity === station && c.action === "StatusNotification"
    )
      .map((c) => (c.payload.status ?? c.payload.connectorStatus) as string);
    assert.ok(statuses.includes("Unavailable"), statuses.join());
    assert.equal(statuses.at(-1), "Available");
  });
}

for (const version of ["1.6", "2.0.1"] as const) {
  Deno.test(`OCPP ${version} closed loop: a remote start starts a session with the central system's token; a remote stop ends it`, async () => {
    await using csms = await startCsms();
    const charger = network.chargers.find((c) => c.level === "L2")!;
    const station = charger.stationId ?? charger.id;
    const token = version === "1.6" ? "CAFE0123" : { idToken: "CAFE0123", type: "ISO14443" };
    let sessionId = "";
    const events = await run(version, csms, async (events) => {
      await csms.waitFor(
        () => (csms.stations.get(station)?.boots ?? 0) > 0 && events.length > 10,
        20_000,
      );
      const start = version === "1.6"
        ? { connectorId: 1, idTag: token }
        : { evseId: 1, remoteStartId: 77, idToken: token };
      // The session starts in the simulation, unless the start fails as any start may: then again.
      const started = () =>
        events.find((e) => e.type === "session.started" && e.stationId === station);
      for (let attempt = 0; attempt < 5 && !started(); attempt++) {
        const seen = events.length;
        const answer = await csms.call(
          station,
          version === "1.6" ? "RemoteStartTransaction" : "RequestStartTransaction",
          start,
        );
        assert.equal(answer.status, "Accepted");
        await csms.waitFor(
          () =>
            events.slice(seen).some((e) =>
              e.stationId === station &&
              (e.type === "session.started" || e.type === "session.rejected")
            ),
          10_000,
        );
      }
      await csms.waitFor(() => csms.transactions().some((t) => t.identity === station), 10_000);
      sessionId = (started() as { sessionId: string }).sessionId;
      const tx = csms.transactions().find((t) => t.identity === station)!;
      assert.equal(tx.idToken, "CAFE0123");
      await new Promise((resolve) => setTimeout(resolve, 300)); // 18 simulated minutes of charge
      const stop = await csms.call(
        station,
        version === "1.6" ? "RemoteStopTransaction" : "RequestStopTransaction",
        version === "1.6" ? { transactionId: Number(tx.id) } : { transactionId: tx.id },
      );
      assert.equal(stop.status, "Accepted");
      await csms.waitFor(
        () => csms.transactions().find((t) => t.identity === station)?.stopReason !== undefined,
        10_000,
      );
    });
    assert.deepEqual(csms.violations, []);
    const ended = events.find((e) => e.type === "session.ended" && e.sessionId === sessionId);
    assert.ok(ended, "the session ended in the simulation");
    const tx = csms.transactions().find((t) => t.identity === station)!;
    assert.equal(tx.stopReason, "Remote");
    assert.equal(
      tx.energyWh,
      Math.round((ended as { totalEnergyKwh: number }).totalEnergyKwh * 1000),
    );
    if (version === "2.0.1") {
      const startedEvent = csms.received.find((c) =>
        c.identity === station && c.action === "TransactionEvent" &&
        c.payload.eventType === "Started"
      )!;
      assert.equal(startedEvent.payload.triggerReason, "RemoteStart");
      assert.equal(
        (startedEvent.payload.transactionInfo as { remoteStartId?: number }).remoteStartId,
        77,
      );
    }
  });
}

for (const version of ["1.6", "2.0.1"] as const) {
  Deno.test(`OCPP ${version} closed loop: a Reset during a transaction ends it, then the charge point boots again`, async () => {
    await using csms = await startCsms();
    let station = "";
    let txId = "";
    const events = await run(version, csms, async () => {
      // The first transaction the central system sees start.
      const open = () => csms.transactions().find((t) => t.stopReason === undefined);
      await csms.waitFor(() => open() !== undefined, 20_000);
      ({ identity: station, id: txId } = open()!);
      const answer = await csms.call(
        station,
        "Reset",
        version === "1.6" ? { type: "Soft" } : { type: "Immediate" },
      );
      assert.equal(answer.status, "Accepted");
      await csms.waitFor(() => (csms.stations.get(station)?.boots ?? 0) >= 2, 10_000);
    });
    assert.deepEqual(csms.violations, []);
    const tx = csms.transactions().find((t) => t.identity === station && t.id === txId)!;
    assert.equal(tx.stopReason, version === "1.6" ? "SoftReset" : "ImmediateReset");
    // The session ended in the simulation then, with the same energy.
    const ended = events.find((e) =>
      e.type === "session.ended" && e.stationId === station &&
      e.statusMessage === "Stopped by a reset of the charge point"
    ) as { totalEnergyKwh: number; time: string } | undefined;
    assert.ok(ended, "the session ended in the simulation");
    assert.equal(tx.energyWh, Math.round(ended.totalEnergyKwh * 1000));
    // The transaction ended before the boot that followed the reset.
    const calls = csms.received.filter((c) => c.identity === station);
    const boots = calls.flatMap((c, i) => (c.action === "BootNotification" ? [i] : []));
    const stop = calls.findIndex((c) =>
      c.action === "StopTransaction" ||
      (c.action === "TransactionEvent" && c.payload.eventType === "Ended")
    );
    assert.ok(stop >= 0 && stop < boots[1], `stop at ${stop}, boots at ${boots}`);
    if (version === "2.0.1") {
      assert.equal(calls[stop].payload.triggerReason, "ResetCommand");
      assert.equal(calls[boots[1]].payload.reason, "RemoteReset");
    }
  });

  Deno.test(`OCPP ${version} closed loop: a token the central system refuses ends the session`, async () => {
    let refused: { identity: string; idToken: string } | undefined;
    let refusing = false;
    await using csms = await startCsms({
      // Once asked to, the central system refuses the next driver's token.
      answer: (call) => {
        if (call.action !== "Authorize" || !refusing || refused) return undefined;
        const p = call.payload as { idTag?: string; idToken?: { idToken: string } };
        refused = { identity: call.identity, idToken: p.idTag ?? p.idToken!.idToken };
        return version === "1.6"
          ? { idTagInfo: { status: "Invalid" } }
          : { idTokenInfo: { status: "Invalid" } };
      },
    });
    const events = await run(version, csms, async () => {
      await csms.waitFor(() => csms.transactions().length > 0, 20_000);
      refusing = true;
      await csms.waitFor(
        () =>
          refused !== undefined &&
          csms.transactions().some((t) =>
            t.identity === refused!.identity && t.idToken === refused!.idToken &&
            t.stopReason !== undefined
          ),
        20_000,
      );
    });
    assert.deepEqual(csms.violations, []);
    const tx = csms.transactions().find((t) =>
      t.identity === refused!.identity && t.idToken === refused!.idToken
    )!;
    assert.equal(tx.stopReason, "DeAuthorized");
    const ended = events.find((e) =>
      e.type === "session.ended" && e.stationId === refused!.identity &&
      e.statusMessage === "Token refused by the central system (Invalid)"
    ) as { connectedMinutes: number; totalEnergyKwh: number } | undefined;
    assert.ok(ended, "the session ended in the simulation");
    // Stopped at the answer: minutes after the start at 3,600×, not the hours of a stay.
    assert.ok(ended.connectedMinutes < 15, `${ended.connectedMinutes} minutes`);
    assert.equal(tx.energyWh, Math.round(ended.totalEnergyKwh * 1000));
  });
}

for (const version of ["1.6", "2.0.1"] as const) {
  Deno.test(`OCPP ${version} closed loop: UnlockConnector during a transaction`, async () => {
    await using csms = await startCsms();
    let open: { identity: string; id: string; connector: number } | undefined;
    let answers: string[] = [];
    const events = await run(version, csms, async () => {
      const running = () => csms.transactions().find((t) => t.stopReason === undefined);
      await csms.waitFor(() => running() !== undefined, 20_000);
      open = running()!;
      const unlock = (connector: number) =>
        csms.call(
          open!.identity,
          "UnlockConnector",
          version === "1.6" ? { connectorId: connector } : { evseId: connector, connectorId: 1 },
        );
      answers = [(await unlock(open.connector)).status as string];
      if (version === "1.6") {
        await csms.waitFor(
          () => csms.transactions().find((t) => t.id === open!.id)?.stopReason !== undefined,
          10_000,
        );
      }
      // A connector number the station does not have.
      answers.push((await unlock(99)).status as string);
    });
    assert.deepEqual(csms.violations, []);
    const tx = csms.transactions().find((t) => t.identity === open!.identity && t.id === open!.id)!;
    if (version === "1.6") {
      // 1.6 ends the transaction first (§5.17), then unlocks.
      assert.deepEqual(answers, ["Unlocked", "NotSupported"]);
      assert.equal(tx.stopReason, "UnlockCommand");
      assert.ok(
        events.some((e) =>
          e.type === "session.ended" && e.stationId === open!.identity &&
          e.statusMessage === "Connector unlocked by the central system"
        ),
      );
    } else {
      // 2.0.1 does not unlock a connector in an authorized transaction.
      assert.deepEqual(answers, ["OngoingAuthorizedTransaction", "UnknownConnector"]);
      assert.notEqual(tx.stopReason, "UnlockCommand");
    }
  });
}
