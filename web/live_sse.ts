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
import { sseStream } from "../sinks/sse_stream.ts";
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
  return sseStream<FeedFrame>({
    subscribe: (push) => feed.subscribe(lastId, push),
    encode: (queue, from) => ({
      text: queue.slice(from).map((frame) =>
        `id: ${frame.id}\nevent: ${frameKind(frame.text)}\ndata: ${frame.text}\n\n`
      ).join(""),
      next: queue.length,
    }),
    maxPending: options.maxPending ?? 40,
    unit: "frames",
    closing: options.closing,
    slowClient: options.slowClient,
    onEnd: options.onEnd,
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
