/**
 * A Server-Sent Events response fed by a subscription, bounded: the stream
 * behind `GET /events` (each accepted event) and `GET /live` (the live
 * page's frames).
 *
 * The body is a stream the server pulls from when the connection has room,
 * so the items queued here are those the client is behind by, as far as
 * this process can tell. Past `maxPending` the client is disconnected at
 * once: it is unsubscribed and its queue dropped, and the body gets a
 * comment saying why, then fails with `slowClient`'s error, on which the
 * server drops the connection. (A first version counted its items only once
 * each write returned; a client that never read blocked the write, never
 * reached the check, and stayed subscribed for good, and a stream that merely
 * ends leaves the connection open for the next request.)
 *
 * What the connection and the kernel already hold for the client is not
 * counted (about 4 MB on loopback), and a `Deno.serve` server writes the end
 * only when the client reads: Deno gives no way to close one connection, nor
 * a write timeout, so the socket of a client that never reads stays open,
 * with those bounded buffers, until it reads or leaves or the server shuts
 * down. When `closing` aborts, the stream ends once its queue is written, or
 * after a second for a client that is not reading.
 *
 * @module
 */

/** Options of {@link sseStream}. */
export interface SseStreamOptions<T> {
  /**
   * Subscribes `push` to what is published; returns the function that
   * unsubscribes. Called before the response is returned, so that a client
   * that has its headers misses nothing published after.
   */
  subscribe(push: (item: T) => void): () => void;
  /**
   * The SSE text of the items of `queue` from `from` on, as much as one write
   * should hold, and the index of the first item it left for the next.
   */
  encode(queue: readonly T[], from: number): { text: string; next: number };
  /** Items a client may fall behind by before it is disconnected. */
  maxPending: number;
  /** What the items are called in the notice: `events`, `frames`. */
  unit: string;
  /** Ends the stream when aborted. */
  closing?: AbortSignal;
  /** What the body fails with when a client is disconnected for falling behind. */
  slowClient: (maxPending: number) => Error;
  /** Called when a client is disconnected for falling behind. */
  onBehind?: () => void;
  /** Called when the stream ends, for whatever reason. */
  onEnd?: () => void;
}

const ENCODER = new TextEncoder();
/** How long a client that is not reading may hold up shutdown. */
const SHUTDOWN_GRACE_MS = 1000;

/** A `text/event-stream` response of what `options.subscribe` publishes from now on. */
export function sseStream<T>(options: SseStreamOptions<T>): Response {
  const { maxPending, closing } = options;
  /** Items published and not yet pulled: `queue[head]` on. */
  let queue: T[] = [];
  let head = 0;
  let wake: (() => void) | undefined;
  /** Set once no more items come: the client left, fell behind, or the server is closing. */
  let ended = false;
  let behind = false;
  let grace: ReturnType<typeof setTimeout> | undefined;
  let unsubscribe = () => {};
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  const onClose = () => {
    wake?.();
    grace = setTimeout(() => {
      end();
      try {
        controller.close();
      } catch {
        // Already ended by the client or the server.
      }
    }, SHUTDOWN_GRACE_MS);
  };
  /** Stops streaming: unsubscribes and drops the queue. */
  const end = () => {
    if (ended) return;
    ended = true;
    unsubscribe();
    closing?.removeEventListener("abort", onClose);
    clearTimeout(grace);
    queue = [];
    head = 0;
    wake?.();
    options.onEnd?.();
  };
  const body = new ReadableStream<Uint8Array>({
    start(c) {
      controller = c;
      unsubscribe = options.subscribe((item) => {
        if (ended) return;
        if (queue.length - head < maxPending) {
          queue.push(item);
          wake?.();
          return;
        }
        options.onBehind?.();
        behind = true;
        end();
        c.enqueue(
          ENCODER.encode(`: disconnected: more than ${maxPending} ${options.unit} behind\n\n`),
        );
      });
      closing?.addEventListener("abort", onClose, { once: true });
    },
    async pull(c) {
      while (head === queue.length && !ended) {
        if (closing?.aborted) {
          end();
          return c.close();
        }
        await new Promise<void>((resolve) => wake = resolve);
        wake = undefined;
      }
      // Failed only now, once the notice is taken: failing drops what is queued.
      if (behind) return c.error(options.slowClient(maxPending));
      if (ended) return;
      const { text, next } = options.encode(queue, head);
      head = next;
      if (head === queue.length) {
        queue = [];
        head = 0;
      } else if (head > 1024 && head * 2 > queue.length) {
        queue = queue.slice(head);
        head = 0;
      }
      c.enqueue(ENCODER.encode(text));
    },
    cancel() {
      // The client went away, or the server is closing its connection.
      end();
    },
  }, { highWaterMark: 0 });
  return new Response(body, {
    headers: { "content-type": "text/event-stream", "cache-control": "no-cache" },
  });
}
