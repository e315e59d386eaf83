/**
 * Frames of a {@link LiveState} as the live page's stream carries them: one
 * every `intervalMs` of wall time while a client listens, numbered from 1,
 * the last `windowFrames` kept so that a client that reconnects with the ID of
 * the last frame it saw gets the ones it missed, and any other client a
 * snapshot first.
 *
 * ```ts
 * using feed = new LiveFeed(state);
 * const unsubscribe = feed.subscribe(undefined, (frame) => send(frame.id, frame.text));
 * ```
 *
 * No frame is made while nobody listens: the state keeps what changed, and
 * the next frame carries all of it, so a client that resumes misses nothing.
 *
 * @module
 */
import type { LiveState } from "./live_state.ts";

/** A frame as it goes out: its ID and its JSON. */
export interface FeedFrame {
  id: number;
  text: string;
}

/** Options of {@link LiveFeed}. */
export interface LiveFeedOptions {
  /** Wall time between frames while a client listens, in milliseconds. @default {250} */
  intervalMs?: number;
  /** Frames kept for clients that resume (at 4 a second, one minute). @default {240} */
  windowFrames?: number;
  /** The wall clock, in milliseconds, for the simulated speed. @default {performance.now} */
  now?: () => number;
}

/** Receives each frame made from now on. */
export type FeedListener = (frame: FeedFrame) => void;

/** The frames of a live state; see the module documentation. Dispose it to stop its timer. */
export class LiveFeed implements Disposable {
  readonly #state: LiveState;
  readonly #intervalMs: number;
  readonly #windowFrames: number;
  readonly #now: () => number;
  /** The last frames, oldest first, with consecutive IDs ending at `#lastId`. */
  #window: FeedFrame[] = [];
  #lastId = 0;
  #listeners: readonly FeedListener[] = [];
  #timer: ReturnType<typeof setInterval> | undefined;
  #closed = false;

  constructor(state: LiveState, options: LiveFeedOptions = {}) {
    this.#state = state;
    this.#intervalMs = options.intervalMs ?? 250;
    this.#windowFrames = options.windowFrames ?? 240;
    this.#now = options.now ?? (() => performance.now());
    for (
      const [name, value] of [["intervalMs", this.#intervalMs], [
        "windowFrames",
        this.#windowFrames,
      ]] as const
    ) {
      if (!(value > 0)) throw new RangeError(`LiveFeed: ${name} must be positive, got ${value}`);
    }
  }

  /** The ID of the last frame made; 0 before the first. */
  get lastId(): number {
    return this.#lastId;
  }

  /** Clients listening. */
  get listeners(): number {
    return this.#listeners.length;
  }

  /** Makes the next frame now and hands it to every listener (the timer calls this). */
  tick(): FeedFrame {
    const id = ++this.#lastId;
    const frame = { id, text: JSON.stringify({ id, ...this.#state.delta(this.#now()) }) };
    this.#window.push(frame);
    if (this.#window.length > this.#windowFrames * 2) {
      this.#window = this.#window.slice(-this.#windowFrames);
    }
    for (const listener of this.#listeners) listener(frame);
    return frame;
  }

  /**
   * What a client that last saw frame `lastId` needs before the next frame:
   * the frames after it when they are all still kept (none if it is up to
   * date), else (no `lastId`, or one too old or not of this feed) a snapshot
   * with the ID of the last frame made.
   */
  since(lastId?: number): FeedFrame[] {
    const kept = this.#window.slice(-this.#windowFrames);
    const oldest = kept.length > 0 ? kept[0].id : this.#lastId + 1;
    if (
      lastId !== undefined && Number.isSafeInteger(lastId) && lastId >= oldest - 1 &&
      lastId <= this.#lastId
    ) {
      return kept.slice(lastId - oldest + 1);
    }
    const id = this.#lastId;
    return [{ id, text: JSON.stringify({ id, ...this.#state.snapshot() }) }];
  }

  /**
   * Calls `listener` with each frame from now on, after handing it the frames
   * {@link LiveFeed.since} `lastId` gives; frames are made while at least one
   * listener is subscribed. Returns the function that unsubscribes.
   */
  subscribe(lastId: number | undefined, listener: FeedListener): () => void {
    if (this.#closed) throw new Error("LiveFeed: subscribed after it was closed");
    for (const frame of this.since(lastId)) listener(frame);
    const entry: FeedListener = (frame) => listener(frame);
    this.#listeners = [...this.#listeners, entry];
    this.#timer ??= setInterval(() => this.tick(), this.#intervalMs);
    return () => {
      this.#listeners = this.#listeners.filter((l) => l !== entry);
      if (this.#listeners.length === 0) this.#stop();
    };
  }

  /** Stops making frames; later subscriptions throw. */
  close(): void {
    this.#closed = true;
    this.#stop();
  }

  [Symbol.dispose](): void {
    this.close();
  }

  #stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
