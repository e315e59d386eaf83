import assert from "node:assert/strict";
import type { SessionEndedEvent } from "../core/event.ts";
import { buildAll, simulate } from "../tests/_ocpp.ts";
import { StationRules } from "./csms_rules.ts";
import { step201 } from "./messages_201.ts";
import { schemaCheck } from "./rpc_transport.ts";
import type { Payload } from "./transport.ts";

const { stations, events } = simulate();
const built = buildAll(stations, events, step201);
const all = [...built.values()].flatMap((b) => b.calls);
const txEvents = all.filter((c) => c.action === "TransactionEvent").map((c) => c.payload);
const infoOf = (p: Payload) => p.transactionInfo as Record<string, unknown>;

Deno.test("step201() over a simulated day: every call is valid against the 2.0.1 schemas", () => {
  const check = schemaCheck("2.0.1");
  const actions = new Set(all.map((c) => c.action));
  for (const a of ["StatusNotification", "Authorize", "TransactionEvent", "NotifyEvent"]) {
    assert.ok(actions.has(a), `the day has a ${a}`);
  }
  for (const c of all) assert.equal(check(c.action, "req", c.payload), undefined, c.action);
});

Deno.test("step201(): Ended − Started registers are each session's energy; seqNo runs 0, 1, 2, …", () => {
  const byTx = new Map<string, Payload[]>();
  for (const p of txEvents) {
    const id = infoOf(p).transactionId as string;
    byTx.set(id, [...byTx.get(id) ?? [], p]);
  }
  const register = (p: Payload) =>
    ((p.meterValue as { sampledValue: { measurand: string; value: number }[] }[])[0].sampledValue
      .find((v) => v.measurand === "Energy.Active.Import.Register")!).value;
  const ended = events.filter((e): e is SessionEndedEvent => e.type === "session.ended");
  assert.ok(ended.length > 50);
  for (const e of ended) {
    const list = byTx.get(e.sessionId)!;
    assert.deepEqual(list.map((p) => p.seqNo), list.map((_, i) => i), e.sessionId);
    assert.equal(list[0].eventType, "Started");
    assert.equal(list.at(-1)!.eventType, "Ended");
    assert.equal(register(list.at(-1)!) - register(list[0]), Math.round(e.totalEnergyKwh * 1000));
    const stopped = infoOf(list.at(-1)!).stoppedReason;
    const expected = { target_reached: "Local", departed: "EVDisconnected" }[e.endReason as string];
    if (expected) assert.equal(stopped, expected);
    assert.equal(infoOf(list.at(-1)!).timeSpentCharging, Math.round(e.chargingMinutes * 60));
  }
});

Deno.test("step201(): what a station sends keeps every rule a central system checks", () => {
  for (const [id, { calls }] of built) {
    const rules = new StationRules("2.0.1");
    rules.booted("Accepted");
    for (const c of calls) {
      assert.deepEqual(rules.observe(c.action, c.payload), [], `${id} ${c.action}`);
    }
  }
});

Deno.test("step201(): charging states follow the session; a fault pauses it as SuspendedEVSE", () => {
  const states = new Set(txEvents.map((p) => infoOf(p).chargingState).filter(Boolean));
  for (const s of ["Charging", "SuspendedEV", "SuspendedEVSE", "Idle"]) assert.ok(states.has(s), s);
  const paused = txEvents.find((p) => infoOf(p).chargingState === "SuspendedEVSE")!;
  assert.equal(paused.triggerReason, "AbnormalCondition");
  const mv = (paused.meterValue as { sampledValue: { context: string }[] }[])[0];
  assert.equal(mv.sampledValue[0].context, "Interruption.Begin");
});

Deno.test("step201(): a fault is Faulted with a NotifyEvent; the repair clears it", () => {
  const notify = all.filter((c) => c.action === "NotifyEvent").map((c) =>
    (c.payload.eventData as Payload[])[0]
  );
  const on = notify.find((d) => d.actualValue === "true")!;
  assert.equal(on.cleared, false);
  assert.deepEqual(on.variable, { name: "Problem" });
  const evse = (on.component as { evse: { id: number } }).evse.id;
  const off = notify.find((d) =>
    d.actualValue === "false" && (d.component as { evse: { id: number } }).evse.id === evse &&
    (d.timestamp as string) >= (on.timestamp as string)
  );
  assert.ok(off, "the repair clears the problem");
  assert.ok(
    all.some((c) => c.action === "StatusNotification" && c.payload.connectorStatus === "Faulted"),
  );
});

Deno.test("step201(): SoC is reported at DC only", () => {
  const dcEvses = new Set(
    stations.flatMap((s) =>
      s.ports.filter((p) => p.level === "DCFC").map((p) => `${s.stationId}/${p.number}`)
    ),
  );
  for (const [id, { calls }] of built) {
    const evseOf = new Map<string, number>();
    for (const c of calls.filter((c) => c.action === "TransactionEvent")) {
      const tx = infoOf(c.payload).transactionId as string;
      if (c.payload.evse) evseOf.set(tx, (c.payload.evse as { id: number }).id);
      const hasSoc = ((c.payload.meterValue ?? []) as { sampledValue: { measurand: string }[] }[])
        .some((mv) => mv.sampledValue.some((v) => v.measurand === "SoC"));
      if (hasSoc) assert.ok(dcEvses.has(`${id}/${evseOf.get(tx)}`), `${id} SoC at AC`);
    }
  }
});
