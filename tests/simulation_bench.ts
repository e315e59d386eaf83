/**
 * Backfill throughput: the engine writing NDJSON to a null writer, against the
 * ceiling of merely serializing the same events. Each iteration handles
 * {@link BATCH} events, so events/s = BATCH × iter/s. Figures are in the README.
 */
import { defaults, regionNetwork } from "../data/mod.ts";
import { networkOfAbout } from "./_events.ts";
import { getNdjsonSink } from "../sinks/ndjson.ts";
import type { SimEvent } from "../core/event.ts";
import type { Network } from "../core/network.ts";
import { Simulation } from "../core/simulation.ts";
import { defaultDemand } from "../core/arrivals.ts";

const BATCH = 20_000;
const START = Date.UTC(2026, 0, 5);
const WARM_UP_MS = 3 * 3_600_000;
const nullWriter = { write: (p: Uint8Array) => Promise.resolve(p.length) };

/** A simulation past its first hours, so the mix of events is steady. */
function warmed(network: Network): Simulation {
  const sim = new Simulation({
    seed: 1,
    start: START,
    network,
    model: defaults.model,
    demand: defaultDemand(defaults.model, {
      peakHours: [{ from: 7, to: 10 }, { from: 16, to: 20 }],
      peakMultiplier: 2,
    }),
  });
  const out: SimEvent[] = [];
  while (sim.peek() < START + WARM_UP_MS) {
    sim.step(out);
    out.length = 0;
  }
  return sim;
}

async function engineBatch(sim: Simulation) {
  const sink = getNdjsonSink(nullWriter);
  const out: SimEvent[] = [];
  let n = 0;
  while (n < BATCH) {
    out.length = 0;
    n += sim.step(out);
    for (const e of out) {
      const r = sink(e);
      if (r) await r;
    }
  }
  await sink.flush();
}

const small = warmed(networkOfAbout(1_000));
const large = warmed(networkOfAbout(100_000));
const us = warmed(regionNetwork("us"));
const recorded: SimEvent[] = [];
{
  const sim = warmed(networkOfAbout(1_000));
  while (recorded.length < BATCH) sim.step(recorded);
}

Deno.bench({
  name: `serialize ${BATCH} recorded events (ceiling)`,
  group: "backfill",
  baseline: true,
  async fn() {
    const sink = getNdjsonSink(nullWriter);
    for (const e of recorded) {
      const r = sink(e);
      if (r) await r;
    }
    await sink.flush();
  },
});

Deno.bench({
  name: `engine + serialize ${BATCH} events, 1,000 chargers`,
  group: "backfill",
  async fn() {
    await engineBatch(small);
  },
});

Deno.bench({
  name: `engine + serialize ${BATCH} events, 100,000 chargers`,
  group: "backfill",
  async fn() {
    await engineBatch(large);
  },
});

Deno.bench({
  name: `engine + serialize ${BATCH} events, the US network (129,776 real chargers)`,
  group: "backfill",
  async fn() {
    await engineBatch(us);
  },
});
