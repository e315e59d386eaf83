/**
 * `GET /live`: the frames of a {@link LiveFeed} as Server-Sent Events
 * (`id: N`, `event: snapshot|delta`, `data: {...}`). A client that comes back
 * with `Last-Event-ID` (as `EventSource` does by itself) gets the frames it
 * missed when the feed still holds them, else a snapshot. Like `GET /events`,
 * the body is pulled by the server when the connection has room; a client
 * that falls `maxPending` frames behind is disconnected rather than buffered,
 * and the stream ends (once written, or after a second) when `closing` aborts.
 *
 * @module
 */
import type { FeedFrame, LiveFeed } from "./live_feed.ts";

/** Options of {@link liveResponse}. */
export interface LiveResponseOptions {
  /** Frames a client may fall behind by before it is disconnected. @default {40} */
  maxPending?: number;
  /** Ends the stream when aborted. @default {undefined} */
  closing?: AbortSignal;
  /**
   * What the body fails with when a client is disconnected for falling behind:
   * the server drops the connection on it.
   */
  slowClient: (maxPending: number) => Error;
  /** Called when the stream ends, for whatever reason. @default {nothing} */
  onEnd?: () => void;
}

const ENCODER = new TextEncoder();
/** How long a client that is not reading may hold up shutdown. */
const SHUTDOWN_GRACE_MS = 1000;

/**
 * A frame's SSE event name, read from its JSON without parsing it: `kind` is
 * its second key.
 */
export function frameKind(text: string): "snapshot" | "delta" {
  const at = text.indexOf(',"kind":"');
  return text.startsWith("snapshot", at + 9) ? "snapshot" : "delta";
}

/**
 * Streams `feed` from the frame after `lastId` (a snapshot first if the feed
 * no longer has it, or without `lastId`).
 */
export function liveResponse(
  feed: LiveFeed,
  lastId: number | undefined,
  options: LiveResponseOptions,
): Response {
  const maxPending = options.maxPending ?? 40;
  const { closing } = options;
  let queue: FeedFrame[] = [];
  let wake: (() => void) | undefined;
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
  const end = () => {
    if (ended) return;
    ended = true;
    unsubscribe();
    closing?.removeEventListener("abort", onClose);
    clearTimeout(grace);
    queue = [];
    wake?.();
    options.onEnd?.();
  };
  const body = new ReadableStream<Uint8Array>({
    start(c) {
      controller = c;
      unsubscribe = feed.subscribe(lastId, (frame) => {
        if (ended) return;
        if (queue.length < maxPending) {
          queue.push(frame);
          wake?.();
          return;
        }
        behind = true;
        end();
        c.enqueue(ENCODER.encode(`: disconnected: more than ${maxPending} frames behind\n\n`));
      });
      closing?.addEventListener("abort", onClose, { once: true });
    },
    async pull(c) {
      while (queue.length === 0 && !ended) {
        if (closing?.aborted) {
          end();
          return c.close();
        }
        await new Promise<void>((resolve) => wake = resolve);
        wake = undefined;
      }
      if (behind) return c.error(options.slowClient(maxPending));
      if (ended) return;
      const text = queue.map((frame) =>
        `id: ${frame.id}\nevent: ${frameKind(frame.text)}\ndata: ${frame.text}\n\n`
      ).join("");
      queue = [];
      c.enqueue(ENCODER.encode(text));
    },
    cancel() {
      end();
    },
  }, { highWaterMark: 0 });
  return new Response(body, {
    headers: { "content-type": "text/event-stream", "cache-control": "no-cache" },
  });
}

/**
 * The frame ID a client last saw: `Last-Event-ID` (sent by `EventSource` when
 * it reconnects), else `?lastEventId=` (for a client that opens a new
 * stream); undefined when neither is a whole number.
 */
export function lastEventId(
  header: string | undefined,
  query: string | undefined,
): number | undefined {
  const text = header ?? query;
  return text !== undefined && /^\d{1,15}$/.test(text.trim()) ? Number(text.trim()) : undefined;
}
