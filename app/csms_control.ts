/**
 * The HTTP side of `evsim csms --control-port N`: what the central system
 * received, and a way to send any call to a connected charge point, for a
 * script (`curl`) to drive the simulation through OCPP.
 *
 * - `GET /` → the summary so far (as `--json` prints it at the end);
 * - `GET /stations` → the charge points, connected or not;
 * - `POST /call/IDENTITY/ACTION` with the call's JSON payload → `200 {"answer": …}`,
 *   `404` for a charge point not connected, `502 {"error", "code"}` for a
 *   CALLERROR or no answer.
 *
 * @module
 */
import type { Csms } from "../ocpp/csms.ts";
import { OcppCallError } from "../ocpp/transport.ts";
import { csmsSummary } from "./csms.ts";

/** A running control server. */
export interface CsmsControl extends AsyncDisposable {
  /** `http://host:port`. */
  readonly url: string;
}

/** Serves the control API of `csms` on `hostname:port` (0: any free port). */
export function serveCsmsControl(
  csms: Csms,
  options: { hostname?: string; port: number },
): CsmsControl {
  const hostname = options.hostname ?? "127.0.0.1";
  const server = Deno.serve(
    { hostname, port: options.port, onListen: () => {} },
    (request) => answer(csms, request),
  );
  const shown = hostname.includes(":") ? `[${hostname}]` : hostname;
  return {
    url: `http://${shown}:${server.addr.port}`,
    [Symbol.asyncDispose]: () => server.shutdown(),
  };
}

async function answer(csms: Csms, request: Request): Promise<Response> {
  const path = new URL(request.url).pathname.split("/").filter(Boolean).map(decodeURIComponent);
  if (request.method === "GET" && path.length === 0) return Response.json(csmsSummary(csms));
  if (request.method === "GET" && path.length === 1 && path[0] === "stations") {
    return Response.json(
      [...csms.stations.values()].map((s) => ({
        identity: s.identity,
        version: s.version,
        connected: s.connected,
        boots: s.boots,
      })),
    );
  }
  if (path[0] !== "call" || path.length !== 3) {
    return Response.json({ error: "expected GET /, GET /stations or POST /call/IDENTITY/ACTION" }, {
      status: 404,
    });
  }
  if (request.method !== "POST") {
    return Response.json({ error: "a call is a POST" }, { status: 405 });
  }
  const [, identity, action] = path;
  let payload: unknown;
  try {
    payload = await request.json();
  } catch {
    return Response.json({ error: "the body must be the call's JSON payload" }, { status: 400 });
  }
  if (typeof payload !== "object" || payload === null || Array.isArray(payload)) {
    return Response.json({ error: "the payload must be a JSON object" }, { status: 400 });
  }
  const station = csms.stations.get(identity);
  if (!station?.connected) {
    return Response.json({ error: `${identity} is not connected` }, { status: 404 });
  }
  try {
    return Response.json({ answer: await csms.call(identity, action, payload as never) });
  } catch (error) {
    const code = error instanceof OcppCallError ? error.code : undefined;
    return Response.json({ error: (error as Error).message, ...(code && { code }) }, {
      status: 502,
    });
  }
}
