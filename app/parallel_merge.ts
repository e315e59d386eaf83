/**
 * The merge of a parallel backfill: each slice's events come serialized, in
 * chunks, with `seq` 0 and each event's place in the whole run's order (the
 * step's key, then the charger's index in the whole network: see
 * `Simulation.stepKey`). Taking the slices' events in that order gives the
 * whole run's order; each line is copied with its real `seq` written in.
 *
 * @module
 */

/** A chunk of one slice's serialized events (see `app/parallel_worker.ts`). */
export interface LineChunk {
  bytes: Uint8Array<ArrayBuffer>;
  /** Per event: key, charger index, line start, offset of the `seq` digit. */
  meta: Float64Array<ArrayBuffer>;
  count: number;
  used: number;
}

/** Numbers per event in {@link LineChunk.meta}. */
export const META = 4;

/** Where merged lines go: whole lines, encoded, to be written in this order. */
export interface LineWriter {
  /** Writes `bytes` (`lines` of them); may keep `bytes` until its next call returns. */
  (bytes: Uint8Array, lines: number): Promise<void> | void;
}

/** Options of {@link mergeLines}. */
export interface MergeOptions {
  /** The `seq` of the event before the first. */
  seq: number;
  /** Bytes of each of the two output buffers. @default {1048576} */
  bufferSize?: number;
  /** Stops the merge after the current event. */
  signal?: AbortSignal;
  /** Called every 1,024 events with the key of the last one and the events so far. */
  onProgress?: (key: number, events: number) => void;
}

/**
 * Merges the chunks of each lane (`next()` gives a lane's next chunk, or
 * undefined when it has no more; `done(chunk)` takes back one it has merged)
 * into `write`, in order. Returns the number of events written.
 */
export async function mergeLines(
  lanes: readonly { next(): Promise<LineChunk | undefined>; done(chunk: LineChunk): void }[],
  write: LineWriter,
  options: MergeOptions,
): Promise<number> {
  const size = options.bufferSize ?? 1 << 20;
  const { signal, onProgress } = options;
  let out = new Uint8Array(size);
  let spare = new Uint8Array(size);
  let used = 0;
  let lines = 0;
  const flush = async () => {
    if (used === 0) return;
    const bytes = out.subarray(0, used);
    [out, spare] = [spare, out];
    const n = lines;
    used = 0;
    lines = 0;
    await write(bytes, n);
  };

  // Each lane's chunk being merged and the event next in it.
  const chunks: (LineChunk | undefined)[] = [];
  const at: number[] = [];
  for (const lane of lanes) {
    chunks.push(await lane.next());
    at.push(0);
  }
  const digits = new Uint8Array(20);
  let seq = options.seq;
  let events = 0;
  for (;;) {
    // The lane whose next event comes first.
    let best = -1;
    let bestKey = Infinity;
    let bestTie = Infinity;
    for (let l = 0; l < chunks.length; l++) {
      const chunk = chunks[l];
      if (!chunk) continue;
      const m = at[l] * META;
      const key = chunk.meta[m];
      const tie = chunk.meta[m + 1];
      if (key < bestKey || (key === bestKey && tie < bestTie)) {
        best = l;
        bestKey = key;
        bestTie = tie;
      }
    }
    if (best < 0) break;
    const chunk = chunks[best]!;
    const i = at[best];
    const src = chunk.bytes;
    const start = chunk.meta[i * META + 2];
    const seqAt = chunk.meta[i * META + 3];
    const end = i + 1 < chunk.count ? chunk.meta[(i + 1) * META + 2] : chunk.used;
    if (size - used < end - start + digits.length) {
      await flush();
      if (size < end - start + digits.length) {
        out = new Uint8Array(end - start + digits.length);
        spare = new Uint8Array(out.length);
      }
    }
    // The seq's digits, last first, and their count.
    let v = ++seq;
    let d = 0;
    do {
      digits[d++] = 48 + (v % 10);
      v = Math.floor(v / 10);
    } while (v > 0);
    // The line copied d − 1 bytes on puts the rest after the seq where it belongs;
    // the part before the seq moves back into place, and the digits go between.
    const head = seqAt - start;
    out.set(src.subarray(start, end), used + d - 1);
    if (d > 1) out.copyWithin(used, used + d - 1, used + d - 1 + head);
    used += head;
    while (d > 0) out[used++] = digits[--d];
    used += end - seqAt - 1;
    lines++;
    events++;
    if (i + 1 < chunk.count) {
      at[best] = i + 1;
    } else {
      lanes[best].done(chunk);
      chunks[best] = await lanes[best].next();
      at[best] = 0;
    }
    if ((events & 1023) === 0) {
      onProgress?.(bestKey, events);
      if (signal?.aborted) break;
    }
  }
  await flush();
  return events;
}
