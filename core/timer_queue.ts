/**
 * The engine's timer queue: timers popped in the order of their key (the
 * engine's `time · KINDS + kind`) and, at the same key, of their tie (the
 * charger's index in the network). So timers due together always run in the
 * same order, whatever order they were queued in: the order of a run is
 * defined by its timers alone, not by how a queue happened to hold them.
 *
 * Most of an engine's timers are a session's next update, due one update
 * interval after the step that queues it: queued in the order they come due.
 * Those wait in a first-in first-out ring ({@link TimerQueue.pushInOrder}),
 * in constant time and in memory read in sequence; the others in a binary
 * heap. A queue of 100,000 chargers' timers spends most of a heap's time
 * waiting on memory, which the ring does not.
 *
 * @module
 */

/** Whether (key a, tie a) comes before (key b, tie b). */
const before = (keyA: number, tieA: number, keyB: number, tieB: number) =>
  keyA < keyB || (keyA === keyB && tieA < tieB);

/** Timers of `T`, popped by key, then tie. */
export class TimerQueue<T> {
  // The heap, in three parallel arrays.
  #items: T[] = [];
  #keys: number[] = [];
  #ties: number[] = [];
  #heapLength = 0;
  // The ring: entries `#first` to `#first + #ringLength − 1`, modulo its capacity (a power of 2).
  #ringItems: (T | undefined)[] = new Array(1024);
  #ringKeys = new Float64Array(1024);
  #ringTies = new Float64Array(1024);
  #first = 0;
  #ringLength = 0;

  /** How many timers wait. */
  get length(): number {
    return this.#heapLength + this.#ringLength;
  }

  /** The smallest key waiting, or Infinity when none is. */
  peekKey(): number {
    const ring = this.#ringLength > 0 ? this.#ringKeys[this.#first] : Infinity;
    return this.#heapLength > 0 ? Math.min(ring, this.#keys[0]) : ring;
  }

  /** Queues `item`, due at `key`, `tie`. */
  push(item: T, key: number, tie: number): void {
    const keys = this.#keys;
    const ties = this.#ties;
    let pos = this.#heapLength++;
    while (pos > 0) {
      const parent = (pos - 1) >> 1;
      if (!before(key, tie, keys[parent], ties[parent])) break;
      this.#move(parent, pos);
      pos = parent;
    }
    this.#put(pos, item, key, tie);
  }

  /**
   * Queues `item` as {@link push} does, faster when it comes due no sooner
   * than the timer queued this way before it (as each next update does).
   */
  pushInOrder(item: T, key: number, tie: number): void {
    const n = this.#ringLength;
    const capacity = this.#ringKeys.length;
    if (n > 0) {
      const last = (this.#first + n - 1) & (capacity - 1);
      if (before(key, tie, this.#ringKeys[last], this.#ringTies[last])) {
        return this.push(item, key, tie);
      }
    }
    if (n === capacity) this.#grow();
    const at = (this.#first + n) & (this.#ringKeys.length - 1);
    this.#ringItems[at] = item;
    this.#ringKeys[at] = key;
    this.#ringTies[at] = tie;
    this.#ringLength = n + 1;
  }

  /** Removes and returns the first timer; undefined when none waits. */
  pop(): T | undefined {
    if (this.#ringLength > 0) {
      const first = this.#first;
      if (
        this.#heapLength === 0 ||
        before(this.#ringKeys[first], this.#ringTies[first], this.#keys[0], this.#ties[0])
      ) {
        const item = this.#ringItems[first];
        this.#ringItems[first] = undefined;
        this.#first = (first + 1) & (this.#ringKeys.length - 1);
        this.#ringLength--;
        return item;
      }
    }
    return this.#popHeap();
  }

  /** Every waiting timer as [item, key], in no particular order. */
  *entries(): Generator<[T, number]> {
    for (let i = 0; i < this.#heapLength; i++) yield [this.#items[i], this.#keys[i]];
    const mask = this.#ringKeys.length - 1;
    for (let i = 0; i < this.#ringLength; i++) {
      const at = (this.#first + i) & mask;
      yield [this.#ringItems[at]!, this.#ringKeys[at]];
    }
  }

  #popHeap(): T | undefined {
    if (this.#heapLength === 0) return undefined;
    const items = this.#items;
    const keys = this.#keys;
    const ties = this.#ties;
    const top = items[0];
    const last = --this.#heapLength;
    if (last > 0) {
      const item = items[last];
      const key = keys[last];
      const tie = ties[last];
      let pos = 0;
      const half = last >> 1;
      while (pos < half) {
        let child = (pos << 1) + 1;
        const right = child + 1;
        if (right < last && before(keys[right], ties[right], keys[child], ties[child])) {
          child = right;
        }
        if (!before(keys[child], ties[child], key, tie)) break;
        this.#move(child, pos);
        pos = child;
      }
      this.#put(pos, item, key, tie);
    }
    // Let a popped timer's item go.
    items[last] = undefined as T;
    return top;
  }

  /** Moves the heap's entry at `from` to `to`. */
  #move(from: number, to: number): void {
    this.#items[to] = this.#items[from];
    this.#keys[to] = this.#keys[from];
    this.#ties[to] = this.#ties[from];
  }

  /** Sets the heap's entry at `pos`. */
  #put(pos: number, item: T, key: number, tie: number): void {
    this.#items[pos] = item;
    this.#keys[pos] = key;
    this.#ties[pos] = tie;
  }

  /** Doubles the ring, its entries from index 0 on. */
  #grow(): void {
    const n = this.#ringLength;
    const capacity = this.#ringKeys.length;
    const items = new Array<T | undefined>(capacity * 2);
    const keys = new Float64Array(capacity * 2);
    const ties = new Float64Array(capacity * 2);
    for (let i = 0; i < n; i++) {
      const at = (this.#first + i) & (capacity - 1);
      items[i] = this.#ringItems[at];
      keys[i] = this.#ringKeys[at];
      ties[i] = this.#ringTies[at];
    }
    this.#ringItems = items;
    this.#ringKeys = keys;
    this.#ringTies = ties;
    this.#first = 0;
  }
}
