/**
 * Commands from outside a running simulation, such as a central system's
 * (see `ocpp/`): a power cap on a charger, a charger out of service. They
 * wait in a {@link CommandInbox}; the run loop (`run.ts`) applies each one
 * between two steps, at the simulated time of the moment it takes it, and
 * delivers the events it makes like any other. A run with commands is not
 * repeatable from its seed alone: what the commands did depends on when
 * they came.
 *
 * @module
 */
import type { SimEvent } from "./event.ts";
import type { Simulation } from "./simulation.ts";

/** A change to a running simulation. */
export type Command =
  /** Cap the charger's power at `kw` (undefined: no cap; 0: hold the charge). */
  | { type: "limit"; chargerId: string; kw: number | undefined }
  /** Take the charger out of service (false) or put it back (true). */
  | { type: "availability"; chargerId: string; available: boolean }
  /** A driver starts a session there now (as with an app or a remote start). */
  | { type: "start"; chargerId: string }
  /** The driver of the session there ends it now and unplugs; `message` says why. */
  | { type: "stop"; chargerId: string; message?: string };

/** What became of a command: done, done once the charger is free, or refused. */
export type CommandOutcome = "accepted" | "scheduled" | "rejected";

interface Waiting {
  command: Command;
  resolve: (outcome: CommandOutcome) => void;
  reject: (error: unknown) => void;
}

/** Commands waiting for a run to apply them. */
export class CommandInbox {
  #waiting: Waiting[] = [];
  #arrived = new AbortController();
  #closed?: string;

  /** Hands `command` to the run; resolves once it is applied, rejects if it cannot be. */
  send(command: Command): Promise<CommandOutcome> {
    if (this.#closed) return Promise.reject(new Error(this.#closed));
    return new Promise((resolve, reject) => {
      this.#waiting.push({ command, resolve, reject });
      this.#arrived.abort();
    });
  }

  /** Whether commands wait. */
  get size(): number {
    return this.#waiting.length;
  }

  /** Aborted when a command comes: the run loop wakes from a wait with it. */
  get signal(): AbortSignal {
    return this.#arrived.signal;
  }

  /**
   * Applies every waiting command to `sim` at simulated `time` (between
   * `sim.now` and `sim.peek()`), appending the events they make to `out`.
   */
  applyAll(sim: Simulation, time: number, out: SimEvent[]): void {
    const waiting = this.#waiting;
    this.#waiting = [];
    this.#arrived = new AbortController();
    for (const w of waiting) {
      try {
        w.resolve(applyCommand(sim, w.command, time, out));
      } catch (error) {
        w.reject(error);
      }
    }
  }

  /** Refuses every waiting command, and those sent later: the run is over. */
  close(reason = "the simulation has stopped"): void {
    this.#closed = reason;
    for (const w of this.#waiting.splice(0)) w.reject(new Error(reason));
  }
}

/** Applies one command to `sim` at `time`. */
export function applyCommand(
  sim: Simulation,
  command: Command,
  time: number,
  out: SimEvent[],
): CommandOutcome {
  switch (command.type) {
    case "limit":
      sim.limitPower(command.chargerId, command.kw, time, out);
      return "accepted";
    case "availability":
      return sim.setAvailable(command.chargerId, command.available, time, out);
    case "start":
      return sim.startSession(command.chargerId, time, out) ? "accepted" : "rejected";
    case "stop":
      return sim.stopSession(command.chargerId, time, out, command.message)
        ? "accepted"
        : "rejected";
  }
}
