/**
 * A sink that writes session lifecycle events to the log at debug level, as the
 * original tool logged every session it generated and updated.
 *
 * @module
 */
import type { Logger } from "@logtape/logtape";
import type { Sink } from "../core/sink.ts";

/** Logs each event at debug level through `logger`. */
export function getLogSink(logger: Logger): Sink {
  return (event) => {
    if (event.type === "charger.status") {
      logger.debug("Charger {chargerId} is {status}: {statusMessage}", event);
    } else {
      logger.debug(
        "Session {sessionId} {type} at {chargerId}: {socPercent}% SoC, {energyKwh} kWh, {powerKw} kW",
        event,
      );
    }
  };
}
