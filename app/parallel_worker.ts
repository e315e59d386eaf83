/**
 * One worker of a parallel backfill (`app/parallel.ts`): given its slice of
 * the stations, with the model and each charger's demand as the main thread
 * made them, it warms up and runs the simulation of that slice, and sends
 * its events serialized, as
 * NDJSON lines with `seq` 0, in chunks of bytes with each event's place in
 * the whole run's order (the step's key and the charger's index in the whole
 * network). The main thread merges the slices' chunks and writes the real
 * `seq` into each line.
 *
 * @module
 */
/// <reference lib="deno.worker" />
import type { DemandProfile } from "../core/arrivals.ts";
import type { SimEvent } from "../core/event.ts";
import type { Model } from "../core/model.ts";
import type { Charger, Network } from "../core/network.ts";
import type { RunPlan } from "../core/plan.ts";
import { warmUp } from "../core/run.ts";
import { Simulation, type SimulationStats } from "../core/simulation.ts";
import { heapKeeper } from "./heap.ts";
import { META } from "./parallel_merge.ts";

/** What a worker is given to start. */
export interface WorkerStart {
  plan: RunPlan;
  /** The slice's chargers, with every city and vehicle of the run. */
  network: Network;
  model: Model;
  /** Each of the slice's chargers' demand, as the run's demand model gave it. */
  demands: DemandProfile[];
  /** Each of the slice's chargers' index in the run's network: the merge's tie. */
  indices: number[];
  /** Bytes of each chunk. */
  chunkBytes: number;
  /** Chunks a worker may have on its way before it waits for one back. */
  chunks: number;
}

/** What a worker sends. */
export type WorkerMessage =
  | { type: "ready"; seq: number }
  | {
    type: "chunk";
    bytes: Uint8Array<ArrayBuffer>;
    meta: Float64Array<ArrayBuffer>;
    /** Events in the chunk. */
    count: number;
    /** Bytes used. */
    used: number;
    stats: SimulationStats;
  }
  | { type: "end"; stats: SimulationStats }
  | { type: "error"; message: string };

/** What the main thread sends back: a chunk's buffers, to be filled again. */
export interface ReturnedChunk {
  bytes: Uint8Array<ArrayBuffer>;
  meta: Float64Array<ArrayBuffer>;
}

/** A line's `seq` field with the value 0, as the worker writes it. */
const SEQ_ZERO = ',"seq":0,';

async function run(start: WorkerStart): Promise<void> {
  const { plan, network, indices } = start;
  const demands = new Map<Charger, DemandProfile>(
    network.chargers.map((c, i) => [c, start.demands[i]]),
  );
  const sim = new Simulation({
    seed: plan.seed,
    start: plan.start - plan.warmUpMs,
    network,
    model: start.model,
    updateIntervalSeconds: plan.updateIntervalSeconds,
    demand: (charger) => demands.get(charger)!,
  });
  demands.clear();
  const keep = heapKeeper();
  if (plan.warmUpMs > 0) warmUp(sim, plan.start, keep);
  post({ type: "ready", seq: sim.seq });

  const free: ReturnedChunk[] = [];
  for (let i = 0; i < start.chunks; i++) {
    free.push({
      bytes: new Uint8Array(start.chunkBytes),
      meta: new Float64Array(Math.ceil(start.chunkBytes / 256) * META),
    });
  }
  let wake: (() => void) | undefined;
  self.onmessage = (e: MessageEvent<ReturnedChunk>) => {
    free.push(e.data);
    wake?.();
  };
  const take = async (): Promise<ReturnedChunk> => {
    while (free.length === 0) await new Promise<void>((resolve) => wake = resolve);
    wake = undefined;
    return free.pop()!;
  };

  const encoder = new TextEncoder();
  let { bytes, meta } = await take();
  let used = 0;
  let count = 0;
  const send = () => {
    const stats = { ...sim.stats };
    post({ type: "chunk", bytes, meta, count, used, stats }, [bytes.buffer, meta.buffer]);
    used = 0;
    count = 0;
    keep();
  };
  const out: SimEvent[] = [];
  while (sim.peek() < plan.end) {
    out.length = 0;
    if (sim.step(out) === 0) continue;
    const key = sim.stepKey;
    const tie = indices[sim.stepCharger];
    for (let i = 0; i < out.length; i++) {
      const event = out[i];
      event.seq = 0;
      const line = JSON.stringify(event);
      // UTF-8 takes at most 3 bytes per UTF-16 code unit.
      if (bytes.length - used <= line.length * 3 || (count + 1) * META > meta.length) {
        if (count > 0) {
          send();
          ({ bytes, meta } = await take());
        }
        if (bytes.length <= line.length * 3) bytes = new Uint8Array(line.length * 3 + 1);
      }
      const seqAt = line.indexOf(SEQ_ZERO);
      if (seqAt < 0) throw new Error(`an event without seq: ${line.slice(0, 80)}`);
      const at = count * META;
      meta[at] = key;
      meta[at + 1] = tie;
      meta[at + 2] = used;
      // The type before it is ASCII: the character offset is the byte offset.
      meta[at + 3] = used + seqAt + SEQ_ZERO.length - 2;
      used += encoder.encodeInto(line, bytes.subarray(used)).written;
      bytes[used++] = 10;
      count++;
    }
  }
  if (count > 0) send();
  post({
    type: "end",
    stats: { ...sim.stats, energyKwh: sim.stats.energyKwh + sim.pluggedInEnergyKwh() },
  });
}

function post(message: WorkerMessage, transfer: Transferable[] = []): void {
  self.postMessage(message, transfer);
}

self.onmessage = (e: MessageEvent<WorkerStart>) => {
  run(e.data).catch((error) => {
    post({ type: "error", message: error instanceof Error ? error.message : String(error) });
  });
};
