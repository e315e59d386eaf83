import assert from "node:assert/strict";
import { defaults } from "../data/mod.ts";
import type { Clock } from "./clock.ts";
import type { SimEvent } from "./event.ts";
import { CommandInbox } from "./command.ts";
import { runSimulation, warmUp } from "./run.ts";
import { Simulation } from "./simulation.ts";
import { fanOut, type Sink } from "./sink.ts";
import { testNetwork } from "../tests/_events.ts";

const START = Date.UTC(2026, 0, 5);
const HOUR = 3_600_000;

/** A clock whose sleeps advance it instantly, recording each wait. */
function fakeClock(): Clock & { waits: number[]; t: number } {
  return {
    t: 1_000_000,
    waits: [],
    now() {
      return this.t;
    },
    sleep(ms) {
      this.waits.push(ms);
      this.t += ms;
      return Promise.resolve();
    },
  };
}

const network = {
  ...testNetwork,
  chargers: testNetwork.chargers.filter((c) => c.city === "Chicago"),
};
const newSim = () => new Simulation({ seed: 1, start: START, network, model: defaults.model });

Deno.test("runSimulation() backfills to the end without touching the clock's sleep", async () => {
  const clock = fakeClock();
  const events: SimEvent[] = [];
  const end = await runSimulation(newSim(), (e) => void events.push(e), {
    end: START + 6 * HOUR,
    clock,
  });
  assert.equal(end, "finished");
  assert.equal(clock.waits.length, 0);
  assert.ok(events.length > 100);
  assert.ok(events.every((e) => Date.parse(e.time) < START + 6 * HOUR));
});

Deno.test("runSimulation() paces accelerated runs: simulated time = speed × wall time", async () => {
  const clock = fakeClock();
  const wallStart = clock.t;
  let lateness = 0;
  const sink: Sink = (e) => {
    const due = wallStart + (Date.parse(e.time) - START) / 60;
    lateness = Math.max(lateness, Math.abs(clock.t - due));
  };
  await runSimulation(newSim(), sink, { end: START + 2 * HOUR, speed: 60, clock });
  assert.ok(clock.waits.length > 10);
  assert.ok(lateness < 1, `event off its wall time by ${lateness} ms`);
  assert.ok(Math.abs(clock.t - wallStart - 2 * HOUR / 60) < 60_000 / 60 + 1);
});

Deno.test("runSimulation() flushes the sink before it waits on the clock", async () => {
  const clock = fakeClock();
  let flushes = 0;
  const sink: Sink = Object.assign(() => {}, {
    flush: () => {
      flushes++;
      return Promise.resolve();
    },
  });
  await runSimulation(newSim(), sink, { end: START + HOUR, speed: 1, clock });
  assert.ok(flushes >= clock.waits.length);
});

Deno.test("runSimulation() stops when its signal aborts", async () => {
  const controller = new AbortController();
  let count = 0;
  const end = await runSimulation(newSim(), () => {
    if (++count === 50) controller.abort();
  }, { end: Infinity, signal: controller.signal });
  assert.equal(end, "stopped");
  assert.ok(count >= 50 && count < 60);
});

Deno.test("runSimulation() waits for a slow sink before producing more", async () => {
  let inFlight = 0;
  let maxInFlight = 0;
  const slow: Sink = () => {
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    return new Promise((resolve) =>
      setTimeout(() => {
        inFlight--;
        resolve();
      }, 0)
    );
  };
  await runSimulation(newSim(), fanOut([slow, () => {}]), { end: START + HOUR / 4 });
  assert.equal(maxInFlight, 1);
});

Deno.test("runSimulation() anchored to the wall clock catches up, then keeps pace", async () => {
  const clock = fakeClock();
  // The wall clock is 30 simulated minutes ahead of the simulation: it catches up without waiting.
  clock.t = START + HOUR / 2;
  const late: SimEvent[] = [];
  await runSimulation(newSim(), (e) => {
    if (Date.parse(e.time) < START + HOUR / 2) late.push(e);
    else assert.ok(Date.parse(e.time) <= clock.t + 1, "no event before its wall time");
  }, { end: START + HOUR, speed: 1, clock, anchor: { wallMs: 0, simMs: 0 } });
  assert.ok(late.length > 10);
  assert.ok(clock.waits.length > 0);
  assert.ok(clock.t <= START + HOUR);
});

Deno.test("runSimulation() saves checkpoints between steps, after flushing the sink", async () => {
  const clock = fakeClock();
  const sim = newSim();
  let pending = 0;
  const saves: number[] = [];
  const sink: Sink = Object.assign(() => void pending++, {
    flush: () => {
      pending = 0;
      return Promise.resolve();
    },
  });
  // Each look at the clock costs 1 ms of wall time here (it looks every 1,024 steps).
  const slow: Clock = { now: () => clock.t++, sleep: clock.sleep.bind(clock) };
  await runSimulation(sim, sink, {
    end: START + 24 * HOUR,
    clock: slow,
    checkpoint: {
      everyMs: 2,
      save: () => {
        assert.equal(pending, 0, "the sink was flushed first");
        saves.push(sim.stats.events);
        return Promise.resolve();
      },
    },
  });
  assert.ok(saves.length >= 2, `${saves.length} saves`);
  for (let i = 1; i < saves.length; i++) assert.ok(saves[i] > saves[i - 1]);
});

Deno.test("warmUp() leaves a busy network whose counters, energy too, start at its end", async () => {
  const sim = new Simulation({
    seed: 1,
    start: START - 2 * 86_400_000,
    network,
    model: defaults.model,
  });
  warmUp(sim, START);
  assert.ok(sim.pluggedInEnergyKwh() > 0, "sessions are plugged in at the start");
  const { energyKwh, ...counters } = sim.stats;
  assert.ok(Object.values(counters).every((n) => n === 0), JSON.stringify(counters));
  assert.ok(Math.abs(energyKwh + sim.pluggedInEnergyKwh()) < 1e-9);
  const events: SimEvent[] = [];
  await runSimulation(sim, (e) => void events.push(e), { end: START + HOUR });
  assert.equal(sim.stats.events, events.length);
  // What the sessions took in the hour: the growth of each session's energy over its events.
  const first = new Map<string, number>();
  const last = new Map<string, number>();
  for (const e of events) {
    if (!("sessionId" in e)) continue;
    if (!first.has(e.sessionId)) {
      // A session that began before the start took its first event's energy before it.
      first.set(e.sessionId, e.startTime < new Date(START).toISOString() ? e.energyKwh : 0);
    }
    last.set(e.sessionId, e.energyKwh);
  }
  let taken = 0;
  for (const [id, kwh] of last) taken += kwh - first.get(id)!;
  const total = sim.stats.energyKwh + sim.pluggedInEnergyKwh();
  assert.ok(total > 0);
  assert.ok(Math.abs(total - taken) / taken < 0.05, `${total} vs ${taken}`);
});

Deno.test("warmUp() calls between after each whole day, and leaves the same network as one advance", () => {
  const DAY = 86_400_000;
  const from = START - 3 * DAY - 5 * HOUR;
  const newWarmSim = () => new Simulation({ seed: 1, start: from, network, model: defaults.model });
  const stepped = newWarmSim();
  const times: number[] = [];
  warmUp(stepped, START, () => times.push(stepped.now));
  assert.deepEqual(times, [1, 2, 3].map((d) => from + d * DAY));
  const plain = newWarmSim();
  warmUp(plain, START);
  assert.equal(stepped.seq, plain.seq);
  assert.equal(stepped.pluggedInEnergyKwh(), plain.pluggedInEnergyKwh());
  const next = (sim: Simulation) => {
    const out: SimEvent[] = [];
    while (out.length < 200) sim.step(out);
    return JSON.stringify(out);
  };
  assert.equal(next(stepped), next(plain));
});

Deno.test("runSimulation() applies a command at the simulated time it comes, waking from a wait", async () => {
  const charger = network.chargers[0];
  const sim = new Simulation({
    seed: 1,
    start: START,
    network: { ...network, chargers: [charger] },
    model: defaults.model,
  });
  const commands = new CommandInbox();
  const seen: SimEvent[] = [];
  const wallStart = Date.now();
  let sentAt = 0;
  const outcome = new Promise<string>((resolve) => {
    setTimeout(() => {
      sentAt = Date.now();
      resolve(commands.send({ type: "availability", chargerId: charger.id, available: false }));
    }, 200);
  });
  let seenAt = 0;
  const stop = new AbortController();
  await runSimulation(sim, (e) => {
    if (e.type === "charger.status" && e.status === "Maintenance" && !seenAt) {
      seenAt = Date.now();
      stop.abort();
    }
    seen.push(e);
  }, { end: Infinity, speed: 1200, commands, signal: stop.signal });
  assert.equal(await outcome, "accepted");
  const held = seen.find((e) => e.type === "charger.status" && e.status === "Maintenance");
  assert.ok(held, "the charger went out of service");
  // At the simulated time of its wall time (±1 simulated minute), and at once.
  const expected = START + (sentAt - wallStart) * 1200;
  assert.ok(
    Math.abs(Date.parse(held.time) - expected) < 60_000,
    `${held.time} vs ${new Date(expected).toISOString()}`,
  );
  assert.ok(seenAt - sentAt < 100, `${seenAt - sentAt} ms after it was sent`);
});

Deno.test("runSimulation() refuses the commands still waiting when it ends", async () => {
  const commands = new CommandInbox();
  const sim = newSim();
  const late = commands.send({ type: "limit", chargerId: network.chargers[0].id, kw: 3 });
  const controller = new AbortController();
  controller.abort();
  await runSimulation(sim, () => {}, { end: START + HOUR, signal: controller.signal, commands });
  await assert.rejects(late, /the simulation has stopped/);
});
