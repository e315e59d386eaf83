/**
 * Backfill throughput: the engine writing NDJSON to a null writer, against the
 * ceiling of merely serializing the same events. Each iteration handles
 * {@link BATCH} events, so events/s = BATCH × iter/s. Figures are in the README.
 */
import { defaults, regionNetwork } from "../data/mod.ts";
import { networkOfAbout } from "./_events.ts";
import { getNdjsonSink } from "../sinks/ndjson.ts";
import { BACKFILL_START, BENCH_PEAKS, nullWriter, serializeBatch, warmedUp } from "./_backfill.ts";
import type { SimEvent } from "../core/event.ts";
import type { Network } from "../core/network.ts";
import { Simulation } from "../core/simulation.ts";
import { defaultDemand } from "../core/arrivals.ts";

const BATCH = 20_000;

/** A simulation of `network` past its first hours, so the mix of events is steady. */
function warmed(network: Network): Simulation {
  return warmedUp(
    new Simulation({
      seed: 1,
      start: BACKFILL_START,
      network,
      model: defaults.model,
      demand: defaultDemand(defaults.model, BENCH_PEAKS),
    }),
  );
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
    await serializeBatch(small, BATCH);
  },
});

Deno.bench({
  name: `engine + serialize ${BATCH} events, 100,000 chargers`,
  group: "backfill",
  async fn() {
    await serializeBatch(large, BATCH);
  },
});

Deno.bench({
  name: `engine + serialize ${BATCH} events, the US network (129,776 real chargers)`,
  group: "backfill",
  async fn() {
    await serializeBatch(us, BATCH);
  },
});
