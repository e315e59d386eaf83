/**
 * Keeps a long run's heap near what it holds. A backfill promotes every
 * session it runs to V8's old generation (each lives seconds of the run),
 * and V8 lets that garbage grow the old generation to several times what
 * the run keeps before it collects it: the resident set of a run then grows
 * with its simulated duration although what it keeps does not (see the
 * README's memory figures). {@link heapKeeper} asks for a full collection
 * whenever the heap has grown past what the last one left by half (at least
 * 32 MB), which costs a collection of the live heap about every time it
 * doubles, a share of the run's time that does not grow with the run.
 *
 * V8 lets a script collect only with `--expose-gc`: it is set here, at run
 * time, for the contexts made after it, as Node's `v8.setFlagsFromString`
 * allows. Where that fails the keeper does nothing.
 *
 * @module
 */
import v8 from "node:v8";
import vm from "node:vm";

const MIN_GROWTH = 32 * 1024 * 1024;

let gc: (() => void) | null | undefined;

function collector(): (() => void) | null {
  if (gc !== undefined) return gc;
  try {
    v8.setFlagsFromString("--expose-gc");
    const made = vm.runInNewContext("gc");
    gc = typeof made === "function" ? made as () => void : null;
  } catch {
    gc = null;
  }
  return gc;
}

const used = () => v8.getHeapStatistics().used_heap_size;

/**
 * A check to call now and then (about every second, or every chunk of
 * work): it collects the heap once it has grown past its limit.
 */
export function heapKeeper(): () => void {
  const collect = collector();
  if (!collect) return () => {};
  const limitAfter = (live: number) => live + Math.max(MIN_GROWTH, live / 2);
  let limit = limitAfter(used());
  return () => {
    if (used() <= limit) return;
    collect();
    limit = limitAfter(used());
  };
}
