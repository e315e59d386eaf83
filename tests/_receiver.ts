/**
 * A test receiver on 127.0.0.1 port 0 that fails on purpose: each request's
 * answer comes from a behaviour function. It records what it acknowledged.
 */
import type { SimEvent } from "../core/event.ts";

/** What the receiver does with one request. */
export interface Reply {
  status: number;
  headers?: Record<string, string>;
  /** Wait this long before answering. */
  delayMs?: number;
}

/** One request as received. */
export interface Received {
  events: SimEvent[];
  headers: Headers;
  at: number;
}

export interface Receiver extends AsyncDisposable {
  url: string;
  port: number;
  requests: Received[];
  /** How many times each eventId was acknowledged (2xx). */
  acknowledged: Map<string, number>;
}

function parse(text: string, type: string | null): SimEvent[] {
  if (type?.includes("ndjson")) return text.trim().split("\n").map((l) => JSON.parse(l));
  const value = JSON.parse(text);
  return Array.isArray(value) ? value : [value];
}

/** Starts a receiver whose `n`-th request (from 0) is answered by `behave(n, request)`. */
export function startReceiver(behave: (n: number, request: Received) => Reply): Receiver {
  const requests: Received[] = [];
  const acknowledged = new Map<string, number>();
  const aborts = new AbortController();
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    async (request) => {
      const received: Received = {
        events: parse(await request.text(), request.headers.get("content-type")),
        headers: request.headers,
        at: performance.now(),
      };
      const reply = behave(requests.length, received);
      requests.push(received);
      if (reply.delayMs) {
        await new Promise<void>((resolve) => {
          const id = setTimeout(resolve, reply.delayMs);
          aborts.signal.addEventListener("abort", () => {
            clearTimeout(id);
            resolve();
          });
          request.signal.addEventListener("abort", () => {
            clearTimeout(id);
            resolve();
          });
        });
      }
      if (reply.status >= 200 && reply.status < 300 && !request.signal.aborted) {
        for (const e of received.events) {
          acknowledged.set(e.eventId, (acknowledged.get(e.eventId) ?? 0) + 1);
        }
      }
      return new Response(reply.status < 300 ? "{}" : "nope", {
        status: reply.status,
        headers: reply.headers,
      });
    },
  );
  const port = server.addr.port;
  return {
    url: `http://127.0.0.1:${port}/events`,
    port,
    requests,
    acknowledged,
    async [Symbol.asyncDispose]() {
      aborts.abort();
      await server.shutdown();
    },
  };
}

/** A port with nothing listening on it. */
export function closedPort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}
