import assert from "node:assert/strict";
import fc from "fast-check";
import * as v from "valibot";
import { defaults } from "../data/mod.ts";
import type { SimEvent } from "./event.ts";
import { fingerprint, SimulationSnapshotSchema } from "./snapshot.ts";
import { Simulation, type SimulationOptions } from "./simulation.ts";
import { chargerIn, testNetwork } from "../tests/_events.ts";

const START = Date.UTC(2026, 0, 5);

function options(seed: number, ids: readonly string[]): SimulationOptions {
  const chargers = testNetwork.chargers.filter((c) => ids.includes(c.id));
  const model = structuredClone(defaults.model);
  // Busy chargers with every kind of timer: faults, planned windows, interruptions.
  model.sessionsPerChargerPerDay = { L2: 6, DCFC: 20 };
  model.faults.perChargerPerDay = { L2: 1, DCFC: 1 };
  model.plannedMaintenance = { everyDays: 1, localHour: 2, hours: 1 };
  model.interruption.probability = 0.3;
  return {
    seed,
    start: START,
    network: { ...testNetwork, chargers },
    model,
    updateIntervalSeconds: 300,
  };
}

function run(sim: Simulation, steps: number): SimEvent[] {
  const out: SimEvent[] = [];
  for (let i = 0; i < steps; i++) sim.step(out);
  return out;
}

Deno.test("a simulation resumed from its snapshot emits exactly what the original would", () => {
  const ids = testNetwork.chargers.map((c) => c.id);
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 2 ** 31 }),
      fc.uniqueArray(fc.constantFrom(...ids.slice(0, 300)), { minLength: 1, maxLength: 8 }),
      fc.integer({ min: 0, max: 3000 }),
      (seed, chosen, stopAt) => {
        const whole = run(new Simulation(options(seed, chosen)), 4000);
        const first = new Simulation(options(seed, chosen));
        const before = run(first, stopAt);
        // Through JSON and the schema, as a state file goes.
        const saved = v.parse(
          SimulationSnapshotSchema,
          JSON.parse(JSON.stringify(first.snapshot())),
        );
        const resumed = new Simulation({ ...options(seed, chosen), resume: saved });
        assert.equal(resumed.now, first.now);
        assert.deepEqual(resumed.stats, first.stats);
        const after = run(resumed, 4000 - stopAt);
        assert.deepEqual([...before, ...after], whole);
      },
    ),
    { numRuns: 30 },
  );
});

Deno.test("a snapshot of the whole default network resumes identically mid-run", () => {
  const base: SimulationOptions = {
    seed: 3,
    start: START,
    network: testNetwork,
    model: defaults.model,
  };
  const whole = run(new Simulation(base), 60_000);
  const first = new Simulation(base);
  const before = run(first, 25_000);
  const resumed = new Simulation({ ...base, resume: structuredClone(first.snapshot()) });
  assert.deepEqual([...before, ...run(resumed, 35_000)], whole);
});

Deno.test("a snapshot for another network is refused", () => {
  const sim = new Simulation(
    options(1, [chargerIn("New York", "public"), chargerIn("New York", "workplace")]),
  );
  run(sim, 100);
  assert.throws(
    () =>
      new Simulation({ ...options(1, [chargerIn("New York", "public")]), resume: sim.snapshot() }),
    /the snapshot has 2 chargers, the network 1/,
  );
  assert.throws(
    () =>
      new Simulation({
        ...options(1, [chargerIn("New York", "public"), chargerIn("New York", "dc_fast")]),
        resume: sim.snapshot(),
      }),
    /the snapshot's charger \d is AFDC-\S+, the network's AFDC-\S+/,
  );
});

Deno.test("fingerprint() changes with any input and not otherwise", async () => {
  const a = await fingerprint({ seed: 1, model: defaults.model });
  assert.equal(a, await fingerprint({ seed: 1, model: defaults.model }));
  assert.notEqual(a, await fingerprint({ seed: 2, model: defaults.model }));
  assert.match(a, /^[0-9a-f]{64}$/);
});
